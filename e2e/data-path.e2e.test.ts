/**
 * The generated start.sh's data-path functions, sourced and called one at a time against real PostgreSQL on the
 * host (Debian's server, installed by the global setup): restore, first-boot initdb and the config check, each
 * with the fault that used to lose data or wedge the machine. Fast (seconds), so every fault is tried, not sampled.
 *
 * The host has no `node` user: the script under test is the generated one with RUN_USER set to `postgres`.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPostgresBin, startExternalPostgres, type ExternalPostgres } from './lib/external-postgres.js';
import { freePort, sleep } from './lib/http.js';
import { run, type CommandResult } from './lib/podman.js';
import { writeFaultFigures } from './lib/results.js';
import { ROOT, generateProject, nodeBinary } from './lib/project.js';

const PG_BIN = hostPostgresBin() ?? '';
/** Time to recover from each fault (the largest of a test's cases), written to bench/e2e-results.json. */
const figures: Record<string, number> = {};
const slowest = (key: string, seconds: number) => {
  figures[key] = Math.max(figures[key] ?? 0, seconds);
};
let work: string;
let startSh: string;
/** start.sh of a project with an external database and no Tailscale. */
let startShExternal: string;
let stash: string;

/** Runs `start.sh` sourced, then one of its functions with arguments. */
function call(
  fn: string,
  args: string[],
  env: Record<string, string> = {},
  script = startSh,
  timeoutSeconds?: number,
): Promise<CommandResult> {
  // $0 is not the script's path, so its `main` guard sees a sourced file.
  return run('bash', ['-c', 'script=$1; shift; source "$script"; "$@"', 'data-path-test', script, fn, ...args], {
    allowFailure: true,
    timeoutSeconds,
    env: {
      PG_BIN,
      // Node >= 24 first on PATH; Paperclip's schema is resolved from this package's own dependencies.
      PATH: `${dirname(nodeBinary())}:${process.env.PATH ?? ''}`,
      PAPERCLIP_SERVER_ENTRY: join(ROOT, 'package.json'),
      ...env,
    },
  });
}

/** A folder the postgres user may write in. */
function postgresDir(prefix: string): string {
  const dir = mkdtempSync(join(work, prefix));
  chownSync(dir, 101, 104);
  return dir;
}

beforeAll(async () => {
  if (!PG_BIN) throw new Error('no PostgreSQL server on the host (the e2e global setup installs it)');
  work = mkdtempSync(join(tmpdir(), 'pcfly-data-'));
  chownSync(work, 0, 0);
  await run('chmod', ['755', work]);
  const project = join(work, 'project');
  await generateProject(project, ['--appName', 'pcfly-data-path']);
  const uid = (await run('id', ['-u', 'postgres'])).stdout.trim();
  expect(uid).toBe('101');
  startSh = join(work, 'start.sh');
  writeFileSync(
    startSh,
    readFileSync(join(project, 'start.sh'), 'utf8').replace(/^readonly RUN_USER=node$/m, 'readonly RUN_USER=postgres'),
  );
  stash = join(project, 'config.json');
  const external = join(work, 'external');
  await generateProject(external, ['--appName', 'pcfly-data-ext', '--postgresMode', 'external', '--no-tailscale']);
  startShExternal = join(external, 'start.sh');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (Object.keys(figures).length) writeFaultFigures(figures);
});

