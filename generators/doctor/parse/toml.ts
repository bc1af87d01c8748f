/** fly.toml with positions (toml-eslint-parser): the value of every key and where its key and value are written. */
import { getStaticTOMLValue, parseTOML, type AST } from 'toml-eslint-parser';
import type { Position } from './text.js';

export type TomlPath = readonly (string | number)[];

export interface TomlDocument {
  data: Record<string, unknown>;
  /** Where the key of `path` is written (for a table: its header). */
  keyAt(path: TomlPath): Position | undefined;
  /** Where the value of `path` is written. */
  valueAt(path: TomlPath): Position | undefined;
  /** The value at `path`, or undefined. */
  get(path: TomlPath): unknown;
}

export class TomlError extends Error {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
  }
}

const pathKey = (path: TomlPath): string => JSON.stringify(path);
const start = (node: { loc: { start: { line: number; column: number } } }): Position => ({
  line: node.loc.start.line,
  column: node.loc.start.column + 1,
});

export function parseFlyToml(text: string): TomlDocument {
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(text);
  } catch (error) {
    const parseError = error as { message: string; lineNumber?: number; column?: number };
    throw new TomlError(parseError.message, { line: parseError.lineNumber ?? 1, column: (parseError.column ?? 0) + 1 });
  }
  const keys = new Map<string, Position>();
  const values = new Map<string, Position>();
  const visitValue = (node: AST.TOMLContentNode, path: (string | number)[]) => {
    values.set(pathKey(path), start(node));
    if (node.type === 'TOMLInlineTable') for (const pair of node.body) visitPair(pair, path);
    if (node.type === 'TOMLArray')
      node.elements.forEach((element, index) => {
        visitValue(element, [...path, index]);
      });
  };
  const visitPair = (pair: AST.TOMLKeyValue, base: (string | number)[]) => {
    const path = [...base];
    for (const key of pair.key.keys) {
      path.push(key.type === 'TOMLBare' ? key.name : key.value);
      if (!keys.has(pathKey(path))) keys.set(pathKey(path), start(key));
    }
    visitValue(pair.value, path);
  };
  for (const item of program.body[0].body) {
    if (item.type === 'TOMLKeyValue') visitPair(item, []);
    else {
      keys.set(pathKey(item.resolvedKey), start(item));
      for (const pair of item.body) visitPair(pair, item.resolvedKey);
    }
  }
  const data = getStaticTOMLValue(program) as Record<string, unknown>;
  return {
    data,
    keyAt: (path) => keys.get(pathKey(path)),
    valueAt: (path) => values.get(pathKey(path)) ?? keys.get(pathKey(path)),
    get: (path) =>
      path.reduce<unknown>(
        (node, key) =>
          node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined,
        data,
      ),
  };
}
