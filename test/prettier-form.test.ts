/**
 * The generator runs no prettier (it cost ~100 ms a run); instead every file it writes must already be what
 * prettier prints, for every combination of the option matrix.
 */
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { renderProject } from '../generators/lib/render.js';
import { defaultSettings, parseSetting } from '../generators/lib/settings.js';
import { GENERATED_AT } from './helpers.js';
import { OPTION_MATRIX, matrixLabel } from './matrix.js';

/** The options the generator used to format with. */
const PRETTIER = { printWidth: 110, proseWrap: 'preserve' } as const;

describe("every generated file is already in prettier's form", () => {
  const checked = new Set<string>();

  it.each(OPTION_MATRIX.map((flags) => [matrixLabel(flags), flags] as const))('%s', async (_label, flags) => {
    const overrides = Object.fromEntries(
      Object.entries(flags).map(([key, raw]) => [key, parseSetting(key as never, raw)]),
    );
    const files = await renderProject(defaultSettings({ folderName: 'my-paperclip' }, overrides), {
      generatedAt: GENERATED_AT,
    });
    for (const [path, text] of files) {
      // Prettier decides which files it formats (by name), not this test.
      const { inferredParser } = await prettier.getFileInfo(path);
      if (!inferredParser) continue;
      checked.add(path);
      expect(text, path).toBe(await prettier.format(text, { ...PRETTIER, parser: inferredParser }));
    }
  });

  it('checked the JSON, Markdown and YAML files', () => {
    expect([...checked].sort()).toEqual(['.github/workflows/fly-deploy.yml', 'README.md', 'config.json']);
  });
});
