/** Rules on what the image is built from and installs, and what its environment says. */
import {
  aptPackages,
  buildScripts,
  imageStages,
  machineScripts,
  npmGlobals,
  operatorScripts,
  postgresInImage,
  runs,
  runtimeVariable,
  TOP,
  where,
  whereRun,
  whereWord,
} from '../facts.js';
import { positional } from '../parse/shell.js';
import { doctorRule, rule, type ProjectWith } from './types.js';

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
/** Paperclip's engines field since 2026.831 (MIN_NODE in generators/lib/versions.ts). */
const MIN_NODE = { major: 24, minor: 11 };
/** First tailscale release whose DNS breaks on Fly (tailscale#19354). */
const TAILSCALE_BROKEN_FROM = [1, 94, 4] as const;
/** The agent CLIs Paperclip's adapters run. */
export const AGENT_CLIS = ['@anthropic-ai/claude-code', '@openai/codex', '@google/gemini-cli', 'opencode-ai'];

const dockerfileTop = (p: ProjectWith<'Dockerfile'>) => where(p.dockerfile.file, p.dockerfile.final.at);

export const node24 = rule({
  checks:
    "The final image's Node base is pinned and at least 24.11 (no lts/latest/codename tags); npm installs paperclipai at an exact version.",
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const root = imageStages(p)[0] ?? p.dockerfile.final;
    const image = root.image;
    const whereImage = where(p.dockerfile.file, image.at);
    if (image.name === 'node') {
      const tag = image.tag ?? '';
      const version = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-|$)/.exec(tag);
      if (version) {
        const major = Number(version[1]);
        const minor = version[2] === undefined ? undefined : Number(version[2]);
        if (major < MIN_NODE.major || (major === MIN_NODE.major && minor !== undefined && minor < MIN_NODE.minor)) {
          found(
            whereImage,
            `base image ${image.ref} has Node ${version[0].replace(/-$/, '')}; Paperclip needs ${MIN_NODE.major}.${MIN_NODE.minor} or newer`,
          );
        }
      } else if (!image.digest) {
        found(
          whereImage,
          `base image ${image.ref} is not pinned to a Node version (${tag ? `"${tag}" moves` : 'no tag means latest'}): a rebuild can get another Node`,
          'warning',
        );
      }
    } else {
      const debianNode = aptPackages(p).find((pkg) => pkg.name === 'nodejs');
      const nodesource = runs(buildScripts(p)).some((run) =>
        run.args.some((arg) => /nodesource|setup_2[4-9]\.x/.test(arg.value ?? arg.prefix)),
      );
      if (debianNode && !nodesource)
        found(
          debianNode.where,
          "Node comes from the distribution's nodejs package, older than 24.11 on Debian and Ubuntu",
        );
    }
    const paperclip = npmGlobals(p).find((pkg) => pkg.name === 'paperclipai');
    if (paperclip && !EXACT_VERSION.test(paperclip.version ?? '')) {
      found(
        paperclip.where,
        `paperclipai is installed ${paperclip.version ? `as "${paperclip.version}"` : 'without a version'}: each build can get another release (and run its migrations)`,
        'warning',
      );
    }
    if (!paperclip && !npmGlobals(p).length && image.name !== 'node')
      return 'no Node base image and no npm install -g paperclipai in the Dockerfile';
  },
});

/** Doctor-only: the catalogue pins these in the generated Dockerfile without an entry of their own. */
export const pinnedAgentClis = doctorRule({
  checks: 'npm installs Claude Code, Codex, Gemini CLI and opencode at exact versions.',
  title: 'agent CLIs without an exact version',
  symptom:
    'An unpinned Claude Code or Codex CLI changes under Paperclip at every image build; a release that changes flags or output breaks the adapter that drives it.',
  fix: 'Install each agent CLI at an exact version (npm install -g @anthropic-ai/claude-code@<x.y.z>).',
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    for (const pkg of npmGlobals(p)) {
      if (AGENT_CLIS.includes(pkg.name) && !EXACT_VERSION.test(pkg.version ?? '')) {
        found(pkg.where, `${pkg.name} is installed ${pkg.version ? `as "${pkg.version}"` : 'without a version'}`);
      }
    }
  },
});

