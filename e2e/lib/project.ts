/**
 * Generating a project with the package's own bin, and reading back the numbers the machine will run with:
 * the tests take grace period, kill signal and timeout, volume path and port from the generated fly.toml, so
 * they check the files a user deploys rather than constants of their own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import { run } from './podman.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Node >= 24 is required by the bin; the repository carries one in node_modules/node. */
export function nodeBinary(): string {
  const bundled = join(ROOT, 'node_modules', 'node', 'bin', 'node');
  return existsSync(bundled) ? bundled : process.execPath;
}

export async function generateProject(dir: string, flags: readonly string[]): Promise<void> {
  await run(nodeBinary(), [join(ROOT, 'bin', 'paperclip-fly.js'), '--cwd', dir, '--yes', '--no-interactive', ...flags]);
}

export interface FlyMachine {
  app: string;
  killSignal: string;
  killTimeoutSeconds: number;
  graceSeconds: number;
  /** [deploy] wait_timeout: how long fly deploy waits for the machine to pass its checks. */
  deployWaitSeconds: number;
  volume: string;
  internalPort: number;
  memoryMb: number;
  healthPath: string;
  healthHost: string | undefined;
  /** fly.toml [env]: Fly sets these in the machine, so the tests do too. */
  env: Record<string, string>;
}

/** "120s" / "2m" / 90 → seconds. */
function seconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)(ms|s|m)?$/.exec(String(value));
  if (!match) throw new Error(`unreadable duration in fly.toml: ${String(value)}`);
  const n = Number(match[1]);
  return match[2] === 'm' ? n * 60 : match[2] === 'ms' ? n / 1000 : n;
}

export function readFlyToml(dir: string): FlyMachine {
  // Untyped TOML: the fields read below are checked by the assertions that use them.
  const fly = TOML.parse(readFileSync(join(dir, 'fly.toml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const check = fly.http_service.checks[0];
  const vm = Array.isArray(fly.vm) ? fly.vm[0] : fly.vm;
  return {
    app: fly.app,
    killSignal: fly.kill_signal ?? 'SIGINT',
    killTimeoutSeconds: seconds(fly.kill_timeout ?? 5),
    graceSeconds: seconds(check.grace_period),
    deployWaitSeconds: seconds(fly.deploy?.wait_timeout ?? '5m'),
    volume: (Array.isArray(fly.mounts) ? fly.mounts[0] : fly.mounts).destination,
    internalPort: fly.http_service.internal_port,
    memoryMb: Number(String(vm.memory).replace(/mb$/i, '')),
    healthPath: check.path,
    healthHost: check.headers?.Host,
    env: fly.env ?? {},
  };
}
