/**
 * The container tests tell one machine's story as a chain of steps, each an `it` that builds on the ones before.
 * A failing step carries the current machine's last log lines in its message, and the later steps are skipped
 * (their failures would only repeat it), unless the failing step is not setup or the run keeps going on purpose.
 */
import { it } from 'vitest';
import type { Machine } from './machine.js';

/** The last `lines` lines of a log, each cut at 300 characters. */
export const tail = (text: string, lines = 80): string =>
  text
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line))
    .join('\n');

export interface StepOptions {
  /** Later steps build on this one: its failure skips them (default). */
  setup?: boolean;
}

/**
 * `step(name, fn)` for a chain of steps about the machine `current()` returns at the time of a failure;
 * `failed()` says whether any setup step failed (the files are then kept for a look). With `keepGoing`, every
 * step runs even after a failure.
 */
export function machineSteps(current: () => Machine | undefined, { keepGoing = false } = {}) {
  let broken = false;
  const step = (name: string, fn: () => void | Promise<void>, { setup = true }: StepOptions = {}) => {
    it(name, async (ctx) => {
      if (broken && !keepGoing) ctx.skip('an earlier step failed');
      try {
        await fn();
      } catch (error) {
        if (setup) broken = true;
        const machine = current();
        if (machine && error instanceof Error) {
          error.message += `\n\n--- container ${machine.name}, last 120 log lines ---\n${tail(await machine.allLogs(), 120)}`;
        }
        throw error;
      }
    });
  };
  return { step, failed: () => broken };
}
