/**
 * One run of a generator from checked input to the changes on disk, shared by the Yeoman generators
 * (generator.ts) and the direct run (direct.ts): reading `.yo-rc.json`, team templates, renames and upgrades,
 * the file plan with its output checks, --check, and the all-or-nothing commit with `.yo-rc.json` in it. Each
 * path only supplies what differs: where files are read from, and how a conflict is asked.
 */
import { styleText } from 'node:util';
import { commitChanges, preflight, type Change } from './commit.js';
import { FILES, filesFor } from './files.js';
import type { GeneratorName } from './generators.js';
import { fromTemplate, followAppName, parseTemplate } from './inherit.js';
import {
  checkAnswerable,
  checkCombination,
  checkInputs,
  ownSpecs,
  planFiles,
  resolveSettings,
  sha256,
  type Ask,
  type FilePlan,
} from './resolution.js';
import {
  SettingsError,
  defaultSettings,
  formatValue,
  validateStored,
  type SettingContext,
  type Settings,
} from './settings.js';
import type { SyncMode } from './sync.js';
import { appNameFromFolder } from './validators.js';
import { paperclipVersionWarning, upgradePlan, upgradeReport, type VersionLookup } from './upgrade.js';

/** The `.yo-rc.json` block this package keeps its settings in. */
export const STORE = 'generator-paperclip-fly';

/** Where a run's lines go: results on stdout, warnings and errors on stderr. */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export type Status = 'create' | 'identical' | 'force' | 'skip' | 'delete' | 'info' | 'warning';

/** A status line in Yeoman's layout (right-aligned in 9 columns), coloured only when the stream is a terminal. */
export function statusLine(status: Status, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  const colour = {
    create: 'green',
    identical: 'cyan',
    force: 'yellow',
    skip: 'yellow',
    delete: 'red',
    info: 'gray',
    warning: 'yellow',
  } as const;
  // styleText checks the stream: no colour when it is not a TTY, or with NO_COLOR / NODE_DISABLE_COLORS.
  return `${styleText(colour[status], status.padStart('identical'.length), { stream })} ${text}\n`;
}

/** Prints a run's lines: warnings on stderr, the rest on stdout. */
export function printLines(output: Output, lines: readonly { status: Status; text: string }[]): void {
  for (const { status, text } of lines) {
    if (status === 'warning') output.err(statusLine(status, text, process.stderr));
    else output.out(statusLine(status, text));
  }
}

/** The line a successful app run ends with. */
export const WRITTEN = 'Project written. Next: make setup, then make deploy (see README.md).';

// ------------------------------------------------------------------------------------------- .yo-rc.json

/** The `.yo-rc.json` file as read: every block (other generators' too), and this package's. */
export interface YoRc {
  root: Record<string, unknown>;
  block: Record<string, unknown>;
}

/** Parses `.yo-rc.json` text (undefined: no file); a broken file is one line naming it and the way out. */
export function parseYoRc(text: string | undefined): YoRc {
  if (text === undefined) return { root: {}, block: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(
      `.yo-rc.json is not valid JSON (${(error as Error).message}): fix it, or restore it from git (git checkout .yo-rc.json).`,
    );
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject(parsed))
    throw new SettingsError('.yo-rc.json must hold a JSON object: fix it, or restore it from git.');
  const block = parsed[STORE] ?? {};
  if (!isObject(block)) throw new SettingsError(`.yo-rc.json: "${STORE}" must be an object of settings.`);
  return { root: parsed, block: { ...block } };
}

/** `.yo-rc.json` with this package's block replaced, as Yeoman's storage formats it. */
export function yoRcText(root: Record<string, unknown>, block: Record<string, unknown>): string {
  return `${JSON.stringify({ ...root, [STORE]: block }, undefined, 2)}\n`;
}

