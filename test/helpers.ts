import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import helpers from 'yeoman-test';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
import type { GeneratorName } from '../generators/lib/generators.js';

/** Compiled generator entry, as `yo` loads it (tests run against dist/, built by `pretest`). */
export const generatorPath = (name: GeneratorName): string => join(ROOT, 'dist', 'generators', name, 'index.js');

/** A fixed first-generation time, so outputs can be compared byte for byte. */
export const GENERATED_AT = '2026-01-01T00:00:00.000Z';

/** An empty project folder named `name` (the app name defaults from it). */
export function tempProject(name = 'my-paperclip'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pcfly-')), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface RunOptions {
  options?: Record<string, unknown>;
  answers?: Record<string, unknown>;
  /** Sees each question as it is answered (e.g. to call its validator). */
  onQuestion?: (question: { name?: string; validate?: (input: unknown) => unknown }) => void;
  args?: string[];
  yoRc?: Record<string, unknown>;
}

/**
 * Runs a generator in `dir` (files go to disk, as with `yo`). Unlike yeoman-test's default, without --force:
 * conflicts are handled as a user's run would handle them.
 */
export async function runIn(dir: string, name: GeneratorName, run: RunOptions = {}) {
  const force = Boolean(run.options?.force);
  // The environment's conflicter reads --force from the environment options (typed narrowly by yeoman-test).
  const environmentOptions = { force };
  // `cd` is deprecated for new tests, but it is yeoman-test's only way into a folder that keeps its files (inDir empties it).
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  let context = helpers.run(generatorPath(name), {}, environmentOptions).cd(dir);
  if (run.yoRc) context = context.withYoRc({ 'generator-paperclip-fly': run.yoRc });
  if (run.args) context = context.withArguments(run.args);
  context = context.withOptions({ force, ...run.options } as Parameters<typeof context.withOptions>[0]);
  const onQuestion = run.onQuestion;
  if (run.answers)
    context = context.withAnswers(
      run.answers,
      onQuestion
        ? {
            callback: (answer: unknown, { question }: { question: unknown }) => {
              onQuestion(question as Parameters<typeof onQuestion>[0]);
              return answer;
            },
          }
        : undefined,
    );
  return context;
}

/** Every file under dir (relative path → contents), .yo-rc.json included. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** Generates with --yes plus the given flags in a fresh folder; returns the folder and its files. */
export async function generate(flags: Record<string, unknown> = {}, name = 'my-paperclip') {
  const dir = tempProject(name);
  await runIn(dir, 'app', { options: { yes: true, ...flags }, yoRc: { generatedAt: GENERATED_AT } });
  return { dir, files: readTree(dir) };
}