describe('restore is all or nothing', () => {
  let db: ExternalPostgres;
  let full: Buffer;
  const counts = async () =>
    (await db.query("SELECT (SELECT count(*) FROM small) || '/' || (SELECT count(*) FROM big)", db.database)).trim();

  beforeAll(async () => {
    db = await startExternalPostgres();
    // The dump: 3 and 200000 rows. The live data afterwards: 5 and 1000, which a failed restore must keep.
    await db.query(
      `SET ROLE ${db.role}; CREATE TABLE small (id int PRIMARY KEY); INSERT INTO small SELECT generate_series(1, 3);
       CREATE TABLE big (id int PRIMARY KEY, note text);
       INSERT INTO big SELECT n, md5(n::text) FROM generate_series(1, 200000) n;`,
      db.database,
    );
    const dump = join(work, 'full.dump');
    await run(join(PG_BIN, 'pg_dump'), ['--format=custom', '--no-owner', `--file=${dump}`, db.url]);
    full = readFileSync(dump);
  });
  afterAll(async () => {
    await db.stop();
  });

  /** Live data as the machine has it before the restore: 5 and 1000 rows. */
  async function liveData() {
    await db.query(
      `TRUNCATE small, big; INSERT INTO small SELECT generate_series(1, 5);
       INSERT INTO big SELECT n, md5(n::text) FROM generate_series(1, 1000) n;`,
      db.database,
    );
    expect(await counts()).toBe('5/1000');
  }

  async function restore(contents: Buffer) {
    const dir = mkdtempSync(join(work, 'restore-'));
    const pending = join(dir, 'pending.dump');
    writeFileSync(pending, contents);
    const result = await call('restore_pending_dump', [pending], { DATABASE_URL: db.url });
    return { result, pending, left: readdirSync(dir) };
  }

  const bad: [string, () => Buffer][] = [
    ['a dump cut at 60% (an interrupted upload)', () => full.subarray(0, Math.floor(full.length * 0.6))],
    ['a dump cut at 95%', () => full.subarray(0, Math.floor(full.length * 0.95))],
    ['a garbage file', () => Buffer.from('this is not a pg_dump archive\n'.repeat(1000))],
    ['a zero-byte file', () => Buffer.alloc(0)],
  ];
  it.each(bad)('%s changes no row, is quarantined, and the boot goes on', async (_name, contents) => {
    await liveData();
    const { result, pending, left } = await restore(contents());
    slowest('badDumpQuarantinedSeconds', result.seconds);
    expect(result.code, result.stderr).toBe(0);
    expect(await counts()).toBe('5/1000');
    expect(existsSync(pending)).toBe(false);
    expect(left).toEqual([expect.stringMatching(/^pending\.dump\.failed-\d{8}T\d{6}Z$/)]);
    expect(result.stderr).toMatch(/ERROR: RESTORE NOT APPLIED: .*machine runs on its old data/);
  });

  it('a complete dump that fails while being applied is rolled back and quarantined', async () => {
    await liveData();
    // A view the app role cannot drop depends on big: the restore's DROP TABLE big fails after other statements ran.
    await db.query('CREATE VIEW big_view AS SELECT * FROM big', db.database);
    const { result, left } = await restore(full);
    await db.query('DROP VIEW big_view', db.database);
    expect(result.code, result.stderr).toBe(0);
    expect(await counts()).toBe('5/1000');
    expect(left).toEqual([expect.stringMatching(/^pending\.dump\.failed-/)]);
    expect(result.stderr).toMatch(/RESTORE NOT APPLIED: applying it failed and was rolled back/);
  });

  it('a complete dump is applied and kept as restored', async () => {
    await liveData();
    const { result, left } = await restore(full);
    expect(result.code, result.stderr).toBe(0);
    expect(await counts()).toBe('3/200000');
    expect(left).toEqual([expect.stringMatching(/^pending\.dump\.restored-/)]);
  });
});

/** A PostgreSQL program of the host's server, run as postgres (failures returned, not thrown). */
const asPostgres = (program: string, args: string[]) =>
  run('runuser', ['-u', 'postgres', '--', join(PG_BIN, program), ...args], {
    allowFailure: true,
    timeoutSeconds: 60,
  });

