/**
 * The two ways a run happens, in this process: through Yeoman (as `yo paperclip-fly` runs it) and the direct run
 * the bin uses (direct.ts). Both capture what they print and how they end, so tests can require them to agree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { QueuedAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { runDirect } from '../generators/lib/direct.js';
import type { GeneratorName } from '../generators/lib/generators.js';
import type { VersionLookup } from '../generators/lib/upgrade.js';
import { generatorPath } from './helpers.js';

export interface Outcome {
  code: number;
  /** The `error:` line, if the run failed. */
  error?: string;
  /** Each file's reported status ("create Dockerfile", "skip Makefile: …"), sorted. */
  statuses: string[];
  /** Everything printed on stdout (results). */
  out: string;
}

export const statusesOf = (log: string): string[] =>
  stripVTControlCharacters(log)
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => /^\s*(create|identical|force|conflict|skip|info|delete|warning)\s(.+)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => `${match[1]} ${match[2]!.trim()}`)
    .sort();

/** A registry that never answers: the runs in tests do not reach npm (FAKE). */
export const OFFLINE_FAKE: VersionLookup = () => Promise.resolve(undefined);

/** One run of generator `name` with `args` in `dir`, by one path. */
export type Path = (
  dir: string,
  name: GeneratorName,
  args: string[],
  versionLookup?: VersionLookup,
) => Promise<Outcome>;

export const viaYeoman: Path = async (dir, name, args, versionLookup = OFFLINE_FAKE) => {
  let log = '';
  let out = '';
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      log += String(chunk);
      done();
    },
  });
  // No terminal: a question would end at once (a failure here, not a hang).
  const adapter = new QueuedAdapter({
    stdin: Readable.from([]) as never,
    stdout: sink as never,
    stderr: sink as never,
  });
  const env = createEnv({ cwd: dir, skipInstall: true, adapter });
  env.register(generatorPath(name), { namespace: `paperclip-fly:${name}` });
  const output = {
    out: (text: string) => (out += text),
    err: (text: string) => (log += text),
  };
  try {
    await env.run([`paperclip-fly:${name}`, ...args], { output, versionLookup } as never);
    return { code: 0, statuses: statusesOf(log + out), out };
  } catch (error) {
    return { code: 1, error: `error: ${(error as Error).message}`, statuses: statusesOf(log + out), out };
  }
};

export const viaDirect: Path = async (dir, name, args, versionLookup = OFFLINE_FAKE) => {
  let log = '';
  let out = '';
  const code = await runDirect(name, args, {
    cwd: dir,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    output: { out: (text) => (out += text), err: (text) => (log += text) },
    versionLookup,
  });
  expect(code, `direct run of ${name} ${args.join(' ')} handed to Yeoman`).toBeDefined();
  const error = log.split('\n').find((line) => line.startsWith('error: '));
  return { code: code!, ...(error ? { error } : {}), statuses: statusesOf(log + out), out };
};

/**
 * For a test file that compares the paths: the clock fixed (so `generatedAt` is alike) and every folder it makes
 * removed afterwards. Returns a maker of fresh folder paths named `name` (not yet created).
 */
export function pathsFixture(prefix: string): (name?: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-02-03T04:05:06.000Z') });
    return () => vi.useRealTimers();
  });
  return (name = 'my-paperclip') => {
    const parent = mkdtempSync(join(tmpdir(), prefix));
    made.push(parent);
    return join(parent, name);
  };
}
