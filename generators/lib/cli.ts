/**
 * The package bin's work (bin/paperclip-fly.js checks the Node version, then loads this, bundled):
 *   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
 * The generator classes are imported here rather than loaded by path, so the bundle holds them and Yeoman once;
 * both only when a run needs Yeoman. Mistakes are one `error:` line on stderr and exit 1, with nothing created.
 */
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDirect } from './direct.js';
import { GENERATORS as NAMES, type GeneratorName as Name } from './generators.js';
import { helpText, unknownGenerator } from './help.js';
import { checkArgs } from './resolution.js';
import { processOutput } from './run.js';
import { SettingsError } from './settings.js';

// Loaded only when a run goes to Yeoman (the bundle keeps each in a chunk of its own).
const GENERATORS = {
  app: () => import('../app/index.js'),
  fly: () => import('../fly/index.js'),
  postgres: () => import('../postgres/index.js'),
  tailscale: () => import('../tailscale/index.js'),
} as const satisfies Record<Name, unknown>;

const isName = (arg: string | undefined): arg is Name => (NAMES as readonly (string | undefined)[]).includes(arg);

/** Takes `--cwd <folder>` / `--cwd=<folder>` out of args (Yeoman's own --cwd takes no value here). */
function takeCwd(args: string[]): string | undefined {
  const at = args.findIndex((arg) => arg === '--cwd' || arg.startsWith('--cwd='));
  if (at === -1) return undefined;
  const flag = args.splice(at, 1)[0] ?? '';
  const folder = flag.includes('=') ? flag.slice('--cwd='.length) : args.splice(at, 1)[0];
  if (!folder || folder.startsWith('-')) throw new SettingsError('--cwd needs a folder, e.g. --cwd ../my-paperclip');
  return folder;
}

const writable = (path: string): boolean => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** --cwd must be a folder this run can write, or a path one can be made at. Nothing is created here. */
function checkCwd(folder: string): string {
  const target = resolve(folder);
  let existing = target;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const form = 'give a folder to generate into (it is created if missing)';
  if (!statSync(existing).isDirectory())
    throw new SettingsError(
      `--cwd ${folder} ${existing === target ? 'is a file' : `is inside ${existing}, a file`}, not a folder: ${form}.`,
    );
  if (!writable(existing))
    throw new SettingsError(
      `--cwd ${folder}: ${existing === target ? 'the folder' : existing} is not writable: ${form} you can write to.`,
    );
  return target;
}

/** Ctrl-C at a prompt (inquirer's ExitPromptError) or anywhere else: exit 130, as a shell does, saying nothing. */
const interrupted = (error: unknown): boolean => (error as Error | undefined)?.name === 'ExitPromptError';

export async function main(argv: readonly string[]): Promise<void> {
  process.once('SIGINT', () => process.exit(130));
  const args = [...argv];
  try {
    if (args[0] !== undefined && !args[0].startsWith('-') && !isName(args[0])) {
      throw new SettingsError(unknownGenerator(args[0]));
    }
    const name: Name = isName(args[0]) ? (args.shift() as Name) : 'app';
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(helpText(name));
      return;
    }
    const folder = takeCwd(args);
    const cwd = folder === undefined ? process.cwd() : checkCwd(folder);
    const terminal = process.stdin.isTTY && process.stdout.isTTY;
    if (args.includes('--interactive') && !terminal) {
      throw new SettingsError(
        '--interactive needs a terminal on stdin and stdout: pass the settings as flags (or --yes) instead.',
      );
    }
    // Before anything is created: an unknown flag, or a repeated one (Yeoman's parser would keep the last).
    checkArgs(name, args);
    // Non-interactive runs go without Yeoman when they can (direct.ts); the rest, and every question, through it.
    const direct = await runDirect(name, args, {
      cwd,
      stdinIsTTY: process.stdin.isTTY,
      stdoutIsTTY: process.stdout.isTTY,
      output: processOutput,
    });
    if (direct !== undefined) {
      process.exitCode = direct;
      return;
    }
    await runYeoman(name, args, cwd);
  } catch (error) {
    if (interrupted(error)) process.exit(130);
    // Settings errors are one readable line; anything else keeps its stack for a bug report.
    console.error(
      error instanceof SettingsError || (error as Error | undefined)?.name === 'SettingsError'
        ? `error: ${(error as Error).message}`
        : error,
    );
    process.exit(1);
  }
}

/** Runs through Yeoman in `cwd`; a folder made for the run is removed again when the run fails with it empty. */
async function runYeoman(name: Name, args: string[], cwd: string): Promise<void> {
  const made = !existsSync(cwd);
  if (made) mkdirSync(cwd, { recursive: true });
  process.chdir(cwd);
  const [{ prepareCommand }, { default: Generator }] = await Promise.all([
    import('yeoman-environment'),
    GENERATORS[name](),
  ]);
  // `resolved` is where `yo` would load this generator from: Yeoman reads its package and templates from there.
  const resolved = fileURLToPath(new URL(`../${name}/index.js`, import.meta.url));
  const command = await prepareCommand({ generator: Generator as never, resolved, namespace: `paperclip-fly:${name}` });
  command.name(name === 'app' ? 'generator-paperclip-fly' : `generator-paperclip-fly ${name}`);
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (made) {
      process.chdir(dirname(cwd));
      try {
        rmdirSync(cwd);
      } catch {
        // Not empty: something else wrote there meanwhile; leave it.
      }
    }
    throw error;
  }
}
