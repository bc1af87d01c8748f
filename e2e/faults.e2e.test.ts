/**
 * Issue 9's faults, caused for real in running containers of generated images and checked from outside (HTTP from
 * the host, the volume directory, the container's log): a first boot killed during initdb, bad config.json files,
 * broken restores, a hung Paperclip, a volume filled by the app user, an external database down at boot, and a
 * `make backup` archive restored onto a fresh volume in a new container, read back through Paperclip's API.
 * The time from the start of the container that recovers to a healthy /api/health is written to
 * bench/e2e-results.json (faultRecoverySeconds, keys prefixed `container`).
 *
 * Run: npx vitest run --config vitest.e2e.config.ts e2e/faults.e2e.test.ts (after npm run build; root).
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYOUT } from '../generators/lib/layout.js';
import { completeBootstrap, signIn, signInResponse, type Admin } from './lib/bootstrap.js';
import { startExternalPostgres, type ExternalPostgres } from './lib/external-postgres.js';
import { freePort, health, http, portIsFree, sleep, waitForHealth, type HttpResponse } from './lib/http.js';
import { isPaperclip, processes } from './lib/inside.js';
import { Machine, awaitSignupClosed } from './lib/machine.js';
import { NetNs } from './lib/netns.js';
import { podman, run } from './lib/podman.js';
import { generateProject, readFlyToml, type FlyMachine } from './lib/project.js';
import { writeFaultFigures } from './lib/results.js';
import { machineSteps, tail } from './lib/steps.js';

const E2E_PREFIX = process.env.E2E_PREFIX ?? 'pcfly-e2e';
/** Paths on the volume, relative to it, from the layout start.sh is rendered with. */
const onVolume = (path: string) => path.slice(LAYOUT.volume.length + 1);
const CONFIG = onVolume(LAYOUT.config);
const RESTORE = LAYOUT.restoreFile;
const STORAGE = onVolume(LAYOUT.storage);
const MASTER_KEY = onVolume(LAYOUT.masterKey);

/** Time to recover from each fault: container start to healthy, in seconds. */
const figures: Record<string, number> = {};
afterAll(() => {
  if (Object.keys(figures).length) writeFaultFigures(figures);
  console.log(`[faults] recovery seconds: ${JSON.stringify(figures)}`);
});

const random = (bytes = 24) => randomBytes(bytes).toString('hex');
/** Builds a generated project's image (the layers before start.sh come from the build cache). */
async function buildImage(projectDir: string, key: string): Promise<string> {
  const image = `localhost/${E2E_PREFIX}/${key}:latest`;
  await podman(['build', '--pull=never', '--tag', image, projectDir], { timeoutSeconds: 20 * 60 });
  return image;
}

/** Waits until a path exists, polling every 10 ms; throws after the deadline. */
async function waitForPath(path: string, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!existsSync(path)) {
    if (performance.now() > deadline) throw new Error(`${path} did not appear within ${seconds}s`);
    await sleep(10);
  }
}

/** A logged-in board session: the cookie from Better Auth's sign-in, sent with the site's Host and Origin. */
interface Session {
  port: number;
  site: URL;
  cookie: string;
}

async function signInSession(port: number, siteUrl: string, admin: Admin): Promise<Session> {
  const res = await signInResponse(port, siteUrl, admin);
  if (res.status !== 200) throw new Error(`sign-in: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  const cookie = res.setCookies.map((line) => line.split(';')[0]).join('; ');
  return { port, site: new URL(siteUrl), cookie };
}

function api(session: Session, path: string, method = 'GET', body?: unknown): Promise<HttpResponse> {
  return http(session.port, `/api${path}`, {
    method,
    host: session.site.host,
    headers: { Origin: session.site.origin, Cookie: session.cookie },
    body,
    timeoutSeconds: 30,
  });
}

function expectStatus(res: HttpResponse, ok: number[], what: string): void {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 500)}`);
}