/** `generatedAt` and `fileHashes`, the block's keys that are not settings, checked as the settings are. */
export function metaProblem(block: Record<string, unknown>): string | undefined {
  const { generatedAt, fileHashes } = block;
  if (
    generatedAt !== undefined &&
    (typeof generatedAt !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(generatedAt) ||
      Number.isNaN(Date.parse(generatedAt)))
  ) {
    return `Invalid generatedAt ${JSON.stringify(generatedAt)} in .yo-rc.json: use a UTC time like 2026-01-01T00:00:00.000Z, or delete the key (it is set on the next run).`;
  }
  if (fileHashes !== undefined) {
    const known = new Set<string>(FILES.map((file) => file.path));
    const ok =
      fileHashes !== null &&
      typeof fileHashes === 'object' &&
      !Array.isArray(fileHashes) &&
      Object.entries(fileHashes).every(([path, hash]) => known.has(path) && /^[0-9a-f]{64}$/.test(String(hash)));
    if (!ok)
      return 'Invalid fileHashes in .yo-rc.json: expected generated file paths mapped to sha256 hex digests; delete the key to treat every file as not generated yet.';
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------- input

export interface RunRequest {
  name: GeneratorName;
  yoRc: YoRc;
  /** Parsed options: each setting's raw value by key, and yes, check, diff, template, upgrade, askAnswered. */
  options: Record<string, unknown>;
  /** The raw arguments, to name an unknown or repeated flag as typed. */
  args: readonly string[];
  interactive: boolean;
  context: SettingContext;
  /** Reads a --template file (the caller's file system). */
  readTemplate: (file: string) => string;
}

export interface Prepared {
  /** The block the settings are resolved from: stored values after --template, a rename and --upgrade. */
  stored: Record<string, unknown>;
  flags: Partial<Settings>;
  /** Lines to show before the files: values that followed a rename, upgrade changes, the folder-name notice. */
  lines: { status: Status; text: string }[];
}

/** Every check of a run's input, in one place, and the stored block it starts from. Throws SettingsError. */
export function prepareRun(request: RunRequest): Prepared {
  const { name, yoRc, options, context } = request;
  const flags = checkInputs({ name, stored: yoRc.block, options, args: request.args });
  const problem = metaProblem(yoRc.block);
  if (problem) throw new SettingsError(problem);
  if (options.diff && !options.check) throw new SettingsError('--diff only goes with --check (--check --diff).');
  const lines: Prepared['lines'] = [];
  let stored = { ...yoRc.block };
  if (typeof options.template === 'string') stored = applyTemplate(request, stored, flags);
  // --appName on a project with another name: stored values derived from the old name follow the new one.
  const from = stored.appName;
  if (typeof from === 'string' && flags.appName !== undefined && flags.appName !== from) {
    const followed = followAppName(stored, from, flags.appName);
    for (const [key, value] of Object.entries(followed)) {
      if (key in flags || JSON.stringify(value) === JSON.stringify(stored[key])) continue;
      lines.push({
        status: 'info',
        text: `${key} follows the new app name: ${formatValue(stored[key])} → ${formatValue(value)}`,
      });
      stored[key] = value;
    }
  }
  if (options.upgrade) {
    const changes = upgradePlan(stored, flags);
    lines.push(...upgradeReport(changes).map((text) => ({ status: 'info' as const, text })));
    for (const { key, to } of changes) stored[key] = to;
  }
  rejectInapplicable(name, stored, flags);
  if (!request.interactive && !options.yes) checkAnswerable(name, stored, flags);
  const appName = appNameFromFolder(context.folderName);
  if (!('appName' in flags) && !('appName' in stored) && appName !== context.folderName) {
    lines.push({
      status: 'info',
      text: `app name "${appName}": the folder name "${context.folderName}" is not a valid Fly app name (pass --appName to choose one)`,
    });
  }
  return { stored, flags, lines };
}

/** --template: the template's settings become the stored ones (flags still win), per-app values never. */
function applyTemplate(
  request: RunRequest,
  stored: Record<string, unknown>,
  flags: Partial<Settings>,
): Record<string, unknown> {
  const file = request.options.template as string;
  let text: string;
  try {
    text = request.readTemplate(file);
  } catch (error) {
    throw new SettingsError(`--template ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const block = parseTemplate(text, file);
  if (typeof block === 'string') throw new SettingsError(block);
  const appName =
    flags.appName ??
    (typeof stored.appName === 'string' ? stored.appName : appNameFromFolder(request.context.folderName));
  const settings = fromTemplate(block, appName);
  const problem = validateStored(settings);
  if (problem) throw new SettingsError(`--template ${file}: ${problem.replace(' in .yo-rc.json', '')}`);
  return { ...stored, ...settings };
}

/** A flag for a setting that does not apply (a Tailscale setting with Tailscale off) contradicts the others. */
function rejectInapplicable(name: GeneratorName, stored: Record<string, unknown>, flags: Partial<Settings>): void {
  const current = { ...stored, ...flags };
  for (const spec of ownSpecs(name)) {
    if (!(spec.key in flags) || (spec.when?.(current) ?? true)) continue;
    const off = 'tailscale' in flags ? '--no-tailscale' : 'tailscale: false in .yo-rc.json';
    throw new SettingsError(
      `--${spec.key} only applies with Tailscale on, and ${off} turns it off: drop --${spec.key}, or add --tailscale.`,
    );
  }
}

// ------------------------------------------------------------------------------------------- files

export interface PlannedFile extends FilePlan {
  /** The file on disk as text (for diffs). */
  before: string | undefined;
  /** The `.yo-resolve` action for the file, if a line names it. */
  yoResolve: string | undefined;
  /** Its hash as last generated; undefined when this tool never wrote it. */
  last: string | undefined;
}

export interface PlanRequest {
  name: GeneratorName;
  root: string;
  settings: Settings;
  generatedAt: string;
  previous: Record<string, string>;
  mode: Omit<SyncMode, 'pinned'>;
  /** Only checks: --check and --dry-run need no writable folder. */
  readOnly: boolean;
  read: (path: string) => string | undefined;
  yoResolve: (path: string) => Promise<string | undefined>;
}

/**
 * Checks every output (a regular file or nothing, inside the project, through no link, writable), then renders and
 * decides every file. Returns the plans and the advice to show.
 */
export async function planRun(request: PlanRequest): Promise<{ plans: PlannedFile[]; advice: string | undefined }> {
  const advice = checkCombination(request.settings);
  const paths = ['.yo-rc.json', ...filesFor(request.name).map((file) => file.path)];
  const problems = preflight(request.root, paths, { write: !request.readOnly });
  if (problems.length > 0) throw new SettingsError(`Nothing written: ${problems.join('; ')}.`);
  const texts = new Map<string, string | undefined>();
  const statuses = new Map<string, string | undefined>();
  const plans = await planFiles({
    name: request.name,
    settings: request.settings,
    meta: { generatedAt: request.generatedAt },
    previous: request.previous,
    mode: request.mode,
    onDiskHash: (path) => {
      const text = request.read(path);
      texts.set(path, text);
      return text === undefined ? undefined : sha256(text);
    },
    pinned: async (path) => {
      const status = await request.yoResolve(path);
      statuses.set(path, status);
      return status !== undefined;
    },
  });
  return {
    advice,
    plans: plans.map((plan) => ({
      ...plan,
      before: texts.get(plan.file.path),
      yoResolve: statuses.get(plan.file.path),
      last: request.previous[plan.file.path],
    })),
  };
}

/** Stops the run naming every file it would overwrite, each with why (all of them, not the first). */
export function refuseAll(plans: readonly PlannedFile[]): void {
  const refused = plans.filter((plan) => plan.decision.action === 'refuse');
  if (refused.length === 0) return;
  const foreign = refused.filter((plan) => plan.last === undefined).map((plan) => plan.file.path);
  const edited = refused.filter((plan) => plan.last !== undefined).map((plan) => plan.file.path);
  const parts = [
    ...(foreign.length > 0
      ? [
          `${foreign.join(', ')} ${foreign.length === 1 ? 'exists and was' : 'exist and were'} not generated by this tool`,
        ]
      : []),
    ...(edited.length > 0
      ? [`${edited.join(', ')} ${edited.length === 1 ? 'was' : 'were'} changed by hand since generated`]
      : []),
  ];
  throw new SettingsError(
    `Nothing written: ${parts.join('; ')}. Re-run with --force to overwrite, or pin a file with a line "<file> skip" in .yo-resolve.`,
  );
}

/** A unified diff from the file on disk to the generated one, as `git diff` shows it (loaded only when asked for). */
export async function unifiedDiff(path: string, before: string, after: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, 'on disk', 'generated');
}

/** --check: every file that differs from what this run would write (a file pinned "skip" is the user's). */
export async function checkOutcome(
  plans: readonly PlannedFile[],
  diff: boolean,
): Promise<{ ok: boolean; out: string; error?: string }> {
  const differing = plans.filter((plan) => plan.onDisk !== plan.next && plan.yoResolve !== 'skip');
  if (differing.length === 0)
    return { ok: true, out: 'check: every file is as .yo-rc.json and this generator version give.\n' };
  const diffs = diff
    ? await Promise.all(differing.map((plan) => unifiedDiff(plan.file.path, plan.before ?? '', plan.contents ?? '')))
    : [];
  const out = diffs.join('');
  const list = differing.map((plan) => `${plan.file.path} (${plan.decision.reason})`).join(', ');
  return {
    ok: false,
    out,
    error: `check: ${String(differing.length)} file(s) differ from what .yo-rc.json and this generator give: ${list}. Run without --check to update them${diff ? '' : ', or add --check --diff to see the changes'}.`,
  };
}

export type Verdict = 'write' | 'keep' | 'delete';

/** A conflict a `.yo-resolve` line or --bail settles without a question; undefined: ask the user. */
export function settleWithoutAsking(plan: PlannedFile, bail: boolean): Verdict | undefined {
  if (plan.yoResolve !== undefined) return plan.yoResolve === 'force' ? 'write' : 'keep';
  if (bail)
    throw new SettingsError(`--bail: conflict on ${plan.file.path} (${plan.decision.reason}); nothing written.`);
  return undefined;
}

/**
 * The changes a run makes once every file's verdict is known, the `.yo-rc.json` block after it (a kept file keeps
 * its previous hash, so a declined conflict is reported again), and the status lines.
 */
export function settle(input: {
  plans: readonly PlannedFile[];
  verdicts: ReadonlyMap<string, Verdict>;
  block: Record<string, unknown>;
  previous: Record<string, string>;
  dryRun: boolean;
}): { changes: Change[]; block: Record<string, unknown>; lines: { status: Status; text: string }[] } {
  const { plans, verdicts, previous, dryRun } = input;
  const would = dryRun ? 'would ' : '';
  const changes: Change[] = [];
  const lines: { status: Status; text: string }[] = [];
  const recorded = new Map<string, string | undefined>();
  for (const plan of plans) {
    const { file, contents, onDisk, next, decision } = plan;
    const verdict = verdicts.get(file.path) ?? (decision.action as Verdict);
    recorded.set(file.path, verdict === 'keep' ? previous[file.path] : next);
    if (verdict === 'keep') {
      if (onDisk !== undefined) lines.push({ status: 'skip', text: `${file.path}: ${decision.reason}` });
    } else if (verdict === 'delete') {
      changes.push({ path: file.path, action: 'delete' });
      lines.push({ status: 'delete', text: `${would}${file.path}: ${decision.reason}` });
    } else if (onDisk === next) lines.push({ status: 'identical', text: file.path });
    else if (onDisk === undefined) lines.push({ status: 'create', text: `${would}${file.path}` });
    else lines.push({ status: 'force', text: `${would}${file.path}: ${decision.reason}` });
    if (verdict === 'write' && contents !== undefined && onDisk !== next)
      changes.push({ path: file.path, action: 'write', contents, executable: file.executable ?? false });
  }
  const hashes: Record<string, string> = {};
  for (const { path } of FILES) {
    const hash = recorded.has(path) ? recorded.get(path) : previous[path];
    if (hash) hashes[path] = hash;
  }
  return { changes, block: { ...input.block, fileHashes: hashes }, lines };
}

/** Writes the files and `.yo-rc.json` together, all or nothing; `.yo-rc.json` only when its text changes. */
export function commitRun(
  root: string,
  changes: readonly Change[],
  yoRc: { before: string | undefined; after: string },
) {
  const all =
    yoRc.before === yoRc.after
      ? changes
      : [{ path: '.yo-rc.json', action: 'write' as const, contents: yoRc.after }, ...changes];
  commitChanges(root, all);
}

// ------------------------------------------------------------------------------------------- the whole run

/** Resolves every setting (asking on a terminal) into the `.yo-rc.json` block this run ends with, and the settings. */
export async function resolveRun(
  name: GeneratorName,
  prepared: Prepared,
  context: SettingContext,
  options: Record<string, unknown>,
  ask: Ask | undefined,
): Promise<{ block: Record<string, unknown>; settings: Settings }> {
  // The block as Yeoman's storage keeps it: existing keys stay in place, new ones are appended.
  const block: Record<string, unknown> = { ...prepared.stored };
  const resolved = await resolveSettings(
    {
      name,
      stored: prepared.stored,
      flags: prepared.flags,
      context,
      yes: Boolean(options.yes),
      askAnswered: Boolean(options.askAnswered ?? options['ask-answered']),
    },
    ask,
  );
  for (const [key, value] of resolved) block[key] = value;
  block.generatedAt ??= new Date().toISOString();
  return { block, settings: defaultSettings(context, block) };
}

export interface Execution {
  name: GeneratorName;
  root: string;
  yoRc: YoRc;
  /** `.yo-rc.json` as it is now (undefined: none), so an unchanged one is not rewritten. */
  yoRcBefore: string | undefined;
  prepared: Prepared;
  block: Record<string, unknown>;
  settings: Settings;
  mode: Omit<SyncMode, 'pinned'>;
  check: boolean;
  diff: boolean;
  read: (path: string) => string | undefined;
  yoResolve: (path: string) => Promise<string | undefined>;
  /** Settles a conflict on a terminal; without it a run that needs one returns 'handover'. */
  ask: ((plan: PlannedFile) => Promise<Verdict>) | undefined;
  output: Output;
  versionLookup: VersionLookup;
}

/**
 * Plans, checks and writes a run, all or nothing, and prints its lines. Returns the `.yo-rc.json` text written
 * (undefined when nothing was), or 'handover' when a conflict needs a terminal this caller does not have. Throws
 * SettingsError for the user's mistakes and for a failed --check.
 */
export async function executeRun(run: Execution): Promise<{ written: string | undefined } | 'handover'> {
  const previous = (run.yoRc.block.fileHashes ?? {}) as Record<string, string>;
  const { plans, advice } = await planRun({
    name: run.name,
    root: run.root,
    settings: run.settings,
    generatedAt: run.block.generatedAt as string,
    previous,
    mode: run.mode,
    readOnly: run.check || run.mode.dryRun,
    read: run.read,
    yoResolve: run.yoResolve,
  });
  if (run.check) {
    const { out, error } = await checkOutcome(plans, run.diff);
    run.output.out(out);
    if (error) throw new SettingsError(error);
    return { written: undefined };
  }
  refuseAll(plans);
  const verdicts = new Map<string, Verdict>();
  for (const plan of plans) {
    if (plan.decision.action !== 'ask') continue;
    let verdict = settleWithoutAsking(plan, run.mode.bail);
    if (verdict === undefined) {
      if (!run.ask) return 'handover';
      verdict = await run.ask(plan);
    }
    verdicts.set(plan.file.path, verdict);
  }
  const warning = await paperclipWarning(run.prepared.flags.paperclipVersion, run.versionLookup);
  const { changes, block, lines } = settle({ plans, verdicts, block: run.block, previous, dryRun: run.mode.dryRun });
  printLines(run.output, [
    ...run.prepared.lines,
    ...(warning ? [{ status: 'warning' as const, text: warning }] : []),
    ...(advice ? [{ status: 'info' as const, text: advice }] : []),
    ...lines,
  ]);
  if (run.mode.dryRun) {
    run.output.out(`Dry run: nothing written (${String(changes.length)} file(s) would change).\n`);
    return { written: undefined };
  }
  const after = yoRcText(run.yoRc.root, block);
  commitRun(run.root, changes, { before: run.yoRcBefore, after });
  if (run.name === 'app') run.output.out(`${styleText('green', '✔', { stream: process.stdout })} ${WRITTEN}\n`);
  return { written: after };
}

/** A --paperclipVersion is looked up on npm: unpublished, or no registry, is a warning (never a failure). */
async function paperclipWarning(version: string | undefined, lookup: VersionLookup): Promise<string | undefined> {
  return version === undefined ? undefined : paperclipVersionWarning(version, await lookup('paperclipai'));
}
