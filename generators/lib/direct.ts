/**
 * The direct run: a non-interactive run of a generator without Yeoman, for laptops and CI stamping out
 * repositories (loading yeoman-environment is most of a run's time). It resolves the settings, renders the files
 * and decides each one with the same functions as the Yeoman generators (resolution.ts, sync.ts), and writes
 * what a Yeoman run writes, `.yo-rc.json` included. Whatever it does not handle goes to Yeoman: a terminal to
 * ask on, --help, a `.yo-resolve` file, an option or syntax it does not know (Yeoman then names the problem).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { styleText } from 'node:util';
import { FILES } from './files.js';
import type { GeneratorName } from './generators.js';
import {
  checkCombination,
  checkInputs,
  nextFileHashes,
  ownSpecs,
  planFiles,
  refusal,
  resolveSettings,
  sha256,
  type FilePlan,
} from './resolution.js';
import { SettingsError, defaultSettings, type Settings } from './settings.js';

/** The `.yo-rc.json` block this package keeps its settings in. */
const STORE = 'generator-paperclip-fly';

export interface DirectRun {
  /** The folder generated into (the bin has already handled --cwd). */
  cwd: string;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Where the file log and errors go (Yeoman logs to stderr too). */
  log: (text: string) => void;
}

export interface DirectOptions {
  options: Record<string, string | boolean>;
  force: boolean;
}

/**
 * Reads the arguments the direct run handles: each setting as `--key value`, `--key=value` or, for a boolean,
 * `--key` / `--no-key`; `--yes` / `-y`; `--interactive` / `--no-interactive`; `--force`. Anything else, or a
 * flag given twice, returns undefined: the run goes to Yeoman.
 */
export function directOptions(name: GeneratorName, args: readonly string[]): DirectOptions | undefined {
  const specs = new Map(ownSpecs(name).map((spec) => [spec.key as string, spec]));
  const options: Record<string, string | boolean> = {};
  let force = false;
  const set = (key: string, value: string | boolean): boolean => {
    if (key in options) return false;
    options[key] = value;
    return true;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--yes' || arg === '-y') {
      if (!set('yes', true)) return undefined;
    } else if (arg === '--interactive' || arg === '--no-interactive') {
      if (!set('interactive', arg === '--interactive')) return undefined;
    } else if (arg === '--force') {
      if (force) return undefined;
      force = true;
    } else {
      const match = /^--(no-)?([A-Za-z][A-Za-z0-9]*)(?:=(.*))?$/s.exec(arg);
      const [, negated, key = '', inline] = match ?? [];
      const spec = specs.get(key);
      if (!spec) return undefined;
      if (spec.kind === 'boolean') {
        if (inline !== undefined || !set(key, !negated)) return undefined;
      } else {
        const value = inline ?? args[++i];
        if (negated || value === undefined || (inline === undefined && value.startsWith('-')) || !set(key, value)) {
          return undefined;
        }
      }
    }
  }
  return { options, force };
}

/** A `.yo-resolve` in the folder, a generated file's folder or above pins files: Yeoman's conflicter applies it. */
function yoResolveApplies(cwd: string): boolean {
  const folders = new Set<string>();
  for (const file of FILES) {
    for (let dir = dirname(join(cwd, file.path)); !folders.has(dir); dir = dirname(dir)) folders.add(dir);
  }
  return [...folders].some((dir) => existsSync(join(dir, '.yo-resolve')));
}

/** Yeoman's file log line: the status right-aligned in 9 columns. */
function statusLine(status: 'create' | 'identical' | 'force' | 'info', text: string): string {
  const colour = { create: 'green', identical: 'cyan', force: 'yellow', info: 'gray' } as const;
  return `${styleText(colour[status], status.padStart('identical'.length), { stream: process.stderr })} ${text}\n`;
}

