import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnv } from 'yeoman-environment';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../generators/doctor/doctor.js';
import { loadPaperclipSchema } from '../generators/doctor/paperclip-schema.js';
import type { Report } from '../generators/doctor/report.js';
import { CATALOGUE_RULES, DOCTOR_RULES, FILE_PROBLEMS } from '../generators/doctor/rules/index.js';
import { isNotChecked } from '../generators/doctor/rules/types.js';
import { GOTCHAS } from '../generators/lib/gotchas.js';
import { COMMENTED_TRAPS, RULE_CASES } from './fixtures/doctor/rule-cases.js';
import { DOCTOR_FIXTURES, KNOWN_PENDING, editedRepo } from './doctor-helpers.js';
import { ROOT, generate } from './helpers.js';

/** Catalogue entries doctor lists as not checked in every repository. */
const ALWAYS_NOT_CHECKED = Object.entries(CATALOGUE_RULES)
  .filter(([, entry]) => isNotChecked(entry))
  .map(([id]) => id);

const BIN = join(ROOT, 'bin', 'paperclip-fly.js');
// Temporary repositories go under the worker's temp folder, which test/setup.ts removes.
const repo = editedRepo;

const brief = (report: Report) => report.findings.map((f) => `${f.id} ${f.file}:${f.line}:${f.column} ${f.severity}`);
const internalErrors = (report: Report) =>
  report.notChecked.filter((entry) => entry.reason.startsWith('internal error'));

