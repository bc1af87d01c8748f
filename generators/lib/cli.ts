/**
 * The package bin's work (bin/paperclip-fly.js checks the Node version, then loads this, bundled):
 *   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
 * The generator classes are imported here rather than loaded by path, so the bundle holds them and Yeoman once;
 * both only when a run needs Yeoman.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runDirect } from './direct.js';
import { GENERATORS as NAMES, type GeneratorName as Name } from './generators.js';

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
  if (!folder) {
    console.error('error: --cwd needs a folder, e.g. --cwd ../my-paperclip');
    process.exit(1);
  }
  return folder;
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = [...argv];
  const name: Name = isName(args[0]) ? (args.shift() as Name) : 'app';
  const folder = takeCwd(args);
  if (folder) {
    mkdirSync(folder, { recursive: true });
    process.chdir(folder);
  }
  // Non-interactive runs go without Yeoman when they can (direct.ts); the rest, and every question, through it.
  const log = (text: string) => process.stderr.write(text);
  const direct = await runDirect(name, args, {
    cwd: process.cwd(),
    stdinIsTTY: process.stdin.isTTY,
    stdoutIsTTY: process.stdout.isTTY,
    log,
  });
  if (direct !== undefined) {
    process.exitCode = direct;
    return;
  }
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
    // Settings errors are already one readable line; anything else keeps its stack for a bug report.
    console.error(
      (error as Error | undefined)?.name === 'SettingsError' ? `error: ${(error as Error).message}` : error,
    );
    process.exit(1);
  }
}