const versionTuple = (tag: string): number[] | undefined => {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
};
const atLeast = (version: number[], floor: readonly number[]) => {
  for (let i = 0; i < floor.length; i++) if (version[i] !== floor[i]) return (version[i] ?? 0) > (floor[i] ?? 0);
  return true;
};

export const tailscalePinned = rule({
  checks:
    'Tailscale comes from a pinned release below 1.94.4: tailscale/tailscale image tag, apt version, not tailscale.com/install.sh.',
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    let seen = false;
    const checkTag = (ref: string, tag: string | undefined, at: ReturnType<typeof where>) => {
      seen = true;
      const version = tag ? versionTuple(tag) : undefined;
      if (!version) found(at, `${ref} is not pinned to a release (${tag ? `"${tag}" moves` : 'no tag means latest'})`);
      else if (atLeast(version, TAILSCALE_BROKEN_FROM))
        found(at, `${ref} is tailscale ${version.join('.')}, which breaks DNS on Fly (1.94.4 and later)`, 'error');
    };
    for (const stage of p.dockerfile.stages) {
      if (stage.image.name === 'tailscale/tailscale')
        checkTag(stage.image.ref, stage.image.tag, where(p.dockerfile.file, stage.image.at));
    }
    for (const stage of imageStages(p)) {
      for (const copy of stage.copies) {
        if (copy.from?.includes('tailscale/tailscale')) {
          const tag = copy.from.includes(':') ? copy.from.slice(copy.from.lastIndexOf(':') + 1) : undefined;
          checkTag(copy.from, tag, where(p.dockerfile.file, copy.at));
        }
      }
    }
    for (const run of runs(buildScripts(p))) {
      const url = run.args.find((arg) => /tailscale\.com\/install\.sh/.test(arg.value ?? arg.prefix));
      if ((run.name === 'curl' || run.name === 'wget') && url) {
        seen = true;
        found(whereWord(run, url), 'tailscale.com/install.sh installs whatever release is current at build time');
      }
    }
    for (const pkg of aptPackages(p).filter((candidate) => candidate.name === 'tailscale')) {
      seen = true;
      const version = pkg.version === undefined ? undefined : versionTuple(pkg.version);
      if (!pkg.version) found(pkg.where, 'the tailscale package is installed without a version');
      else if (version && atLeast(version, TAILSCALE_BROKEN_FROM))
        found(pkg.where, `tailscale ${pkg.version} breaks DNS on Fly (1.94.4 and later)`, 'error');
    }
    if (!seen) return 'the image installs no Tailscale';
  },
});

export const volumeShadowsImage = rule({
  checks: "No COPY/ADD of the final image writes under the volume's mount point.",
  severity: 'error',
  needs: ['fly.toml', 'Dockerfile'],
  check({ project: p, found }) {
    const mount = p.mount;
    if (!mount) return 'fly.toml mounts no volume';
    for (const stage of imageStages(p)) {
      for (const copy of stage.copies) {
        const dest = copy.dest.value.replace(/\/$/, '');
        if (dest === mount || dest.startsWith(`${mount}/`)) {
          found(
            where(p.dockerfile.file, copy.dest.at),
            `${copy.keyword} puts files under ${mount}, where fly.toml mounts the volume: at run time the volume hides them`,
          );
        }
      }
    }
  },
});

const SERVER_BINARIES = new Set([
  'initdb',
  'pg_ctl',
  'postgres',
  'postmaster',
  'pg_resetwal',
  'pg_controldata',
  'pg_upgrade',
  'pg_rewind',
  'pg_checksums',
]);

