/** Rules on Paperclip's config.json, judged by Paperclip's own schema first. */
import { operatorScripts, runtimeVariable, TOP, where } from '../facts.js';
import type { Project } from '../project.js';
import { paperclipSchema } from '../paperclip-schema.js';
import { doctorRule, rule, type ProjectWith } from './types.js';

type ConfigProject = ProjectWith<'config.json'>;

type Config = Record<string, unknown> & {
  $meta?: Record<string, unknown>;
  database?: Record<string, unknown>;
};

const data = (p: ConfigProject): Config =>
  p.config.doc.data && typeof p.config.doc.data === 'object' ? (p.config.doc.data as Config) : {};
const at = (p: ConfigProject, path: (string | number)[]) =>
  where(p.config.file, p.config.doc.keyAt(path) ?? p.config.doc.nearest(path));

/** Schema issues, except those about $meta (the meta-version rule reports those with their catalogue entry). */
const issues = (p: ConfigProject) =>
  paperclipSchema().paperclipConfigSchema.safeParse(p.config.doc.data).error?.issues ?? [];

export const metaVersion = rule({
  checks: "config.json has a $meta block that Paperclip's schema accepts (version 1, updatedAt, source).",
  severity: 'error',
  needs: ['config.json'],
  check({ project: p, found }) {
    const meta = data(p).$meta;
    if (meta === undefined) {
      found(where(p.config.file, TOP), 'config.json has no $meta block: Paperclip rejects the file');
      return;
    }
    for (const issue of issues(p).filter((candidate) => candidate.path[0] === '$meta')) {
      found(
        at(p, issue.path.map(String)),
        `$meta${issue.path.length > 1 ? `.${issue.path.slice(1).join('.')}` : ''}: ${issue.message}`,
      );
    }
  },
});

/** Doctor-only: anything else Paperclip's schema rejects (the server refuses to start with the file). */
export const configInvalid = doctorRule({
  checks: "config.json passes Paperclip's own paperclipConfigSchema (from @paperclipai/shared).",
  title: "config.json fails Paperclip's schema",
  symptom: 'The server refuses to start: "Invalid Paperclip config at <path>: <field>: <message>".',
  fix: 'Correct the field as the message says; `paperclipai configure` writes a valid file.',
  severity: 'error',
  needs: ['config.json'],
  check({ project: p, found }) {
    for (const issue of issues(p).filter((candidate) => candidate.path[0] !== '$meta')) {
      found(
        at(
          p,
          issue.path.map((part) => (typeof part === 'number' ? part : String(part))),
        ),
        `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
    }
  },
});

/** Doctor-only: Paperclip keeps unknown keys and warns; a near-miss key is a setting that silently does nothing. */
export const configUnknownKey = doctorRule({
  checks: "config.json has no key that Paperclip's findPaperclipConfigKeyWarnings flags as a near miss.",
  title: 'misspelt config.json key',
  symptom:
    'Paperclip keeps unknown keys and only logs "Unknown config key"; the setting meant by it keeps its default.',
  fix: 'Use the key Paperclip suggests.',
  severity: 'warning',
  needs: ['config.json'],
  check({ project: p, found }) {
    for (const warning of paperclipSchema().findPaperclipConfigKeyWarnings(p.config.doc.data)) {
      found(
        at(p, warning.path.split('.')),
        `unknown key ${warning.path}${warning.suggestion ? `; did you mean ${warning.suggestion}?` : ''}`,
      );
    }
  },
});

export const connectionString = rule({
  checks: 'config.json has no database.url.',
  severity: 'error',
  needs: ['config.json'],
  check({ project: p, found }) {
    const database = data(p).database;
    if (database && 'url' in database)
      found(
        at(p, ['database', 'url']),
        'database.url is not a Paperclip setting: the key is database.connectionString',
      );
  },
});

/** Where DATABASE_URL comes from: the machine's environment, or a Fly secret that the Makefile or a workflow sets. */
function databaseUrlSource(p: Project): boolean {
  if (runtimeVariable(p, 'DATABASE_URL')) return true;
  return operatorScripts(p).some((script) =>
    script.words.some((word) => /^DATABASE_URL\b/.test(word.value ?? word.prefix)),
  );
}

export const systemPostgres = rule({
  checks:
    'database.mode is not embedded-postgres (or unset) unless DATABASE_URL is set; mode postgres has a connectionString or DATABASE_URL.',
  severity: 'error',
  needs: ['config.json'],
  check({ project: p, found }) {
    const database = data(p).database ?? {};
    const mode = typeof database.mode === 'string' ? database.mode : 'embedded-postgres';
    if (databaseUrlSource(p)) return;
    if (mode === 'embedded-postgres') {
      found(
        at(p, ['database', 'mode']),
        `database.mode is ${database.mode === undefined ? 'not set (embedded-postgres)' : '"embedded-postgres"'} and no DATABASE_URL is set: Paperclip starts its embedded PostgreSQL`,
      );
    } else if (typeof database.connectionString !== 'string') {
      found(
        at(p, ['database', 'mode']),
        'database.mode is "postgres" with no connectionString and no DATABASE_URL set in these files: unless a secret set by hand provides it, Paperclip falls back to embedded PostgreSQL',
        'warning',
      );
    }
  },
});

const PATHS: { path: string[]; what: string }[] = [
  { path: ['database', 'backup', 'dir'], what: 'backups' },
  { path: ['logging', 'logDir'], what: 'logs' },
  { path: ['storage', 'localDisk', 'baseDir'], what: 'attachments' },
  { path: ['secrets', 'localEncrypted', 'keyFilePath'], what: 'the secrets master key' },
];

export const absolutePaths = rule({
  checks:
    'database.backup.dir, logging.logDir, storage.localDisk.baseDir and secrets.localEncrypted.keyFilePath are absolute.',
  severity: 'warning',
  needs: ['config.json'],
  check({ project: p, found }) {
    for (const { path, what } of PATHS) {
      const value = path.reduce<unknown>(
        (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
        data(p),
      );
      if (value === undefined)
        found(
          at(p, path),
          `${path.join('.')} is not set: ${what} end up under the default ~/.paperclip (HOME), not where PAPERCLIP_HOME points`,
        );
      else if (typeof value === 'string' && !value.startsWith('/'))
        found(at(p, path), `${path.join('.')} is "${value}": ${what} end up wherever ~ (HOME) expands`);
    }
  },
});
