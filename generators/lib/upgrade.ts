/**
 * Moving a project's pinned versions to this generator's, and checking a requested Paperclip version against the
 * npm registry. Stored values win on a re-run, so without `--upgrade` a newer generator keeps the old pins.
 */
import type { Settings } from './settings.js';
import { VERSIONS } from './versions.js';

/** The settings that pin a version, and this generator's value for each. */
export const PINS = {
  paperclipVersion: VERSIONS.paperclip,
  nodeImage: VERSIONS.nodeImage,
  tailscaleImage: VERSIONS.tailscaleImage,
} as const satisfies Partial<Record<keyof Settings, string>>;

export type PinKey = keyof typeof PINS;

export interface PinChange {
  key: PinKey;
  from: string | undefined;
  to: string;
}

/** The pins an upgrade moves: stored ones that differ from this generator's, unless a flag sets them. */
export function upgradePlan(stored: Readonly<Record<string, unknown>>, flags: Readonly<Record<string, unknown>>) {
  const changes: PinChange[] = [];
  for (const [key, to] of Object.entries(PINS) as [PinKey, string][]) {
    if (key in flags) continue;
    const from = stored[key];
    if (from !== to) changes.push({ key, from: typeof from === 'string' ? from : undefined, to });
  }
  return changes;
}

/** The advice printed with an upgrade, one line each. */
export function upgradeReport(changes: readonly PinChange[]): string[] {
  if (changes.length === 0) return ['Upgrade: every pin is already at this generator’s version.'];
  const lines = changes.map(({ key, from, to }) => `Upgrade: ${key} ${from ?? '(unset)'} → ${to}`);
  if (changes.some((change) => change.key === 'paperclipVersion')) {
    lines.push(
      'Upgrade: a new Paperclip runs its database migrations on first start and cannot be rolled back: take a backup first (make backup), then make deploy.',
    );
  }
  return lines;
}

/** The published versions of an npm package, or undefined when the registry cannot be reached. */
export type VersionLookup = (name: string) => Promise<readonly string[] | undefined>;

/** Asks the npm registry (REGISTRY or npm_config_registry, else registry.npmjs.org), giving up after a few seconds. */
export const npmVersions: VersionLookup = async (name) => {
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  try {
    const response = await fetch(`${registry}${encodeURIComponent(name)}`, {
      headers: { accept: 'application/vnd.npm.install-v1+json' },
      signal: AbortSignal.timeout(4000),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { versions?: Record<string, unknown> };
    return body.versions ? Object.keys(body.versions) : undefined;
  } catch {
    return undefined;
  }
};

/** A warning about a requested `paperclipai` version, or undefined when it is published. */
export function paperclipVersionWarning(version: string, published: readonly string[] | undefined): string | undefined {
  if (published === undefined)
    return `Could not reach the npm registry to check that paperclipai@${version} is published; the image build will fail if it is not.`;
  if (published.includes(version)) return undefined;
  return `paperclipai@${version} is not published on npm (latest known here: ${VERSIONS.paperclip}); the image build will fail until it is.`;
}
