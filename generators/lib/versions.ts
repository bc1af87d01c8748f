/**
 * Pinned versions of what the generated repository installs. One place, so a bump is one diff
 * (and a test checks that the Paperclip schema used to validate config.json is this same version).
 */
export const VERSIONS = {
  /** npm `paperclipai`; 2026.916.1 is what the registry serves as `latest`. */
  paperclip: '2026.916.1',
  /** Official Node image tag: Node 24 (Paperclip needs >= 24.11) on Debian trixie, which ships PostgreSQL 17. */
  nodeImage: 'node:24.21.0-trixie-slim',
  /** tailscale/tailscale image tag. 1.94.4 and later broke DNS on Fly (tailscale#19354). */
  tailscaleImage: 'v1.94.2',
  /** npm `@anthropic-ai/claude-code`. */
  claudeCode: '2.1.331',
  /** npm `@openai/codex`. */
  codex: '0.169.0',
  /** flyctl the GitHub workflow installs (the release the e2e tooling was checked against). */
  flyctl: '0.4.87',
  /** superfly/flyctl-actions release tag of setup-flyctl (never the moving `master`). */
  flyctlActions: '1.6',
} as const;

/** The PostgreSQL major each Debian release packages (the node image's Debian decides what apt can install). */
export const DEBIAN_POSTGRES: Readonly<Record<string, number>> = {
  bookworm: 15,
  trixie: 17,
};

/** Oldest PostgreSQL Paperclip's migrations run on (`UNIQUE NULLS NOT DISTINCT`). */
export const MIN_POSTGRES_MAJOR = 15;

/** Oldest Node Paperclip 2026.831+ starts on (`node:sqlite`, engines >= 24.11.0). */
export const MIN_NODE = { major: 24, minor: 11 } as const;
export const MIN_NODE_TEXT = `${MIN_NODE.major}.${MIN_NODE.minor}`;

/** Whether a Node version (`process.versions.node` form) is new enough; the package bin checks itself with it. */
export function nodeIsSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor);
}
