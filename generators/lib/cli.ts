/**
 * The package bin's work (bin/paperclip-fly.js checks the Node version, then loads this, bundled):
 *   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
 * The generator classes are imported here rather than loaded by path, so the bundle holds them and Yeoman once.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prepareCommand } from 'yeoman-environment';
import AppGenerator from '../app/index.js';
import FlyGenerator from '../fly/index.js';
import PostgresGenerator from '../postgres/index.js';
import TailscaleGenerator from '../tailscale/index.js';

const GENERATORS = { app: AppGenerator, fly: FlyGenerator, postgres: PostgresGenerator, tailscale: TailscaleGenerator } as const;
type Name = keyof typeof GENERATORS;

const isName = (arg: string | undefined): arg is Name => arg !== undefined && Object.hasOwn(GENERATORS, arg);

/** Takes `--cwd <folder>` / `--cwd=<folder>` out of args (Yeoman's own --cwd takes no value here). */
function takeCwd(args: string[]): string | undefined {
  const at = args.findIndex((arg) => arg === '--cwd' || arg.startsWith('--cwd='));
  if (at === -1) return undefined;
  const [flag] = args.splice(at, 1);
  const folder = flag!.includes('=') ? flag!.slice('--cwd='.length) : args.splice(at, 1)[0];
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
  // `resolved` is where `yo` would load this generator from: Yeoman reads its package and templates from there.
  const resolved = fileURLToPath(new URL(`../${name}/index.js`, import.meta.url));
  const command = await prepareCommand({ generator: GENERATORS[name] as never, resolved, namespace: `paperclip-fly:${name}` });
  command.name(name === 'app' ? 'generator-paperclip-fly' : `generator-paperclip-fly ${name}`);
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (error) {
    // Settings errors are already one readable line; anything else keeps its stack for a bug report.
    console.error((error as Error | undefined)?.name === 'SettingsError' ? `error: ${(error as Error).message}` : error);
    process.exit(1);
  }
}
