/**
 * `generator-paperclip-fly doctor [dir] [--json]`: the command line around runDoctor, without Yeoman.
 * Exit status: 0 clean (warnings allowed), 1 an error-severity finding, 2 doctor could not run.
 */
import { formatReport } from './format.js';
import { runDoctor } from './doctor.js';
import { DoctorError, exitCode } from './report.js';

export const USAGE = `Usage: generator-paperclip-fly doctor [dir] [--json]

Audits a Paperclip-on-Fly repository (default: the current folder) for the known traps of
the gotcha catalogue. Reads files only: writes nothing, runs nothing, needs no network.

  --json   print the report as JSON (schema: docs/doctor.md)
  --help   show this help

Exit status: 0 no error-severity finding, 1 at least one, 2 doctor could not run.
`;

export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** Colour only on a terminal, and never with NO_COLOR set (FORCE_COLOR turns it on anyway). */
export const wantsColor = (io: Io): boolean =>
  (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') ||
  (!!io.stdout.isTTY && io.env.NO_COLOR === undefined);

export async function main(args: string[], io: Io = process): Promise<number> {
  let json = false;
  const dirs: string[] = [];
  for (const arg of args) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      io.stdout.write(USAGE);
      return 0;
    } else if (arg.startsWith('-')) {
      io.stderr.write(`error: unknown option ${arg} for doctor: use doctor [dir] [--json]\n`);
      return 2;
    } else dirs.push(arg);
  }
  if (dirs.length > 1) {
    io.stderr.write(`error: doctor takes one folder, got ${dirs.length}: ${dirs.join(' ')}\n`);
    return 2;
  }
  try {
    const dir = dirs[0] ?? '.';
    const report = await runDoctor(dir);
    io.stdout.write(
      json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, { color: wantsColor(io), dir }),
    );
    return exitCode(report);
  } catch (error) {
    if (error instanceof DoctorError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(
      `error: doctor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 2;
  }
}
