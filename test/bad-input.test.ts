import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, readTree, runIn, tempProject } from './helpers.js';

/** [flags, expected message]: every message names the flag, echoes the value and states the allowed form. */
const BAD_FLAGS: [Record<string, unknown>, RegExp][] = [
  [{ appName: 'My_App' }, /^Invalid --appName "My_App": use 1-63 lowercase letters, digits and single dashes/],
  [{ appName: '-app' }, /^Invalid --appName "-app": use 1-63 lowercase/],
  [{ appName: 'app-' }, /^Invalid --appName "app-": .*not ending with a dash/],
  [{ appName: '1app' }, /^Invalid --appName "1app": .*starting with a letter/],
  [{ appName: 'a'.repeat(64) }, /^Invalid --appName "a{64}": use 1-63/],
  [{ appName: 'my--app' }, /^Invalid --appName "my--app": .*single dashes/],
  [{ appName: 'app.fly.dev' }, /^Invalid --appName "app.fly.dev"/],
  [{ org: 'My Org' }, /^Invalid --org "My Org": use a Fly organization slug/],
  [{ region: 'xyz' }, /^Invalid --region "xyz": use one of the Fly region codes ams, .*sjc/],
  [{ region: 'SJC' }, /^Invalid --region "SJC": use one of the Fly region codes/],
  [{ region: 'us-east-1' }, /^Invalid --region "us-east-1"/],
  [{ vmSize: 'shared-cpu-3x' }, /^Invalid --vmSize "shared-cpu-3x": use one of the Fly VM sizes shared-cpu-1x/],
  [
    { vmMemory: '512' },
    /^Invalid --vmMemory "512": use at least 1024 MB: at 512 MB Claude Code is OOM-killed mid-response \(exit 137\)\.$/,
  ],
  [{ vmMemory: '1000' }, /^Invalid --vmMemory "1000": use at least 1024 MB/],
  [{ vmMemory: '1100' }, /^Invalid --vmMemory "1100": use a multiple of 256 MB/],
  [{ vmMemory: 'lots' }, /^Invalid --vmMemory "lots": use megabytes as a whole number, "<n>mb" or "<n>gb"/],
  [{ vmMemory: '2tb' }, /^Invalid --vmMemory "2tb": use megabytes/],
  [
    { vmMemory: '4096', vmSize: 'shared-cpu-1x' },
    /^Invalid --vmMemory "4096": use 1024-2048 MB in steps of 256 MB for shared-cpu-1x, or pick a larger --vmSize\.$/,
  ],
  [
    { vmMemory: '1024', vmSize: 'performance-1x' },
    /^Invalid --vmMemory "1024": use 2048-8192 MB in steps of 256 MB for performance-1x/,
  ],
  [
    { volumeName: 'paperclip-data' },
    /^Invalid --volumeName "paperclip-data": use 1-30 lowercase letters, digits and underscores/,
  ],
  [{ volumeName: 'v'.repeat(31) }, /^Invalid --volumeName "v{31}": use 1-30/],
  [{ volumeSize: '0' }, /^Invalid --volumeSize "0": use a whole number of gigabytes from 1 to 500/],
  [{ volumeSize: '501' }, /^Invalid --volumeSize "501": .*from 1 to 500/],
  [{ volumeSize: '1.5' }, /^Invalid --volumeSize "1.5": use a whole number of gigabytes/],
  [{ snapshotRetention: '0' }, /^Invalid --snapshotRetention "0": use a whole number of days from 1 to 60/],
  [{ snapshotRetention: '90' }, /^Invalid --snapshotRetention "90": .*from 1 to 60/],
  [{ adminInviteHours: '0' }, /^Invalid --adminInviteHours "0": use a whole number of hours from 1 to 720/],
  [{ adminInviteHours: '1.5h' }, /^Invalid --adminInviteHours "1.5h": use a whole number of hours from 1 to 720/],
  [
    { volumeAutoExtendThreshold: '100' },
    /^Invalid --volumeAutoExtendThreshold "100": use a whole percentage from 50 to 99/,
  ],
  [
    { volumeAutoExtendIncrement: '2tb' },
    /^Invalid --volumeAutoExtendIncrement "2tb": use a whole number of gigabytes from 1 to 100, as "<n>" or "<n>gb"/,
  ],
  [
    { volumeAutoExtendLimit: '600' },
    /^Invalid --volumeAutoExtendLimit "600": use a whole number of gigabytes from 1 to 500/,
  ],
  [
    { volumeSize: '10', volumeAutoExtendLimit: '8' },
    /^Invalid --volumeAutoExtendLimit "8": use 10 \(the --volumeSize: no auto-extend\) or at least 11 GB/,
  ],
  [
    { paperclipVersion: 'latest' },
    /^Invalid --paperclipVersion "latest": use an exact paperclipai version like 2026\.916\.1/,
  ],
  [{ paperclipVersion: '^2026.916.1' }, /^Invalid --paperclipVersion "\^2026\.916\.1": use an exact/],
  [
    { nodeImage: 'node:lts-trixie-slim' },
    /^Invalid --nodeImage "node:lts-trixie-slim": use a pinned official slim tag node:<24\.11\+>/,
  ],
  [
    { nodeImage: 'node:22.12.0-trixie-slim' },
    /^Invalid --nodeImage "node:22\.12\.0-trixie-slim": .*Paperclip needs Node >= 24\.11\.$/,
  ],
  [
    { nodeImage: 'node:24.21.0-alpine' },
    /^Invalid --nodeImage "node:24\.21\.0-alpine": use a pinned official slim tag/,
  ],
  [{ agents: 'gemini' }, /^Invalid --agents "gemini": use a comma-separated list of one or more of claude, codex/],
  [{ agents: '' }, /^Invalid --agents "": use a comma-separated list of one or more/],
  [{ agents: 'claude,claude' }, /^Invalid --agents "claude,claude"/],
  [{ postgresMode: 'embedded' }, /^Invalid --postgresMode "embedded": use "system" .* or "external"/],
  [{ postgresMajor: '14' }, /^Invalid --postgresMajor "14": use a PostgreSQL major version from 15 to 18/],
  [{ postgresMajor: 'seventeen' }, /^Invalid --postgresMajor "seventeen": use a PostgreSQL major/],
  [
    { postgresMajor: '15' },
    /^Invalid --postgresMajor "15": use 17: Debian trixie \(the base of node:24\.21\.0-trixie-slim\) packages PostgreSQL 17 only\.$/,
  ],
  [
    { postgresMajor: '17', nodeImage: 'node:24.21.0-bookworm-slim' },
    /^Invalid --postgresMajor "17": use 15: Debian bookworm/,
  ],
  [
    { tailscaleHostname: 'My.Host' },
    /^Invalid --tailscaleHostname "My\.Host": use 1-63 lowercase letters, digits and dashes/,
  ],
  [{ tailscaleHostname: 'host_name' }, /^Invalid --tailscaleHostname "host_name"/],
  [
    { tailscaleImage: 'latest' },
    /^Invalid --tailscaleImage "latest": use a pinned tailscale\/tailscale release tag like v1\.94\.2/,
  ],
  [{ tailscaleImage: '1.94.2' }, /^Invalid --tailscaleImage "1\.94\.2": use a pinned/],
  [
    { tailscaleTags: 'paperclip' },
    /^Invalid --tailscaleTags "paperclip": use a comma-separated list of distinct ACL tags like tag:paperclip/,
  ],
  [{ tailscaleTags: 'tag:Bad_Tag' }, /^Invalid --tailscaleTags "tag:Bad_Tag"/],
  [
    { tailscaleLoginServer: 'headscale.example.com' },
    /^Invalid --tailscaleLoginServer "headscale\.example\.com": use an http:\/\/ or https:\/\/ URL with a host and no path/,
  ],
];

