/**
 * Vitest global setup for the e2e suite: makes the machine able to build and run the generated images
 * (e2e/setup.sh: podman config and stand-in base images, seconds when warm), builds the real Tailscale and headscale
 * (e2e/peers/build.sh, cached) and installs Debian's PostgreSQL
 * server on the host for the external-database project. Runs once, before any worker starts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { hostPostgresBin } from './lib/external-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    setupSeconds: number;
  }
}

function mustRun(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  // stdout of setup.sh is the `export …` lines meant for eval; progress goes to stderr, which we show.
  const result = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (exit ${result.status})`);
}

export default function setup(project: TestProject): void {
  const started = performance.now();
  if (process.getuid?.() !== 0) throw new Error('the e2e suite needs root (rootful podman, runuser, apt)');
  mustRun('bash', [fileURLToPath(new URL('./setup.sh', import.meta.url))]);
  // The real peers: tailscale goes into the stand-in image (setup.sh), headscale runs beside the machine. Cached builds.
  mustRun('bash', [fileURLToPath(new URL('./peers/build.sh', import.meta.url)), 'tailscale', 'headscale']);
  if (!hostPostgresBin()) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    mustRun('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], env);
  }
  project.provide('setupSeconds', (performance.now() - started) / 1000);
}
