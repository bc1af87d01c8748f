/**
 * One generated image running as a Fly machine would: a host directory mounted where fly.toml mounts the
 * volume, the environment Fly provides (FLY_APP_NAME, fly.toml [env], secrets), stopped with fly.toml's
 * kill_signal and kill_timeout. `replace()` starts a fresh container on the same volume, which is what a Fly
 * restart or deploy does (the root filesystem comes back from the image); `start()` restarts the same
 * container, keeping its stale runtime files (sockets, pid files), which is the harsher case.
 */
import { readFileSync } from 'node:fs';
import { LAYOUT } from '../../generators/lib/layout.js';
import { podman, podmanOut, type CommandResult } from './podman.js';
import { sleep, waitForHealth } from './http.js';

export interface MachineOptions {
  name: string;
  image: string;
  volumeDir: string;
  volumePath: string;
  /** Non-secret environment, passed as NAME=value. */
  env: Record<string, string>;
  /** Secrets, passed to podman by name only (`-e NAME`), so they never appear in a command line or an error message. */
  secrets: Record<string, string>;
  /** Extra `podman run` flags: ports, network, TUN device. */
  runFlags: string[];
}

export interface StopResult {
  seconds: number;
  exitCode: number;
}

export class Machine {
  /** Log lines before the current boot, so each boot's log can be checked on its own. */
  private logMark = 0;
  private logPath: string | undefined;

  constructor(readonly options: MachineOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** Creates and starts a new container (first boot, or a Fly-style restart on the same volume). */
  async replace(): Promise<number> {
    await this.remove();
    this.logMark = 0;
    this.logPath = undefined;
    const { name, image, volumeDir, volumePath, env, secrets, runFlags } = this.options;
    const args = ['run', '-d', '--name', name, '-v', `${volumeDir}:${volumePath}`, ...runFlags];
    for (const [key, value] of Object.entries(env)) args.push('-e', `${key}=${value}`);
    for (const key of Object.keys(secrets)) args.push('-e', key);
    args.push(image);
    const started = performance.now();
    await podman(args, { env: secrets });
    return started;
  }

  /** Starts the existing (stopped or killed) container again. */
  async start(): Promise<number> {
    this.logMark = (await this.allLogs()).split('\n').length - 1;
    const started = performance.now();
    await podman(['start', this.name]);
    return started;
  }

  /** Sends fly.toml's kill_signal and waits up to kill_timeout, then SIGKILL, as Fly does. */
  async stop(signal: string, timeoutSeconds: number): Promise<StopResult> {
    const started = performance.now();
    await podman(['kill', '--signal', signal, this.name]);
    while (await this.isRunning()) {
      if ((performance.now() - started) / 1000 > timeoutSeconds) {
        await podman(['kill', '--signal', 'KILL', this.name], { allowFailure: true });
        throw new Error(`${this.name} still running ${timeoutSeconds}s after ${signal}: killed`);
      }
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, exitCode: Number(await podmanOut(['inspect', '--format', '{{.State.ExitCode}}', this.name])) };
  }

  async kill9(): Promise<void> {
    await podman(['kill', '--signal', 'KILL', this.name]);
    while (await this.isRunning()) await sleep(100);
  }

  async isRunning(): Promise<boolean> {
    const result = await podman(['inspect', '--format', '{{.State.Running}}', this.name], { allowFailure: true });
    return result.stdout.trim() === 'true';
  }

  /**
   * The container's whole log, stdout and stderr in order. Read from podman's k8s-file log rather than
   * `podman logs`, which splits the two streams apart and so loses the order between them.
   */
  async allLogs(): Promise<string> {
    this.logPath ??= await podmanOut(['inspect', '--format', '{{.HostConfig.LogConfig.Path}}', this.name]);
    let text: string;
    try {
      text = readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
    // Each record is "<time> <stream> <F|P> <text>"; P marks a partial line continued by the next record.
    let out = '';
    for (const record of text.split('\n')) {
      const match = /^\S+ (?:stdout|stderr) ([FP]) ?(.*)$/.exec(record);
      if (match) out += match[1] === 'F' ? `${match[2] ?? ''}\n` : (match[2] ?? '');
    }
    return out;
  }

  /** Log of the current boot only. */
  async bootLogs(): Promise<string> {
    return (await this.allLogs()).split('\n').slice(this.logMark).join('\n');
  }

  /** Waits until the current boot's log contains a match; returns the first capture group or the match. */
  async waitForLog(pattern: RegExp, timeoutSeconds: number): Promise<string> {
    const deadline = performance.now() + timeoutSeconds * 1000;
    for (;;) {
      const match = pattern.exec(await this.bootLogs());
      if (match) return match[1] ?? match[0];
      if (performance.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutSeconds}s`);
      await sleep(500);
    }
  }

  /** psql as the postgres superuser inside the machine, over its socket; unaligned output, trimmed. */
  async psql(query: string, database: string = LAYOUT.database.name): Promise<string> {
    const command = ['runuser', '-u', 'postgres', '--', 'psql', '-h', LAYOUT.database.socketDir, '-d', database];
    return (await this.exec([...command, '-XAtc', query])).stdout.trim();
  }

  exec(command: string[], options: { user?: string; privileged?: boolean } = {}): Promise<CommandResult> {
    const flags = [...(options.user ? ['--user', options.user] : []), ...(options.privileged ? ['--privileged'] : [])];
    return podman(['exec', ...flags, this.name, ...command]);
  }

  async remove(): Promise<void> {
    await podman(['rm', '--force', '--time', '0', this.name], { allowFailure: true });
  }
}

/**
 * After the admin accepts the invite, start.sh restarts Paperclip in place with sign-up closed (signup-after-admin).
 * Waits for that restart and for health again, so later requests do not race it; returns the seconds it took.
 */
export async function awaitSignupClosed(machine: Machine, port: number): Promise<number> {
  const since = performance.now();
  await machine.waitForLog(/starting Paperclip as \S+ \(.*; sign-up closed\)/, 180);
  return waitForHealth(port, since, 120, async () => !(await machine.isRunning()));
}
