import { describe, expect, it } from 'vitest';
import { generate } from './helpers.js';

/**
 * The generated repository, committed under test/fixtures/<scenario>/ so reviewers read (and could build) real
 * output. Update with `npx vitest run test/fixtures.test.ts -u` and review the diff; the invariants themselves are
 * asserted explicitly in output.test.ts.
 */
const SCENARIOS: Record<string, Record<string, unknown>> = {
  default: { appName: 'my-paperclip' },
  'no-tailscale-external-pg-codex': {
    appName: 'my-paperclip',
    tailscale: false,
    postgresMode: 'external',
    agents: 'claude,codex',
    githubActions: true,
  },
};

describe.each(Object.entries(SCENARIOS))('fixture %s', (scenario, flags) => {
  it('matches the committed files', async () => {
    const { files } = await generate(flags);
    for (const [path, contents] of files) {
      await expect(contents).toMatchFileSnapshot(
        `./fixtures/${scenario}/${path === '.yo-rc.json' ? 'yo-rc.json' : path}`,
      );
    }
  });
});
