/**
 * A real tailnet inside the test's own network namespace: headscale (the control server, with its embedded DERP
 * relay, plain HTTP on the namespace's loopback) and a second node (tailscaled in userspace mode, with its own
 * state directory and socket, reached through its SOCKS5 proxy). Both binaries come from e2e/peers/build.sh.
 * Also a test CA, whose certificate tailscaled's serve can present when one is put in its cert cache: the one
 * part of Tailscale HTTPS that cannot run here is the ACME issuance through Tailscale's control server.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sleep } from './http.js';
import type { NetNs } from './netns.js';
import { run } from './podman.js';

const BUILD_SH = fileURLToPath(new URL('../peers/build.sh', import.meta.url));

/** Paths of the peer binaries (cached builds; seconds when warm). */
export function peerBinaries(): Record<'tailscaled' | 'tailscale' | 'headscale', string> {
  const built = spawnSync('bash', [BUILD_SH, 'tailscale', 'headscale'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (built.status !== 0) throw new Error(`e2e/peers/build.sh failed (exit ${built.status})`);
  const paths = Object.fromEntries(
    built.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  );
  for (const name of ['tailscaled', 'tailscale', 'headscale']) {
    if (!paths[name]) throw new Error(`e2e/peers/build.sh printed no path for ${name}`);
  }
  return paths as Record<'tailscaled' | 'tailscale' | 'headscale', string>;
}

/** The tailnet's MagicDNS suffix: node <name> is <name>.<BASE_DOMAIN>. */
export const BASE_DOMAIN = 'ts.e2e.test';
/** Control and DERP on the namespace's loopback; nodes reach DERP over plain HTTP (TS_DEBUG_USE_DERP_HTTP). */
export const LOGIN_SERVER = 'http://127.0.0.1:8080';
/** What every tailscaled of this tailnet needs besides its flags: DERP over HTTP, since headscale has no TLS here. */
export const TAILSCALED_ENV = { TS_DEBUG_USE_DERP_HTTP: '1' } as const;

/** TERM, then KILL after 5 s; resolves when the process has exited. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A node as `headscale nodes list -o json` prints it (protobuf field names). */
interface RawNode {
  id: number | string;
  name: string;
  given_name: string;
  online?: boolean;
  ip_addresses?: string[];
  created_at?: { seconds: number; nanos: number };
}

export interface HeadscaleNode {
  id: string;
  name: string;
  givenName: string;
  online: boolean;
  ipAddresses: string[];
  createdAt: string;
}

export interface PolicyOptions {
  /** Stamp the "https" node attribute on every node, so `tailscale serve --https` is allowed (Tailscale's "HTTPS certificates" switch). */
  https: boolean;
}

export class Headscale {
  private process: ChildProcess | undefined;
  private log = '';

  constructor(
    private readonly binary: string,
    private readonly dir: string,
    private readonly netns: NetNs,
  ) {}

  private get config(): string {
    return join(this.dir, 'config.yaml');
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    // Everything offline: embedded DERP only (no DERP map download), no update check, no ACME, no upstream DNS.
    writeFileSync(
      this.config,
      [
        `server_url: ${LOGIN_SERVER}`,
        'listen_addr: 127.0.0.1:8080',
        'metrics_listen_addr: 127.0.0.1:9090',
        'grpc_listen_addr: 127.0.0.1:50443',
        `noise: { private_key_path: ${this.dir}/noise_private.key }`,
        'prefixes: { v4: 100.64.0.0/10, v6: fd7a:115c:a1e0::/48, allocation: sequential }',
        'derp:',
        '  server:',
        '    enabled: true',
        '    region_id: 999',
        '    region_code: e2e',
        '    region_name: e2e embedded DERP',
        '    stun_listen_addr: 127.0.0.1:3478',
        `    private_key_path: ${this.dir}/derp_server_private.key`,
        '    automatically_add_embedded_derp_region: true',
        '    ipv4: 127.0.0.1',
        '  urls: []',
        '  paths: []',
        '  auto_update_enabled: false',
        'disable_check_updates: true',
        'node: { expiry: 0 }',
        `database: { type: sqlite, sqlite: { path: ${this.dir}/db.sqlite } }`,
        'log: { level: info }',
        'policy: { mode: database }',
        `dns: { magic_dns: true, base_domain: ${BASE_DOMAIN}, override_local_dns: false }`,
        `unix_socket: ${this.dir}/headscale.sock`,
        'unix_socket_permission: "0770"',
        '',
      ].join('\n'),
    );
    this.process = this.netns.spawn(this.binary, ['serve', '-c', this.config]);
    const append = (chunk: Buffer) => (this.log += chunk.toString('utf8'));
    this.process.stdout!.on('data', append);
    this.process.stderr!.on('data', append);
    for (let tries = 0; tries < 120; tries++) {
      if (this.process.exitCode !== null)
        throw new Error(`headscale exited ${this.process.exitCode}:\n${this.log.slice(-3000)}`);
      if ((await this.cli(['health'], true)).code === 0) return;
      await sleep(250);
    }
    throw new Error(`headscale not healthy after 30 s:\n${this.log.slice(-3000)}`);
  }

  logs(): string {
    return this.log;
  }

  private cli(args: readonly string[], allowFailure = false) {
    return run(this.binary, ['-c', this.config, ...args], { allowFailure, timeoutSeconds: 30 });
  }

  private async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse((await this.cli([...args, '-o', 'json'])).stdout) as T;
  }

  /** Creates the tailnet user and returns its numeric id (preauthkeys want the id, not the name). */
  async createUser(name: string): Promise<string> {
    const user = await this.json<{ id: string | number }>(['users', 'create', name]);
    return String(user.id);
  }

  async createKey(userId: string, options: { reusable: boolean }): Promise<string> {
    const args = [
      'preauthkeys',
      'create',
      '--user',
      userId,
      '--expiration',
      '1h',
      ...(options.reusable ? ['--reusable'] : []),
    ];
    return (await this.json<{ key: string }>(args)).key;
  }

  async setPolicy(options: PolicyOptions): Promise<void> {
    const policy = {
      acls: [{ action: 'accept', src: ['*'], dst: ['*:*'] }],
      ...(options.https ? { nodeAttrs: [{ target: ['*'], attr: ['https'] }] } : {}),
    };
    const file = join(this.dir, 'policy.json');
    writeFileSync(file, JSON.stringify(policy, null, 2));
    await this.cli(['policy', 'set', '--file', file]);
  }

  async nodes(): Promise<HeadscaleNode[]> {
    const raw = await this.json<RawNode[] | null>(['nodes', 'list']);
    return (raw ?? []).map((node) => ({
      id: String(node.id),
      name: node.name,
      givenName: node.given_name,
      online: node.online ?? false,
      ipAddresses: node.ip_addresses ?? [],
      createdAt: JSON.stringify(node.created_at),
    }));
  }

  stop(): Promise<void> {
    return stopChild(this.process);
  }
}

/** A second node of the tailnet: tailscaled in userspace mode (no TUN, no routes), its SOCKS5 proxy on the namespace's loopback. */
export class TailnetPeer {
  private process: ChildProcess | undefined;
  private log = '';
  readonly socks = '127.0.0.1:1055';

  constructor(
    private readonly binaries: { tailscaled: string; tailscale: string },
    private readonly dir: string,
    private readonly netns: NetNs,
  ) {}

  private get socket(): string {
    return join(this.dir, 'tailscaled.sock');
  }

  async up(hostname: string, authKey: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.process = this.netns.spawn(
      this.binaries.tailscaled,
      [
        '--tun=userspace-networking',
        `--socks5-server=${this.socks}`,
        `--statedir=${this.dir}`,
        `--socket=${this.socket}`,
        '--port=0',
      ],
      TAILSCALED_ENV,
    );
    const append = (chunk: Buffer) => (this.log = (this.log + chunk.toString('utf8')).slice(-20_000));
    this.process.stdout!.on('data', append);
    this.process.stderr!.on('data', append);
    for (let tries = 0; tries < 120 && (await this.cli(['status', '--json'], true)).stdout === ''; tries++)
      await sleep(250);
    // The key goes in an argument here: it is a throwaway single-use key of a test control server.
    await this.cli([
      'up',
      `--login-server=${LOGIN_SERVER}`,
      `--auth-key=${authKey}`,
      `--hostname=${hostname}`,
      '--accept-dns=false',
      '--timeout=60s',
    ]);
  }

  logs(): string {
    return this.log;
  }

  cli(args: readonly string[], allowFailure = false) {
    return this.netns.exec(this.binaries.tailscale, [`--socket=${this.socket}`, ...args], {
      allowFailure,
      timeoutSeconds: 90,
    });
  }

  /** An HTTP(S) request over the tailnet (curl through the node's SOCKS5 proxy, which resolves MagicDNS names). */
  async curl(url: string, extra: readonly string[] = []): Promise<{ status: number; body: string }> {
    const result = await this.netns.exec(
      'curl',
      ['-sS', '--max-time', '60', '--socks5-hostname', this.socks, '-o', '-', '-w', '\n%{http_code}', ...extra, url],
      { allowFailure: true, timeoutSeconds: 90 },
    );
    if (result.code !== 0)
      throw new Error(`curl ${url} over the tailnet failed (exit ${result.code}): ${result.stderr.trim()}`);
    const lines = result.stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  }

  stop(): Promise<void> {
    return stopChild(this.process);
  }
}

/** A throwaway CA and a server certificate from it for one DNS name, written as PEM files into dir. */
export function testCertificate(dir: string, dnsName: string): { caPem: string; certPem: string; keyPem: string } {
  mkdirSync(dir, { recursive: true });
  const openssl = (args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=paperclip-fly e2e test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${dnsName}`]);
  writeFileSync(
    join(dir, 'leaf.ext'),
    `subjectAltName=DNS:${dnsName}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.crt',
    '-days',
    '825',
    '-extfile',
    'leaf.ext',
  ]);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { caPem: read('ca.pem'), certPem: read('leaf.crt'), keyPem: read('leaf.key') };
}