describe.each(BAD_FLAGS)('flags %j', (flags, message) => {
  it('fail with one line naming the flag and the allowed form, writing nothing', async () => {
    const dir = tempProject();
    const run = runIn(dir, 'app', { options: { yes: true, ...flags } });
    await expect(run).rejects.toThrow(message);
    await run.catch((error: unknown) => {
      expect((error as Error).message).not.toContain('\n');
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('other bad input', () => {
  it('rejects an unknown flag (kebab-case typo) before anything runs', async () => {
    const dir = tempProject();
    await expect(runIn(dir, 'app', { args: ['--vm-memory', '4096'], options: { yes: true } })).rejects.toThrow(
      /^Unknown option --vm-memory: run with --help for the options \(flags are camelCase, e\.g\. --vmMemory\)\.$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects a hand-edited .yo-rc.json with a bad value, changing nothing', async () => {
    const { dir } = await generate();
    const yoRc = JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8'));
    yoRc['generator-paperclip-fly'].vmMemory = 512;
    writeFileSync(join(dir, '.yo-rc.json'), JSON.stringify(yoRc));
    const before = readTree(dir);
    await expect(runIn(dir, 'app')).rejects.toThrow(/^Invalid vmMemory 512 in \.yo-rc\.json: use at least 1024 MB/);
    expect(readTree(dir)).toEqual(before);
  });

  it('rejects an unknown key and a wrongly typed value in .yo-rc.json', async () => {
    const unknown = tempProject();
    await expect(runIn(unknown, 'app', { options: { yes: true }, yoRc: { memory: 2048 } })).rejects.toThrow(
      /^Unknown setting "memory" in \.yo-rc\.json: known settings are appName, /,
    );
    const typed = tempProject();
    await expect(runIn(typed, 'app', { options: { yes: true }, yoRc: { volumeSize: '3' } })).rejects.toThrow(
      /^Invalid volumeSize in \.yo-rc\.json: expected a number, got "3"\.$/,
    );
  });

  it('refuses to run a sub-generator outside a generated project', async () => {
    for (const name of ['fly', 'postgres', 'tailscale'] as const) {
      const dir = tempProject();
      await expect(runIn(dir, name, { options: { yes: true } })).rejects.toThrow(
        new RegExp(`^No generated project here .*run \`yo paperclip-fly\` first, then :${name}\\.$`),
      );
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('rejects a bad flag given to a sub-generator, changing nothing', async () => {
    const { dir, files } = await generate();
    await expect(runIn(dir, 'fly', { options: { region: 'mars' } })).rejects.toThrow(/^Invalid --region "mars"/);
    await expect(runIn(dir, 'postgres', { options: { postgresMode: 'sqlite' } })).rejects.toThrow(
      /^Invalid --postgresMode "sqlite"/,
    );
    await expect(runIn(dir, 'tailscale', { options: { tailscaleImage: 'stable' } })).rejects.toThrow(
      /^Invalid --tailscaleImage "stable"/,
    );
    expect(readTree(dir)).toEqual(files);
  });
});
