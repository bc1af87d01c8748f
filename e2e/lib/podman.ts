/**
 * podman through e2e/podman.sh, which loads the configuration e2e/setup.sh wrote (runc, cgroupfs, lowered
 * ulimits, docker.io blocked), so the tests need nothing in their own environment.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PODMAN_SH = fileURLToPath(new URL('../podman.sh', import.meta.url));

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command in seconds. */
  seconds: number;
}

export interface RunOptions {
  /** Extra environment for the command (e.g. secrets handed to `podman run -e NAME` by name, not in argv). */
  env?: Record<string, string>;
  /** Do not throw on a non-zero exit. */
  allowFailure?: boolean;
  /** Kill the command after this many seconds. */
  timeoutSeconds?: number;
}

/** Runs a program and collects its output; throws with stderr on failure unless allowFailure. */
export function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = options.timeoutSeconds
      ? setTimeout(() => child.kill('SIGKILL'), options.timeoutSeconds * 1000)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: CommandResult = {
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        seconds: (performance.now() - started) / 1000,
      };
      if (result.code !== 0 && !options.allowFailure) {
        const shown = [program, ...args].join(' ').slice(0, 300);
        reject(
          new Error(
            `${shown} exited ${result.code}${signal ? ` (${signal})` : ''}:\n${result.stderr.slice(-4000) || result.stdout.slice(-4000)}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
  });
}

export function podman(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return run('bash', [PODMAN_SH, ...args], options);
}

/** stdout of a podman command that must succeed, trimmed. */
export async function podmanOut(args: readonly string[], options: RunOptions = {}): Promise<string> {
  return (await podman(args, options)).stdout.trim();
}
