/**
 * Markdown tables padded the way prettier prints them (printWidth 110, proseWrap "preserve"): every cell padded
 * to its column's widest cell (at least 3), the delimiter row as dashes of that width. Templates write tables
 * unpadded, one row per line; this is the only change prettier would make to the generated Markdown, so the
 * generator needs no prettier at run time (test/prettier-form.test.ts holds every generated file to it).
 * Widths count code points, which is prettier's width for the ASCII and Latin punctuation the templates use.
 */

type Align = 'none' | 'left' | 'right' | 'center';

const ROW = /^\|.*\|$/;
const DELIMITER = /^\|(\s*:?-+:?\s*\|)+$/;
const FENCE = /^(```|~~~)/;

/** The cells of one row, trimmed; an escaped pipe (`\|`) stays inside its cell. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function alignOf(delimiterCell: string): Align {
  const left = delimiterCell.startsWith(':');
  const right = delimiterCell.endsWith(':');
  return left && right ? 'center' : left ? 'left' : right ? 'right' : 'none';
}

/** Code points: prettier's width for the text the templates write (no wide or combining characters). */
const width = (text: string): number => Array.from(text).length;

function pad(text: string, columnWidth: number, align: Align): string {
  const spaces = columnWidth - width(text);
  const before = align === 'right' ? spaces : align === 'center' ? Math.floor(spaces / 2) : 0;
  return ' '.repeat(before) + text + ' '.repeat(spaces - before);
}

function delimiter(columnWidth: number, align: Align): string {
  const first = align === 'left' || align === 'center' ? ':' : '-';
  const last = align === 'right' || align === 'center' ? ':' : '-';
  return first + '-'.repeat(columnWidth - 2) + last;
}

/** One table (header, delimiter row, body rows) in prettier's aligned form. */
function formatTable(lines: readonly string[]): string[] {
  const [header, delimiterRow, ...body] = lines.map(cells) as [string[], string[], ...string[][]];
  const aligns = delimiterRow.map(alignOf);
  const rows = [header, ...body];
  const widths = aligns.map((_, column) => Math.max(3, ...rows.map((row) => width(row[column] ?? ''))));
  const line = (parts: string[]) => `| ${parts.join(' | ')} |`;
  const printRow = (row: string[]) =>
    line(widths.map((w, column) => pad(row[column] ?? '', w, aligns[column] ?? 'none')));
  const delimiters = widths.map((w, column) => delimiter(w, aligns[column] ?? 'none'));
  return [printRow(header), line(delimiters), ...body.map(printRow)];
}

/** The document with every table outside fenced code blocks aligned; all other lines untouched. */
export function alignTables(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length;) {
    const current = lines[i] ?? '';
    if (FENCE.test(current)) fenced = !fenced;
    if (!fenced && ROW.test(current) && DELIMITER.test(lines[i + 1] ?? '')) {
      let end = i + 2;
      while (end < lines.length && ROW.test(lines[end] ?? '')) end++;
      out.push(...formatTable(lines.slice(i, end)));
      i = end;
    } else {
      out.push(current);
      i++;
    }
  }
  return out.join('\n');
}