describe('first boot is atomic', () => {
  /** Starts the cluster on a free port and asks it a question: proof it is whole. */
  async function clusterAnswers(pgdata: string): Promise<boolean> {
    const port = await freePort();
    const socket = postgresDir('socket-');
    const started = await asPostgres('pg_ctl', [
      '-D',
      pgdata,
      '-w',
      '-t',
      '20',
      '-l',
      join(socket, 'log'),
      '-o',
      `-p ${port} -k ${socket} -c listen_addresses=`,
      'start',
    ]);
    if (started.code !== 0) return false;
    const answer = await asPostgres('psql', ['-h', socket, '-p', String(port), '-XAtc', 'SELECT 42', 'postgres']);
    await asPostgres('pg_ctl', ['-D', pgdata, '-m', 'fast', '-w', 'stop']);
    return answer.stdout.trim() === '42';
  }

  /** init_cluster in its own process group, killed (-9, with initdb) after `ms`. */
  function initKilledAfter(pgdata: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn('bash', ['-c', 'source "$1"; init_cluster "$2"', 'data-path-test', startSh, pgdata], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, PG_BIN },
      });
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), ms);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  it.each([30, 60, 120, 250, 400])(
    'killed %i ms into initdb, the next boot initialises a whole cluster',
    async (ms) => {
      const root = postgresDir('pg-');
      const pgdata = join(root, 'data');
      await initKilledAfter(pgdata, ms);
      // Either nothing is in place yet, or a complete cluster: never a part.
      if (existsSync(pgdata)) expect(existsSync(join(pgdata, 'global', 'pg_control'))).toBe(true);
      const again = await call('init_cluster', [pgdata]);
      slowest('interruptedInitdbNextBootInitSeconds', again.seconds);
      expect(again.code, again.stderr).toBe(0);
      expect(await clusterAnswers(pgdata)).toBe(true);
    },
  );

  it('a data folder left without pg_control by an older start.sh is moved aside and initialised again', async () => {
    const root = postgresDir('pg-');
    const pgdata = join(root, 'data');
    await run('install', ['-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', pgdata]);
    writeFileSync(join(pgdata, 'PG_VERSION'), '15\n');
    const result = await call('init_cluster', [pgdata]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/no global\/pg_control .*moved to .*data\.incomplete-/);
    expect(await clusterAnswers(pgdata)).toBe(true);
  });
});