export const postgresBinPath = rule({
  checks:
    'The machine and the build call initdb, pg_ctl and postgres by path (or PATH has /usr/lib/postgresql); pg_config only with a -dev package.',
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    if (!postgresInImage(p)) return 'the image installs no PostgreSQL server';
    const path = runtimeVariable(p, 'PATH')?.value ?? '';
    const onPath = /\/usr\/lib\/postgresql\//.test(path);
    const devPackage = aptPackages(p).some(
      (pkg) => pkg.name === 'libpq-dev' || pkg.name.startsWith('postgresql-server-dev'),
    );
    for (const run of runs([...machineScripts(p), ...buildScripts(p)])) {
      if (
        SERVER_BINARIES.has(run.name) &&
        !run.head.raw.includes('/') &&
        !(run.head.value ?? '').includes('/') &&
        !onPath
      ) {
        found(
          whereRun(run),
          `${run.name} is called by bare name, but Debian installs it in /usr/lib/postgresql/<major>/bin, which is not on PATH`,
        );
      }
      if (run.name === 'pg_config' && !devPackage) {
        found(
          whereRun(run),
          'pg_config is only installed with libpq-dev or a postgresql-server-dev package, and the image installs neither',
        );
      }
    }
  },
});

export const dbOwnerExtensions = rule({
  checks:
    'No PostgreSQL older than 15 is installed; CREATE DATABASE (psql -c or here-document) and createdb give an OWNER.',
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    if (!postgresInImage(p)) return 'the image installs no PostgreSQL server';
    for (const pkg of aptPackages(p)) {
      const major = /^postgresql-(\d+)$/.exec(pkg.name)?.[1];
      if (major && Number(major) < 15)
        found(pkg.where, `PostgreSQL ${major} is older than 15, which Paperclip's migrations need`);
    }
    for (const run of runs(machineScripts(p))) {
      const sql =
        run.name === 'psql'
          ? [
              ...run.command.stdinText,
              ...run.args
                .filter((_, i) => run.args[i - 1]?.value === '-c' || run.args[i - 1]?.value === '--command')
                .map((arg) => arg.value ?? ''),
            ]
          : [];
      for (const text of sql) {
        for (const statement of text.matchAll(/CREATE\s+DATABASE\b([^;]*)/gi)) {
          if (!/\bOWNER\b/i.test(statement[1] ?? ''))
            found(
              whereRun(run),
              'CREATE DATABASE without OWNER: the app role cannot CREATE EXTENSION pg_trgm/fuzzystrmatch in it',
            );
        }
      }
      if (run.name === 'createdb' && !run.args.some((arg) => arg.prefix === '-O' || arg.prefix.startsWith('--owner'))) {
        found(
          whereRun(run),
          'createdb without --owner: the app role cannot CREATE EXTENSION pg_trgm/fuzzystrmatch in it',
        );
      }
    }
  },
});

export const apiUrlLoopback = rule({
  checks: 'PAPERCLIP_API_URL is set (image ENV, fly.toml [env] or the entrypoint) to a loopback URL.',
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const url = runtimeVariable(p, 'PAPERCLIP_API_URL');
    if (!url)
      found(
        dockerfileTop(p),
        'PAPERCLIP_API_URL is not set: agents call the API on the public name, which they cannot resolve inside the machine',
      );
    else if (url.value !== undefined && !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(url.value)) {
      found(url.where, `PAPERCLIP_API_URL is ${url.value}, not the loopback listener`);
    }
  },
});

