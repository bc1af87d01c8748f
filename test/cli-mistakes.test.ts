/**
 * The bin as a user meets it (a child process, no terminal unless on a pty): help, mistakes, streams, colour,
 * Ctrl-C. Every mistake is one `error:` line on stderr, exit 1, and nothing written or created.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, readTree } from './helpers.js';
import { spawnOnTerminal } from './lib/pty.js';

const BIN = join(ROOT, 'bin', 'paperclip-fly.js');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A parent folder anyone may enter (runs as "nobody" need to reach into it), with `name` inside it. */
function parent(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcfly-cli-'));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

function project(name = 'my-paperclip'): string {
  const dir = join(parent(), name);
  mkdirSync(dir);
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin with no terminal; `env` adds to (or, with undefined, removes from) the environment. */
function bin(cwd: string, args: string[], options: { env?: Record<string, string | undefined>; uid?: number } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined };
  for (const [key, value] of Object.entries(options.env ?? {})) env[key] = value;
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (status) => {
      resolve({ status, stdout, stderr });
    });
  });
}

/** The run failed with exactly one `error:` line on stderr, and printed nothing on stdout. */
function oneLine(run: Run, pattern: RegExp | string): void {
  expect(run.status, run.stderr).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  if (typeof pattern === 'string') expect(lines[0]).toBe(pattern);
  else expect(lines[0]).toMatch(pattern);
}

/** "nobody": root may write anywhere, so unwritable folders are tried as another user. */
const NOBODY = 65534;

