/**
 * The Yeoman glue every generator shares: options declared from the settings schema, the resolution of each
 * setting (flag, then `.yo-rc.json`, then prompt, or the default with --yes), the non-interactive contract,
 * and carrying out the sync decision for each file. A generator is this class plus its name.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { YoResolve } from '@yeoman/conflicter';
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
} & Partial<Record<SettingKey, string | boolean>>;

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
    // Checked here rather than in a run-loop task, so bad input fails before anything runs, as one line (a task
    // error gets Yeoman's "An error occured while running" line on top).
    if (!this.options.help) this.checkInputs();
  }

  // ------------------------------------------------------------------------------------------- run loop

  async prompting(): Promise<void> {
    await this.resolveSettings();
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
    return this.options.interactive ?? (process.stdin.isTTY && process.stdout.isTTY);
  }

  /** A sub-generator re-asks its own settings (stored values become the prompt defaults). */
  private get reasks(): boolean {
    return this.generatorName !== 'app';
  }

  private get context() {
    return { folderName: this.destinationRoot().split(/[\\/]/).pop() ?? 'paperclip' };
  }

  /** Validates stored settings and flags, and that a non-interactive run can answer its settings. */
  private checkInputs(): void {
    this.rejectUnknownFlags();
    const stored = this.stored;
    if (this.reasks && Object.keys(stored).length === 0) {
      throw new SettingsError(
        `No generated project here (no generator-paperclip-fly block in .yo-rc.json): run \`yo paperclip-fly\` first, then :${this.generatorName}.`,
      );
    }
    const settingsOnly = Object.fromEntries(Object.entries(stored).filter(([key]) => !META_KEYS.includes(key)));
    const storedProblem = validateStored(settingsOnly);
    if (storedProblem) throw new SettingsError(storedProblem);
    for (const spec of this.ownSpecs) {
      const raw = this.options[spec.key];
      if (raw !== undefined) (this.flags as Record<string, unknown>)[spec.key] = parseSetting(spec.key, raw);
    }
    this.checkAnswerable();
  }

  /** Rejects flags no generator declares (e.g. --vm-memory for --vmMemory), before anything else happens. */
  private rejectUnknownFlags(): void {
    const known = new Set([...this.ownSpecs.map((spec) => spec.key), 'yes', 'y', 'interactive']);
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

  /** Carries out the sync decision (sync.ts) for every file this generator touches, and records the hashes. */
  private async writeFiles(): Promise<void> {
    const settings = this.settings();
    const meta = this.meta();
    const previous = (this.config.get('fileHashes') ?? {}) as Record<string, string>;
    const written: Record<string, string | null> = {};
    const mode: Omit<SyncMode, 'pinned'> = {
      force: this.conflicterOption('force'),
      bail: this.conflicterOption('bail'),
      dryRun: this.conflicterOption('dryRun'),
      interactive: this.interactive,
    };
    for (const file of filesFor(this.generatorName)) {
      const destination = this.destinationPath(file.path);
      const onDisk = existsSync(destination) ? sha256(readFileSync(destination)) : undefined;
      const contents = !file.when || file.when(settings) ? await renderFile(file, settings, meta) : undefined;
      const next = contents === undefined ? undefined : sha256(contents);
      written[file.path] = next ?? null;
      const pinned = onDisk !== undefined && (await this.pinnedByYoResolve(destination));
      const { action, reason } = decideSync({ onDisk, last: previous[file.path], next }, { ...mode, pinned });
      if (action === 'keep') {
        if (onDisk !== undefined) this.log.info(`keep ${file.path}: ${reason}`);
      } else if (action === 'delete') {
        this.fs.delete(destination);
      } else if (action === 'refuse') {
        throw new SettingsError(
          `${file.path} was changed by hand since it was generated: re-run with --force to overwrite it, or pin it with a line "${file.path} skip" in .yo-resolve.`,
        );
      } else if (contents !== undefined) {
        // The full st_mode (regular file + 755): the conflicter compares it with the file on disk.
        this.fs.write(destination, contents, file.executable ? { stat: { mode: 0o100755 } as never } : undefined);
        // `write` over a changed file needs no question; identical files are left to the conflicter, which
        // reports them "identical", and `ask` leaves the question to it.
        if (action === 'write' && onDisk !== undefined && onDisk !== next) {
          (this.fs.store.get(destination) as { conflicter?: string }).conflicter = 'force';
        }
      }
    }
    // In manifest order, so the block in .yo-rc.json is stable.
    const hashes: Record<string, string> = {};
    for (const { path } of FILES) {
      const hash = path in written ? written[path] : previous[path];
      if (hash) hashes[path] = hash;
    }
    this.config.set('fileHashes', hashes);
  }

  private conflicterOption(name: 'force' | 'bail' | 'dryRun'): boolean {
    const environment =
      (this.env as unknown as { conflicterOptions?: Record<string, unknown> }).conflicterOptions ?? {};
    const options = this.options as Record<string, unknown>;
    return Boolean(environment[name] || options[name]);
  }

  /** A .yo-resolve line decides this file (unless --skip-yo-resolve). */
  private async pinnedByYoResolve(destination: string): Promise<boolean> {
    return this.honoursYoResolve && (await this.yoResolve.getStatusForFile(destination)) !== undefined;
  }

  private get honoursYoResolve(): boolean {
    const options = this.options as Record<string, unknown>;
    const environment = (this.env as unknown as { options?: Record<string, unknown> }).options ?? {};
    return !(options.skipYoResolve || options['skip-yo-resolve'] || environment.skipYoResolve);
  }
}
