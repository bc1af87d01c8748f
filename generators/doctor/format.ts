/** The report for people: grouped by file, positions and severities aligned, colour only when asked. */
import type { Finding, Report } from './report.js';

const CODES = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1, underline: 4 } as const;
type Style = keyof typeof CODES;

/** `dir` is the folder as the user named it (the report holds it absolute). */
export function formatReport(report: Report, { color, dir }: { color: boolean; dir: string }): string {
  const paint = (style: Style, text: string) => (color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  lines.push(
    `${paint('bold', 'doctor')} ${dir}: ${report.files.map((file) => (file.path.endsWith(file.role) ? file.path : `${file.path} (${file.role})`)).join(', ') || 'no files'}`,
    '',
  );

  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
  const positionWidth = Math.max(0, ...report.findings.map((finding) => `${finding.line}:${finding.column}`.length));
  const severityWidth = report.findings.some((finding) => finding.severity === 'warning') ? 7 : 5;
  const indent = ' '.repeat(2 + positionWidth + 2 + severityWidth + 2);
  for (const [file, findings] of byFile) {
    lines.push(paint('underline', file));
    for (const finding of findings) {
      const position = `${finding.line}:${finding.column}`.padEnd(positionWidth);
      const severity = paint(finding.severity === 'error' ? 'red' : 'yellow', finding.severity.padEnd(severityWidth));
      lines.push(`  ${paint('dim', position)}  ${severity}  ${finding.message}  ${paint('dim', finding.id)}`);
      lines.push(`${indent}${paint('dim', `breaks: ${finding.symptom}`)}`);
      lines.push(`${indent}${paint('dim', `fix: ${finding.fix}`)}`);
    }
    lines.push('');
  }
  if (report.notChecked.length) {
    lines.push(paint('bold', 'Not checked'));
    const idWidth = Math.max(...report.notChecked.map((entry) => entry.id.length));
    for (const entry of report.notChecked) lines.push(`  ${entry.id.padEnd(idWidth)}  ${paint('dim', entry.reason)}`);
    lines.push('');
  }
  const { errors, warnings, checked, notChecked } = report.summary;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const counts = `${plural(errors, 'error')}, ${plural(warnings, 'warning')} (${checked} rules checked, ${notChecked} not checked)`;
  lines.push(
    errors ? paint('red', `✖ ${counts}`) : warnings ? paint('yellow', `⚠ ${counts}`) : paint('green', `✔ ${counts}`),
  );
  return `${lines.join('\n')}\n`;
}
