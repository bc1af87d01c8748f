/**
 * A network namespace the test creates and owns, standing in for a Fly machine's network: loopback, and an eth0
 * holding a private IPv4 and a 6PN-like IPv6 (fdaa:…) address, with no route anywhere else. The machine's
 * container joins it (`podman run --network ns:<path>`), and so do headscale and the second tailnet node, so
 * all Tailscale traffic stays inside it; a process that tries to reach the internet gets "network unreachable"
 * at once. The host reaches Paperclip through a socat forwarder from a port on its own loopback.
 * The namespace outlives the container, as a Fly machine's addresses outlive a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, sleep } from './http.js';
import { run, type CommandResult, type RunOptions } from './podman.js';

/** Addresses of eth0 in the namespace: documentation/ULA ranges that exist nowhere but here. */
export const NETNS_IPV4 = '172.31.255.2';
export const NETNS_IPV6 = 'fdaa:0:e2e::2';

export class NetNs {
  private forwarders: ChildProcess[] = [];

  private constructor(readonly name: string) {}

  get path(): string {
    return `/run/netns/${this.name}`;
  }

  static async create(name: string): Promise<NetNs> {
    await run('ip', ['netns', 'del', name], { allowFailure: true }); // left by a killed run
    await run('ip', ['netns', 'add', name]);
    const ns = new NetNs(name);
    const ip = (...args: string[]) => run('ip', ['-n', name, ...args]);
    await ip('link', 'set', 'lo', 'up');
    // A veth pair with both ends inside: addresses on an eth0 that leads nowhere, like a machine's eth0 seen from
    // inside (this kernel has no dummy device).
    await ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    await ip('addr', 'add', `${NETNS_IPV4}/32`, 'dev', 'eth0');
    await ip('-6', 'addr', 'add', `${NETNS_IPV6}/128`, 'dev', 'eth0', 'nodad');
    await ip('link', 'set', 'eth0', 'up');
    await ip('link', 'set', 'eth1', 'up');
    return ns;
  }

  /** Runs a program inside the namespace (the host's filesystem, the namespace's network). */
  exec(program: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return run('nsenter', [`--net=${this.path}`, '--', program, ...args], options);
  }

  /** Starts a long-running program inside the namespace; its output goes to the given log callback. */
  spawn(program: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
    return spawn('nsenter', [`--net=${this.path}`, '--', program, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /**
   * A port on the host's loopback that leads to `port` on the namespace's loopback: socat accepts on the host and,
   * per connection, runs a second socat inside the namespace that connects there.
   */
  async forward(port: number): Promise<number> {
    const hostPort = await freePort();
    const inner = `nsenter --net=${this.path} -- socat STDIO TCP:127.0.0.1:${port}`;
    const child = spawn(
      'socat',
      [`TCP-LISTEN:${hostPort},bind=127.0.0.1,reuseaddr,fork`, `SYSTEM:${inner.replaceAll(':', '\\:')}`],
      {
        stdio: 'ignore',
      },
    );
    this.forwarders.push(child);
    for (let tries = 0; tries < 40; tries++) {
      const listening = await run('ss', ['-Hltn', `sport = :${hostPort}`]);
      if (listening.stdout.trim()) return hostPort;
      await sleep(50);
    }
    throw new Error(`socat did not listen on 127.0.0.1:${hostPort}`);
  }

  async remove(): Promise<void> {
    for (const child of this.forwarders) child.kill('SIGTERM');
    this.forwarders = [];
    await run('ip', ['netns', 'del', this.name], { allowFailure: true });
  }
}