/** A file's line in the log, as Yeoman's conflicter words it: with --force, every existing file is "force". */
function logPlan({ file, onDisk, next, decision }: FilePlan, force: boolean): string {
  if (decision.action === 'keep')
    return onDisk === undefined ? '' : statusLine('info', `keep ${file.path}: ${decision.reason}`);
  // A deletion is a forced change to Yeoman's conflicter.
  if (decision.action === 'delete') return statusLine('force', file.path);
  if (decision.action !== 'write') return '';
  return statusLine(onDisk === undefined ? 'create' : onDisk === next && !force ? 'identical' : 'force', file.path);
}

/**
 * Runs generator `name` without Yeoman when it can: resolves the exit code (0, or 1 after one `error:` line), or
 * undefined when the run needs Yeoman. Nothing is written unless every file's decision allows the run.
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
  const yoRcPath = join(run.cwd, '.yo-rc.json');
  let yoRc: unknown;
  try {
    yoRc = existsSync(yoRcPath) ? JSON.parse(readFileSync(yoRcPath, 'utf8')) : {};
  } catch {
    return undefined; // Yeoman reports a broken .yo-rc.json its own way
  }
  if (yoRc === null || typeof yoRc !== 'object' || Array.isArray(yoRc)) return undefined;
  const root = yoRc as Record<string, unknown>;
  const stored = { ...((root[STORE] as Record<string, unknown> | undefined) ?? {}) };
  const context = { folderName: basename(run.cwd) || 'paperclip' };
  try {
    const flags = checkInputs({ name, stored, options: parsed.options, args, interactive: false });
    // The block as Yeoman's storage keeps it: existing keys stay in place, new ones are appended.
    const block: Record<string, unknown> = { ...stored };
    for (const [key, value] of await resolveSettings(
      { name, stored, flags, context, yes: Boolean(parsed.options.yes) },
      undefined,
    )) {
      block[key] = value;
    }
    const settings: Settings = defaultSettings(context, block);
    const advice = checkCombination(settings);
    block.generatedAt ??= new Date().toISOString();
    const previous = (stored.fileHashes ?? {}) as Record<string, string>;
    const plans = await planFiles({
      name,
      settings,
      meta: { generatedAt: block.generatedAt as string },
      previous,
      mode: { force: parsed.force, bail: false, dryRun: false, interactive: false },
      onDiskHash: (path) => (existsSync(join(run.cwd, path)) ? sha256(readFileSync(join(run.cwd, path))) : undefined),
      pinned: () => Promise.resolve(false),
    });
    const refused = plans.find((plan) => plan.decision.action === 'refuse');
    if (refused) throw new SettingsError(refusal(refused.file.path));
    // `ask` needs a terminal, --bail or a .yo-resolve line: none of them reach here.
    if (plans.some((plan) => plan.decision.action === 'ask')) return undefined;
    block.fileHashes = nextFileHashes(FILES, plans, previous);

    // Yeoman's order: the advice, the files kept, then the commit: .yo-rc.json first, then the files.
    const kept = plans.filter((plan) => plan.decision.action === 'keep');
    const committed = plans.filter((plan) => plan.decision.action !== 'keep');
    run.log(
      [
        ...(advice ? [statusLine('info', advice)] : []),
        ...kept.map((plan) => logPlan(plan, parsed.force)),
        statusLine('force', '.yo-rc.json'),
        ...committed.map((plan) => logPlan(plan, parsed.force)),
      ].join(''),
    );
    writeFileSync(yoRcPath, `${JSON.stringify({ ...root, [STORE]: block }, undefined, 2)}\n`);
    for (const { file, contents, onDisk, next, decision } of plans) {
      const destination = join(run.cwd, file.path);
      if (decision.action === 'delete') rmSync(destination);
      if (decision.action !== 'write' || contents === undefined || onDisk === next) continue;
      mkdirSync(dirname(destination), { recursive: true });
      writeFileSync(destination, contents);
      if (file.executable) chmodSync(destination, 0o755);
    }
    if (name === 'app')
      run.log(
        `${styleText('green', '✔', { stream: process.stderr })} Project written. Next: make setup, then make deploy (see README.md).\n`,
      );
    return 0;
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    run.log(`error: ${error.message}\n`);
    return 1;
  }
}
