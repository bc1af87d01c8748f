/**
 * The direct run: a non-interactive run of a generator without Yeoman, for laptops and CI stamping out
 * repositories (loading yeoman-environment is most of a run's time). It resolves the settings, renders the files
 * and decides each one with the same functions as the Yeoman generators (resolution.ts, sync.ts), and writes
 * what a Yeoman run writes, `.yo-rc.json` included. Whatever it does not handle goes to Yeoman: a terminal to
 * ask on, --help, a `.yo-resolve` file, an option or syntax it does not know (Yeoman then names the problem).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FILES } from './files.js';
import type { GeneratorName } from './generators.js';
import { ownSpecs } from './resolution.js';
import { executeRun, parseYoRc, prepareRun, resolveRun, type Output } from './run.js';
import { SettingsError } from './settings.js';
import { npmVersions, type VersionLookup } from './upgrade.js';

export interface DirectRun {
  /** The folder generated into (the bin has already checked --cwd; it may not exist yet). */
  cwd: string;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Results (stdout) and errors (stderr). */
  output: Output;
  /** How published paperclipai versions are found (default: the npm registry). */
  versionLookup?: VersionLookup;
}

export interface DirectOptions {
  options: Record<string, string | boolean>;
  force: boolean;
  dryRun: boolean;
}

/**
 * Reads the arguments the direct run handles: each setting as `--key value`, `--key=value` or, for a boolean,
 * `--key` / `--no-key`; `--yes` / `-y`; `--interactive` / `--no-interactive`; `--force`, `--dry-run`, `--check`,
 * `--diff`, `--upgrade`, `--template <file>`, `--ask-answered`. A flag given twice is kept twice in the raw
 * arguments, where the shared checks refuse it. Anything else returns undefined: the run goes to Yeoman.
 */
export function directOptions(name: GeneratorName, args: readonly string[]): DirectOptions | undefined {
  const specs = new Map(ownSpecs(name).map((spec) => [spec.key as string, spec]));
  const switches: Record<string, string> = {
    '--yes': 'yes',
    '-y': 'yes',
    '--check': 'check',
    '--diff': 'diff',
    '--ask-answered': 'askAnswered',
    ...(name === 'app' ? { '--upgrade': 'upgrade' } : {}),
  };
  const options: Record<string, string | boolean> = {};
  let force = false;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const switched = switches[arg];
    if (switched) options[switched] = true;
    else if (arg === '--interactive' || arg === '--no-interactive') options.interactive = arg === '--interactive';
    else if (arg === '--force') force = true;
    else if (arg === '--dry-run') dryRun = true;
    else {
      const match = /^--(no-)?([A-Za-z][A-Za-z0-9]*)(?:=(.*))?$/s.exec(arg);
      const [, negated, key = '', inline] = match ?? [];
      const spec = specs.get(key);
      const takesValue = spec !== undefined ? spec.kind !== 'boolean' : key === 'template' && name === 'app';
      if (!spec && !takesValue) return undefined;
      if (!takesValue) {
        if (inline !== undefined) return undefined;
        options[key] = !negated;
      } else {
        const value = inline ?? args[++i];
        if (negated || value === undefined || (inline === undefined && value.startsWith('-'))) return undefined;
        options[key] = value;
      }
    }
  }
  return { options, force, dryRun };
}

/** A `.yo-resolve` in the folder, a generated file's folder or above pins files: Yeoman's conflicter applies it. */
function yoResolveApplies(cwd: string): boolean {
  const folders = new Set<string>();
  for (const file of FILES) {
    for (let dir = dirname(join(cwd, file.path)); !folders.has(dir); dir = dirname(dir)) folders.add(dir);
  }
  return [...folders].some((dir) => existsSync(join(dir, '.yo-resolve')));
}

/**
 * Runs generator `name` without Yeoman when it can: resolves the exit code (0, or 1 after one `error:` line), or
 * undefined when the run needs Yeoman (a terminal, a `.yo-resolve` file, --bail, an option it does not read).
 * The steps are run.ts's, as on the Yeoman path.
 */
export async function runDirect(
  name: GeneratorName,
  args: readonly string[],
  run: DirectRun,
): Promise<number | undefined> {
  const parsed = directOptions(name, args);
  if (!parsed) return undefined;
  const interactive = (parsed.options.interactive as boolean | undefined) ?? (run.stdinIsTTY && run.stdoutIsTTY);
  if (interactive || yoResolveApplies(run.cwd)) return undefined;
  // Only regular files are read: anything else at an output path is refused by the output checks.
  const read = (path: string): string | undefined => {
    const full = join(run.cwd, path);
    return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
  };
  try {
    const yoRcBefore = read('.yo-rc.json');
    const yoRc = parseYoRc(yoRcBefore);
    const context = { folderName: basename(run.cwd) || 'paperclip' };
    const options = parsed.options;
    const prepared = prepareRun({
      name,
      yoRc,
      options,
      args,
      interactive: false,
      context,
      readTemplate: (file) => readFileSync(resolve(run.cwd, file), 'utf8'),
    });
    const { block, settings } = await resolveRun(name, prepared, context, options, undefined);
    const result = await executeRun({
      name,
      root: run.cwd,
      yoRc,
      yoRcBefore,
      prepared,
      block,
      settings,
      mode: { force: parsed.force, bail: false, dryRun: parsed.dryRun, interactive: false },
      check: Boolean(options.check),
      diff: Boolean(options.diff),
      read,
      yoResolve: () => Promise.resolve(undefined),
      ask: undefined,
      output: run.output,
      versionLookup: run.versionLookup ?? npmVersions,
    });
    return result === 'handover' ? undefined : 0;
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    run.output.err(`error: ${error.message}\n`);
    return 1;
  }
}
