import { describe, expect, it } from 'vitest';
import {
  appNameFromFolder,
  isTailscaleDnsAffected,
  memoryRangeMb,
  parseList,
  parseHours,
  parseMemoryMb,
  parseNodeImage,
  parseGigabytes,
  validateAdminInviteHours,
  validateAgents,
  validateAutoExtendIncrement,
  validateAutoExtendLimit,
  validateAutoExtendLimitForVolume,
  validateAutoExtendThreshold,
  validateAppName,
  validateMemoryForSize,
  validateNodeImage,
  validateOrg,
  validatePaperclipVersion,
  validatePostgresForImage,
  validatePostgresMajor,
  validatePostgresMode,
  validateRegion,
  validateSnapshotRetention,
  validateTailscaleHostname,
  validateTailscaleImage,
  validateTailscaleLoginServer,
  validateTailscaleTags,
  validateVmMemory,
  validateVmSize,
  validateVolumeName,
  validateVolumeSize,
} from '../generators/lib/validators.js';

type Case<T> = [validator: (value: T) => true | string, good: T[], bad: T[], allowedForm: RegExp];

/** One row: a validator with good and bad values of its own type (the table holds rows of several types). */
const row = <T>(validator: (value: T) => true | string, good: T[], bad: T[], form: RegExp) =>
  [validator, good, bad, form] as unknown as Case<unknown>;

const cases: Record<string, Case<unknown>> = {
  appName: row(
    validateAppName,
    ['paperclip', 'my-clip-2', 'a', 'x'.repeat(63)],
    ['My_App', '-app', 'app-', '1app', 'x'.repeat(64), 'my--app', '', 'app.dev'],
    /lowercase letters, digits and single dashes/,
  ),
  org: row(validateOrg, ['personal', 'acme-inc', 'team1'], ['My Org', '-x', 'x-', ''], /organization slug/),
  region: row(validateRegion, ['sjc', 'ams', 'fra'], ['xyz', 'SJC', 'us-east-1', ''], /Fly region codes .*sjc/),
  vmSize: row(
    validateVmSize,
    ['shared-cpu-1x', 'performance-16x'],
    ['shared-cpu-3x', 'huge', 'Shared-cpu-1x'],
    /Fly VM sizes/,
  ),
  vmMemory: row(
    validateVmMemory,
    [1024, 2048, 1280, 16384],
    [512, 1000, 0, Number.NaN, 1024.5],
    /1024 MB|multiple of 256|whole number/,
  ),
  volumeName: row(
    validateVolumeName,
    ['paperclip_data', 'data', 'v'.repeat(30)],
    ['paperclip-data', 'Data', 'v'.repeat(31), '_data', ''],
    /lowercase letters, digits and underscores/,
  ),
  volumeSize: row(validateVolumeSize, [1, 3, 500], [0, 501, 1.5, Number.NaN, -1], /from 1 to 500/),
  snapshotRetention: row(validateSnapshotRetention, [1, 5, 60], [0, 61, Number.NaN], /from 1 to 60/),
  volumeAutoExtendThreshold: row(
    validateAutoExtendThreshold,
    [50, 80, 99],
    [49, 100, 0, 80.5, Number.NaN],
    /from 50 to 99/,
  ),
  volumeAutoExtendIncrement: row(validateAutoExtendIncrement, [1, 10, 100], [0, 101, 1.5, Number.NaN], /from 1 to 100/),
  volumeAutoExtendLimit: row(validateAutoExtendLimit, [1, 12, 500], [0, 501, 2.5, Number.NaN], /from 1 to 500/),
  // Paperclip clamps --expires-hours to 1..720 without a word: only that range is accepted.
  adminInviteHours: row(validateAdminInviteHours, [1, 24, 720], [0, 721, 0.5, 1.5, Number.NaN], /from 1 to 720/),
  paperclipVersion: row(
    validatePaperclipVersion,
    ['2026.916.1', '0.2.7'],
    ['latest', '^2026.916.1', '2026.916', '', 'v2026.916.1'],
    /exact paperclipai version/,
  ),
  nodeImage: row(
    validateNodeImage,
    ['node:24.21.0-trixie-slim', 'node:24.11.0-bookworm-slim', 'node:26.1.0-trixie-slim'],
    [
      'node:lts-trixie-slim',
      'node:22.12.0-trixie-slim',
      'node:24.10.0-trixie-slim',
      'node:24.21.0-alpine',
      'node:24.21.0-trixie',
      'node:24-trixie-slim',
    ],
    /node:<24\.11\+>/,
  ),
  postgresMajor: row(validatePostgresMajor, [15, 16, 17, 18], [14, 19, Number.NaN, 17.5], /from 15 to 18/),
  postgresMode: row(validatePostgresMode, ['system', 'external'], ['embedded', 'sqlite', ''], /"system".*"external"/),
  tailscaleHostname: row(
    validateTailscaleHostname,
    ['paperclip', 'pc-1'],
    ['My.Host', 'host_name', '-h', ''],
    /lowercase letters, digits and dashes/,
  ),
  tailscaleImage: row(
    validateTailscaleImage,
    ['v1.94.2', 'v1.96.0'],
    ['latest', 'stable', '1.94.2', 'v1.94', ''],
    /pinned tailscale\/tailscale release tag/,
  ),
  tailscaleTags: row(
    validateTailscaleTags,
    [[], ['tag:paperclip'], ['tag:a', 'tag:b-2']],
    [['paperclip'], ['tag:Bad_Tag'], ['tag:a', 'tag:a'], ['tag:']],
    /ACL tags like tag:paperclip/,
  ),
  tailscaleLoginServer: row(
    validateTailscaleLoginServer,
    ['', 'https://headscale.example.com', 'http://127.0.0.1:8080', 'https://hs.example:8443/', 'http://[::1]:8080'],
    [
      'headscale.example.com',
      'ftp://hs.example',
      'https://hs.example/path',
      'https://user:pw@hs.example',
      'https://hs.example?x=1',
      'https://',
      ' https://hs.example',
    ],
    /http:\/\/ or https:\/\/ URL with a host and no path/,
  ),
  agents: row(
    validateAgents,
    [['claude'], ['codex'], ['claude', 'codex']],
    [['gemini'], [], ['claude', 'claude']],
    /one or more of claude, codex/,
  ),
};

