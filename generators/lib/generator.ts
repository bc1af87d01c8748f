/**
 * The Yeoman glue every generator shares: options declared from the settings schema, the resolution of each
 * setting (flag, then `.yo-rc.json`, then prompt, or the default with --yes), the non-interactive contract,
 * and carrying out the sync decision for each file. A generator is this class plus its name.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { YoResolve } from '@yeoman/conflicter';
import { createTwoFilesPatch } from 'diff';
import { resetFileState } from 'mem-fs-editor/state';
import { commitChanges, preflight, type Change } from './commit.js';
import { fromTemplate, followAppName, parseTemplate } from './inherit.js';
import { npmVersions, paperclipVersionWarning, upgradePlan, upgradeReport, type VersionLookup } from './upgrade.js';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { FILES, filesFor } from './files.js';
import type { GeneratorName } from './generators.js';
import { renderFile, type RenderMeta } from './render.js';
import {
  SETTINGS,
  SettingsError,
  checkValue,
  crossValidate,
  defaultSettings,
  formatValue,
  invalidMessage,
  parseSetting,
  settingsOf,
  validateStored,
  specOf,
  type AnySettingSpec,
  type EarlierSettings,
  type SettingKey,
  type Settings,
} from './settings.js';
import { decideSync, type SyncMode } from './sync.js';
import { isTailscaleDnsAffected } from './validators.js';

export type PaperclipFlyOptions = BaseOptions & {
  yes?: boolean;
  interactive?: boolean;
  check?: boolean;
  diff?: boolean;
  template?: string;
  upgrade?: boolean;
  /** Programmatic only: how published paperclipai versions are found (tests pass a FAKE; default: the npm registry). */
  versionLookup?: VersionLookup;
} & Partial<Record<SettingKey, string | boolean>>;

/** Stops a --check run whose files differ; the message lists them. */
export class CheckError extends Error {
  override name = 'CheckError';
}

