import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_AT, generate, readTree, runIn, tempProject } from './helpers.js';

const PROJECT_FILES = [
  'Dockerfile',
  'start.sh',
  'config.json',
  'fly.toml',
  'Makefile',
  'ops.sh',
  'README.md',
  '.env.example',
  '.gitignore',
  '.dockerignore',
  '.gitattributes',
  '.yo-rc.json',
];

const stored = (dir: string) => JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8'))['generator-paperclip-fly'];

describe('yo paperclip-fly --yes in an empty folder', () => {
  it('writes the whole project with every default stored in .yo-rc.json', async () => {
    const { dir, files } = await generate({}, 'My Paperclip');
    expect([...files.keys()].sort()).toEqual([...PROJECT_FILES].sort());
    const { fileHashes, ...settings } = stored(dir);
    expect(Object.keys(fileHashes).sort()).toEqual(PROJECT_FILES.filter((file) => file !== '.yo-rc.json').sort());
    for (const hash of Object.values(fileHashes)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(settings).toEqual({
      appName: 'my-paperclip',
      paperclipVersion: '2026.916.1',
      nodeImage: 'node:24.21.0-trixie-slim',
      agents: ['claude'],
      agentPrivateNetworks: false,
      adminInviteHours: 1,
      org: 'personal',
      region: 'sjc',
      vmSize: 'shared-cpu-2x',
      vmMemory: 2048,
      volumeName: 'paperclip_data',
      volumeSize: 3,
      snapshotRetention: 7,
      volumeAutoExtendThreshold: 80,
      volumeAutoExtendIncrement: 1,
      volumeAutoExtendLimit: 12,
      githubActions: false,
      postgresMode: 'system',
      postgresMajor: 17,
      flyNetwork: true,
      tailscale: true,
      tailscaleHostname: 'my-paperclip',
      tailscaleImage: 'v1.94.2',
      tailscaleTags: ['tag:paperclip'],
      tailscaleLoginServer: '',
      generatedAt: GENERATED_AT,
    });
    expect(statSync(join(dir, 'start.sh')).mode & 0o111).not.toBe(0);
    expect(files.get('fly.toml')).toContain('app = "my-paperclip"');
  });

  it('records the first generation time once', async () => {
    const dir = tempProject();
    await runIn(dir, 'app', { options: { yes: true } });
    const first = stored(dir).generatedAt;
    expect(new Date(first).toISOString()).toBe(first);
    await runIn(dir, 'app', { options: { force: true } });
    expect(stored(dir).generatedAt).toBe(first);
  });
});

describe('interactive answers', () => {
  it('asks every setting and writes what was answered', async () => {
    const dir = tempProject();
    const result = await runIn(dir, 'app', {
      options: { interactive: true },
      answers: {
        appName: 'team-clip',
        paperclipVersion: '2026.916.1',
        nodeImage: 'node:24.21.0-trixie-slim',
        agents: ['claude', 'codex'],
        agentPrivateNetworks: true,
        adminInviteHours: '24h',
        org: 'acme',
        region: 'fra',
        vmSize: 'performance-1x',
        vmMemory: '4gb',
        volumeName: 'clip_data',
        volumeSize: '10',
        snapshotRetention: '14',
        volumeAutoExtendThreshold: '90',
        volumeAutoExtendIncrement: '5gb',
        volumeAutoExtendLimit: '50',
        githubActions: true,
        postgresMode: 'external',
        postgresMajor: '17',
        flyNetwork: false,
        tailscale: true,
        tailscaleHostname: 'clip',
        tailscaleImage: 'v1.94.2',
        tailscaleTags: 'tag:paperclip,tag:agents',
        tailscaleLoginServer: 'https://headscale.example.com',
      },
    });
    expect(result.askedQuestions.map((question) => question.name)).toEqual([
      'appName',
      'paperclipVersion',
      'nodeImage',
      'agents',
      'agentPrivateNetworks',
      'adminInviteHours',
      'org',
      'region',
      'vmSize',
      'vmMemory',
      'volumeName',
      'volumeSize',
      'snapshotRetention',
      'volumeAutoExtendThreshold',
      'volumeAutoExtendIncrement',
      'volumeAutoExtendLimit',
      'githubActions',
      'postgresMode',
      'postgresMajor',
      'flyNetwork',
      'tailscale',
      'tailscaleHostname',
      'tailscaleImage',
      'tailscaleTags',
      'tailscaleLoginServer',
    ]);
    expect(stored(dir)).toMatchObject({
      appName: 'team-clip',
      agents: ['claude', 'codex'],
      adminInviteHours: 24,
      region: 'fra',
      vmMemory: 4096,
      volumeSize: 10,
      snapshotRetention: 14,
      volumeAutoExtendThreshold: 90,
      volumeAutoExtendIncrement: 5,
      volumeAutoExtendLimit: 50,
      githubActions: true,
      postgresMode: 'external',
      agentPrivateNetworks: true,
      flyNetwork: false,
      tailscaleTags: ['tag:paperclip', 'tag:agents'],
    });
    const files = readTree(dir);
    expect(files.has('.github/workflows/fly-deploy.yml')).toBe(true);
    expect(files.get('fly.toml')).toContain('memory = "4096mb"');
    expect(files.get('fly.toml')).toMatch(
      /auto_extend_size_threshold = 90\n {2}auto_extend_size_increment = "5gb"\n {2}auto_extend_size_limit = "50gb"/,
    );
    expect(files.get('start.sh')).toContain('--advertise-tags=tag:paperclip,tag:agents');
    expect(files.get('fly.toml')).toContain('TS_LOGIN_SERVER = "https://headscale.example.com"');
    expect(files.get('Dockerfile')).toContain('@openai/codex@');
  });

  it("on a terminal, with no --interactive flag, asks every setting (the composed generators' too)", async () => {
    const dir = tempProject();
    const tty = { stdin: process.stdin.isTTY, stdout: process.stdout.isTTY };
    Object.assign(process.stdin, { isTTY: true });
    Object.assign(process.stdout, { isTTY: true });
    try {
      const result = await runIn(dir, 'app', { answers: {} });
      expect(result.askedQuestions.map((question) => question.name)).toHaveLength(25);
    } finally {
      Object.assign(process.stdin, { isTTY: tty.stdin });
      Object.assign(process.stdout, { isTTY: tty.stdout });
    }
  });

  it('does not ask Tailscale details when Tailscale is off', async () => {
    const dir = tempProject();
    const result = await runIn(dir, 'app', {
      options: { interactive: true, yes: false },
      answers: { tailscale: false },
    });
    const asked = result.askedQuestions.map((question) => question.name);
    expect(asked).toContain('tailscale');
    expect(asked).not.toContain('tailscaleHostname');
    expect(asked).not.toContain('tailscaleImage');
  });

  it('skips questions answered by flags', async () => {
    const dir = tempProject();
    const result = await runIn(dir, 'app', { options: { interactive: true, appName: 'flagged', region: 'ams' } });
    const asked = result.askedQuestions.map((question) => question.name);
    expect(asked).not.toContain('appName');
    expect(asked).not.toContain('region');
    expect(stored(dir)).toMatchObject({ appName: 'flagged', region: 'ams' });
  });
});

describe('non-interactive runs', () => {
  it('accept every setting as a flag, without --yes', async () => {
    const dir = tempProject();
    await runIn(dir, 'app', {
      options: {
        appName: 'flags-only',
        paperclipVersion: '2026.916.1',
        nodeImage: 'node:24.21.0-trixie-slim',
        agents: 'claude',
        agentPrivateNetworks: false,
        adminInviteHours: '1',
        org: 'personal',
        region: 'iad',
        vmSize: 'shared-cpu-2x',
        vmMemory: '2048',
        volumeName: 'paperclip_data',
        volumeSize: '3',
        snapshotRetention: '7',
        volumeAutoExtendThreshold: '80',
        volumeAutoExtendIncrement: '1',
        volumeAutoExtendLimit: '3',
        githubActions: false,
        postgresMode: 'system',
        postgresMajor: '17',
        flyNetwork: true,
        tailscale: false,
      },
    });
    expect(readFileSync(join(dir, 'fly.toml'), 'utf8')).not.toContain('auto_extend_size');
    expect(stored(dir)).toMatchObject({
      appName: 'flags-only',
      region: 'iad',
      volumeAutoExtendLimit: 3,
      tailscale: false,
      tailscaleHostname: 'flags-only',
    });
  });

  it('fail naming every missing flag, and write nothing', async () => {
    const dir = tempProject();
    const run = runIn(dir, 'app', { options: { appName: 'x', region: 'sjc' } });
    await expect(run).rejects.toThrow(
      /^Missing answers and no terminal to ask them on: pass --paperclipVersion, --nodeImage, .*--tailscaleTags, --tailscaleLoginServer or --yes to accept the defaults\.$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('do not ask for Tailscale details when --no-tailscale is given', async () => {
    const dir = tempProject();
    await expect(runIn(dir, 'app', { options: { tailscale: false } })).rejects.toThrow(
      /--postgresMajor, --flyNetwork or --yes/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('re-runs', () => {
  it('regenerate byte-identical files from .yo-rc.json with no flags', async () => {
    const { dir, files } = await generate({ agents: 'claude,codex', githubActions: true });
    await runIn(dir, 'app');
    expect(readTree(dir)).toEqual(files);
  });

  it('stamp out identical repositories from a committed .yo-rc.json', async () => {
    const { files } = await generate({ appName: 'template-app', region: 'lhr' });
    const copy = tempProject('other-folder');
    writeFileSync(join(copy, '.yo-rc.json'), files.get('.yo-rc.json')!);
    await runIn(copy, 'app');
    expect(readTree(copy)).toEqual(files);
  });

  it('apply a changed flag and keep it', async () => {
    const { dir } = await generate();
    await runIn(dir, 'app', { options: { vmMemory: '3gb', force: true } });
    expect(readFileSync(join(dir, 'fly.toml'), 'utf8')).toContain('memory = "3072mb"');
    await runIn(dir, 'app');
    expect(stored(dir).vmMemory).toBe(3072);
  });

  it('remove the workflow when GitHub Actions is turned off', async () => {
    const { dir } = await generate({ githubActions: true });
    expect(existsSync(join(dir, '.github/workflows/fly-deploy.yml'))).toBe(true);
    await runIn(dir, 'app', { options: { githubActions: false, force: true } });
    expect(existsSync(join(dir, '.github/workflows/fly-deploy.yml'))).toBe(false);
  });
});