function doctorCli(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [BIN, 'doctor', ...args], {
    encoding: 'utf8',
    input: '',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("doctor's rules cover the catalogue", () => {
  it('has a rule or a "not checked" reason for every catalogue entry, and nothing else under a catalogue id', () => {
    expect(Object.keys(CATALOGUE_RULES).sort()).toEqual(GOTCHAS.map((entry) => entry.id).sort());
    for (const entry of Object.values(CATALOGUE_RULES)) {
      if ('notChecked' in entry) expect(entry.notChecked).toMatch(/\w{4,}/);
      else expect(typeof entry.check).toBe('function');
    }
  });

  it("gives doctor's own ids texts of their own, clashing with no catalogue id", () => {
    const own = [...Object.keys(DOCTOR_RULES), ...Object.keys(FILE_PROBLEMS)];
    for (const id of own)
      expect(
        GOTCHAS.some((entry) => entry.id === id),
        id,
      ).toBe(false);
    for (const texts of [...Object.values(DOCTOR_RULES), ...Object.values(FILE_PROBLEMS)]) {
      expect(texts.symptom.length).toBeGreaterThan(20);
      expect(texts.fix.length).toBeGreaterThan(10);
    }
  });

  it('has a fixture repository tripping each rule', () => {
    const covered = new Set(RULE_CASES.map((c) => c.id));
    const rules = Object.entries(CATALOGUE_RULES).filter(([, entry]) => !isNotChecked(entry));
    for (const id of [...rules.map(([id]) => id), ...Object.keys(DOCTOR_RULES), ...Object.keys(FILE_PROBLEMS)])
      expect(covered.has(id), id).toBe(true);
  });

  it('is importable from code as generator-paperclip-fly/doctor', async () => {
    // A specifier in a variable: the package resolves itself at run time (its exports point at dist/).
    const specifier = 'generator-paperclip-fly/doctor';
    const { runDoctor: exported } = await import(specifier);
    expect((await exported(join(DOCTOR_FIXTURES, 'clean'))).summary.errors).toBe(0);
  });

  it("loads Paperclip's own schema module, the same functions the package exports", async () => {
    const shared = await import('@paperclipai/shared');
    const loaded = await loadPaperclipSchema();
    expect(loaded.paperclipConfigSchema).toBe(shared.paperclipConfigSchema);
    expect(loaded.findPaperclipConfigKeyWarnings).toBe(shared.findPaperclipConfigKeyWarnings);
  });
});

describe("the seed's recipe (its Dockerfile and fly.toml verbatim, an entrypoint from its prose)", () => {
  it('has each trap that applies to it, at its position', async () => {
    const report = await runDoctor(join(DOCTOR_FIXTURES, 'seed'));
    expect(internalErrors(report)).toEqual([]);
    expect(report.files).toEqual([
      { role: 'fly.toml', path: 'fly.toml' },
      { role: 'Dockerfile', path: 'Dockerfile' },
      { role: 'entrypoint', path: 'docker/start.sh' },
      { role: 'config.json', path: 'docker/config.json' },
    ]);
    expect(brief(report)).toEqual([
      'api-url-loopback Dockerfile:1:1 warning',
      'migrations-auto-apply Dockerfile:1:1 warning',
      'node-24 Dockerfile:1:6 warning', // FROM node:lts-trixie-slim
      'tailscale-pinned Dockerfile:8:16 warning', // curl https://tailscale.com/install.sh | sh
      'node-24 Dockerfile:10:20 warning', // npm install -g paperclipai (no version)
      'pinned-agent-clis Dockerfile:10:32 warning',
      'secrets-stay-secret Dockerfile:28:5 error', // ENV DATABASE_URL=postgres://paperclip:paperclip@...
      // Paperclip's defaults for the paths the config does not write: under ~, not the volume.
      'absolute-paths docker/config.json:1:1 warning',
      'absolute-paths docker/config.json:1:1 warning',
      'absolute-paths docker/config.json:3:3 warning',
      'secrets-stay-secret docker/config.json:3:37 error',
      'absolute-paths docker/config.json:4:3 warning',
      'tailscale-serve-blocks docker/start.sh:17:1 warning',
      'postgres-bin-path docker/start.sh:20:11 error', // $(pg_config --bindir) without a -dev package
      'home-on-volume docker/start.sh:45:5 warning',
      'signal-order docker/start.sh:49:1 error', // exec runuser ... paperclipai run while PostgreSQL runs
      'home-on-volume docker/start.sh:49:6 warning',
      'kill-timeout fly.toml:1:1 error', // no kill_timeout with PostgreSQL in the machine
      'restart-always fly.toml:1:1 warning',
      'flycast-http-only fly.toml:19:17 warning', // force_https = true
      'grace-period fly.toml:25:18 warning', // grace_period = "120s"
    ]);
    expect(report.notChecked.map((entry) => entry.id).sort()).toEqual([
      'admin-invite-lifetime',
      'agent-networks',
      'areas-whatever-settings',
      'atomic-initdb',
      'backup-is-a-restore',
      'codex-auth-json',
      'config-checked',
      'daemon-capabilities',
      'daemon-env',
      'dependencies-retried',
      'fly-app-network',
      'hung-paperclip',
      'invite-reminted',
      'listen-ipv6',
      'make-381',
      'no-public-ips',
      'public-url-from-tailscaled',
      'restore-all-or-nothing',
      'reusable-authkey',
      'root-home',
      'secrets-from-shell',
      'secrets-list-fails',
      'secrets-off-cmdline',
      'secrets-strict-mode',
      'signup-after-admin',
      'tailnet-port',
      'tailscale-login-server',
      'tailscale-tag',
      'tailscaled-socket',
      'volume-by-name',
      'volume-full',
      'volume-root-owned',
      'workflow-least-privilege',
    ]);
    expect(report.summary).toEqual({ errors: 5, warnings: 16, checked: 33, notChecked: 33 });
  });
});

describe('the clean repository and its variants', () => {
  it('finds nothing in the clean repository', async () => {
    const report = await runDoctor(join(DOCTOR_FIXTURES, 'clean'));
    expect(brief(report)).toEqual([]);
    expect(report.notChecked.map((entry) => entry.id)).toEqual(['reusable-authkey', ...ALWAYS_NOT_CHECKED]);
  });

  it('finds nothing when every trap sits only in comments', async () => {
    const report = await runDoctor(repo(COMMENTED_TRAPS));
    expect(brief(report)).toEqual([]);
    expect(report.notChecked.map((entry) => entry.id)).toEqual(['reusable-authkey', ...ALWAYS_NOT_CHECKED]);
  });

  it.each(RULE_CASES.map((c) => [c.id, c.trap, c] as const))('%s: %s', async (_id, _trap, c) => {
    const report = await runDoctor(repo(c.edits));
    expect(internalErrors(report)).toEqual([]);
    expect(brief(report)).toEqual(c.findings.map((f) => `${c.id} ${f.file}:${f.line}:${f.column} ${f.severity}`));
    for (const finding of report.findings) {
      expect(finding.message.length).toBeGreaterThan(10);
      expect(finding.symptom.length).toBeGreaterThan(10);
      expect(finding.fix.length).toBeGreaterThan(5);
      expect(finding.catalogue).toBe(GOTCHAS.some((entry) => entry.id === finding.id));
    }
  });
});

describe('files doctor cannot read are findings, not crashes', () => {
  it.each([
    ['config.json', '{ "$meta": { "version": 1, }\n', 'file-unparseable config.json:1:28 error'],
    ['start.sh', '#!/usr/bin/env python3\nprint("hi")\n', 'file-unparseable start.sh:1:1 warning'],
    [
      '.github/workflows/deploy.yml',
      'jobs:\n  deploy:\n    steps: [\n',
      'file-unparseable .github/workflows/deploy.yml:4:1 error',
    ],
    ['start.sh', '\u0000\u0001\u0002', 'file-unparseable start.sh:1:1 warning'],
    ['Dockerfile', '# no FROM\nRUN true\n', 'file-unparseable Dockerfile:1:1 error'],
  ])('%s', async (file, text, expected) => {
    const dir = repo([]);
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
    const report = await runDoctor(dir);
    expect(brief(report)).toContain(expected);
    expect(internalErrors(report)).toEqual([]);
  });

  it('reports a missing fly.toml and still checks the Dockerfile', async () => {
    const dir = repo([]);
    rmSync(join(dir, 'fly.toml'));
    const report = await runDoctor(dir);
    expect(brief(report)).toEqual(['file-missing fly.toml:1:1 error']);
    expect(report.notChecked.find((entry) => entry.id === 'grace-period')?.reason).toBe('no fly.toml was found');
  });

  it("follows flags through a workflow step's run block to their lines", async () => {
    const dir = repo([]);
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(dir, '.github', 'workflows', 'deploy.yml'),
      'on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          # flyctl deploy\n          flyctl deploy --remote-only\n',
    );
    expect(brief(await runDoctor(dir))).toEqual(['no-public-ips .github/workflows/deploy.yml:8:11 error']);
  });
});

describe('freshly generated projects', () => {
  // Every combination of the settings doctor's rules look at; agents and the workflow vary alongside.
  const combos = [true, false].flatMap((tailscale) =>
    (['system', 'external'] as const).flatMap((postgresMode) =>
      [false, true].map((githubActions) => ({
        tailscale,
        postgresMode,
        githubActions,
        agents: githubActions ? 'claude,codex' : 'claude',
      })),
    ),
  );
  it.each(combos.map((flags) => [JSON.stringify(flags), flags] as const))(
    '%s: only the known-pending findings',
    async (_label, flags) => {
      const { dir } = await generate(flags);
      const report = await runDoctor(dir);
      expect(internalErrors(report)).toEqual([]);
      const unexpected = report.findings.filter((f) => !KNOWN_PENDING.some((p) => p.id === f.id && p.file === f.file));
      expect(unexpected).toEqual([]);
      for (const pending of KNOWN_PENDING)
        expect(
          report.findings.some((f) => f.id === pending.id && f.file === pending.file),
          `${pending.id} (issue ${pending.issue})`,
        ).toBe(true);
    },
  );
});

describe('doctor on the command line', () => {
  it('exits 1 with error findings, printing them grouped by file with a summary', () => {
    const { status, stdout } = doctorCli([join(DOCTOR_FIXTURES, 'seed')]);
    expect(status).toBe(1);
    expect(stdout.includes('\u001b[')).toBe(false);
    expect(stdout).toMatch(/^fly\.toml$/m);
    expect(stdout).toMatch(/^ {2}25:18 {2}warning {2}grace_period = "120s" is over Fly's 60 s limit.* grace-period$/m);
    expect(stdout).toMatch(/Not checked\n {2}reusable-authkey/);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('✖ 5 errors, 16 warnings (33 rules checked, 33 not checked)');
  });

  it('exits 0 on a clean repository, and colours only when asked', () => {
    const plain = doctorCli([join(DOCTOR_FIXTURES, 'clean')]);
    expect(plain.status).toBe(0);
    expect(plain.stdout.trimEnd().split('\n').at(-1)).toBe('✔ 0 errors, 0 warnings (35 rules checked, 31 not checked)');
    expect(doctorCli([join(DOCTOR_FIXTURES, 'clean')], { FORCE_COLOR: '1' }).stdout).toContain('\u001b[32m✔');
  });

  it('prints the report as JSON with --json', () => {
    const { status, stdout } = doctorCli([join(DOCTOR_FIXTURES, 'seed'), '--json']);
    expect(status).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.schema).toBe('paperclip-fly-doctor/1');
    expect(Object.keys(report)).toEqual(['schema', 'dir', 'files', 'findings', 'notChecked', 'summary']);
    expect(Object.keys(report.findings[0])).toEqual([
      'id',
      'catalogue',
      'severity',
      'file',
      'line',
      'column',
      'message',
      'symptom',
      'fix',
    ]);
  });

  it.each([
    [['/nonexistent/pcfly'], 'error: /nonexistent/pcfly does not exist'],
    [['--fix'], 'error: unknown option --fix for doctor: use doctor [dir] [--json]'],
    [['a', 'b'], 'error: doctor takes one folder, got 2: a b'],
  ])('exits 2 when it cannot run: %j', (args, message) => {
    const { status, stderr, stdout } = doctorCli(args);
    expect(status).toBe(2);
    expect(stderr.trim()).toBe(message);
    expect(stdout).toBe('');
  });

  it('exits 2 in a folder with neither fly.toml nor Dockerfile', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pcfly-doctor-empty-'));
    const { status, stderr } = doctorCli([empty]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/has neither a fly\.toml nor a Dockerfile: nothing to check/);
  });

  it('writes nothing and runs nothing of the project', () => {
    // Every script here would leave a file behind if anything ran it.
    const dir = repo([
      { file: 'start.sh', replace: 'set -euo pipefail\n', with: 'set -euo pipefail\ntouch ran-start\n' },
      { file: 'Makefile', replace: 'deploy:\n', with: 'deploy: ran-make\nran-make:\n\ttouch ran-make\n' },
    ]);
    const snapshot = () =>
      readdirSync(dir, { recursive: true })
        .map(String)
        .sort()
        .map((path) => [
          path,
          statSync(join(dir, path)).mtimeMs,
          statSync(join(dir, path)).isFile() ? readFileSync(join(dir, path), 'utf8') : '',
        ]);
    const before = snapshot();
    expect(doctorCli([dir]).status).toBe(0);
    expect(snapshot()).toEqual(before);
  });

  it('runs as yo paperclip-fly:doctor through yeoman-environment, writing nothing', async () => {
    const env = createEnv({ cwd: join(DOCTOR_FIXTURES, 'seed'), skipInstall: true });
    env.register(join(ROOT, 'dist', 'generators', 'doctor', 'index.js'), { namespace: 'paperclip-fly:doctor' });
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string) => {
      out.push(chunk);
      return true;
    };
    try {
      await env.run(['paperclip-fly:doctor', '--json']);
    } finally {
      process.stdout.write = write;
    }
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    expect(JSON.parse(out.join('')).summary.errors).toBe(5);
    expect(readdirSync(join(DOCTOR_FIXTURES, 'seed')).sort()).toEqual(['Dockerfile', 'docker', 'fly.toml']);
  });
});
