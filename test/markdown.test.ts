import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { alignTables } from '../generators/lib/markdown.js';

const format = (markdown: string) =>
  prettier.format(markdown, { parser: 'markdown', printWidth: 110, proseWrap: 'preserve' });

describe('alignTables pads tables as prettier does', () => {
  it('pads cells and the delimiter row to the widest cell of each column', () => {
    const input = '| File | Role |\n| --- | --- |\n| `Dockerfile` | The image |\n| `a` | b |\n';
    expect(alignTables(input)).toBe(
      '| File         | Role      |\n| ------------ | --------- |\n| `Dockerfile` | The image |\n| `a`          | b         |\n',
    );
  });

  it.each([
    ['a column narrower than the 3-dash minimum', '| a | b |\n| --- | --- |\n| c | d |\n'],
    [
      'left, right and centred columns',
      '| left | right | centre |\n| :--- | ---: | :---: |\n| a | bb | c |\n| longer | x | middle one |\n',
    ],
    ['escaped pipes inside a cell', '| Trap | Symptom |\n| --- | --- |\n| pipes | a \\| b \\| c |\n'],
    [
      'text around two tables',
      '# Title\n\nSome text.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\nMore text.\n\n| x |\n| --- |\n| yy |\n',
    ],
    ['a pipe line in a fenced block is not a table', '```sh\n| a | b |\n| --- | --- |\n```\n'],
    ['an already aligned table', '| a   | b   |\n| --- | --- |\n| c   | d   |\n'],
  ])('%s', async (_name, input) => {
    expect(alignTables(input)).toBe(await format(input));
  });

  it('leaves a document without tables as it is', () => {
    const input = '# Title\n\n- a | b\n- c\n\n`x | y`\n';
    expect(alignTables(input)).toBe(input);
  });
});