/** Keys in the `.yo-rc.json` block that are not settings. */
const META_KEYS: readonly string[] = ['generatedAt', 'fileHashes'];

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** Options that Yeoman itself (generator or environment) understands; anything else is a typo. */
const YEOMAN_OPTIONS = new Set([
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

export class PaperclipFlyGenerator extends Generator<Record<string, unknown>, PaperclipFlyOptions> {
  /** Settings given as flags, parsed and validated. */
  private flags: Partial<Settings> = {};
  private readonly yoResolve = new YoResolve();

  constructor(
    args: string[],
    options: PaperclipFlyOptions,
    /** `app` asks every setting and writes every file; a concern re-asks its own and rewrites the files they show in. */
    protected readonly generatorName: GeneratorName,
  ) {
    // Run-loop methods come from this class; helpers never become tasks.
    super(args, options, { inheritTasks: true, tasksMatchingPriority: true });
    for (const spec of this.ownSpecs) {
      this.option(spec.key, {
        type: spec.kind === 'boolean' ? Boolean : String,
        description: `${spec.description} (default: ${spec.defaultText ?? formatValue(spec.default({}, { folderName: 'paperclip' }))})`,
      });
    }
    this.option('yes', {
      type: Boolean,
      alias: 'y',
      description: 'Accept the default (or stored) value for every setting not given as a flag',
    });
    this.option('interactive', {
      type: Boolean,
      description:
        'Prompt for missing settings; --no-interactive never prompts (default: prompt only when stdin and stdout are a TTY)',
    });
    this.option('check', {
      type: Boolean,
      description:
        'CI check: exit 1 listing every file that differs from what .yo-rc.json and this generator version give; writes nothing',
    });
    this.option('diff', { type: Boolean, description: 'With --check: print a unified diff of each differing file' });
    if (generatorName === 'app') {
      this.option('template', {
        type: String,
        description:
          "Team template: take settings from this JSON file (a project's .yo-rc.json or a preset); app name, hashes and times are never taken",
      });
      this.option('upgrade', {
        type: Boolean,
        description: "Move the pinned versions (paperclipVersion, nodeImage, tailscaleImage) to this generator's",
      });
    }
    // Checked here rather than in a run-loop task, so bad input fails before anything runs, as one line (a task
    // error gets Yeoman's "An error occured while running" line on top).
    if (!this.options.help) this.checkInputs();
  }

  /** Programmatic runs may pass a lookup; anything else asks the npm registry. */
  private get versionLookup(): VersionLookup {
    return this.options.versionLookup ?? npmVersions;
  }

  // ------------------------------------------------------------------------------------------- run loop

  async prompting(): Promise<void> {
    await this.resolveSettings();
    await this.checkPaperclipVersion();
  }

  configuring(): void {
    this.checkCombination();
  }

  async writing(): Promise<void> {
    await this.writeFiles();
  }

  // ------------------------------------------------------------------------------------------- settings

  /** The settings this generator asks (and accepts as flags). */
  private get ownSpecs(): readonly AnySettingSpec[] {
    return this.generatorName === 'app' ? ALL_SPECS : settingsOf(this.generatorName);
  }

  private get stored(): Record<string, unknown> {
    return this.config.getAll();
  }

  protected get interactive(): boolean {
    // A check answers from .yo-rc.json alone: it never asks.
    if (this.options.check) return false;
    return this.options.interactive ?? (process.stdin.isTTY && process.stdout.isTTY);
  }

  /** A sub-generator re-asks its own settings (stored values become the prompt defaults). */
  private get reasks(): boolean {
    const options = this.options as Record<string, unknown>;
    return this.generatorName !== 'app' || Boolean(options.askAnswered ?? options['ask-answered']);
  }

  private get context() {
    return { folderName: this.destinationRoot().split(/[\\/]/).pop() ?? 'paperclip' };
  }

  /** Validates stored settings and flags, and that a non-interactive run can answer its settings. */
  private checkInputs(): void {
    this.rejectUnknownFlags();
    const stored = this.stored;
    if (this.generatorName !== 'app' && Object.keys(stored).length === 0) {
      throw new SettingsError(
        `No generated project here (no generator-paperclip-fly block in .yo-rc.json): run \`yo paperclip-fly\` first, then :${this.generatorName}.`,
      );
    }
    const settingsOnly = Object.fromEntries(Object.entries(stored).filter(([key]) => !META_KEYS.includes(key)));
    const storedProblem = validateStored(settingsOnly);
    if (storedProblem) throw new SettingsError(storedProblem);
    if (this.options.diff && !this.options.check) throw new SettingsError('--diff only goes with --check.');
    for (const spec of this.ownSpecs) {
      const raw = this.options[spec.key];
      if (raw !== undefined) (this.flags as Record<string, unknown>)[spec.key] = parseSetting(spec.key, raw);
    }
    this.applyTemplate();
    this.followRename();
    this.applyUpgrade();
    this.checkAnswerable();
  }

  /** --template: the template's settings become this project's stored ones (flags still win), per-app values not. */
  private applyTemplate(): void {
    const file = this.options.template;
    if (file === undefined) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SettingsError(
        `--template ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
    const block = parseTemplate(text, file);
    if (typeof block === 'string') throw new SettingsError(block);
    const appName = (this.flags.appName ??
      this.stored.appName ??
      specOf('appName').default({}, this.context)) as string;
    const settings = fromTemplate(block, appName);
    const problem = validateStored(settings);
    if (problem) throw new SettingsError(`--template ${file}: ${problem.replace(' in .yo-rc.json', '')}`);
    for (const [key, value] of Object.entries(settings)) this.config.set(key, value as never);
  }

  /** --appName on a project with another name: stored values derived from the old name follow the new one. */
  private followRename(): void {
    const stored = this.stored;
    const from = stored.appName;
    const to = this.flags.appName;
    if (typeof from !== 'string' || to === undefined || from === to) return;
    const followed = followAppName(stored, from, to);
    for (const [key, value] of Object.entries(followed)) {
      if (!(key in this.flags) && JSON.stringify(value) !== JSON.stringify(stored[key])) {
        this.log.info(`${key} follows the new app name: ${formatValue(stored[key])} → ${formatValue(value)}`);
        this.config.set(key, value as never);
      }
    }
  }

  /** --upgrade: the stored pins move to this generator's versions, each change shown. */
  private applyUpgrade(): void {
    if (!this.options.upgrade) return;
    const changes = upgradePlan(this.stored, this.flags);
    for (const line of upgradeReport(changes)) this.log.info(line);
    for (const { key, to } of changes) this.config.set(key, to as never);
  }

  /** A Paperclip version given as a flag is looked up on npm: a warning (never a failure) when unpublished or offline. */
  private async checkPaperclipVersion(): Promise<void> {
    const version = this.flags.paperclipVersion;
    if (version === undefined) return;
    const warning = paperclipVersionWarning(version, await this.versionLookup('paperclipai'));
    if (warning) this.log.info(`warning: ${warning}`);
  }

  /** Rejects flags no generator declares (e.g. --vm-memory for --vmMemory), before anything else happens. */
  private rejectUnknownFlags(): void {
    const known = new Set([
      ...this.ownSpecs.map((spec) => spec.key),
      ...['yes', 'y', 'interactive', 'check', 'diff'],
      ...(this.generatorName === 'app' ? ['template', 'upgrade'] : []),
    ]);
    for (const arg of this._args) {
      const match = /^--?(?:no-)?([^=]+)/.exec(arg);
      if (!match || !arg.startsWith('-') || /^-\d/.test(arg)) continue;
      const name = match[1] ?? '';
      if (!known.has(name) && !YEOMAN_OPTIONS.has(name)) {
        throw new SettingsError(
          `Unknown option ${arg.split('=')[0] ?? arg}: run with --help for the options (flags are camelCase, e.g. --vmMemory).`,
        );
      }
    }
  }

  /** Non-interactive runs must have every setting from a flag, `.yo-rc.json` or --yes; lists what is missing. */
  private checkAnswerable(): void {
    if (this.interactive || this.options.yes) return;
    const stored = this.stored;
    const current = { ...stored, ...this.flags } as EarlierSettings;
    const missing = this.ownSpecs
      .filter((spec) => (spec.when?.(current) ?? true) && !(spec.key in this.flags) && !(spec.key in stored))
      .map((spec) => `--${spec.key}`);
    if (missing.length > 0) {
      throw new SettingsError(
        `Missing answers and no terminal to ask them on: pass ${missing.join(', ')} or --yes to accept the defaults.`,
      );
    }
  }

  /**
   * Resolves every setting in declaration order: this generator's own from a flag, `.yo-rc.json`, a prompt or the
   * default; the others from `.yo-rc.json` or their default. Each value meets its cross-check the moment it is
   * known (a prompt re-asks), and this generator's own are stored in `.yo-rc.json`.
   */
  private async resolveSettings(): Promise<void> {
    const stored = this.stored;
    const own = new Set(this.ownSpecs.map((spec) => spec.key));
    const current: Record<string, unknown> = {};
    for (const spec of ALL_SPECS) {
      const key = spec.key;
      const fallback = key in stored ? stored[key] : spec.default(current, this.context);
      let value: unknown = fallback;
      if (own.has(key)) {
        if (key in this.flags) value = this.flags[key];
        else if (!(spec.when?.(current) ?? true)) value = fallback;
        else if (key in stored && !this.reasks) value = stored[key];
        else if (this.interactive && !this.options.yes) value = await this.ask(spec, fallback, current);
        const verdict = checkValue(spec, value, current);
        if (verdict !== true) throw new SettingsError(invalidMessage(key, value, verdict));
        this.config.set(key, value as never);
      }
      current[key] = value;
    }
  }

  private async ask(spec: AnySettingSpec, fallback: unknown, earlier: EarlierSettings): Promise<unknown> {
    const validate = (input: unknown) => {
      const verdict = checkValue(spec, this.normalise(spec, input), earlier);
      return verdict === true ? true : invalidMessage(spec.key, input, verdict);
    };
    const base = { name: spec.key, message: spec.message };
    const question =
      spec.kind === 'boolean'
        ? { ...base, type: 'confirm', default: fallback }
        : spec.kind === 'choice'
          ? { ...base, type: 'select', choices: spec.choices, default: fallback, validate }
          : spec.kind === 'list' && spec.choices
            ? {
                ...base,
                type: 'checkbox',
                default: fallback,
                choices: spec.choices.map((value) => ({ value, checked: (fallback as string[]).includes(value) })),
                validate,
              }
            : { ...base, type: 'input', default: formatValue(fallback), validate };
    const answers: Record<string, unknown> = await this.prompt([question as never]);
    return this.normalise(spec, answers[spec.key]);
  }

  /** Prompt answers arrive as strings, arrays, numbers or booleans depending on the prompt (and test adapter). */
  private normalise(spec: AnySettingSpec, input: unknown): unknown {
    if (spec.kind === 'integer' && typeof input === 'number') return input;
    // A checkbox hands its validator the selected choice objects, and its answer as their values.
    if (spec.kind === 'list' && Array.isArray(input)) {
      return input.map((item: unknown) =>
        item !== null && typeof item === 'object' && 'value' in item ? item.value : item,
      );
    }
    if (spec.kind === 'boolean' && typeof input === 'boolean') return input;
    return (spec.parse as (raw: string) => unknown)(String(input));
  }

  /** The complete settings once every generator has resolved its own. */
  protected settings(): Settings {
    return defaultSettings(this.context, this.stored);
  }

  protected meta(): RenderMeta {
    let generatedAt = this.config.get('generatedAt') as string | undefined;
    if (!generatedAt) {
      generatedAt = new Date().toISOString();
      this.config.set('generatedAt', generatedAt);
    }
    return { generatedAt };
  }

  /** Rules across settings over the complete result (a stored value can meet a new flag), then advice. */
  private checkCombination(): void {
    const settings = this.settings();
    const problem = crossValidate(settings);
    if (problem) throw new SettingsError(problem);
    if (settings.tailscale && isTailscaleDnsAffected(settings.tailscaleImage)) {
      this.log.info(
        `tailscale/tailscale:${settings.tailscaleImage} is 1.94.4 or later, whose DNS breaks on Fly (tailscale#19354); v1.94.2 is known good.`,
      );
    }
  }

  // ------------------------------------------------------------------------------------------- files

  /**
   * Carries out the sync decision (sync.ts) for every file this generator touches. Every decision is made first
   * (questions included), every output checked, then the files are written all or nothing (commit.ts), and
   * `.yo-rc.json`, written after them by Yeoman, records the hash of only what was written.
   */
  private async writeFiles(): Promise<void> {
    const settings = this.settings();
    const meta = this.meta();
    const previous = (this.config.get('fileHashes') ?? {}) as Record<string, string>;
    const recorded: Record<string, string | null> = {};
    const mode: Omit<SyncMode, 'pinned'> = {
      force: this.conflicterOption('force'),
      bail: this.conflicterOption('bail'),
      dryRun: this.conflicterOption('dryRun'),
      interactive: this.interactive,
    };
    const changes: Change[] = [];
    const differing: { path: string; reason: string; before: string; after: string }[] = [];
    const root = this.destinationRoot();
    const problems = preflight(root, ['.yo-rc.json']);
    for (const file of filesFor(this.generatorName)) {
      const destination = this.destinationPath(file.path);
      const problem = preflight(root, [file.path])[0];
      if (problem) {
        problems.push(problem);
        continue;
      }
      const before = existsSync(destination) ? readFileSync(destination, 'utf8') : undefined;
      const onDisk = before === undefined ? undefined : sha256(before);
      const contents = !file.when || file.when(settings) ? await renderFile(file, settings, meta) : undefined;
      const next = contents === undefined ? undefined : sha256(contents);
      const yoResolve = onDisk === undefined ? undefined : await this.yoResolveStatus(destination);
      const { action, reason } = decideSync(
        { onDisk, last: previous[file.path], next },
        { ...mode, pinned: yoResolve !== undefined },
      );
      if (this.options.check) {
        // A file pinned "skip" in .yo-resolve is the user's on purpose; every other difference is reported.
        if (onDisk !== next && yoResolve !== 'skip')
          differing.push({ path: file.path, reason, before: before ?? '', after: contents ?? '' });
        continue;
      }
      const verdict =
        action === 'ask' ? await this.resolveConflict(file.path, reason, yoResolve, before, contents) : action;
      recorded[file.path] = verdict === 'keep' ? (previous[file.path] ?? null) : (next ?? null);
      if (verdict === 'refuse') {
        throw new SettingsError(
          `${file.path} was changed by hand since it was generated: re-run with --force to overwrite it, or pin it with a line "${file.path} skip" in .yo-resolve.`,
        );
      }
      this.report(file.path, verdict, reason, onDisk, next, mode.dryRun);
      if (verdict === 'delete') changes.push({ path: file.path, action: 'delete' });
      else if (verdict === 'write' && contents !== undefined && onDisk !== next)
        changes.push({ path: file.path, action: 'write', contents, executable: file.executable ?? false });
    }
    if (problems.length > 0) throw new SettingsError(`Nothing written: ${problems.join('; ')}.`);
    if (this.options.check) {
      this.finishCheck(differing);
      return;
    }
    if (mode.dryRun) {
      this.log.info(`Dry run: nothing written (${String(changes.length)} file(s) would change).`);
      return;
    }
    commitChanges(root, changes);
    // In manifest order, so the block in .yo-rc.json is stable.
    const hashes: Record<string, string> = {};
    for (const { path } of FILES) {
      const hash = path in recorded ? recorded[path] : previous[path];
      if (hash) hashes[path] = hash;
    }
    this.config.set('fileHashes', hashes);
  }

  /** One status line per file, in Yeoman's words (a dry run says what a real run would do). */
  private report(
    path: string,
    verdict: 'keep' | 'write' | 'delete',
    reason: string,
    onDisk: string | undefined,
    next: string | undefined,
    dryRun: boolean,
  ): void {
    const would = dryRun ? 'would ' : '';
    if (verdict === 'keep') {
      if (onDisk !== undefined) this.log.skip(`${path}: ${reason}`);
    } else if (verdict === 'delete') this.log.info(`${would}delete ${path}: ${reason}`);
    else if (onDisk === next) this.log.identical(path);
    else if (onDisk === undefined) this.log.create(`${would}${path}`);
    else this.log.force(`${would}${path}: ${reason}`);
  }

  /**
   * An `ask` decision, settled before anything is written: the `.yo-resolve` line, --bail (stops), or the user's
   * answer. A declined file keeps its previous hash, so every later run reports it again until it is resolved.
   */
  private async resolveConflict(
    path: string,
    reason: string,
    yoResolve: string | undefined,
    before: string | undefined,
    contents: string | undefined,
  ): Promise<'write' | 'keep'> {
    if (yoResolve !== undefined) return yoResolve === 'force' ? 'write' : 'keep';
    if (this.conflicterOption('bail'))
      throw new SettingsError(`--bail: conflict on ${path} (${reason}); nothing written.`);
    for (;;) {
      const answers: Record<string, unknown> = await this.prompt([
        {
          type: 'select',
          // One name for every file: inquirer reads dots in a name as a path into the answers.
          name: 'conflict',
          message: `${path}: ${reason}. Overwrite it?`,
          choices: [
            { name: 'Overwrite with the generated version', value: 'write' },
            { name: 'Keep mine (asked again on the next run)', value: 'keep' },
            { name: 'Show the differences', value: 'diff' },
          ],
          default: 'keep',
        } as never,
      ]);
      const answer = answers.conflict;
      if (answer !== 'diff') return answer === 'write' ? 'write' : 'keep';
      this.log.write(unifiedDiff(path, before ?? '', contents ?? ''));
    }
  }

  /** --check: nothing is written (not even .yo-rc.json); differing files fail the run, with diffs on request. */
  private finishCheck(differing: readonly { path: string; reason: string; before: string; after: string }[]): void {
    const yoRc = this.fs.store.get(this.destinationPath('.yo-rc.json'));
    resetFileState(yoRc);
    if (differing.length === 0) {
      this.log.ok('check: every file is as .yo-rc.json and this generator version give.');
      return;
    }
    if (this.options.diff) {
      for (const { path, before, after } of differing) process.stdout.write(unifiedDiff(path, before, after));
    }
    throw new CheckError(
      `check: ${String(differing.length)} file(s) differ from what .yo-rc.json and this generator give: ${differing
        .map(({ path, reason }) => `${path} (${reason})`)
        .join(
          ', ',
        )}. Run without --check to update them${this.options.diff ? '' : ', or add --diff to see the changes'}.`,
    );
  }

  /** --check and --dry-run write nothing, so they announce no result. */
  protected get writesNothing(): boolean {
    return Boolean(this.options.check) || this.conflicterOption('dryRun');
  }

  private conflicterOption(name: 'force' | 'bail' | 'dryRun'): boolean {
    const environment =
      (this.env as unknown as { conflicterOptions?: Record<string, unknown> }).conflicterOptions ?? {};
    const options = this.options as Record<string, unknown>;
    return Boolean(environment[name] || options[name]);
  }

  /** The action a .yo-resolve line gives this file (unless --skip-yo-resolve), or undefined. */
  private async yoResolveStatus(destination: string): Promise<string | undefined> {
    return this.honoursYoResolve ? await this.yoResolve.getStatusForFile(destination) : undefined;
  }

  private get honoursYoResolve(): boolean {
    const options = this.options as Record<string, unknown>;
    const environment = (this.env as unknown as { options?: Record<string, unknown> }).options ?? {};
    return !(options.skipYoResolve || options['skip-yo-resolve'] || environment.skipYoResolve);
  }
}

/** A unified diff from the file on disk to the generated one, as `git diff` shows it. */
export function unifiedDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, 'on disk', 'generated');
}
