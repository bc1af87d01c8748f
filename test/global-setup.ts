/**
 * Vitest global setup: the real peer programs the tests check generated files against, built by
 * e2e/peers/build.sh (Go and the Go module proxy; minutes cold, under a second cached). A failed build fails the
 * run: a check against a real program is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    peers: Record<string, string>;
  }
}

export default function setup(project: TestProject): void {
  const script = fileURLToPath(new URL('../e2e/peers/build.sh', import.meta.url));
  const built = spawnSync('bash', [script, 'tailscale'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (built.status !== 0) {
    throw new Error(
      `e2e/peers/build.sh tailscale failed (exit ${built.status}): npm test checks start.sh against the real tailscale CLI, built with Go`,
    );
  }
  project.provide(
    'peers',
    Object.fromEntries(
      built.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    ),
  );
}
