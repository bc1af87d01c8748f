/**
 * A throwaway PostgreSQL cluster on the host, for postgresMode "external": Debian's server (>= 15) on a free
 * port of 127.0.0.1, a login role with a real (scram) password, and a database owned by that role, as a
 * managed provider would hand out. The container reaches it through --network host.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './http.js';
import { run } from './podman.js';

export interface ExternalPostgres {
  url: string;
  password: string;
  role: string;
  database: string;
  version: string;
  /** psql as the superuser over the unix socket; returns trimmed unaligned output. */
  query(sql: string, database?: string): Promise<string>;
  stop(): Promise<void>;
  /** Stops the server, keeping its data; resume() starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** Newest installed server's bin directory, or undefined. */
export function hostPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((major) => existsSync(join(root, major, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

const asPostgres = (program: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', program, ...args]);

export async function startExternalPostgres(): Promise<ExternalPostgres> {
  const bin = hostPostgresBin();
  if (!bin) throw new Error("no PostgreSQL server on the host (the e2e global setup installs Debian's postgresql)");
  const dir = mkdtempSync(join(tmpdir(), 'pcfly-e2e-pg-'));
  chownSync(
    dir,
    Number((await run('id', ['-u', 'postgres'])).stdout),
    Number((await run('id', ['-g', 'postgres'])).stdout),
  );
  const data = join(dir, 'data');
  const port = await freePort();
  const role = 'paperclip_app';
  const database = 'paperclip_e2e';
  const password = randomBytes(18).toString('hex');

  // Host connections need the password (as from a provider); local socket connections are for the test only.
  await asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
  ]);
  const start = () =>
    asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
  await start();
  const query = async (sql: string, db = 'postgres') =>
    (
      await asPostgres(join(bin, 'psql'), [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        db,
        '-XAtq',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ])
    ).stdout.trim();
  await query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await query(`CREATE DATABASE ${database} OWNER ${role}`);

  return {
    url: `postgres://${role}:${password}@127.0.0.1:${port}/${database}`,
    password,
    role,
    database,
    version: await query('SHOW server_version'),
    query,
    async pause() {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    async resume() {
      await start();
    },
    async stop() {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
