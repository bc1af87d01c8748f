/** Source positions shared by every parser: 1-based line and column, as editors and compilers print them. */
export interface Position {
  line: number;
  column: number;
}

/** A place in a file of the audited repository (path relative to its root). */
export interface Location extends Position {
  file: string;
}

/** Offsets ↔ positions for one text (parsers disagree: some give offsets, some 0-based lines). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }

  at(offset: number): Position {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.starts[low] ?? 0) + 1 };
  }

  /** Offset of a 0-based line and character (the Language Server convention dockerfile-ast uses). */
  offset(line0: number, character: number): number {
    return (this.starts[line0] ?? this.text.length) + character;
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const end = this.starts[line] ?? this.text.length + 1;
    return this.text.slice(start, end - 1);
  }
}

export const locate = (file: string, position: Position): Location => ({
  file,
  line: position.line,
  column: position.column,
});
