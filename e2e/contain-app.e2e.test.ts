/**
 * Issue 8, point 5 and the agents' reach: the admin takeover window, played as an outsider over HTTP and as agent
 * code (a process as `node`) inside the machine. One machine of the defaults project, booted without a Tailscale key
 * (start.sh skips Tailscale, as in the README's local run) on podman's bridge network with Paperclip's port
 * published on the host's loopback. Time is moved in the database rather than waited for: the invite's created_at
 * and expires_at are shifted back by its lifetime plus a minute, which is what Paperclip's expiry checks read.
 *
 * Run: npx vitest run --config vitest.e2e.config.ts e2e/contain-app.e2e.test.ts (root; after npm run build).
 * E2E_KEEP_GOING=1 runs every step even after a failure (each records its outcome before asserting): that is how
 * the outcomes before the fix were taken, on a tree of the previous generator.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { LAYOUT } from '../generators/lib/layout.js';
import { completeBootstrap, cookieHeader, signIn, type Admin } from './lib/bootstrap.js';
import { freePort, health, http, sleep, waitForHealth, type HttpResponse } from './lib/http.js';
import { isPaperclip, processes } from './lib/inside.js';
import { Machine } from './lib/machine.js';
import { podman, type CommandResult } from './lib/podman.js';
import { generateProject, readFlyToml, type FlyMachine } from './lib/project.js';
import { machineSteps } from './lib/steps.js';

const E2E_PREFIX = process.env.E2E_PREFIX ?? 'pcfly-e2e';
const KEEP_GOING = process.env.E2E_KEEP_GOING === '1';
const APP = 'e2e-contain';
const PSQL = '/usr/lib/postgresql/17/bin/psql';
const START = '/usr/local/bin/start.sh';
const MASTER_KEY = LAYOUT.masterKey;
const CONFIG = LAYOUT.config;
const random = (bytes = 12) => randomBytes(bytes).toString('hex');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Before/after outcomes, printed at the end for the closing note. */
const outcomes: string[] = [];
const record = (attack: string, outcome: string) => {
  outcomes.push(`${attack}: ${outcome}`);
  console.log(`[e2e] contain-app: ${attack}: ${outcome}`);
};