describe('--help and sub-generators', () => {
  it('lists the sub-generators and only the options that do something', async () => {
    const run = await bin(project(), ['--help']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    for (const name of ['app', 'fly', 'postgres', 'tailscale', 'doctor'])
      expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    for (const option of ['--check', '--diff', '--dry-run', '--template', '--upgrade', '--cwd', '--ask-answered'])
      expect(run.stdout).toContain(option);
    // Yeoman's own options that change nothing here are not offered.
    for (const noop of [
      '--skip-cache',
      '--skip-install',
      '--force-install',
      '--skip-local-cache',
      '--local-config-only',
      '--whitespace',
      '--skip-checks',
    ])
      expect(run.stdout).not.toContain(noop);
    // A concern's help has no app-only options.
    const fly = await bin(project(), ['fly', '--help']);
    expect(fly.stdout).not.toContain('--template');
    expect(fly.stdout).not.toContain('--appName');
  });

  it("yo paperclip-fly:fly --help shows the same list, in yo's words", async () => {
    const dir = parent();
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'generator-paperclip-fly'));
    const yo = await new Promise<Run>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'node_modules/yo/lib/cli.js'), 'paperclip-fly:fly', '--help', '--no-insight'],
        {
          cwd: dir,
          env: { ...process.env, NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (status) => {
        resolve({ status, stdout, stderr });
      });
    });
    expect(yo.status, yo.stderr).toBe(0);
    expect(yo.stdout).toMatch(/^Usage: yo paperclip-fly:fly \[options\]$/m);
    expect(yo.stdout).toContain('--check [--diff]');
    expect(yo.stdout).not.toContain('--skip-cache');
    expect(yo.stdout).not.toContain('--cwd');
  });

  it.each([
    ['fyl', 'fly'],
    ['tailscael', 'tailscale'],
    ['tmp:newcomer:repo:fly', 'fly'],
  ])('a mistyped sub-generator %s gets a suggestion (%s) and creates nothing', async (typed, meant) => {
    const dir = project();
    oneLine(
      await bin(dir, [typed, '--yes']),
      new RegExp(`^error: Unknown sub-generator "${typed}": did you mean ${meant}\\? `),
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('--cwd and the project folder', () => {
  it('--cwd pointing at a file', async () => {
    const dir = parent();
    writeFileSync(join(dir, 'afile'), 'x');
    oneLine(
      await bin(dir, ['--cwd', 'afile', '--yes']),
      'error: --cwd afile is a file, not a folder: give a folder to generate into (it is created if missing).',
    );
    expect(readdirSync(dir)).toEqual(['afile']);
  });

  it('--cwd in a folder that cannot be written', async () => {
    const dir = parent();
    oneLine(
      await bin(dir, ['--cwd', 'new/clip', '--yes'], { uid: NOBODY }),
      new RegExp(`^error: --cwd new/clip: ${dir} is not writable`),
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['a bad value', ['--yes', '--region', 'mars']],
    ['an unknown flag', ['--yes', '--regionx', 'fra']],
    ['a bad value through Yeoman', ['--yes', '--bail', '--volumeSize', '10tb']],
    ['a repeated flag', ['--yes', '--region', 'fra', '--region', 'ams']],
  ])('--cwd newdir with %s creates nothing', async (_title, args) => {
    const dir = parent();
    const run = await bin(dir, ['--cwd', 'newdir', ...args]);
    oneLine(run, /^error: /);
    expect(existsSync(join(dir, 'newdir'))).toBe(false);
  });

  it.each([
    ['direct', []],
    ['Yeoman', ['--bail']],
  ])('a read-only project folder: one line naming it, nothing written (%s path)', async (_path, extra) => {
    const dir = project();
    expect((await bin(dir, ['--yes'])).status).toBe(0);
    chmodSync(dir, 0o755); // root's, so "nobody" may read it but not write it
    const before = readTree(dir);
    oneLine(
      await bin(dir, ['--region', 'fra', ...extra], { uid: NOBODY }),
      `error: Nothing written: the project folder ${dir} is not writable.`,
    );
    expect(readTree(dir)).toEqual(before);
  });

  it('a truncated .yo-rc.json: one line, no stack trace', async () => {
    const dir = project();
    expect((await bin(dir, ['--yes'])).status).toBe(0);
    const text = readFileSync(join(dir, '.yo-rc.json'), 'utf8');
    writeFileSync(join(dir, '.yo-rc.json'), text.split('\n').slice(0, 25).join('\n'));
    for (const extra of [[], ['--bail']])
      oneLine(await bin(dir, ['--region', 'fra', ...extra]), /^error: \.yo-rc\.json is not valid JSON \(/);
  });
});

describe('streams, colour and noise', () => {
  it('results on stdout, nothing on stderr; no Yeoman noise on either path', async () => {
    const dir = project();
    const first = await bin(dir, ['--yes']);
    expect(first.status).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/create Dockerfile/);
    const viaYeoman = await bin(dir, ['--region', 'fra', '--bail']);
    expect(viaYeoman.status, viaYeoman.stderr).toBe(0);
    expect(viaYeoman.stderr).toBe('');
    expect(viaYeoman.stdout).toMatch(/force fly\.toml/);
    for (const run of [first, viaYeoman]) {
      expect(run.stdout + run.stderr).not.toMatch(/\.yo-rc\.json|package\.json/);
    }
  });

  it('colour only on a terminal, and never with NO_COLOR', async () => {
    const piped = await bin(project(), ['--yes'], { env: { NO_COLOR: undefined } });
    expect(piped.stdout).not.toContain('\u001b[');
    const onTerminal = async (env: Record<string, string | undefined>) => {
      const child = spawnOnTerminal([process.execPath, BIN, '--yes'], project(), env);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stdin.end();
      await new Promise((resolve) => child.on('close', resolve));
      return output;
    };
    // Green "create" (ESC[32m … ESC[39m) on a terminal.
    expect(await onTerminal({ NO_COLOR: undefined })).toContain('\u001b[32m   create\u001b[39m Dockerfile');
    expect(await onTerminal({ NO_COLOR: '1' })).not.toContain('\u001b[3');
  });
});

describe('terminal', () => {
  it('--interactive without a terminal', async () => {
    const dir = project();
    oneLine(
      await bin(dir, ['--interactive']),
      'error: --interactive needs a terminal on stdin and stdout: pass the settings as flags (or --yes) instead.',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('Ctrl-C at a prompt exits 130 quietly, writing nothing', async () => {
    const dir = project();
    const child = spawnOnTerminal([process.execPath, BIN], dir, { NO_COLOR: '1' });
    let output = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!sent && output.includes('? Fly app name')) {
        sent = true;
        child.stdin.write('\u0003');
      }
    });
    const status = await new Promise((resolve) => child.on('close', resolve));
    expect(status, output).toBe(130);
    const after = output.slice(output.indexOf('? Fly app name'));
    expect(after).not.toMatch(/error|Error|at |force closed/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('--paperclipVersion against the registry', () => {
  /** A FAKE npm registry on loopback that publishes one paperclipai version. */
  async function fakeRegistry(): Promise<{ url: string; server: Server }> {
    const server = createServer((request, response) => {
      if (request.url === '/paperclipai') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ name: 'paperclipai', versions: { '2026.916.1': {} } }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, server };
  }

  it('warns (exit 0) when the version is not published, and says nothing when it is', async () => {
    const { url, server } = await fakeRegistry();
    try {
      const unpublished = await bin(project(), ['--yes', '--paperclipVersion', '9.9.9'], {
        env: { npm_config_registry: url },
      });
      expect(unpublished.status).toBe(0);
      expect(unpublished.stderr.trim()).toMatch(/^warning paperclipai@9\.9\.9 is not published on npm/);
      const published = await bin(project(), ['--yes', '--paperclipVersion', '2026.916.1'], {
        env: { npm_config_registry: url },
      });
      expect(published.status).toBe(0);
      expect(published.stderr).toBe('');
    } finally {
      server.close();
    }
  });

  it('offline: a clear warning, not a failure', async () => {
    // Port 9 on loopback (discard): nothing listens there, so the connection is refused at once.
    const run = await bin(project(), ['--yes', '--paperclipVersion', '9.9.9'], {
      env: { npm_config_registry: 'http://127.0.0.1:9/' },
    });
    expect(run.status).toBe(0);
    expect(run.stderr.trim()).toMatch(
      /^warning Could not reach the npm registry to check that paperclipai@9\.9\.9 is published/,
    );
  });
});
