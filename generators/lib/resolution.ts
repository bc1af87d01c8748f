/**
 * A run's steps that need no Yeoman, shared by the Yeoman generators (generator.ts) and the direct run
 * (direct.ts): checking the input, resolving each setting, the cross-checks, and planning each file from the
 * sync decision. Both paths call these, so they decide alike; each only carries the result out its own way.
 */
import { createHash } from 'node:crypto';
import { filesFor, type FileSpec } from './files.js';
import type { GeneratorName } from './generators.js';
import { renderFile, type RenderMeta } from './render.js';
import {
  SETTINGS,
  SettingsError,
  checkValue,
  crossValidate,
  invalidMessage,
  parseSetting,
  settingsOf,
  validateStored,
  type AnySettingSpec,
  type EarlierSettings,
  type SettingContext,
  type Settings,
} from './settings.js';
import { decideSync, type SyncDecision, type SyncMode } from './sync.js';
import { isTailscaleDnsAffected } from './validators.js';

/** Keys in the `.yo-rc.json` block that are not settings. */
export const META_KEYS: readonly string[] = ['generatedAt', 'fileHashes'];

/** Options that Yeoman itself (generator or environment) understands; anything else is a typo. */
export const YEOMAN_OPTIONS: ReadonlySet<string> = new Set([
  'help',
  'h',
  'skip-cache',
  'skip-install',
  'force-install',
  'ask-answered',
  'skip-local-cache',
  'local-config-only',
  'force',
  'dry-run',
  'whitespace',
  'bail',
  'skip-yo-resolve',
  'skip-checks',
  'insight',
  'no-insight',
  'color',
  'no-color',
]);

const ALL_SPECS = SETTINGS as readonly AnySettingSpec[];

export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** The settings a generator asks (and accepts as flags): the app all of them, a concern its own. */
export function ownSpecs(name: GeneratorName): readonly AnySettingSpec[] {
  return name === 'app' ? ALL_SPECS : settingsOf(name);
}

export interface RunInput {
  name: GeneratorName;
  /** The `.yo-rc.json` block (settings and meta keys). */
  stored: Record<string, unknown>;
  /** Parsed options: a setting's raw flag value by key, `yes`. */
  options: Record<string, unknown>;
  /** The raw command-line arguments, to name an unknown or repeated flag as typed. */
  args: readonly string[];
}

/** Options besides the settings: every generator's, and the app's own. */
const RUN_OPTIONS = ['yes', 'y', 'interactive', 'check', 'diff'];
const APP_OPTIONS = ['template', 'upgrade'];

/** Rejects flags no generator declares (e.g. --vm-memory for --vmMemory), before anything else happens. */
function rejectUnknownFlags(name: GeneratorName, args: readonly string[]): void {
  const known = new Set([
    ...ownSpecs(name).map((spec) => spec.key),
    ...RUN_OPTIONS,
    ...(name === 'app' ? APP_OPTIONS : []),
  ]);
  for (const arg of args) {
    const match = /^--?(?:no-)?([^=]+)/.exec(arg);
    if (!match || !arg.startsWith('-') || /^-\d/.test(arg)) continue;
    const flag = match[1] ?? '';
    if (!known.has(flag) && !YEOMAN_OPTIONS.has(flag)) {
      throw new SettingsError(
        `Unknown option ${arg.split('=')[0] ?? arg}: run with --help for the options (flags are camelCase, e.g. --vmMemory).`,
      );
    }
  }
}

/** A flag given twice (`--region fra --region ams`, or `--tailscale --no-tailscale`) is refused, never "last wins". */
function rejectRepeatedFlags(args: readonly string[]): void {
  const seen = new Set<string>();
  for (const arg of args) {
    const match = /^--(?:no-)?([A-Za-z][\w-]*)/.exec(arg);
    if (!match) continue;
    const flag = match[1] === 'y' ? 'yes' : (match[1] ?? '');
    if (seen.has(flag)) throw new SettingsError(`--${flag} is given more than once: give each flag once.`);
    seen.add(flag);
  }
}

/** The arguments' own checks, which need no project: every flag known to `name`, each given once. */
export function checkArgs(name: GeneratorName, args: readonly string[]): void {
  rejectUnknownFlags(name, args);
  rejectRepeatedFlags(args);
}

/**
 * Validates the stored settings and the flags; returns the flags, parsed. Throws a SettingsError (one line for
 * the user) on bad input.
 */