/** A multipart upload (one file field), which the JSON helper cannot send. */
function upload(session: Session, path: string, filename: string, type: string, bytes: Buffer): Promise<HttpResponse> {
  const boundary = `pcfly${random(8)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: session.port,
        path: `/api${path}`,
        method: 'POST',
        headers: {
          Host: session.site.host,
          Origin: session.site.origin,
          Cookie: session.cookie,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(body.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text, setCookies: [], json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The bytes of a GET (attachments are binary). */
function download(session: Session, path: string): Promise<{ status: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: session.port,
        path: `/api${path}`,
        headers: { Host: session.site.host, Cookie: session.cookie },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('faults in a running machine: PostgreSQL inside, no Tailscale', () => {
  let work: string;
  let projectDir: string;
  let fly: FlyMachine;
  let image: string;
  let netns: NetNs | undefined;
  let port: number;
  let siteUrl: string;
  const machines: Machine[] = [];
  const { step, failed } = machineSteps(() => machines.at(-1));
  const secrets = { BETTER_AUTH_SECRET: random(), PAPERCLIP_AGENT_JWT_SECRET: random() };
  const admin: Admin = { email: 'admin@pcfly-faults.test', password: `Pw-${random(12)}` };
  /** Data made before the backup, to be found after the restore onto a fresh volume. */
  const made = {
    companyId: '',
    secretId: '',
    secretValue: `s3cret-${random(8)}`,
    assetId: '',
    asset: randomBytes(3000),
  };
  let archive = '';
  let mainVolume: string;
  let machine: Machine;
  let loopImage = '';
  let loopMount = '';

  /** A machine on `volumeDir` in the test's network namespace, with the generated fly.toml's environment. */
  function machineOn(volumeDir: string, suffix: string, extraEnv: Record<string, string> = {}): Machine {
    const created = new Machine({
      name: `${E2E_PREFIX}-faults-${suffix}`,
      image,
      volumeDir,
      volumePath: fly.volume,
      env: { FLY_APP_NAME: fly.app, ...fly.env, ...extraEnv },
      secrets,
      // NET_ADMIN: start.sh loads the agents' network rules (into the test's own namespace) or refuses to start.
      runFlags: ['--network', `ns:${netns!.path}`, '--cap-add', 'NET_ADMIN'],
    });
    machines.push(created);
    return created;
  }

  /** Starts a new container on the machine's volume and returns the seconds to a healthy /api/health. */
  async function bootHealthy(target: Machine): Promise<number> {
    const started = await target.replace();
    return waitForHealth(port, started, fly.deployWaitSeconds, async () => !(await target.isRunning()));
  }

  async function stop(target: Machine): Promise<void> {
    if (!(await target.isRunning())) return; // a step run on its own (-t) finds it stopped
    const result = await target.stop(fly.killSignal, fly.killTimeoutSeconds);
    expect(result.exitCode).toBe(0);
  }

  /** The rows the test made: company names, secrets and assets, as one comparable string. */
  const fingerprint = (target: Machine) =>
    target.psql(
      `SELECT coalesce((SELECT string_agg(name, ',' ORDER BY name) FROM companies), '') || ' | ' ||
              coalesce((SELECT string_agg(id::text, ',' ORDER BY id) FROM company_secrets), '') || ' | ' ||
              coalesce((SELECT string_agg(id::text || ':' || sha256, ',' ORDER BY id) FROM assets), '')`,
    );

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pcfly-faults-'));
    projectDir = join(work, 'project');
    mkdirSync(projectDir);
    await generateProject(projectDir, ['--appName', 'pcfly-faults', '--no-tailscale']);
    fly = readFlyToml(projectDir);
    image = await buildImage(projectDir, 'faults');
    netns = await NetNs.create(`${E2E_PREFIX}-faults`);
    port = await netns.forward(fly.internalPort);
    siteUrl = `http://localhost:${fly.internalPort}`;
    mainVolume = join(work, 'volume');
    mkdirSync(mainVolume);
    // The image build may miss the cache (a cold npm install of Paperclip takes minutes).
  }, 20 * 60_000);

  afterAll(async () => {
    for (const each of machines) await each.remove();
    await netns?.remove();
    if (loopMount) await run('umount', [loopMount], { allowFailure: true });
    if (loopImage) rmSync(loopImage, { force: true });
    if (work && !failed()) rmSync(work, { recursive: true, force: true });
    else if (work) console.error(`[faults] failed; project and volumes kept in ${work}`);
  });

  step('first boot killed during initdb (kill -9 of the container), started again: healthy', async () => {
    machine = machineOn(mainVolume, 'main');
    await machine.replace();
    // SIGKILL to the container's first process from the host ends the whole container at once, as a hard stop does;
    // a podman kill takes long enough for initdb to finish first.
    const pid = Number((await podman(['inspect', '--format', '{{.State.Pid}}', machine.name])).stdout.trim());
    const partial = join(mainVolume, LAYOUT.dirs.postgres, 'data.initdb-partial');
    await waitForPath(partial, 120);
    await sleep(100); // into initdb's own work, past the empty folder start.sh makes
    process.kill(pid, 'SIGKILL');
    while (await machine.isRunning()) await sleep(50);
    // Killed with initdb's folder half written and no cluster in place.
    expect(existsSync(partial)).toBe(true);
    expect(existsSync(join(mainVolume, LAYOUT.dirs.postgres, 'data'))).toBe(false);
    figures.containerKilledDuringInitdbSeconds = await bootHealthy(machine);
    const log = await machine.bootLogs();
    expect(log).toContain('first boot: initialising PostgreSQL');
    expect(existsSync(join(mainVolume, LAYOUT.dirs.postgres, 'data', 'global', 'pg_control'))).toBe(true);
    expect(existsSync(partial)).toBe(false);
  });

  step('bootstrap, then data: a company, a stored secret and an attachment', async () => {
    const inviteUrl = await machine.waitForLog(/Admin invite URL: (\S+)/, 120);
    await completeBootstrap(port, inviteUrl, admin);
    await awaitSignupClosed(machine, port);
    const session = await signInSession(port, siteUrl, admin);
    const company = await api(session, '/companies', 'POST', { name: 'Before backup' });
    expectStatus(company, [200, 201], 'create company');
    made.companyId = (company.json() as { id: string }).id;
    const secret = await api(session, `/companies/${made.companyId}/secrets`, 'POST', {
      name: 'PCFLY_TEST_SECRET',
      value: made.secretValue,
    });
    expectStatus(secret, [201], 'create secret');
    made.secretId = (secret.json() as { id: string }).id;
    const asset = await upload(
      session,
      `/companies/${made.companyId}/assets/images`,
      'note.png',
      'image/png',
      made.asset,
    );
    expectStatus(asset, [201], 'upload attachment');
    made.assetId = (asset.json() as { assetId: string }).assetId;
    // Encrypted with the master key Paperclip created on the volume; the attachment's bytes under data/storage.
    expect(statSync(join(mainVolume, MASTER_KEY)).size).toBeGreaterThan(0);
    expect(readdirSync(join(mainVolume, STORAGE), { recursive: true }).length).toBeGreaterThan(0);
  });

  /** Stops the machine, lets `change` break something on the volume, boots a new container, returns its log. */
  async function faultAndBoot(figure: string, change: () => void): Promise<string> {
    await stop(machine);
    change();
    figures[figure] = Math.max(figures[figure] ?? 0, await bootHealthy(machine));
    return machine.bootLogs();
  }

  const badConfigs: [string, (good: string) => string][] = [
    ['zero bytes', () => ''],
    ['truncated JSON', (good) => good.slice(0, Math.floor(good.length / 2))],
    [
      'JSON the schema rejects (an unknown deploymentMode)',
      (good) => good.replace('"deploymentMode": "authenticated"', '"deploymentMode": "wide-open"'),
    ],
  ];
  for (const [name, bad] of badConfigs) {
    step(`config.json on the volume with ${name}: saved aside with a timestamp, replaced, healthy`, async () => {
      const path = join(mainVolume, CONFIG);
      const good = readFileSync(path, 'utf8');
      const broken = bad(good);
      expect(broken).not.toBe(good);
      const log = await faultAndBoot('containerBadConfigSeconds', () => {
        writeFileSync(path, broken);
      });
      expect(log).toMatch(
        /ERROR: \S+config\.json is not a valid Paperclip config \(.+\): saved as \S+config\.json\.invalid-\d{8}T\d{6}Z/,
      );
      const asides = readdirSync(join(path, '..')).filter((file) => file.startsWith('config.json.invalid-'));
      expect(asides.map((file) => readFileSync(join(path, '..', file), 'utf8'))).toContain(broken);
      JSON.parse(readFileSync(path, 'utf8'));
      for (const file of asides) rmSync(join(path, '..', file));
    });
  }

  step(
    'killed during the config copy: what a kill leaves (a .partial beside no config.json) boots healthy',
    async () => {
      // The copy takes milliseconds, too short to hit with a kill from outside; this is the state such a kill leaves.
      const path = join(mainVolume, CONFIG);
      const log = await faultAndBoot('containerKilledDuringConfigCopySeconds', () => {
        renameSync(path, `${path}.partial`);
        writeFileSync(`${path}.partial`, readFileSync(`${path}.partial`, 'utf8').slice(0, 100));
      });
      expect(log).toContain(`first boot: created ${LAYOUT.config}`);
      JSON.parse(readFileSync(path, 'utf8'));
    },
  );

  step('make backup on the machine (start.sh backup): one archive, a path ops.sh accepts, whole', async () => {
    const backup = await machine.exec([LAYOUT.startScript, 'backup']);
    const remote = backup.stdout.trim().split('\n').at(-1)!;
    const ok = await run(
      'bash',
      ['-c', 'source "$1"; backup_path_ok "$2" && echo ok', 'ops', join(projectDir, 'ops.sh'), remote],
      {
        allowFailure: true,
      },
    ).then((result) => result.stdout.trim());
    expect(ok, remote).toBe('ok');
    archive = join(work, remote.split('/').at(-1)!);
    writeFileSync(archive, readFileSync(join(mainVolume, onVolume(remote)))); // what fly ssh sftp get downloads
    const members = (await run('tar', ['-tf', archive])).stdout.trim().split('\n');
    expect(members).toEqual(['database.dump', 'secrets.tar', 'storage.tar', 'SHA256SUMS']);
    const keys = (await run('bash', ['-c', 'tar -xOf "$1" secrets.tar | tar -tf -', 'x', archive])).stdout;
    expect(keys).toContain('./master.key');
    // The live data moves on after the backup: a failed restore must leave this company in place.
    const session = await signInSession(port, siteUrl, admin);
    expectStatus(await api(session, '/companies', 'POST', { name: 'After backup' }), [200, 201], 'create company');
  });

  const badRestores: [string, () => Promise<Buffer>][] = [
    [
      'the backup archive cut at 60% (an interrupted upload)',
      () => Promise.resolve(readFileSync(archive).subarray(0, Math.floor(statSync(archive).size * 0.6))),
    ],
    ['a garbage file', () => Promise.resolve(randomBytes(200_000))],
    [
      'a bare pg_dump (an older make backup) cut at 60%',
      async () => {
        // The archive's dump, written with pg_dump --file as make backup did before archives.
        const dump = (await run('bash', ['-c', 'tar -xOf "$1" database.dump | base64 -w0', 'x', archive])).stdout;
        const bytes = Buffer.from(dump, 'base64');
        expect(bytes.subarray(0, 5).toString()).toBe('PGDMP');
        return bytes.subarray(0, Math.floor(bytes.length * 0.6));
      },
    ],
  ];
  for (const [name, contents] of badRestores) {
    step(`restore of ${name}: every row as before, healthy, the file quarantined`, async () => {
      const before = await fingerprint(machine);
      expect(before).toMatch(/After backup,Before backup \| /);
      const bytes = await contents();
      const log = await faultAndBoot('containerBadRestoreSeconds', () => {
        mkdirSync(join(mainVolume, LAYOUT.dirs.restore), { recursive: true });
        writeFileSync(join(mainVolume, RESTORE), bytes);
      });
      expect(log).toMatch(/ERROR: RESTORE NOT APPLIED: .*machine runs on its old data/);
      expect(await fingerprint(machine)).toBe(before);
      const left = readdirSync(join(mainVolume, LAYOUT.dirs.restore));
      expect(left.filter((file) => /^pending\.tar\.failed-\d{8}T\d{6}Z$/.test(file))).toHaveLength(1);
      expect(left).not.toContain('pending.tar');
      for (const file of left) rmSync(join(mainVolume, LAYOUT.dirs.restore, file), { recursive: true });
    });
  }

  step('Paperclip SIGSTOPped: the watchdog kills it, the machine exits, a restart is healthy', async () => {
    await stop(machine);
    // The watchdog's limits lowered through the environment (the generated ones are 30 s and 300 s).
    const hung = machineOn(mainVolume, 'hung', { WATCHDOG_INTERVAL_SECONDS: '2', WATCHDOG_HUNG_SECONDS: '20' });
    await machine.remove();
    machine = hung;
    await bootHealthy(machine);
    // Healthy from outside is not yet armed: the watchdog arms at its own first healthy answer (up to one interval
    // later), and a Paperclip stopped before that is "still starting" to it, never killed (a race seen in CI).
    await machine.waitForLog(/\[start\] watchdog: Paperclip \(pid \d+\) answered; a health check failing for 20s/, 30);
    const paperclip = (await processes(machine)).filter(isPaperclip);
    expect(paperclip).toHaveLength(1);
    const stopped = performance.now();
    await machine.exec(['kill', '-STOP', String(paperclip[0]!.pid)], { privileged: true });
    while (await machine.isRunning()) {
      if ((performance.now() - stopped) / 1000 > 120) throw new Error('the machine still runs 120 s after SIGSTOP');
      await sleep(500);
    }
    const exited = (performance.now() - stopped) / 1000;
    const log = await machine.bootLogs();
    expect(log).toMatch(/ERROR: Paperclip \(pid \d+\) has failed its health check for 20s while running: killing it/);
    // Fly's [[restart]] policy "always" starts the machine again; here the test does.
    const restartedIn = await bootHealthy(machine);
    figures.containerHungPaperclipExitSeconds = exited;
    figures.containerHungPaperclipToHealthySeconds = exited + restartedIn;
    expect(exited).toBeLessThan(20 + 2 * 2 + 15);
  });

  step(
    'the archive restored onto a fresh volume in a new container: secret decrypts, attachment reads back',
    async () => {
      await stop(machine);
      const freshVolume = join(work, 'fresh-volume');
      mkdirSync(freshVolume);
      const restored = machineOn(freshVolume, 'restored');
      await bootHealthy(restored); // a new machine's first boot, before make restore can reach it
      expect((await health(port)).bootstrapStatus).toBe('bootstrap_pending');
      // make restore: uploaded under a temporary name, renamed when complete, then the machine restarts.
      writeFileSync(join(freshVolume, `${RESTORE}.upload`), readFileSync(archive));
      renameSync(join(freshVolume, `${RESTORE}.upload`), join(freshVolume, RESTORE));
      await stop(restored);
      figures.containerRestoreOntoFreshVolumeSeconds = await bootHealthy(restored);
      const log = await restored.bootLogs();
      expect(log).toContain(`restored ${LAYOUT.volume}/${RESTORE}`);
      expect(await fingerprint(restored)).toMatch(/^Before backup \| /);
      expect(await signIn(port, siteUrl, admin)).toBe(200);
      const session = await signInSession(port, siteUrl, admin);

      const attachment = await download(session, `/assets/${made.assetId}/content`);
      expect(attachment.status).toBe(200);
      expect(attachment.bytes.equals(made.asset)).toBe(true);

      // Paperclip 2026.916.1 returns a stored secret's value only to a run-bound agent; a board user's adapter probe
      // resolves (decrypts) the secrets its env names, so it fails when the key does not decrypt the value.
      const probe = () =>
        api(session, `/companies/${made.companyId}/adapters/process/test-environment`, 'POST', {
          adapterConfig: {
            command: 'true',
            env: { PCFLY_TEST_SECRET: { type: 'secret_ref', secretId: made.secretId, version: 'latest' } },
          },
        });
      const withKey = await probe();
      expectStatus(withKey, [200], 'adapter probe with the restored key');
      // The control: another key in the key file (Paperclip reads it at each use) and the same probe fails.
      const keyPath = join(freshVolume, MASTER_KEY);
      const key = readFileSync(keyPath);
      writeFileSync(keyPath, randomBytes(32).toString('base64'));
      const wrongKey = await probe();
      writeFileSync(keyPath, key);
      expect(wrongKey.status, wrongKey.body).not.toBe(200);
      expectStatus(await probe(), [200], 'adapter probe with the key put back');
      machine = restored;
    },
  );

  step('volume filled by node (a 1 GB ext4), stop, start: healthy, nothing lost', async () => {
    await stop(machine);
    loopImage = join(work, 'small.ext4');
    loopMount = join(work, 'small');
    await run('truncate', ['-s', '1G', loopImage]);
    await run('mkfs.ext4', ['-q', '-m', '0', loopImage]);
    mkdirSync(loopMount);
    await run('mount', ['-o', 'loop', loopImage, loopMount]);
    const small = machineOn(loopMount, 'small');
    machine = small;
    await bootHealthy(small);
    const inviteUrl = await small.waitForLog(/Admin invite URL: (\S+)/, 120);
    await completeBootstrap(port, inviteUrl, admin);
    await awaitSignupClosed(small, port);
    const session = await signInSession(port, siteUrl, admin);
    expectStatus(await api(session, '/companies', 'POST', { name: 'Before the volume filled' }), [200, 201], 'company');
    const before = await fingerprint(small);
    // As the agent would: the app user writes until the file system refuses.
    const fill = await small.exec(
      ['sh', '-c', `dd if=/dev/zero of=${LAYOUT.appHome}/fill bs=1M 2>&1; df -m ${LAYOUT.volume}`],
      {
        user: LAYOUT.runUser,
      },
    );
    expect(fill.stdout).toMatch(/No space left on device/);
    await stop(small);
    figures.containerVolumeFullSeconds = await bootHealthy(small);
    const log = await small.bootLogs();
    expect(log).toMatch(/VOLUME FULL: \d+ MB free; released the \d+ MB kept for PostgreSQL/);
    expect(await fingerprint(small)).toBe(before);
    expect(await signIn(port, siteUrl, admin)).toBe(200);
    await stop(small);
  });
});