describe('an invalid config.json on the volume is replaced before Paperclip starts', () => {
  const valid = () => readFileSync(stash, 'utf8');
  const invalid: [string, () => string][] = [
    ['zero bytes', () => ''],
    ['truncated JSON', () => valid().slice(0, Math.floor(valid().length / 2))],
    [
      "JSON that Paperclip's schema rejects",
      () => JSON.stringify({ ...JSON.parse(valid()), database: { mode: 'mysql' } }),
    ],
    ['JSON that is not an object', () => '[]'],
  ];

  it.each(invalid)('%s: saved aside with a timestamp, replaced by the image copy', async (_name, contents) => {
    const dir = mkdtempSync(join(work, 'config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, contents());
    const result = await call('install_config', [file, stash]);
    slowest('invalidConfigReplacedSeconds', result.seconds);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(valid());
    const aside = readdirSync(dir).filter((name) => /^config\.json\.invalid-\d{8}T\d{6}Z$/.test(name));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(contents());
    expect(result.stderr).toMatch(/is not a valid Paperclip config .*saved as/);
  });

  it('a valid hand-edited config is kept as it is', async () => {
    const dir = mkdtempSync(join(work, 'config-'));
    const file = join(dir, 'config.json');
    const edited = JSON.parse(valid()) as { server: { allowedHostnames?: string[] } };
    edited.server.allowedHostnames = ['paperclip.example.test'];
    writeFileSync(file, JSON.stringify(edited, null, 2));
    const result = await call('install_config', [file, stash]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(edited);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('a copy killed midway (a .partial file and no config) is finished on the next boot', async () => {
    const dir = mkdtempSync(join(work, 'config-'));
    const file = join(dir, 'config.json');
    writeFileSync(`${file}.partial`, valid().slice(0, 40));
    const result = await call('install_config', [file, stash]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(valid());
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});

describe('transient failures are retried, a hung Paperclip is restarted', () => {
  it('an external database down for 65 s (past the old 60 s limit) is waited for, with a line per try', async () => {
    const db = await startExternalPostgres();
    try {
      await db.pause();
      const waiting = call('wait_for_external_database', [], { DATABASE_URL: db.url }, startShExternal, 180);
      await sleep(65_000);
      const back = performance.now();
      await db.resume();
      const result = await waiting;
      figures.externalDatabaseBackToReadySeconds = (performance.now() - back) / 1000;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/WARNING: the external PostgreSQL in DATABASE_URL is not answering \(try 1\)/);
      expect(result.stdout).toMatch(/fine after \d+ failed tries/);
    } finally {
      await db.stop();
    }
  });

  it('tailscale up rejected at boot: the boot goes on, up and serve are retried in the background', async () => {
    const dir = mkdtempSync(join(work, 'tailscale-'));
    const accepted = join(dir, 'accepted');
    // FAKE tailscale: rejects the key until the file `accepted` exists, and records every call.
    writeFileSync(
      join(dir, 'tailscale'),
      `#!/bin/sh\necho "$*" >>${dir}/calls\ncase "$*" in *" up "*) [ -e ${accepted} ] || { echo "invalid key" >&2; exit 1; } ;; esac\n`,
      { mode: 0o755 },
    );
    setTimeout(() => {
      writeFileSync(accepted, '');
    }, 4000);
    const result = await run(
      'bash',
      [
        '-c',
        'source "$1"; tailscale_up_later --auth-key=tskey-FAKE; echo BOOT-GOES-ON; wait',
        'data-path-test',
        startSh,
      ],
      { env: { PATH: `${dir}:${process.env.PATH ?? ''}`, TS_HOSTNAME: 'pcfly-data' }, timeoutSeconds: 60 },
    );
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out.indexOf('BOOT-GOES-ON')).toBeGreaterThan(-1);
    expect(out.indexOf('BOOT-GOES-ON')).toBeLessThan(out.indexOf('Tailscale up as pcfly-data (after retrying)'));
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls.filter((line) => line.includes(' up ')).length).toBeGreaterThan(1);
    expect(calls.at(-1)).toMatch(/serve --bg --https=443/);
  });

  /** A stand-in Paperclip: an HTTP server answering /api/health on a free port. */
  async function healthServer() {
    const port = await freePort();
    const child = spawn(
      nodeBinary(),
      ['-e', `require('node:http').createServer((q, r) => r.end('{"status":"ok"}')).listen(${port}, '127.0.0.1')`],
      { stdio: 'ignore' },
    );
    await sleep(500);
    return { port, pid: child.pid!, alive: () => child.exitCode === null && child.signalCode === null, child };
  }

  it('a healthy Paperclip is left alone; a SIGSTOPped one is killed once its health has failed for the limit', async () => {
    const server = await healthServer();
    try {
      await call('watchdog', [String(server.pid), '1', '3'], { PORT: String(server.port) }, startSh, 8);
      expect(server.alive()).toBe(true);
      // Stopped while the watchdog watches it (the watchdog arms at the first healthy answer).
      const watching = call('watchdog', [String(server.pid), '1', '3'], { PORT: String(server.port) }, startSh, 60);
      await sleep(2500);
      process.kill(server.pid, 'SIGSTOP');
      const stopped = performance.now();
      const result = await watching;
      await sleep(200);
      figures.hungPaperclipKilledAfterSeconds = (performance.now() - stopped) / 1000;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        /ERROR: Paperclip \(pid \d+\) has failed its health check for 3s while running: killing it/,
      );
      expect(server.alive()).toBe(false);
      expect(server.child.signalCode).toBe('SIGKILL');
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

describe('the watchdog spares a Paperclip that is still starting', () => {
  it('never healthy yet (stopped from the start): not killed, however long it takes', async () => {
    // Found by the container test: with a 20 s limit on a busy host the watchdog killed a Paperclip still migrating.
    const child = spawn('sleep', ['60']);
    try {
      const port = await freePort(); // nothing answers there: health fails from the first check
      const result = await call('watchdog', [String(child.pid), '1', '2'], { PORT: String(port) }, startSh, 8);
      expect(result.stderr).not.toMatch(/killing it/);
      expect(child.exitCode === null && child.signalCode === null).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('a volume filled by the app user does not take PostgreSQL down', () => {
  let mountpoint = '';
  afterAll(async () => {
    if (mountpoint) await run('umount', [mountpoint], { allowFailure: true });
  });

  it('fill as an unprivileged user, stop, start: the reserve is released, PostgreSQL recovers, no row lost', async () => {
    // A small real ext4 file system, as a Fly volume is; -m 0: no root-only blocks, so only the reserve file helps.
    const image = join(work, 'volume.img');
    mountpoint = join(work, 'volume');
    await run('truncate', ['-s', '160M', image]);
    await run('mkfs.ext4', ['-q', '-m', '0', image]);
    await run('mkdir', ['-p', mountpoint]);
    await run('mount', ['-o', 'loop', image, mountpoint]);
    const root = join(mountpoint, 'postgres');
    await run('install', ['-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', root]);
    const pgdata = join(root, 'data');
    const reserve = join(root, 'reserve');
    expect((await call('init_cluster', [pgdata])).code).toBe(0);
    expect((await call('keep_reserve', [reserve, '32'])).code).toBe(0);
    expect(existsSync(reserve)).toBe(true);

    const port = await freePort();
    const socket = postgresDir('socket-');
    const start = () =>
      asPostgres('pg_ctl', [
        '-D',
        pgdata,
        '-w',
        '-t',
        '30',
        '-l',
        join(socket, 'log'),
        '-o',
        `-p ${port} -k ${socket} -c listen_addresses=`,
        'start',
      ]);
    const sql = (query: string) =>
      asPostgres('psql', ['-h', socket, '-p', String(port), '-XAtq', '-c', query, 'postgres']);
    expect((await start()).code).toBe(0);
    await sql('CREATE TABLE kept (id int); INSERT INTO kept SELECT generate_series(1, 10000)');

    // The agent fills the volume as an unprivileged user, and cannot remove the reserve.
    const agent = join(mountpoint, 'agent');
    await run('install', ['-d', '-o', 'nobody', '-m', '755', agent]);
    await run('runuser', ['-u', 'nobody', '--', 'dd', 'if=/dev/zero', `of=${join(agent, 'fill')}`, 'bs=1M'], {
      allowFailure: true,
    });
    expect((await run('runuser', ['-u', 'nobody', '--', 'rm', '-f', reserve], { allowFailure: true })).code).not.toBe(
      0,
    );
    // The full volume as PostgreSQL meets it: writes fail.
    expect((await sql('INSERT INTO kept SELECT generate_series(1, 200000)')).stderr).toMatch(/No space left on device/);
    await asPostgres('pg_ctl', ['-D', pgdata, '-m', 'immediate', '-w', 'stop']);

    // The next boot: the reserve is released with a loud line, then PostgreSQL recovers.
    const booted = performance.now();
    const released = await call('keep_reserve', [reserve, '32']);
    expect(released.stderr).toMatch(/VOLUME FULL: \d+ MB free; released the 32 MB kept for PostgreSQL/);
    expect(existsSync(reserve)).toBe(false);
    expect((await start()).code).toBe(0);
    figures.fullVolumeBootToPostgresSeconds = (performance.now() - booted) / 1000;
    expect((await sql('SELECT count(*) FROM kept')).stdout.trim()).toBe('10000');
    // And it can write again: without the reserve, this insert fails with "No space left on device".
    const write = await sql('INSERT INTO kept SELECT generate_series(1, 100000)');
    expect(write.code, write.stderr).toBe(0);
    await asPostgres('pg_ctl', ['-D', pgdata, '-m', 'fast', '-w', 'stop']);
  });
});