export function checkInputs({ name, stored, options, args }: RunInput): Partial<Settings> {
  checkArgs(name, args);
  if (name !== 'app' && Object.keys(stored).length === 0) {
    throw new SettingsError(
      `No generated project here (no generator-paperclip-fly block in .yo-rc.json): run \`yo paperclip-fly\` first, then :${name}.`,
    );
  }
  const settingsOnly = Object.fromEntries(Object.entries(stored).filter(([key]) => !META_KEYS.includes(key)));
  const storedProblem = validateStored(settingsOnly);
  if (storedProblem) throw new SettingsError(storedProblem);
  const flags: Record<string, unknown> = {};
  for (const spec of ownSpecs(name)) {
    const raw = options[spec.key] as string | boolean | undefined;
    if (raw !== undefined) flags[spec.key] = parseSetting(spec.key, raw);
  }
  return flags;
}

/** A run without a terminal must have every setting from a flag, `.yo-rc.json` or --yes; lists what is missing. */
export function checkAnswerable(name: GeneratorName, stored: Record<string, unknown>, flags: Partial<Settings>): void {
  const current = { ...stored, ...flags };
  const missing = ownSpecs(name)
    .filter((spec) => (spec.when?.(current) ?? true) && !(spec.key in flags) && !(spec.key in stored))
    .map((spec) => `--${spec.key}`);
  if (missing.length > 0) {
    throw new SettingsError(
      `Missing answers and no terminal to ask them on: pass ${missing.join(', ')} or --yes to accept the defaults.`,
    );
  }
}

/** Asks one setting on a terminal; only the Yeoman path has one. */
export type Ask = (spec: AnySettingSpec, fallback: unknown, earlier: EarlierSettings) => Promise<unknown>;

/**
 * Resolves every setting in declaration order: the generator's own from a flag, `.yo-rc.json`, a prompt or the
 * default; the others from `.yo-rc.json` or their default. Each value meets its cross-check the moment it is
 * known. Returns the generator's own values, in order, to store in `.yo-rc.json`.
 */
export async function resolveSettings(
  input: {
    name: GeneratorName;
    stored: Record<string, unknown>;
    flags: Partial<Settings>;
    context: SettingContext;
    yes: boolean;
    /** --ask-answered: the app re-asks stored settings too (a concern always does). */
    askAnswered?: boolean;
  },
  ask: Ask | undefined,
): Promise<[string, unknown][]> {
  const { name, stored, flags, context, yes } = input;
  const own = new Set(ownSpecs(name).map((spec) => spec.key));
  const reasks = name !== 'app' || Boolean(input.askAnswered);
  const current: Record<string, unknown> = {};
  const resolved: [string, unknown][] = [];
  for (const spec of ALL_SPECS) {
    const key = spec.key;
    const fallback = key in stored ? stored[key] : spec.default(current, context);
    let value: unknown = fallback;
    if (own.has(key)) {
      if (key in flags) value = flags[key];
      else if (!(spec.when?.(current) ?? true)) value = fallback;
      else if (key in stored && !reasks) value = stored[key];
      else if (ask && !yes) value = await ask(spec, fallback, current);
      const verdict = checkValue(spec, value, current);
      if (verdict !== true) throw new SettingsError(invalidMessage(key, value, verdict));
      resolved.push([key, value]);
    }
    current[key] = value;
  }
  return resolved;
}

/** Rules across settings over the complete result (a stored value can meet a new flag); returns advice to log. */
export function checkCombination(settings: Settings): string | undefined {
  const problem = crossValidate(settings);
  if (problem) throw new SettingsError(problem);
  return settings.tailscale && isTailscaleDnsAffected(settings.tailscaleImage)
    ? `tailscale/tailscale:${settings.tailscaleImage} is 1.94.4 or later, whose DNS breaks on Fly (tailscale#19354); v1.94.2 is known good.`
    : undefined;
}

export interface FilePlan {
  file: FileSpec;
  /** What this run generates; undefined when the file no longer applies. */
  contents: string | undefined;
  onDisk: string | undefined;
  next: string | undefined;
  decision: SyncDecision;
}

/**
 * Renders every file the generator touches and decides each one (sync.ts) from three hashes: on disk, as last
 * generated, and new. `onDiskHash` and `pinned` look at the destination folder.
 */
export async function planFiles(input: {
  name: GeneratorName;
  settings: Settings;
  meta: RenderMeta;
  previous: Record<string, string>;
  mode: Omit<SyncMode, 'pinned'>;
  onDiskHash: (path: string) => string | undefined;
  pinned: (path: string) => Promise<boolean>;
}): Promise<FilePlan[]> {
  const plans: FilePlan[] = [];
  for (const file of filesFor(input.name)) {
    const onDisk = input.onDiskHash(file.path);
    const contents =
      !file.when || file.when(input.settings) ? await renderFile(file, input.settings, input.meta) : undefined;
    const next = contents === undefined ? undefined : sha256(contents);
    const pinned = onDisk !== undefined && (await input.pinned(file.path));
    const decision = decideSync({ onDisk, last: input.previous[file.path], next }, { ...input.mode, pinned });
    plans.push({ file, contents, onDisk, next, decision });
  }
  return plans;
}
