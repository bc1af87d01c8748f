/** The input forms issue 10 asked for: digest-pinned images, volume sizes with a unit, the `.yo-rc.json` meta keys. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metaProblem } from '../generators/lib/run.js';
import { SettingsError, parseSetting } from '../generators/lib/settings.js';
import { isTailscaleDnsAffected } from '../generators/lib/validators.js';
import { generate } from './helpers.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('digest-pinned images', () => {
  it.each([
    ['nodeImage', `node:24.21.0-trixie-slim@${DIGEST}`],
    ['nodeImage', `node:24.21.0-bookworm-slim@${DIGEST}`],
    ['tailscaleImage', `v1.94.2@${DIGEST}`],
  ] as const)('%s %s is accepted', (key, value) => {
    expect(parseSetting(key, value)).toBe(value);
  });

  it.each([
    ['nodeImage', 'node:24.21.0-trixie-slim@sha256:abc'],
    ['nodeImage', `node@${DIGEST}`],
    ['tailscaleImage', `latest@${DIGEST}`],
    ['tailscaleImage', `v1.94.2@sha512:${'0'.repeat(64)}`],
  ] as const)('%s %s is refused in one line naming the form', (key, value) => {
    expect(() => parseSetting(key, value)).toThrow(SettingsError);
    expect(() => parseSetting(key, value)).toThrow(new RegExp(`^Invalid --${key} ".*": .*@sha256:<64 hex>`));
  });

  it('a digest keeps the release checks (the Tailscale DNS warning reads the tag)', () => {
    expect(isTailscaleDnsAffected(`v1.94.4@${DIGEST}`)).toBe(true);
    expect(isTailscaleDnsAffected(`v1.94.2@${DIGEST}`)).toBe(false);
  });

  it('the Dockerfile pulls both images by tag and digest', async () => {
    const { dir } = await generate({
      nodeImage: `node:24.21.0-trixie-slim@${DIGEST}`,
      tailscaleImage: `v1.94.2@${DIGEST}`,
    });
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`FROM docker.io/library/node:24.21.0-trixie-slim@${DIGEST}`);
    expect(dockerfile).toContain(`FROM docker.io/tailscale/tailscale:v1.94.2@${DIGEST} AS tailscale`);
  });
});

describe('--volumeSize', () => {
  it.each([
    ['10', 10],
    ['10gb', 10],
    ['10GB', 10],
    [' 10 Gb ', 10],
  ])('%j is %i GB', (raw, gigabytes) => {
    expect(parseSetting('volumeSize', raw)).toBe(gigabytes);
  });

  it.each(['10tb', '10mb', '10g', '1.5', '0', '501'])('%j is one line naming the allowed form', (raw) => {
    expect(() => parseSetting('volumeSize', raw)).toThrow(
      `Invalid --volumeSize "${raw}": use a whole number of gigabytes from 1 to 500, as 10 or 10gb (Fly volume limits).`,
    );
  });
});

describe('.yo-rc.json meta keys', () => {
  const hash = 'a'.repeat(64);
  it.each([
    [{ generatedAt: '2026-01-01T00:00:00.000Z' }, undefined],
    [{ generatedAt: '2026-01-01T00:00:00Z', fileHashes: { Dockerfile: hash } }, undefined],
    [{ generatedAt: 'yesterday' }, /^Invalid generatedAt "yesterday"/],
    [{ generatedAt: '2026-13-45T99:00:00.000Z' }, /^Invalid generatedAt/],
    [{ generatedAt: 20260101 }, /^Invalid generatedAt 20260101/],
    [{ generatedAt: '2026-01-01T00:00:00.000Z"; rm -rf /' }, /^Invalid generatedAt/],
    [{ fileHashes: { Dockerfile: 'abc' } }, /^Invalid fileHashes/],
    [{ fileHashes: { '../etc/passwd': hash } }, /^Invalid fileHashes/],
    [{ fileHashes: [] }, /^Invalid fileHashes/],
  ])('%j', (block, problem) => {
    const found = metaProblem(block);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});