export const migrationsAutoApply = rule({
  checks: 'PAPERCLIP_MIGRATION_AUTO_APPLY is "true".',
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const value = runtimeVariable(p, 'PAPERCLIP_MIGRATION_AUTO_APPLY');
    if (!value)
      found(
        dockerfileTop(p),
        'PAPERCLIP_MIGRATION_AUTO_APPLY is not set: with a terminal the server waits at "Apply pending migrations?"',
      );
    else if (value.value !== undefined && value.value !== 'true')
      found(value.where, `PAPERCLIP_MIGRATION_AUTO_APPLY is "${value.value}", not "true"`);
  },
});

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|AUTH_?KEY|PRIVATE_KEY|CREDENTIALS?)$/i;
const SECRET_VALUE = /^(tskey-|sk-|ghp_|gh[ousr]_|xox[abp]-|fo1_|FlyV1 )|:\/\/[^:/@\s]+:[^@/\s]+@/;

/** A value that would leak: a secret-named variable with a literal value, or a value shaped like a credential. */
export function looksSecret(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || /^\$\{?\w+\}?$/.test(value)) return false;
  return SECRET_NAME.test(name) || SECRET_VALUE.test(value);
}

export const secretsStaySecret = rule({
  checks:
    "No secret-named variable or credential-shaped value in fly.toml [env], Dockerfile ENV/ARG, a committed .env, config.json's connectionString, or a literal in fly secrets set / tailscale up.",
  severity: 'error',
  needs: [],
  check({ project: p, found }) {
    const fly = p.fly?.doc;
    const flyEnv = fly?.get(['env']);
    if (fly && flyEnv && typeof flyEnv === 'object') {
      for (const [name, value] of Object.entries(flyEnv as Record<string, unknown>)) {
        if (looksSecret(name, String(value)))
          found(
            where('fly.toml', fly.valueAt(['env', name]) ?? TOP),
            `fly.toml [env] holds ${name} in plain text (committed to git); use fly secrets`,
          );
      }
    }
    const dockerfile = p.dockerfile;
    for (const stage of dockerfile?.stages ?? []) {
      for (const [kind, entries] of [
        ['ENV', stage.env],
        ['ARG', stage.args],
      ] as const) {
        for (const [name, entry] of entries) {
          if (kind === 'ENV' && stage.base?.env.get(name) === entry) continue;
          if (dockerfile && looksSecret(name, entry.value))
            found(
              where(dockerfile.file, entry.at),
              `${kind} ${name} writes a secret into the image's layers and history`,
            );
        }
      }
    }
    if (p.dotenv?.committed) {
      p.dotenv.text.split('\n').forEach((line, i) => {
        const [, name, value] = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line) ?? [];
        if (name !== undefined && looksSecret(name, (value ?? '').trim().replace(/^(['"])(.*)\1$/, '$2'))) {
          found(
            where('.env', { line: i + 1, column: 1 }),
            `.env holds ${name} and .gitignore does not keep it out of git`,
          );
        }
      });
    }
    const config = p.config;
    const connection = (config?.doc.data as { database?: { connectionString?: unknown } } | undefined)?.database
      ?.connectionString;
    if (config && typeof connection === 'string' && SECRET_VALUE.test(connection)) {
      found(
        where(config.file, config.doc.keyAt(['database', 'connectionString']) ?? TOP),
        'database.connectionString carries a password, committed and baked into the image; pass it in DATABASE_URL from a secret',
      );
    }
    for (const run of runs([...machineScripts(p), ...buildScripts(p), ...operatorScripts(p)])) {
      const isSecretsSet =
        (run.name === 'fly' || run.name === 'flyctl') &&
        positional(run.args)[0] === 'secrets' &&
        positional(run.args)[1] === 'set';
      for (const arg of run.args) {
        const text = arg.value ?? '';
        const [, name, value] = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text) ?? [];
        const literal = !arg.raw.includes('$');
        if (isSecretsSet && name !== undefined && literal && looksSecret(name, value))
          found(whereWord(run, arg), `${name}'s value is written in the script`);
        else if (literal && /^(--auth-?key=)?tskey-/.test(text))
          found(whereWord(run, arg), 'a Tailscale auth key is written in the script');
      }
    }
    return undefined;
  },
});
