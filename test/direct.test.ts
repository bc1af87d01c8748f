/**
 * The direct run (direct.ts, no Yeoman) against the Yeoman generators, over the whole option matrix: the same
 * sequence of runs on two copies of a project, one per path, must leave byte-identical files (`.yo-rc.json`
 * included), report the same decision for every file (create, identical, force, keep, delete, refuse) and
 * fail alike. Both run in this process, with the clock fixed, so `generatedAt` is the same.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directOptions, runDirect } from '../generators/lib/direct.js';
import type { GeneratorName } from '../generators/lib/generators.js';
import { readTree } from './helpers.js';
import { OPTION_MATRIX, matrixLabel, type MatrixFlags } from './matrix.js';
import { pathsFixture, viaDirect, viaYeoman } from './paths.js';

const asArgs = (flags: MatrixFlags): string[] =>
  Object.entries(flags).flatMap(([key, value]) =>
    typeof value === 'boolean' ? [value ? `--${key}` : `--no-${key}`] : [`--${key}`, value],
  );

/** One run of the sequence: what a user does, and what changes on disk before it. */
interface Step {
  title: string;
  name: GeneratorName;
  args: (flags: MatrixFlags) => string[];
  before?: (dir: string) => void;
}

const STEPS: Step[] = [
  { title: 'first run, --yes', name: 'app', args: (flags) => ['--yes', ...asArgs(flags)] },
  { title: 're-run without flags (all identical)', name: 'app', args: () => [] },
  {
    title: '.gitignore edited, a setting changed (keep the edit; write the rest)',
    name: 'app',
    args: () => ['--vmMemory', '4096'],
    before: (dir) => {
      appendFileSync(join(dir, '.gitignore'), 'notes/\n');
    },
  },
  {
    title: 'Makefile edited, and its generated version changes (refuse)',
    name: 'app',
    args: () => ['--appName', 'renamed-clip'],
    before: (dir) => {
      appendFileSync(join(dir, 'Makefile'), '# mine\n');
    },
  },
  {
    title: 'the same with --force (write over the edits)',
    name: 'app',
    args: () => ['--appName', 'renamed-clip', '--force'],
  },
  {
    title: 'the tailscale sub-generator turns Tailscale over',
    name: 'tailscale',
    args: (flags) => [flags.tailscale ? '--no-tailscale' : '--tailscale'],
  },
  {
    title: 'the workflow turned over (delete or create)',
    name: 'fly',
    args: (flags) => [flags.githubActions ? '--no-githubActions' : '--githubActions'],
  },
];

const projectFolder = pathsFixture('pcfly-direct-');

describe('the direct run decides and writes as the Yeoman generators do', () => {
  it.each(OPTION_MATRIX.map((flags) => [matrixLabel(flags), flags] as const))('%s', async (_label, flags) => {
    const yeoman = projectFolder();
    const direct = projectFolder();
    for (const step of STEPS) {
      for (const dir of [yeoman, direct]) {
        if (!existsSync(dir)) mkdirSync(dir);
        step.before?.(dir);
      }
      const args = step.args(flags);
      const expected = await viaYeoman(yeoman, step.name, args);
      const actual = await viaDirect(direct, step.name, args);
      expect(actual, step.title).toEqual(expected);
      expect(readTree(direct), step.title).toEqual(readTree(yeoman));
    }
  });
});

describe('what the direct run leaves to Yeoman', () => {
  it.each([
    ['--help', ['--help']],
    ['an unknown flag', ['--vm-memory', '4096']],
    ['a value-less string flag', ['--region']],
    ['a positional argument', ['extra']],
    ['--bail', ['--bail']],
    ['--upgrade on a concern', ['--upgrade']],
    ['a boolean with a value', ['--tailscale=false']],
  ])('%s', (_name, args) => {
    expect(directOptions(args[0] === '--upgrade' ? 'fly' : 'app', args)).toBeUndefined();
  });

  it('reads the forms it handles', () => {
    expect(
      directOptions('app', [
        '--yes',
        '--region',
        'fra',
        '--vmMemory=4096',
        '--no-tailscale',
        '--force',
        '--no-interactive',
      ]),
    ).toEqual({
      options: { yes: true, region: 'fra', vmMemory: '4096', tailscale: false, interactive: false },
      force: true,
      dryRun: false,
    });
    // A concern accepts only its own settings.
    expect(directOptions('tailscale', ['--region', 'fra'])).toBeUndefined();
  });

  it('a terminal, or a .yo-resolve file, goes to Yeoman', async () => {
    const dir = projectFolder();
    mkdirSync(dir);
    const output = { out: () => undefined, err: () => undefined };
    expect(
      await runDirect('app', ['--yes'], { cwd: dir, stdinIsTTY: true, stdoutIsTTY: true, output }),
    ).toBeUndefined();
    appendFileSync(join(dir, '.yo-resolve'), 'fly.toml skip\n');
    expect(
      await runDirect('app', ['--yes'], { cwd: dir, stdinIsTTY: false, stdoutIsTTY: false, output }),
    ).toBeUndefined();
  });
});
