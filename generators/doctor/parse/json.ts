/** config.json with positions (jsonc-parser, strict: Paperclip reads it with JSON.parse, so comments are errors). */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { LineIndex, type Position } from './text.js';

export interface JsonDocument {
  data: unknown;
  /** Where the key of `path` is written, or the value for array items and the root. */
  keyAt(path: readonly (string | number)[]): Position | undefined;
  /** The nearest written ancestor of `path` (for a missing key: the object it belongs in). */
  nearest(path: readonly (string | number)[]): Position;
}

export class JsonError extends Error {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
  }
}

export function parseJson(text: string): JsonDocument {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const index = new LineIndex(text);
  if (errors.length || !root) {
    const first = errors[0];
    throw new JsonError(first ? printParseErrorCode(first.error) : 'empty file', index.at(first?.offset ?? 0));
  }
  const positionOf = (node: Node): Position =>
    index.at(node.parent?.type === 'property' ? node.parent.offset : node.offset);
  return {
    data: JSON.parse(text),
    keyAt: (path) => {
      const node = findNodeAtLocation(root, [...path]);
      return node ? positionOf(node) : undefined;
    },
    nearest: (path) => {
      for (let length = path.length; length > 0; length--) {
        const node = findNodeAtLocation(root, path.slice(0, length));
        if (node) return positionOf(node);
      }
      return index.at(root.offset);
    },
  };
}
