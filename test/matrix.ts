/**
 * The whole option matrix: every combination of the settings that change which files are written or what is in
 * them structurally (Tailscale, PostgreSQL mode, agents, the workflow, tags, the Debian base with its
 * PostgreSQL). Other settings are values substituted into the same text. 96 combinations, as flags.
 */
export type MatrixFlags = Record<string, string | boolean>;

const AXES: Record<string, readonly MatrixFlags[]> = {
  tailscale: [{ tailscale: true }, { tailscale: false }],
  postgres: [{ postgresMode: 'system' }, { postgresMode: 'external' }],
  agents: [{ agents: 'claude' }, { agents: 'codex' }, { agents: 'claude,codex' }],
  workflow: [{ githubActions: false }, { githubActions: true }],
  tags: [{}, { tailscaleTags: 'tag:paperclip,tag:prod' }],
  base: [{}, { nodeImage: 'node:24.21.0-bookworm-slim', postgresMajor: '15' }],
};

export const OPTION_MATRIX: readonly MatrixFlags[] = Object.values(AXES).reduce<MatrixFlags[]>(
  (combinations, axis) => combinations.flatMap((combination) => axis.map((value) => ({ ...combination, ...value }))),
  [{}],
);

/** A short readable name for a combination, for test titles. */
export const matrixLabel = (flags: MatrixFlags): string =>
  Object.entries(flags)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
