import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFor } from '../generators/lib/files.js';
import type { Concern } from '../generators/lib/generators.js';
import { settingsOf } from '../generators/lib/settings.js';
import { generate, readTree, runIn } from './helpers.js';

/** Paths whose contents differ between two trees. */
function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

const touchedBy = (concern: Concern) => filesFor(concern).map((file) => file.path);

describe('sub-generators on an existing project', () => {
  it('tailscale: turning it off rewrites every file it touches and leaves the rest byte-identical', async () => {
    const { dir, files } = await generate();
    await runIn(dir, 'tailscale', { options: { tailscale: false } });
    const after = readTree(dir);
    expect(changed(files, after)).toEqual([
      '.env.example',
      '.yo-rc.json',
      'Dockerfile',
      'README.md',
      'fly.toml',
      'ops.sh',
      'start.sh',
    ]);
    for (const path of changed(files, after))
      if (path !== '.yo-rc.json') expect(touchedBy('tailscale')).toContain(path);
    expect(after.get('Dockerfile')).not.toMatch(/tailscale/i);
    expect(after.get('fly.toml')).not.toContain('TS_HOSTNAME');
    expect(after.get('start.sh')).not.toContain('tailscaled');
    expect(after.get('ops.sh')).not.toContain('TS_AUTHKEY');
    expect(after.get('README.md')).toContain('make proxy');
    expect(after.get('README.md')).not.toContain('[gotcha:tailscale-tun]');

    // Turning it back on restores the original output exactly (its settings were kept).
    await runIn(dir, 'tailscale', { options: { tailscale: true } });
    expect(changed(files, readTree(dir))).toEqual([]);
  });

  it('postgres: switching to external changes only the files PostgreSQL touches', async () => {
    const { dir, files } = await generate();
    await runIn(dir, 'postgres', { options: { postgresMode: 'external' } });
    const after = readTree(dir);
    expect(changed(files, after)).toEqual([
      '.env.example',
      '.yo-rc.json',
      'Dockerfile',
      'README.md',
      'config.json',
      'ops.sh',
      'start.sh',
    ]);
    expect(after.get('Dockerfile')).not.toContain('postgresql-17 \\');
    expect(after.get('Dockerfile')).toContain('postgresql-client-17');
    expect(after.get('start.sh')).toContain('wait_for_external_database');
    expect(after.get('start.sh')).not.toContain('initdb');
    expect(after.get('.env.example')).toMatch(/^DATABASE_URL=$/m);
  });

  it('fly: new machine size and region change fly.toml, ops.sh and README only', async () => {
    const { dir, files } = await generate();
    await runIn(dir, 'fly', { options: { region: 'ams', vmSize: 'performance-1x', vmMemory: '4096' } });
    const after = readTree(dir);
    expect(changed(files, after)).toEqual(['.yo-rc.json', 'README.md', 'fly.toml', 'ops.sh']);
    expect(after.get('fly.toml')).toContain('primary_region = "ams"');
    expect(after.get('fly.toml')).toContain('memory = "4096mb"');
    expect(after.get('ops.sh')).toContain('readonly REGION=ams');
  });

  it('fly: the workflow appears and disappears with --githubActions', async () => {
    const { dir, files } = await generate();
    await runIn(dir, 'fly', { options: { githubActions: true } });
    expect(changed(files, readTree(dir))).toEqual(['.github/workflows/fly-deploy.yml', '.yo-rc.json', 'README.md']);
    await runIn(dir, 'fly', { options: { githubActions: false } });
    expect(changed(files, readTree(dir))).toEqual([]);
  });

  it('fly: keeps a workflow the user edited when it is turned off (and deletes it with --force)', async () => {
    const { dir } = await generate({ githubActions: true });
    const workflow = join(dir, '.github/workflows/fly-deploy.yml');
    writeFileSync(workflow, `${readFileSync(workflow, 'utf8')}# my own step\n`);
    await runIn(dir, 'fly', { options: { githubActions: false } });
    expect(readFileSync(workflow, 'utf8')).toContain('# my own step');
    await runIn(dir, 'fly', { options: { githubActions: false, force: true } });
    expect(existsSync(workflow)).toBe(false);
  });

  it.each(['fly', 'postgres', 'tailscale'] as const)(
    '%s: with no flags and no terminal, keeps everything as it is',
    async (name) => {
      const { dir, files } = await generate();
      await runIn(dir, name);
      expect(readTree(dir)).toEqual(files);
    },
  );

  it.each(['fly', 'postgres', 'tailscale'] as const)(
    '%s: interactively re-asks only its own settings, defaulting to the stored ones',
    async (name) => {
      const { dir, files } = await generate();
      const result = await runIn(dir, name, { options: { interactive: true } });
      const own = settingsOf(name).map((spec) => spec.key);
      expect(result.askedQuestions.map((question) => question.name)).toEqual(own);
      // Accepting every default changes nothing.
      expect(readTree(dir)).toEqual(files);
    },
  );

  it('leaves a file the user edited to the conflict handler: --bail stops, --force overwrites', async () => {
    const { dir } = await generate();
    const flyToml = join(dir, 'fly.toml');
    writeFileSync(flyToml, `${readFileSync(flyToml, 'utf8')}\n# my own note\n`);
    await expect(runIn(dir, 'fly', { options: { vmMemory: '3072', bail: true } })).rejects.toThrow(
      /conflict.*fly\.toml/i,
    );
    expect(readFileSync(flyToml, 'utf8')).toContain('# my own note');
    await runIn(dir, 'fly', { options: { vmMemory: '3072', force: true } });
    expect(readFileSync(flyToml, 'utf8')).not.toContain('# my own note');
    expect(readFileSync(flyToml, 'utf8')).toContain('memory = "3072mb"');
  });

  it('keeps a hand edit when the generated version of that file did not change', async () => {
    const { dir } = await generate();
    const startSh = join(dir, 'start.sh');
    writeFileSync(startSh, `${readFileSync(startSh, 'utf8')}# my own note\n`);
    await runIn(dir, 'app', { options: { vmMemory: '3072' } });
    expect(readFileSync(startSh, 'utf8')).toContain('# my own note');
    expect(readFileSync(join(dir, 'fly.toml'), 'utf8')).toContain('memory = "3072mb"');
  });

  it('without a terminal, refuses to overwrite a hand edit the new settings would change, naming the way out', async () => {
    const { dir } = await generate();
    const startSh = join(dir, 'start.sh');
    writeFileSync(startSh, `${readFileSync(startSh, 'utf8')}# my own note\n`);
    const before = readTree(dir);
    await expect(runIn(dir, 'postgres', { options: { postgresMode: 'external' } })).rejects.toThrow(
      /^Nothing written: start\.sh was changed by hand since generated\. Re-run with --force to overwrite, or pin a file with a line "<file> skip" in \.yo-resolve\.$/,
    );
    expect(readTree(dir)).toEqual(before);
  });

  it('keeps a file pinned in .yo-resolve even when it is untouched', async () => {
    const { dir, files } = await generate();
    writeFileSync(join(dir, '.yo-resolve'), 'fly.toml skip\n');
    await runIn(dir, 'fly', { options: { vmMemory: '3072' } });
    expect(readFileSync(join(dir, 'fly.toml'), 'utf8')).toBe(files.get('fly.toml'));
  });
});
