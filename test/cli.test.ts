import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnv } from 'yeoman-environment';
import { describe, expect, it } from 'vitest';
import { SETTING_SPECS as SETTINGS, formatValue } from '../generators/lib/settings.js';
import { ROOT, tempProject } from './helpers.js';

const BIN = join(ROOT, 'bin', 'paperclip-fly.js');

/** Runs the package bin as a user would, with no terminal on stdin. */
function cli(cwd: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    input: '',
    env: { ...process.env, NO_COLOR: '1' },
  });
  // Yeoman logs file statuses on stderr; errors come on stderr too.
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, output: run.stdout + run.stderr };
}

describe('the package bin (no global yo)', () => {
  it.each([
    ['app', []],
    ['fly', ['fly']],
    ['postgres', ['postgres']],
    ['tailscale', ['tailscale']],
  ] as const)('%s --help lists each of its options with its default', (name, prefix) => {
    const { status, stdout } = cli(tempProject(), ...prefix, '--help');
    expect(status).toBe(0);
    const help = stdout.replace(/\s+/g, ' ');
    const own = SETTINGS.filter((spec) => name === 'app' || spec.owner === name);
    for (const spec of own) {
      const shown = spec.defaultText ?? formatValue(spec.default({}, { folderName: 'paperclip' }));
      expect(help).toContain(`--${spec.key}`);
      expect(help).toContain(`(default: ${shown})`);
    }
    for (const spec of SETTINGS.filter((candidate) => !own.includes(candidate)))
      expect(help).not.toContain(`--${spec.key} `);
    expect(help).toMatch(/--yes/);
    expect(help).toMatch(/--force/);
    expect(help).toMatch(/--bail/);
  });

  it('exits non-zero with one line when answers are missing, writing nothing', () => {
    const dir = tempProject();
    const { status, output } = cli(dir, '--appName', 'x');
    expect(status).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: Missing answers and no terminal .* --yes to accept the defaults\.$/),
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits non-zero with one line for a bad flag', () => {
    const dir = tempProject();
    const { status, stderr } = cli(dir, '--yes', '--region', 'mars');
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      'error: Invalid --region "mars": use one of the Fly region codes ams, arn, bom, cdg, dfw, ewr, fra, gru, iad, jnb, lax, lhr, nrt, ord, sin, sjc, syd, yyz.',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('generates, then reports every file identical on a re-run without flags', () => {
    const dir = tempProject();
    const first = cli(dir, '--yes', '--no-tailscale');
    expect(first.status).toBe(0);
    expect(first.output).toMatch(/create Dockerfile/);
    const again = cli(dir);
    expect(again.status).toBe(0);
    for (const file of ['Dockerfile', 'start.sh', 'config.json', 'fly.toml', 'Makefile', 'README.md', '.env.example']) {
      expect(again.output).toMatch(new RegExp(`identical ${file.replace('.', '\\.')}\\b`));
    }
    expect(again.output).not.toMatch(/\b(create|conflict|force) (?!\.yo-rc\.json)/);
  });

  it("generates into --cwd <folder>, creating it (the README's first command)", () => {
    const target = join(tempProject(), 'nested', 'team-clip');
    const { status } = cli(tempProject(), '--cwd', target, '--yes');
    expect(status).toBe(0);
    expect(readdirSync(target)).toContain('fly.toml');
    expect(JSON.parse(readFileSync(join(target, '.yo-rc.json'), 'utf8'))['generator-paperclip-fly'].appName).toBe(
      'team-clip',
    );
  });

  it('deletes a file that is no longer generated without asking (through Yeoman: --bail)', () => {
    const dir = tempProject();
    expect(cli(dir, '--yes', '--githubActions').status).toBe(0);
    const { status, output } = cli(dir, 'fly', '--no-githubActions', '--bail');
    expect(status, output).toBe(0);
    expect(output).toMatch(/delete \.github\/workflows\/fly-deploy\.yml: no longer generated/);
    expect(existsSync(join(dir, '.github/workflows/fly-deploy.yml'))).toBe(false);
  });

  it('runs a sub-generator: tailscale --no-tailscale rewrites its files without prompting', () => {
    const dir = tempProject();
    expect(cli(dir, '--yes').status).toBe(0);
    const { status, output } = cli(dir, 'tailscale', '--no-tailscale');
    expect(status).toBe(0);
    for (const file of ['Dockerfile', 'start.sh', 'fly.toml', 'ops.sh', 'README.md', '.env.example']) {
      expect(output).toMatch(new RegExp(`force ${file.replace('.', '\\.')}\\b`));
    }
    // config.json is not the tailscale generator's: it is not even looked at.
    expect(output).not.toMatch(/config\.json/);
  });
});

describe('discovery by yo', () => {
  /** A folder with the package installed (linked) as node_modules/generator-paperclip-fly. */
  function installedIn(): string {
    const parent = mkdtempSync(join(tmpdir(), 'pcfly-yo-'));
    mkdirSync(join(parent, 'node_modules'));
    symlinkSync(ROOT, join(parent, 'node_modules', 'generator-paperclip-fly'));
    return parent;
  }

  it('yeoman-environment finds the five generators, the compiled ones last (they win)', async () => {
    const env = createEnv();
    const found = await env.lookup({ packagePaths: [join(installedIn(), 'node_modules', 'generator-paperclip-fly')] });
    const compiled = found.filter((meta) => meta.resolved.includes('/dist/generators/'));
    expect(compiled.map((meta) => meta.namespace).sort()).toEqual([
      'paperclip-fly:app',
      'paperclip-fly:doctor',
      'paperclip-fly:fly',
      'paperclip-fly:postgres',
      'paperclip-fly:tailscale',
    ]);
    for (const meta of compiled)
      expect(found.findLastIndex((other) => other.namespace === meta.namespace)).toBe(found.indexOf(meta));
  });

  it('runs programmatically through yeoman-environment', async () => {
    const parent = installedIn();
    const project = join(parent, 'programmatic');
    mkdirSync(project);
    const env = createEnv({ cwd: project, skipInstall: true });
    await env.lookup({ packagePaths: [join(parent, 'node_modules', 'generator-paperclip-fly')] });
    await env.run(['paperclip-fly:app', '--yes', '--appName', 'from-code', '--no-tailscale']);
    const stored = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-paperclip-fly'];
    expect(stored).toMatchObject({ appName: 'from-code', tailscale: false });
    expect(readdirSync(project)).toContain('start.sh');
  });

  it('yo paperclip-fly:doctor audits a folder, prints only its report and exits with its status', () => {
    const parent = installedIn();
    chmodSync(parent, 0o755);
    const yo = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/yo/lib/cli.js'),
        'paperclip-fly:doctor',
        join(ROOT, 'test/fixtures/doctor/seed'),
        '--no-insight',
      ],
      {
        cwd: parent,
        encoding: 'utf8',
        input: '',
        env: { ...process.env, NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' },
      },
    );
    expect(yo.status, yo.stderr).toBe(1);
    expect(yo.stdout.trimEnd().split('\n').at(-1)).toBe('✖ 5 errors, 16 warnings (33 rules checked, 33 not checked)');
    expect(readdirSync(parent)).toEqual(['node_modules']);
    rmSync(parent, { recursive: true, force: true });
  });

  it('yo paperclip-fly --yes generates a project', () => {
    // yo drops root privileges to "nobody", so the project folder must be writable by anyone.
    const parent = installedIn();
    const project = join(parent, 'yo-project');
    mkdirSync(project);
    chmodSync(parent, 0o755);
    chmodSync(project, 0o777);
    const yo = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/yo/lib/cli.js'), 'paperclip-fly', '--yes', '--no-insight'],
      {
        cwd: project,
        encoding: 'utf8',
        input: '',
        env: { ...process.env, NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' },
      },
    );
    expect(yo.status, yo.stderr).toBe(0);
    expect(readdirSync(project).sort()).toEqual([
      '.dockerignore',
      '.env.example',
      '.gitattributes',
      '.gitignore',
      '.yo-rc.json',
      'Dockerfile',
      'Makefile',
      'README.md',
      'config.json',
      'fly.toml',
      'ops.sh',
      'start.sh',
    ]);
  });
});