describe('contain-app: the admin takeover window and what agent code can reach', () => {
  let work: string;
  let projectDir: string;
  let volumeDir: string;
  let fly: FlyMachine;
  let machine: Machine | undefined;
  let port: number;
  const site = () => new URL(`http://localhost:${fly.internalPort}`);
  const admin: Admin = { email: `admin@${APP}.test`, password: `Pw-${random()}` };
  const { step, failed } = machineSteps(() => machine, { keepGoing: KEEP_GOING });

  afterAll(async () => {
    console.log(`[e2e] contain-app outcomes:\n  ${outcomes.join('\n  ')}`);
    await machine?.remove();
    if (work && !failed()) rmSync(work, { recursive: true, force: true });
    else if (work) console.error(`[e2e] contain-app: failed; project and volume kept in ${work}`);
  });

  /** SQL as the postgres superuser over the machine's socket (peer authentication: no password anywhere). */
  const sql = async (query: string): Promise<string> => {
    const res = await machine!.exec([PSQL, '-h', '/var/run/postgresql', '-d', 'paperclip', '-XAtqc', query], {
      user: 'postgres',
    });
    if (res.code !== 0) throw new Error(`psql: ${res.stderr}`);
    return res.stdout.trim();
  };
  const post = (path: string, body: unknown, cookie = ''): Promise<HttpResponse> =>
    http(port, path, {
      method: 'POST',
      host: site().host,
      headers: { Origin: site().origin, ...(cookie ? { Cookie: cookie } : {}) },
      body,
      timeoutSeconds: 60,
    });
  const signUp = (email: string) => post('/api/auth/sign-up/email', { email, password: `Pw-${random()}`, name: email });
  const bootstrapInvites = async () =>
    Number(await sql("SELECT count(*) FROM invites WHERE invite_type = 'bootstrap_ceo'"));
  /** An outsider's attempt: sign up, then claim the instance with no invite (Paperclip's "Claim this instance"). */
  const claimWithoutInvite = async (): Promise<string> => {
    const up = await signUp(`intruder-${random(4)}@${APP}.test`);
    if (up.status !== 200) return `sign-up refused (HTTP ${up.status} ${up.body.slice(0, 80)})`;
    const claim = await post('/api/bootstrap/claim', {}, cookieHeader([up]));
    return `signed up; claim answered HTTP ${claim.status} ${claim.body.slice(0, 80)}`;
  };
  /** Sign-up attempts until one gets `status` or `seconds` pass (a restart in place takes ~10-20 s); the last status. */
  const signUpUntil = async (status: number, seconds: number): Promise<number> => {
    const deadline = performance.now() + seconds * 1000;
    for (;;) {
      const res = await signUp(`probe-${random(4)}@${APP}.test`).catch(() => undefined);
      if (res?.status === status || (res && performance.now() > deadline)) return res.status;
      if (!res && performance.now() > deadline) return 0;
      await sleep(1000);
    }
  };
  /** A command inside the machine whose failure is an outcome, not an error. */
  const tryExec = (command: string[], user?: string): Promise<CommandResult> =>
    podman(['exec', ...(user ? ['--user', user] : []), machine!.name, ...command], { allowFailure: true });
  const bootAgain = async () => {
    const started = await machine!.replace();
    await waitForHealth(port, started, fly.deployWaitSeconds, async () => !(await machine!.isRunning()));
  };

  step('generates the defaults project and builds it (the image boots without a Tailscale key)', async () => {
    work = mkdtempSync(join(tmpdir(), 'pcfly-e2e-contain-'));
    projectDir = join(work, 'project');
    volumeDir = join(work, 'volume');
    mkdirSync(projectDir);
    mkdirSync(volumeDir);
    await generateProject(projectDir, ['--appName', APP]);
    fly = readFlyToml(projectDir);
    const image = `localhost/${E2E_PREFIX}/contain-app:latest`;
    await podman(['build', '--pull=never', '--tag', image, projectDir], { timeoutSeconds: 20 * 60 });
    port = await freePort();
    machine = new Machine({
      name: `${E2E_PREFIX}-contain-app`,
      image,
      volumeDir,
      volumePath: fly.volume,
      env: { FLY_APP_NAME: APP, ...fly.env },
      secrets: {
        BETTER_AUTH_SECRET: random(32),
        PAPERCLIP_AGENT_JWT_SECRET: random(32),
        ANTHROPIC_API_KEY: `sk-ant-e2e-${random()}`,
      },
      // NET_ADMIN: start.sh loads the agents' network rules (into the container's own namespace) or refuses to start.
      runFlags: ['--publish', `127.0.0.1:${port}:${fly.internalPort}`, '--cap-add', 'NET_ADMIN'],
    });
    await bootAgain();
  });

  step('first boot: the admin invite lives adminInviteHours (1 h), and the log gives its expiry', async () => {
    const url = await machine!.waitForLog(/Admin invite URL: (\S+)/, 120);
    expect(url).toMatch(new RegExp(`^${escapeRegExp(site().origin)}/invite/pcp_bootstrap_[0-9a-f]{48}$`));
    const [created, expires] = (
      await sql("SELECT created_at, expires_at FROM invites WHERE invite_type = 'bootstrap_ceo'")
    )
      .split('|')
      .map((value) => new Date(value.replace(' ', 'T').replace(/\+00$/, 'Z')).getTime());
    const hours = (expires! - created!) / 3_600_000;
    record('admin invite lifetime', `${hours.toFixed(2)} h`);
    expect(hours).toBeCloseTo(1, 2);
    const expiry = await machine!.waitForLog(/The admin invite expires at (\S+) \(1 h\)/, 10);
    expect(new Date(expiry).getTime()).toBe(expires);
    expect((await health(port)).bootstrapInviteActive).toBe(true);
  });

  step('before the admin exists, sign-up is open while the invite lives (needed to accept it)', async () => {
    const res = await signUp(`early-${random(4)}@${APP}.test`);
    expect(res.status).toBe(200);
  });

  step(
    'the invite lifetime passes (clock moved in the DB): refused by Paperclip, and sign-up closes in place',
    async () => {
      const token = (await machine!.waitForLog(/Admin invite URL: \S+\/invite\/(\S+)/, 5)).trim();
      // Its whole lifetime plus a minute passes: both timestamps move back by that much (SET reads the old row).
      await sql(
        "UPDATE invites SET created_at = created_at - (expires_at - created_at) - interval '1 minute', expires_at = created_at - interval '1 minute' WHERE invite_type = 'bootstrap_ceo'",
      );
      const opened = (await http(port, `/api/invites/${token}`, { host: site().host })).status;
      record('the invite, its lifetime plus a minute later', `HTTP ${opened}`);
      expect(opened).toBe(404);
      const status = await signUpUntil(400, 180);
      record('sign-up after the invite expired, no admin (within 180 s)', `HTTP ${status}`);
      expect(status).toBe(400);
      await machine!.waitForLog(/the admin invite expired with no admin: closing sign-up/, 5);
      await machine!.waitForLog(/sign-up closed: restarting Paperclip/, 5);
    },
  );

  step('a boot with no admin and an expired invite mints none and keeps sign-up closed: no claim', async () => {
    await bootAgain();
    await machine!.waitForLog(/Paperclip is healthy/, 60);
    // Long enough for a mint after health to show (bootstrap-ceo took ~10 s on a loaded host).
    for (let tries = 0; tries < 30 && !(await health(port)).bootstrapInviteActive; tries++) await sleep(1000);
    const minted = await bootstrapInvites();
    const lives = await sql(
      "SELECT coalesce(round(extract(epoch FROM max(expires_at) - now()) / 3600), 0) FROM invites WHERE invite_type = 'bootstrap_ceo' AND expires_at > now()",
    );
    record('admin invites in the DB after a second boot with none live', `${minted} (a live one for ${lives} h more)`);
    const claim = await claimWithoutInvite();
    record('outsider sign-up + POST /api/bootstrap/claim, no admin, invite expired', claim);
    if ((await health(port)).bootstrapStatus === 'ready') {
      record(
        'sign-up once an admin (the intruder) exists',
        `HTTP ${(await signUp(`after-${random(4)}@${APP}.test`)).status}`,
      );
    }
    expect(minted).toBe(1);
    expect(await machine!.bootLogs()).not.toMatch(/Admin invite URL/);
    expect(claim).toMatch(/^sign-up refused \(HTTP 400/);
    expect((await health(port)).bootstrapStatus).toBe('bootstrap_pending');
    await machine!.waitForLog(/no admin yet and the admin invite expired: sign-up closed/, 5);
  });

  step(
    'make invite (start.sh invite): a new 1 h invite and sign-up open; the admin bootstraps; sign-up closes',
    async () => {
      const invite = await machine!.exec([START, 'invite']);
      expect(invite.code, invite.stderr).toBe(0);
      const url = /Admin invite URL: (\S+)/.exec(invite.stdout)?.[1];
      expect(invite.stdout).toMatch(/sign-up is open/);
      await completeBootstrap(port, url!, admin);
      // start.sh notices the admin through /api/health (bootstrapStatus ready) and restarts Paperclip at once.
      await machine!.waitForLog(/an admin exists now: closing sign-up/, 60);
      // The watcher notices within its poll and restarts Paperclip in place, which then refuses sign-up.
      const status = await signUpUntil(400, 180);
      record('sign-up once the admin exists (within 180 s)', `HTTP ${status}`);
      expect(status).toBe(400);
      expect(await signIn(port, site().origin, admin)).toBe(200);
    },
  );

  step('a member invite works: open-signup, the member signs up and accepts, close-signup', async () => {
    const login = await post('/api/auth/sign-in/email', { email: admin.email, password: admin.password });
    const cookie = cookieHeader([login]);
    const company = await post('/api/companies', { name: 'E2E Co' }, cookie);
    expect(company.status, company.body).toBe(201);
    const companyId = (company.json() as { id: string }).id;
    const created = await post(`/api/companies/${companyId}/invites`, { allowedJoinTypes: 'human' }, cookie);
    expect(created.status, created.body).toBe(201);
    const token = (created.json() as { token: string }).token;
    const member = `member-${random(4)}@${APP}.test`;

    const closed = await signUp(member);
    record('new member signs up while sign-up is closed', `HTTP ${closed.status}`);
    expect(closed.status).toBe(400);

    const open = await machine!.exec([START, 'open-signup']);
    expect(open.code, open.stderr).toBe(0);
    const up = await post('/api/auth/sign-up/email', { email: member, password: 'Pw-member-123456', name: 'Member' });
    expect(up.status, up.body).toBe(200);
    const accept = await post(`/api/invites/${token}/accept`, { requestType: 'human' }, cookieHeader([up]));
    record('member accepts the company invite after make open-signup', `HTTP ${accept.status}`);
    expect([200, 201, 202]).toContain(accept.status);

    const close = await machine!.exec([START, 'close-signup']);
    expect(close.code, close.stderr).toBe(0);
    expect((await signUp(`after-close-${random(4)}@${APP}.test`)).status).toBe(400);
    // The member's account stays usable with sign-up closed.
    expect((await post('/api/auth/sign-in/email', { email: member, password: 'Pw-member-123456' })).status).toBe(200);
  });

  step('a later boot with an admin: sign-up closed from the start, no invite', async () => {
    await bootAgain();
    await machine!.waitForLog(/sign-up closed: an admin exists/, 30);
    expect(await machine!.bootLogs()).not.toMatch(/Admin invite URL/);
    expect((await signUp(`reboot-${random(4)}@${APP}.test`)).status).toBe(400);
  });

  step(
    'what agent code (a process as node) can still read: Paperclip environment, master key, config, database',
    async () => {
      // A company secret, so Paperclip creates its master key (it does so on first use).
      const login = await post('/api/auth/sign-in/email', { email: admin.email, password: admin.password });
      const companies = await http(port, '/api/companies', {
        host: site().host,
        headers: { Cookie: cookieHeader([login]) },
      });
      const companyId = (companies.json() as { id: string }[])[0]!.id;
      const secret = await post(
        `/api/companies/${companyId}/secrets`,
        { name: 'E2E_TOKEN', value: `v-${random()}` },
        cookieHeader([login]),
      );
      expect(secret.status, secret.body).toBe(201);
      const paperclip = (await processes(machine!)).find(isPaperclip);
      expect(paperclip).toBeDefined();
      const asNode = (script: string) => tryExec(['sh', '-c', script], 'node');
      const environ = await asNode(`tr '\\0' '\\n' </proc/${paperclip!.pid}/environ | cut -d= -f1`);
      const names = environ.stdout.split('\n');
      record(
        `node reads /proc/<paperclip>/environ`,
        environ.code === 0
          ? `yes: ${['DATABASE_URL', 'BETTER_AUTH_SECRET', 'ANTHROPIC_API_KEY'].filter((n) => names.includes(n)).join(', ')}`
          : 'no',
      );
      expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'BETTER_AUTH_SECRET', 'ANTHROPIC_API_KEY']));
      const key = await asNode(`wc -c <${MASTER_KEY}`);
      record('node reads the secrets master key', key.code === 0 ? `yes (${key.stdout.trim()} bytes)` : 'no');
      expect(key.code).toBe(0);
      const config = await asNode(`test -r ${CONFIG} && test -w ${CONFIG}`);
      record('node reads and writes config.json', config.code === 0 ? 'yes' : 'no');
      expect(config.code).toBe(0);
      // With the URL from Paperclip's environment, the app role owns the database: it can make anyone admin.
      const db = await asNode(
        `url=$(tr '\\0' '\\n' </proc/${paperclip!.pid}/environ | sed -n 's/^DATABASE_URL=//p'); ` +
          `printf '%s\\n' "SELECT has_table_privilege('instance_user_roles', 'INSERT')" | ${PSQL} -XAtq -d "$url"`,
      );
      record(
        'node connects with that DATABASE_URL and may INSERT into instance_user_roles',
        db.stdout.trim() === 't' ? 'yes' : `no (${db.stderr.trim()})`,
      );
      expect(db.stdout.trim()).toBe('t');
      const password = await asNode(`cat ${LAYOUT.volume}/${LAYOUT.dirs.postgres}/app-password`);
      record('node reads the database password file', password.code === 0 ? 'yes' : 'no (root-only)');
      expect(password.code).not.toBe(0);
      // Every company's files, every agent's home and workspace live under the volume's node-owned trees.
      const notNodes = await tryExec(['find', LAYOUT.appHome, '!', '-user', 'node', '-print']);
      record(
        `files under ${LAYOUT.appHome} (instances, ~/.claude) not owned by node`,
        notNodes.stdout.trim() || 'none',
      );
      expect(notNodes.stdout.trim()).toBe('');
      const bwrap = await asNode('command -v bwrap');
      record("bubblewrap (Paperclip's per-agent sandbox) in the image", bwrap.code === 0 ? 'yes' : 'no');
    },
  );
});
