/**
 * Issue 8, point 4: agents cannot roam the networks. Code that Paperclip's agents run is a process of the `node`
 * user; this file plays that hostile process from inside the running machine and checks from a second tailnet
 * node. The defaults project (Tailscale, PostgreSQL in the machine) runs in a network namespace the test creates,
 * with real headscale and a second node (lib/tailnet.ts). Besides the netns's own `fdaa:0:e2e::2`, its eth0 gets
 * two more 6PN-like addresses: another app's (OTHER_APP_6PN) and Fly's resolver and API proxy (FLY_DNS), where a
 * small TCP service answers on TARGET_PORT and on 53. The second node forwards its tailnet address to the same
 * service (userspace tailscaled hands inbound connections to its localhost). Nothing leaves the namespace.
 *
 * Then the same project with --agentPrivateNetworks: agents reach the tailnet and 6PN again; port 3100 and an
 * agent's own server stay closed to tailscale0.
 *
 * Run: npx vitest run --config vitest.e2e.config.ts e2e/contain-net.e2e.test.ts (root, after npm run build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { sleep, waitForHealth } from './lib/http.js';
import { Machine } from './lib/machine.js';
import { NetNs } from './lib/netns.js';
import { podman, run } from './lib/podman.js';
import { generateProject, readFlyToml, type FlyMachine } from './lib/project.js';
import { machineSteps } from './lib/steps.js';
import {
  BASE_DOMAIN,
  Headscale,
  LOGIN_SERVER,
  TAILSCALED_ENV,
  TailnetPeer,
  peerBinaries,
  provisionServeCertificate,
} from './lib/tailnet.js';

const E2E_PREFIX = process.env.E2E_PREFIX ?? 'pcfly-e2e';
const TS_SOCKET = '/var/run/tailscale/tailscaled.sock';
const CA_IN_MACHINE = '/etc/paperclip-fly-e2e/ca-bundle.pem';
/** The tag the generated README asks to put on the auth key (the generator's default tailscaleTags). */
const TAG = 'tag:paperclip';
/** Another app's machine on the organisation's 6PN. */
const OTHER_APP_6PN = 'fdaa:0:e2e::5';
/** Fly's resolver, which also serves the Machines API proxy (_api.internal:4280): DNS must stay reachable. */
const FLY_DNS = 'fdaa::3';
/** The service an agent tries to reach: on the second node's tailnet address and on the 6PN addresses. */
const TARGET_PORT = 4280;
/** A server an agent starts inside the machine (a dev server, a reverse shell's listener): the tailnet must not reach it. */
const AGENT_LISTENER_PORT = 8808;

const random = (bytes = 24) => randomBytes(bytes).toString('hex');

/** What a connection attempt did: "connected" (with the service's greeting), an errno code, or "timeout". */
interface Outcome {
  outcome: string;
  reply?: string;
  ms: number;
}

