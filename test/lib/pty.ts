/**
 * Runs a command on a pseudo-terminal (util-linux `script`), so the bin sees a terminal on stdin and stdout as a
 * user's shell gives it: what is written to the child's stdin is typed at the terminal (Enter, Ctrl-C).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

export function spawnOnTerminal(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = { NO_COLOR: '1' },
): ChildProcessWithoutNullStreams {
  // A user's terminal: CI=true (set by .ci/run) or a missing TERM make Node report no colours on a TTY.
  const user = { FORCE_COLOR: undefined, CI: undefined, TERM: 'xterm-256color' };
  const merged: Record<string, string | undefined> = { ...process.env, ...user, ...env };
  // -q no banner, -e the command's exit status, -f flush each write, -c the command; no typescript file kept.
  return spawn('script', ['-qefc', args.map(quote).join(' '), '/dev/null'], {
    cwd,
    env: Object.fromEntries(
      Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  });
}
