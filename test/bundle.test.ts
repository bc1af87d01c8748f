/**
 * The package bin runs one esbuild bundle (scripts/bundle.js) in which inquirer, fly-import and latest-version
 * load on first use, and dependencies find their own files in the installed package. These run the built bin.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERATED_AT, ROOT, readTree } from './helpers.js';
import { spawnOnTerminal } from './lib/pty.js';

const BIN = join(ROOT, 'bin', 'paperclip-fly.js');
const LIB = join(ROOT, 'dist', 'generators', 'lib');

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** An empty project folder whose .yo-rc.json fixes only the generation time, so two runs compare byte for byte. */
function project(): string {
  const parent = mkdtempSync(join(tmpdir(), 'pcfly-bundle-'));
  made.push(parent);
  const dir = join(parent, 'my-paperclip');
  mkdirSync(dir);
  writeFileSync(join(dir, '.yo-rc.json'), JSON.stringify({ 'generator-paperclip-fly': { generatedAt: GENERATED_AT } }));
  return dir;
}

function runBin(bin: string, cwd: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    input: '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(run.status, run.stderr).toBe(0);
  return run;
}

/**
 * Runs the bin with --interactive on a pipe, pressing Enter once per question as each one appears (inquirer
 * reads a pipe all at once, so answers sent ahead would be lost). Resolves with the output when it exits.
 */
function answerEveryQuestionWithEnter(cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // On a terminal: --interactive without one is refused.
    const child = spawnOnTerminal([process.execPath, BIN, '--interactive'], cwd);
    let output = '';
    let answered = 0;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // A question is open when a "? " prompt follows the last answered one ("✔").
      const done = output.split('✔').length - 1;
      if (output.lastIndexOf('? ') > output.lastIndexOf('✔') && answered === done) {
        answered++;
        child.stdin.write('\r');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (status) => {
      resolve({ status, output });
    });
  });
}

describe('the bundled bin', () => {
  it('contains no absolute path of the checkout it was built in', () => {
    const files = readdirSync(LIB).filter((name) => /^cli\.(bundle|chunk-\w+)\.js$/.test(name));
    expect(files).toContain('cli.bundle.js');
    expect(files.length).toBeGreaterThan(1); // the lazily loaded chunks
    for (const name of files)
      expect(readFileSync(join(LIB, name), 'utf8'), name).not.toContain(ROOT.replace(/\/$/, ''));
  });

  it('runs from an install whose dependencies are hoisted beside it (as npx and npm i -g lay them out)', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'pcfly-install-'));
    made.push(prefix);
    const modules = join(prefix, 'node_modules');
    const installed = join(modules, 'generator-paperclip-fly');
    for (const part of ['package.json', 'bin', 'dist'])
      cpSync(join(ROOT, part), join(installed, part), { recursive: true });
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (!entry.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
    }
    const here = project();
    const there = project();
    runBin(BIN, here, '--yes');
    runBin(join(installed, 'bin', 'paperclip-fly.js'), there, '--yes');
    expect(readTree(there)).toEqual(readTree(here));
    expect(runBin(join(installed, 'bin', 'paperclip-fly.js'), there, '--help').stdout).toBe(
      runBin(BIN, here, '--help').stdout,
    );
  });

  it('asks its questions (inquirer loaded on first use); Enter on each writes what --yes writes', async () => {
    const asked = project();
    const { status, output } = await answerEveryQuestionWithEnter(asked);
    expect(status, output).toBe(0);
    expect(output).toContain('? Fly app name');
    expect(output).toContain('? Use Tailscale for private HTTPS access?');
    const defaults = project();
    runBin(BIN, defaults, '--yes');
    expect(readTree(asked)).toEqual(readTree(defaults));
  });
});