/** A TCP client run inside the machine by `node` (or root): connects, reads the first line, reports. */
const CONNECT_JS = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const started = Date.now();
const done = (result) => { console.log(JSON.stringify({ ...result, ms: Date.now() - started })); process.exit(0); };
const socket = net.connect({ host, port: Number(port) });
socket.setTimeout(4000, () => done({ outcome: 'timeout' }));
socket.once('data', (data) => done({ outcome: 'connected', reply: String(data).trim() }));
socket.once('error', (error) => done({ outcome: error.code ?? String(error) }));
`;

/** The target service: greets with its port and the address it was reached on. */
const SERVICE_JS = `
const net = require('node:net');
const ports = process.argv.slice(1).map(Number);
let listening = 0;
for (const port of ports) {
  net.createServer((socket) => socket.end('hello from ' + port + '\\n'))
    .listen({ host: '::', port }, () => { if (++listening === ports.length) console.log('listening'); });
}
`;

/** An agent's own HTTP server on every address of the machine. */
const AGENT_SERVER_JS = `
require('node:http').createServer((req, res) => res.end('agent server')).listen({ host: '::', port: Number(process.argv[1]) });
`;

interface Variant {
  key: string;
  appName: string;
  flags: string[];
  /** Agents may reach the tailnet and 6PN (the allow setting). */
  open: boolean;
}

const VARIANTS: Variant[] = [
  { key: 'contained', appName: 'e2e-contain', flags: [], open: false },
  { key: 'open', appName: 'e2e-open', flags: ['--agentPrivateNetworks'], open: true },
];

describe('agents cannot roam the networks (issue 8, point 4)', () => {
  let work: string;
  let netns: NetNs | undefined;
  let headscale: Headscale | undefined;
  let peer: TailnetPeer | undefined;
  let service: ChildProcess | undefined;
  let userId = '';
  let peerKey = '';
  const peerIps = { v4: '', v6: '' };
  const machines: Machine[] = [];
  const { step, failed } = machineSteps(() => machines.at(-1));

  afterAll(async () => {
    for (const machine of machines) await machine.remove();
    service?.kill('SIGTERM');
    await peer?.stop();
    await headscale?.stop();
    await netns?.remove();
    if (work && !failed()) rmSync(work, { recursive: true, force: true });
    else if (work) console.error(`[e2e] contain-net: failed; files kept in ${work}`);
  });

  step('a tailnet in a test namespace: headscale, a second node, 6PN-like addresses with a service', async () => {
    work = mkdtempSync(join(tmpdir(), 'pcfly-e2e-contain-net-'));
    const binaries = peerBinaries();
    netns = await NetNs.create(`${E2E_PREFIX}-contain`);
    for (const address of [OTHER_APP_6PN, FLY_DNS])
      await run('ip', ['-n', netns.name, '-6', 'addr', 'add', `${address}/128`, 'dev', 'eth0', 'nodad']);
    headscale = new Headscale(binaries.headscale, join(work, 'headscale'), netns);
    await headscale.start();
    userId = await headscale.createUser('e2e');
    await headscale.setPolicy({ https: true });
    peerKey = await headscale.createKey(userId, { reusable: false });
    peer = new TailnetPeer(binaries, join(work, 'peer'), netns);
    await peer.up('e2e-peer', peerKey);
    peerIps.v4 = (await peer.cli(['ip', '-4'])).stdout.trim();
    peerIps.v6 = (await peer.cli(['ip', '-6'])).stdout.trim();
    expect(peerIps.v4).toMatch(/^100\./);
    expect(peerIps.v6).toMatch(/^fd7a:115c:a1e0:/);
    service = spawn(
      'nsenter',
      [`--net=${netns.path}`, '--', process.execPath, '-e', SERVICE_JS, String(TARGET_PORT), '53'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      service!.stdout!.once('data', () => {
        resolve();
      });
      service!.once('exit', (code) => {
        reject(new Error(`the target service exited ${code}`));
      });
    });
  });

  for (const variant of VARIANTS) {
    let projectDir: string;
    let volumeDir: string;
    let fly: FlyMachine;
    let machine: Machine;
    let port: number;
    let name: string;
    let ca: string;

    /** Connects from inside the machine as `user` to host:port. */
    const connectFrom = async (user: string, host: string, targetPort: number): Promise<Outcome> => {
      const result = await podman(
        ['exec', '--user', user, machine.name, 'node', '-e', CONNECT_JS, host, String(targetPort)],
        { allowFailure: true, timeoutSeconds: 30 },
      );
      try {
        return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Outcome;
      } catch {
        return { outcome: `exit ${result.code}: ${result.stderr.trim()}`, ms: 0 };
      }
    };

    /** `tailscale nc` as `user`: tailscaled (root) dials for whoever can open its socket. */
    const tailscaleNc = async (user: string, host: string, targetPort: number): Promise<Outcome> => {
      const started = performance.now();
      const result = await podman(
        [
          'exec',
          '--user',
          user,
          machine.name,
          'timeout',
          '5',
          'tailscale',
          `--socket=${TS_SOCKET}`,
          'nc',
          host,
          String(targetPort),
        ],
        { allowFailure: true, timeoutSeconds: 30 },
      );
      const ms = performance.now() - started;
      const reply = result.stdout.trim();
      return reply.startsWith('hello')
        ? { outcome: 'connected', reply, ms }
        : {
            outcome: `not connected (exit ${result.code}${result.stderr.trim() ? `: ${result.stderr.trim().split('\n').pop()}` : ''})`,
            ms,
          };
    };

    /** From the second node over the tailnet: curl's HTTP status, or its error. */
    const fromPeer = async (url: string, extra: string[] = []): Promise<Outcome> => {
      const started = performance.now();
      const result = await netns!.exec(
        'curl',
        [
          '-sS',
          '--max-time',
          '20',
          '--socks5-hostname',
          peer!.socks,
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          ...extra,
          url,
        ],
        { allowFailure: true, timeoutSeconds: 40 },
      );
      const ms = performance.now() - started;
      return result.code === 0
        ? { outcome: `HTTP ${result.stdout.trim()}`, ms }
        : { outcome: `curl exit ${result.code}: ${result.stderr.trim()}`, ms };
    };

    /** An agent starts its own server (as `node`, detached); it answers on loopback before the probe goes on. */
    const startAgentServer = async () => {
      await podman(
        [
          'exec',
          '--detach',
          '--user',
          'node',
          machine.name,
          'node',
          '-e',
          AGENT_SERVER_JS,
          String(AGENT_LISTENER_PORT),
        ],
        { allowFailure: true },
      );
      for (let tries = 0; ; tries++) {
        const local = await podman(
          [
            'exec',
            machine.name,
            'curl',
            '-q',
            '-s',
            '-o',
            '/dev/null',
            '-w',
            '%{http_code}',
            `http://127.0.0.1:${AGENT_LISTENER_PORT}/`,
          ],
          { allowFailure: true },
        );
        if (local.stdout.trim() === '200') return;
        if (tries > 40)
          throw new Error(`the agent's server never answered on loopback: ${local.stdout}${local.stderr}`);
        await sleep(250);
      }
    };

    /** Every attempt of an agent, and the checks from the peer, in one table. */
    const probe = async () => {
      await startAgentServer();
      const attempts: Record<string, Outcome> = {
        'node -> second node, tailnet IPv4': await connectFrom('node', peerIps.v4, TARGET_PORT),
        'node -> second node, tailnet IPv6': await connectFrom('node', peerIps.v6, TARGET_PORT),
        'node -> second node, IPv4-mapped IPv6': await connectFrom('node', `::ffff:${peerIps.v4}`, TARGET_PORT),
        'node -> another app on 6PN': await connectFrom('node', OTHER_APP_6PN, TARGET_PORT),
        "node -> Fly's API proxy port on fdaa::3": await connectFrom('node', FLY_DNS, TARGET_PORT),
        "node -> Fly's resolver fdaa::3 port 53": await connectFrom('node', FLY_DNS, 53),
        'node -> tailscale nc through tailscaled': await tailscaleNc('node', peerIps.v4, TARGET_PORT),
        'root -> second node, tailnet IPv4': await connectFrom('root', peerIps.v4, TARGET_PORT),
        'peer -> plain HTTP on port 3100 over the tailnet': await fromPeer(
          `http://${name}:${fly.internalPort}/api/health`,
        ),
        [`peer -> an agent's own server on port ${AGENT_LISTENER_PORT}`]: await fromPeer(
          `http://${name}:${AGENT_LISTENER_PORT}/`,
        ),
        'peer -> HTTPS 443 (tailscale serve)': await fromPeer(`https://${name}/api/health`, ['--cacert', ca]),
      };
      console.log(
        `[e2e] contain-net ${variant.key}:\n${Object.entries(attempts)
          .map(
            ([what, result]) =>
              `  ${what.padEnd(52)} ${result.outcome}${result.reply ? ` (${result.reply})` : ''}, ${Math.round(result.ms)} ms`,
          )
          .join('\n')}`,
      );
      return attempts;
    };

    /** What the table must say: agents blocked (or, with the allow setting, connected), the rest working. */
    const expectContained = (attempts: Record<string, Outcome>) => {
      const agentTargets = Object.keys(attempts).filter(
        (what) => what.startsWith('node ->') && !what.includes('port 53'),
      );
      for (const what of agentTargets) {
        const result = attempts[what]!;
        if (variant.open && !what.includes('tailscale nc')) expect(result.outcome, what).toBe('connected');
        else expect(result.outcome, what).not.toBe('connected');
        // Refused at once, never a hang: an agent learns immediately that the address is closed. (tailscale nc
        // waits for a socket it may not open until its timeout: not connected is what counts there.)
        if (!what.includes('tailscale nc')) expect(result.ms, what).toBeLessThan(3000);
      }
      expect(attempts["node -> Fly's resolver fdaa::3 port 53"]!.outcome).toBe('connected');
      expect(attempts['root -> second node, tailnet IPv4']!.outcome).toBe('connected');
      // Nothing but tailscale serve takes a connection from the tailnet: not Paperclip's port, not an agent's server
      // (with or without the allow setting, which is about where agents may connect to).
      for (const what of [
        'peer -> plain HTTP on port 3100 over the tailnet',
        `peer -> an agent's own server on port ${AGENT_LISTENER_PORT}`,
      ]) {
        const direct = attempts[what]!;
        expect(direct.outcome, what).toMatch(/^curl exit \d+: .*(refused|Connection|SOCKS)/i);
        expect(direct.ms, what).toBeLessThan(10_000);
      }
      expect(attempts['peer -> HTTPS 443 (tailscale serve)']!.outcome).toBe('HTTP 200');
    };

    step(
      `${variant.key}: generates and builds the defaults project${variant.flags.length ? ` with ${variant.flags.join(' ')}` : ''}`,
      async () => {
        projectDir = join(work, variant.key, 'project');
        volumeDir = join(work, variant.key, 'volume');
        mkdirSync(projectDir, { recursive: true });
        mkdirSync(volumeDir, { recursive: true });
        await generateProject(projectDir, [
          '--appName',
          variant.appName,
          '--tailscaleLoginServer',
          LOGIN_SERVER,
          ...variant.flags,
        ]);
        fly = readFlyToml(projectDir);
        await podman(
          ['build', '--pull=never', '--tag', `localhost/${E2E_PREFIX}/contain-${variant.key}:latest`, projectDir],
          {
            timeoutSeconds: 20 * 60,
          },
        );
      },
    );

    step(`${variant.key}: boots in the namespace with a tagged reusable key; Tailscale up, serve on 443`, async () => {
      name = `${fly.env.TS_HOSTNAME}.${BASE_DOMAIN}`;
      const serve = provisionServeCertificate(join(work, variant.key, 'ca'), volumeDir, name);
      ca = serve.ca;
      const bundle = serve.bundle;
      const key = await headscale!.createKey(userId, { reusable: true, tags: [TAG] });
      machine = new Machine({
        name: `${E2E_PREFIX}-contain-${variant.key}`,
        image: `localhost/${E2E_PREFIX}/contain-${variant.key}:latest`,
        volumeDir,
        volumePath: fly.volume,
        env: { FLY_APP_NAME: variant.appName, ...fly.env, ...TAILSCALED_ENV, SSL_CERT_FILE: CA_IN_MACHINE },
        secrets: { BETTER_AUTH_SECRET: random(), PAPERCLIP_AGENT_JWT_SECRET: random(), TS_AUTHKEY: key },
        runFlags: [
          '--network',
          `ns:${netns!.path}`,
          '--device',
          '/dev/net/tun',
          '--cap-add',
          'NET_ADMIN',
          '--volume',
          `${bundle}:${CA_IN_MACHINE}:ro`,
        ],
      });
      machines.push(machine);
      port = await netns!.forward(fly.internalPort);
      const started = await machine.replace();
      await waitForHealth(port, started, fly.deployWaitSeconds, async () => !(await machine.isRunning()));
      await machine.waitForLog(/\[start\] HTTPS: .* \(tailscale serve\)/, 60);
    });

    step(`${variant.key}: headscale shows the machine as a node owned by ${TAG}`, async () => {
      const nodes = (await headscale!.nodes()).filter((node) => node.givenName === fly.env.TS_HOSTNAME);
      expect(nodes).toHaveLength(1);
      expect(nodes[0]!.tags).toEqual([TAG]);
    });

    step(
      `${variant.key}: an agent (uid node) ${variant.open ? 'reaches' : 'cannot reach'} the tailnet or 6PN; the peer gets HTTPS only`,
      async () => {
        expectContained(await probe());
      },
    );

    step(
      `${variant.key}: after tailscaled sets up its netfilter again (tailscale down, up), the same holds`,
      async () => {
        const exec = (args: string[]) => podman(['exec', machine.name, 'tailscale', `--socket=${TS_SOCKET}`, ...args]);
        await exec(['down']);
        await exec([
          'up',
          '--reset',
          `--hostname=${fly.env.TS_HOSTNAME}`,
          '--accept-dns=false',
          '--timeout=60s',
          `--login-server=${LOGIN_SERVER}`,
        ]);
        // tailscaled's own hooks are back at the top of INPUT, above anything inserted before them.
        const input = await podman(['exec', machine.name, 'iptables', '-S', 'INPUT']);
        expect(input.stdout).toContain('-A INPUT -j ts-input');
        expectContained(await probe());
      },
    );

    step(`${variant.key}: stops cleanly`, async () => {
      const stop = await machine.stop(fly.killSignal, fly.killTimeoutSeconds);
      expect(stop.exitCode).toBe(0);
    });

    if (!variant.open) {
      step('without NET_ADMIN the rules cannot be loaded: a FATAL line, and Paperclip never starts', async () => {
        const bare = join(work, variant.key, 'volume-no-net-admin');
        mkdirSync(bare);
        const refused = new Machine({
          name: `${E2E_PREFIX}-contain-no-net-admin`,
          image: `localhost/${E2E_PREFIX}/contain-${variant.key}:latest`,
          volumeDir: bare,
          volumePath: fly.volume,
          env: { FLY_APP_NAME: variant.appName },
          secrets: { BETTER_AUTH_SECRET: random() },
          runFlags: ['--network', `ns:${netns!.path}`],
        });
        machines.push(refused);
        await refused.replace();
        const log = await refused.waitForLog(/\[start\] FATAL: could not load the nftables table [^\n]*/, 240);
        expect(log).toContain('CAP_NET_ADMIN');
        for (let tries = 0; tries < 40 && (await refused.isRunning()); tries++) await sleep(250);
        expect(await refused.isRunning()).toBe(false);
        expect(await refused.bootLogs()).not.toContain('[start] starting Paperclip');
      });
    }
  }
});