describe.each(Object.entries(cases))('%s validator', (_name, [validator, good, bad, allowedForm]) => {
  it.each(good.map((value) => [value]))('accepts %j', (value) => {
    expect(validator(value)).toBe(true);
  });
  it.each(bad.map((value) => [value]))('rejects %j with the allowed form', (value) => {
    const verdict = validator(value);
    expect(verdict).not.toBe(true);
    expect(verdict).toMatch(allowedForm);
    expect(verdict).not.toContain('\n');
  });
});

describe('hours', () => {
  it.each([
    ['1', 1],
    ['24h', 24],
    [' 3 H ', 3],
    ['720', 720],
    ['1.5', Number.NaN],
    ['1d', Number.NaN],
    ['-1', Number.NaN],
    ['', Number.NaN],
    ['h', Number.NaN],
  ])('parseHours(%j) is %s', (raw, hours) => {
    expect(parseHours(raw)).toEqual(hours);
  });
});

describe('memory', () => {
  it('parses megabytes and gigabytes', () => {
    expect(parseMemoryMb('2048')).toBe(2048);
    expect(parseMemoryMb('2048mb')).toBe(2048);
    expect(parseMemoryMb('2GB')).toBe(2048);
    expect(parseMemoryMb('2tb')).toBeNaN();
    expect(parseMemoryMb('lots')).toBeNaN();
  });
  it('explains the 512 MB OOM when memory is below the floor', () => {
    expect(validateVmMemory(512)).toMatch(/OOM-killed/);
  });
  it('checks memory against the preset', () => {
    expect(memoryRangeMb('shared-cpu-1x')).toEqual({ min: 256, max: 2048, step: 256 });
    expect(validateMemoryForSize(2048, 'shared-cpu-1x')).toBe(true);
    expect(validateMemoryForSize(4096, 'shared-cpu-1x')).toMatch(/1024-2048 MB in steps of 256 MB for shared-cpu-1x/);
    expect(validateMemoryForSize(1024, 'performance-1x')).toMatch(/2048-8192 MB/);
    expect(validateMemoryForSize(4096, 'performance-1x')).toBe(true);
  });
});