describe('faults in a running machine: external PostgreSQL, no Tailscale', () => {
  let work: string;
  let external: ExternalPostgres | undefined;
  let machine: Machine | undefined;

  afterAll(async () => {
    await machine?.remove();
    await external?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the external database down for 90 s at boot, then back: Paperclip comes up, one clear line per try', async () => {
    work = mkdtempSync(join(tmpdir(), 'pcfly-faults-ext-'));
    const projectDir = join(work, 'project');
    mkdirSync(projectDir);
    mkdirSync(join(work, 'volume'));
    await generateProject(projectDir, [
      '--appName',
      'pcfly-faults-ext',
      '--no-tailscale',
      '--postgresMode',
      'external',
      // On the host's network: the agents' network rules would go into the host's firewall, which tests never touch.
      '--agentPrivateNetworks',
    ]);
    const fly = readFlyToml(projectDir);
    const image = await buildImage(projectDir, 'faults-external');
    external = await startExternalPostgres();
    await external.pause();
    const port = (await portIsFree(fly.internalPort)) ? fly.internalPort : await freePort();
    machine = new Machine({
      name: `${E2E_PREFIX}-faults-external`,
      image,
      volumeDir: join(work, 'volume'),
      volumePath: fly.volume,
      env: { FLY_APP_NAME: fly.app, ...fly.env, PORT: String(port) },
      secrets: { BETTER_AUTH_SECRET: random(), PAPERCLIP_AGENT_JWT_SECRET: random(), DATABASE_URL: external.url },
      runFlags: ['--network', 'host'],
    });
    const started = await machine.replace();
    await sleep(90_000);
    expect(await machine.isRunning()).toBe(true);
    const waiting = await machine.bootLogs();
    expect(waiting).toMatch(
      /WARNING: the external PostgreSQL in DATABASE_URL is not answering \(try \d+\); trying again in \d+s/,
    );
    const back = performance.now();
    await external.resume();
    await machine.waitForLog(
      /the external PostgreSQL in DATABASE_URL is not answering: fine after \d+ failed tries/,
      60,
    );
    figures.containerExternalDatabaseBackToNoticedSeconds = (performance.now() - back) / 1000;
    // Paperclip then migrates the empty database (a first boot's usual work, slow on a loaded host).
    await waitForHealth(port, started, fly.deployWaitSeconds, async () => !(await machine!.isRunning())).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}\n--- ${machine!.name} ---\n${tail(await machine!.allLogs())}`);
      },
    );
    figures.containerExternalDatabaseBackToHealthySeconds = (performance.now() - back) / 1000;
  });
});
