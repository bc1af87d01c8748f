/** A GitHub workflow (yaml, with source ranges): every `run:` step as a shell syntax tree mapped to its lines. */
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Node as YamlNode } from 'yaml';
import type { Parser } from 'web-tree-sitter';
import { LineIndex, type Position } from './text.js';
import { parseShell, type ShellScript } from './shell.js';

export interface WorkflowModel {
  file: string;
  runs: ShellScript[];
}

export class YamlError extends Error {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
  }
}

/** Maps offsets of a block scalar's value back to the file: its lines sit indented under the key. */
function blockMap(index: LineIndex, node: Scalar, value: string): (offset: number) => Position {
  const [start] = node.range ?? [0];
  const header = index.at(start);
  const firstLine = header.line + 1;
  const firstText = index.lineText(firstLine);
  const indent = firstText.length - firstText.trimStart().length;
  const rowStarts = [0];
  for (let i = 0; i < value.length; i++) if (value[i] === '\n') rowStarts.push(i + 1);
  return (offset) => {
    let row = 0;
    while (row + 1 < rowStarts.length && (rowStarts[row + 1] ?? Infinity) <= offset) row++;
    return { line: firstLine + row, column: indent + offset - (rowStarts[row] ?? 0) + 1 };
  };
}

export function parseWorkflow(file: string, text: string, parser: Parser): WorkflowModel {
  const document = parseDocument(text, { prettyErrors: false });
  const index = new LineIndex(text);
  const error = document.errors[0];
  if (error) throw new YamlError(error.message.split('\n')[0] ?? error.message, index.at(error.pos[0]));
  const runs: ShellScript[] = [];
  const visit = (node: YamlNode | null | undefined) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (
          isScalar(pair.key) &&
          pair.key.value === 'run' &&
          isScalar(pair.value) &&
          typeof pair.value.value === 'string'
        ) {
          const scalar = pair.value;
          const value = scalar.value as string;
          const block = scalar.type === Scalar.BLOCK_LITERAL || scalar.type === Scalar.BLOCK_FOLDED;
          const start =
            (scalar.range?.[0] ?? 0) +
            (scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE ? 1 : 0);
          const map = block ? blockMap(index, scalar, value) : (offset: number) => index.at(start + offset);
          runs.push(parseShell(parser, { file, text: value, map }));
        } else visit(pair.value as YamlNode);
      }
    } else if (isSeq(node)) for (const item of node.items) visit(item as YamlNode);
  };
  visit(document.contents);
  return { file, runs };
}