describe('volume auto-extend', () => {
  it('reads gigabytes as "<n>" or "<n>gb", nothing else', () => {
    const table: [string, number][] = [
      ['2', 2],
      ['2gb', 2],
      [' 10GB ', 10],
      ['2g', Number.NaN],
      ['2tb', Number.NaN],
      ['2.5', Number.NaN],
      ['', Number.NaN],
    ];
    for (const [raw, gb] of table) expect(parseGigabytes(raw), raw).toBe(gb);
  });

  it('checks the limit against the volume and the increment: off at the volume size, else room for one step', () => {
    // [limit, volume size, increment, allowed]
    const table: [number, number, number, boolean][] = [
      [12, 3, 1, true],
      [4, 3, 1, true],
      [3, 3, 1, true], // auto-extend off
      [2, 3, 1, false], // below the volume
      [5, 3, 5, false], // above the volume, but not one step
      [8, 3, 5, true],
      [500, 500, 1, true],
    ];
    for (const [limit, size, increment, ok] of table) {
      const verdict = validateAutoExtendLimitForVolume(limit, size, increment);
      expect(verdict === true, `${limit} ${size} ${increment}`).toBe(ok);
      if (!ok) expect(verdict).toMatch(/^use \d+ \(the --volumeSize: no auto-extend\) or at least \d+ GB/);
    }
  });
});

describe('PostgreSQL and the base image', () => {
  it("requires the major the image's Debian packages", () => {
    expect(validatePostgresForImage(17, 'node:24.21.0-trixie-slim')).toBe(true);
    expect(validatePostgresForImage(15, 'node:24.21.0-bookworm-slim')).toBe(true);
    expect(validatePostgresForImage(15, 'node:24.21.0-trixie-slim')).toMatch(/use 17: Debian trixie/);
    expect(validatePostgresForImage(16, 'node:24.21.0-bookworm-slim')).toMatch(/use 15: Debian bookworm/);
  });
  it('parses the node image tag', () => {
    expect(parseNodeImage('node:24.21.0-trixie-slim')).toEqual({ major: 24, minor: 21, patch: 0, debian: 'trixie' });
    expect(parseNodeImage('node:24-slim')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('derives an app name from a folder name', () => {
    expect(appNameFromFolder('My Paperclip')).toBe('my-paperclip');
    expect(appNameFromFolder('2024_Agents!')).toBe('agents');
    expect(appNameFromFolder('___')).toBe('paperclip');
    expect(validateAppName(appNameFromFolder('x'.repeat(80) + '-'))).toBe(true);
  });
  it('splits comma lists', () => {
    expect(parseList(' tag:a, tag:b ,,')).toEqual(['tag:a', 'tag:b']);
    expect(parseList('')).toEqual([]);
  });
  it('knows which Tailscale tags have the Fly DNS bug', () => {
    expect(isTailscaleDnsAffected('v1.94.2')).toBe(false);
    expect(isTailscaleDnsAffected('v1.94.4')).toBe(true);
    expect(isTailscaleDnsAffected('v1.96.0')).toBe(true);
    expect(isTailscaleDnsAffected('v1.80.3')).toBe(false);
  });
});
