/**
 * What all four generators share: options declared from the settings schema, the resolution of each setting
 * (flag, then `.yo-rc.json`, then prompt, or the default with --yes), the non-interactive contract, and the
 * writing of the files a concern touches. A generator is this class plus its concern.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { YoResolve } from '@yeoman/conflicter';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { FILES, filesOf, renderFile, type RenderMeta } from './render.js';
import {
  CONCERNS,
  SETTINGS,
  SettingsError,
  crossValidate,
  defaultSettings,
  formatValue,
  invalidMessage,
  parseSetting,
  settingsOf,
  validateStored,
  type Concern,
  type SettingKey,
  type AnySettingSpec,
  type Settings,
} from './settings.js';
import { isTailscaleDnsAffected } from './validators.js';

export type PaperclipFlyOptions = BaseOptions & {
  yes?: boolean;
  interactive?: boolean;
  /** Set by the app generator on the generators it composes: they resolve settings, the app writes. */
  composed?: boolean;
} & Partial<Record<SettingKey, string | boolean>>;

/** Keys in the `.yo-rc.json` block that are not settings. */
const META_KEYS = ['generatedAt', 'fileHashes'] as const;

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** Options that Yeoman itself (generator or environment) understands; anything else is a typo. */
const YEOMAN_OPTIONS = new Set([
  'help', 'h', 'skip-cache', 'skip-install', 'force-install', 'ask-answered', 'skip-local-cache', 'local-config-only',
  'force', 'dry-run', 'whitespace', 'bail', 'skip-yo-resolve', 'skip-checks', 'insight', 'no-insight', 'color', 'no-color',
]);

export class PaperclipFlyGenerator extends Generator<Record<string, any>, PaperclipFlyOptions> {
  /** The settings this generator asks; `core` (the app) also declares every other flag so one command can set them all. */
  protected readonly concern: Concern;

  /** Settings given as flags, parsed and validated. */
  private flags: Partial<Settings> = {};

  constructor(args: string[], options: PaperclipFlyOptions, concern: Concern) {
    // Run-loop methods come from these base classes; helpers never become tasks.
    super(args, options, { inheritTasks: true, tasksMatchingPriority: true });
    this.concern = concern;
    for (const spec of this.declaredSpecs()) {
      this.option(spec.key, {
        type: spec.kind === 'boolean' ? Boolean : String,
        description: `${spec.description} (default: ${spec.defaultText ?? formatValue(spec.default({}, { folderName: 'paperclip' }))})`,
      });
    }
    this.option('yes', { type: Boolean, alias: 'y', description: 'Accept the default (or stored) value for every setting not given as a flag' });
    this.option('interactive', {
      type: Boolean,
      description: 'Prompt for missing settings; --no-interactive never prompts (default: prompt only when stdin and stdout are a TTY)',
    });
    this.option('composed', { type: Boolean, hide: true, description: 'Internal: composed by the app generator' });
    // Checked here rather than in a run-loop task, so bad input fails before anything runs, as one line (a task
    // error gets Yeoman's "An error occured while running" line on top). The app checks for the composed ones.
    if (this.options.help) return;
    if (this.options.composed) this.parseFlags();
    else this.checkInputs(concern === 'core' ? CONCERNS : [concern]);
  }

  // ------------------------------------------------------------------------------------------- helpers

  private get stored(): Record<string, unknown> {
    return this.config.getAll() as Record<string, unknown>;
  }

  protected get interactive(): boolean {
    return this.options.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  }

  /** A standalone sub-generator re-asks its own settings (stored values become the prompt defaults). */
  private get reasks(): boolean {
    return this.concern !== 'core' && !this.options.composed;
  }

  private get context() {
    return { folderName: this.destinationRoot().split(/[\\/]/).pop() ?? 'paperclip' };
  }

  private declaredSpecs(): readonly AnySettingSpec[] {
    return this.concern === 'core' ? SETTINGS : settingsOf(this.concern);
  }

  /** Rejects flags no generator declares (e.g. --vm-memory for --vmMemory), before anything else happens. */
  private rejectUnknownFlags(): void {
    const known = new Set([...this.declaredSpecs().map((spec) => spec.key), 'yes', 'y', 'interactive', 'composed']);
    for (const arg of this._args ?? []) {
      const match = /^--?(?:no-)?([^=]+)/.exec(arg);
      if (!match || !arg.startsWith('-') || /^-\d/.test(arg)) continue;
      const name = match[1]!;
      if (!known.has(name) && !YEOMAN_OPTIONS.has(name)) {
        throw new SettingsError(`Unknown option ${arg.split('=')[0]}: run with --help for the options (flags are camelCase, e.g. --vmMemory).`);
      }
    }
  }

  /** Parses and validates every flag this generator declares. */
  private parseFlags(): void {
    for (const spec of this.declaredSpecs()) {
      const raw = this.options[spec.key];
      if (raw === undefined) continue;
      (this.flags as Record<string, unknown>)[spec.key] = parseSetting(spec.key, raw);
    }
  }

  /** Non-interactive runs must have every setting from a flag, `.yo-rc.json` or --yes; lists what is missing. */
  private checkAnswerable(concerns: readonly Concern[]): void {
    if (this.interactive || this.options.yes) return;
    const stored = this.stored;
    const current: Partial<Settings> = { ...(stored as Partial<Settings>), ...this.flags };
    const missing = SETTINGS.filter(
      (spec) => concerns.includes(spec.concern) && (spec.when?.(current) ?? true) && !(spec.key in this.flags) && !(spec.key in stored),
    ).map((spec) => `--${spec.key}`);
    if (missing.length > 0) {
      throw new SettingsError(
        `Missing answers and no terminal to ask them on: pass ${missing.join(', ')} or --yes to accept the defaults.`,
      );
    }
  }

  private async ask(spec: AnySettingSpec, fallback: unknown): Promise<unknown> {
    const validate = (input: unknown) => {
      const value = this.normalise(spec, input);
      const verdict = (spec.validate as (v: unknown) => true | string)(value);
      return verdict === true ? true : invalidMessage(spec.key, input, verdict);
    };
    const base = { name: spec.key, message: spec.message };
    const question =
      spec.kind === 'boolean'
        ? { ...base, type: 'confirm', default: fallback }
        : spec.kind === 'choice'
          ? { ...base, type: 'select', choices: spec.choices, default: fallback }
          : spec.kind === 'list' && spec.choices
            ? { ...base, type: 'checkbox', choices: spec.choices.map((value) => ({ value, checked: (fallback as string[]).includes(value) })), validate }
            : { ...base, type: 'input', default: formatValue(fallback), validate };
    const answers = await this.prompt([question as never]);
    return this.normalise(spec, (answers as Record<string, unknown>)[spec.key]);
  }

  /** Prompt answers arrive as strings, arrays, numbers or booleans depending on the prompt (and test adapter). */
  private normalise(spec: AnySettingSpec, input: unknown): unknown {
    if (spec.kind === 'integer' && typeof input === 'number') return input;
    // A checkbox hands its validator the selected choice objects, and its answer as their values.
    if (spec.kind === 'list' && Array.isArray(input)) return input.map((item) => (item !== null && typeof item === 'object' && 'value' in item ? item.value : item));
    if (spec.kind === 'boolean' && typeof input === 'boolean') return input;
    return (spec.parse as (raw: string) => unknown)(String(input));
  }

  // ------------------------------------------------------------------------------------------- run loop

  /** Validates stored settings and flags, and that a non-interactive run can answer these concerns. */
  private checkInputs(answerableConcerns: readonly Concern[]): void {
    this.rejectUnknownFlags();
    const stored = this.stored;
    if (this.reasks && Object.keys(stored).length === 0) {
      throw new SettingsError(
        `No generated project here (no generator-paperclip-fly block in .yo-rc.json): run \`yo paperclip-fly\` first, then :${this.concern}.`,
      );
    }
    const settingsOnly = Object.fromEntries(Object.entries(stored).filter(([key]) => !(META_KEYS as readonly string[]).includes(key)));
    const storedProblem = validateStored(settingsOnly);
    if (storedProblem) throw new SettingsError(storedProblem);
    this.parseFlags();
    this.checkAnswerable(answerableConcerns);
  }

  /** Resolves this generator's own settings in declaration order and stores them in `.yo-rc.json`. */
  protected async resolveSettings(): Promise<void> {
    const stored = this.stored;
    const current: Partial<Settings> = { ...(stored as Partial<Settings>) };
    for (const spec of settingsOf(this.concern)) {
      const key = spec.key;
      const fallback = key in stored ? stored[key] : spec.default(current, this.context);
      let value: unknown;
      if (key in this.flags) value = this.flags[key];
      else if (!(spec.when?.(current) ?? true)) value = fallback;
      else if (key in stored && !this.reasks) value = stored[key];
      else if (this.interactive && !this.options.yes) value = await this.ask(spec, fallback);
      else value = fallback;
      (current as Record<string, unknown>)[key] = value;
      this.config.set(key, value as never);
    }
  }

  /** The complete settings once every generator has resolved its own. */
  protected settings(): Settings {
    return defaultSettings(this.context, this.stored as Partial<Settings>);
  }

  protected meta(): RenderMeta {
    let generatedAt = this.config.get('generatedAt') as string | undefined;
    if (!generatedAt) {
      generatedAt = new Date().toISOString();
      this.config.set('generatedAt', generatedAt);
    }
    return { generatedAt };
  }

  /** Rules across settings (e.g. memory for the VM size), then advice that does not block. */
  protected checkCombination(): void {
    const settings = this.settings();
    const problem = crossValidate(settings);
    if (problem) throw new SettingsError(problem);
    if (settings.tailscale && isTailscaleDnsAffected(settings.tailscaleImage)) {
      this.log.info(
        `tailscale/tailscale:${settings.tailscaleImage} is 1.94.4 or later, whose DNS breaks on Fly (tailscale#19354); v1.94.2 is known good.`,
      );
    }
  }

  /**
   * Writes (or, when a file no longer applies, deletes) every file this concern touches. `.yo-rc.json` keeps the
   * hash of each file as last generated, which tells a file the user edited from one still as generated:
   * - still as generated: overwritten without a question (Yeoman logs "force");
   * - edited, and our version unchanged since: kept, since rewriting would only revert the edit;
   * - edited, and our version changed: Yeoman's conflict prompt, or --force/--bail/.yo-resolve; without a
   *   terminal (where the prompt can only crash) an error naming the file and the ways out.
   */
  protected async writeFiles(): Promise<void> {
    if (this.options.composed) return;
    const settings = this.settings();
    const meta = this.meta();
    const previous = (this.config.get('fileHashes') ?? {}) as Record<string, string>;
    const written: Record<string, string | null> = {};
    for (const file of filesOf(this.concern)) {
      const destination = this.destinationPath(file.path);
      const last = previous[file.path];
      const onDisk = existsSync(destination) ? sha256(readFileSync(destination)) : undefined;
      if (file.when && !file.when(settings)) {
        written[file.path] = null;
        if (onDisk === undefined) continue;
        // A file that no longer applies is deleted, unless the user edited it: then it stays, with a word.
        if (onDisk === last || this.forced) this.fs.delete(destination);
        else this.log.info(`keep ${file.path}: no longer generated, but edited by hand (delete it yourself)`);
        continue;
      }
      const contents = await renderFile(file, settings, meta);
      const generated = sha256(contents);
      written[file.path] = generated;
      const edited = onDisk !== undefined && onDisk !== last && onDisk !== generated;
      if (edited && generated === last && !this.forced) {
        this.log.info(`keep ${file.path}: edited by hand, and the generated version has not changed`);
        continue;
      }
      const pinned = onDisk !== undefined && (await this.pinnedByYoResolve(destination));
      if (edited && !pinned && !this.interactive && !this.forced && !this.conflicterOption('bail')) {
        throw new SettingsError(
          `${file.path} was changed by hand since it was generated: re-run with --force to overwrite it, or pin it with a line "${file.path} skip" in .yo-resolve.`,
        );
      }
      // The full st_mode (regular file + 755): the conflicter compares it with the file on disk.
      this.fs.write(destination, contents, file.executable ? { stat: { mode: 0o100755 } as never } : undefined);
      // Still as generated and about to change: no question. (Identical files are left to the conflicter,
      // which reports them "identical".)
      if (onDisk !== undefined && onDisk === last && generated !== last && !pinned) {
        (this.fs.store.get(destination) as { conflicter?: string }).conflicter = 'force';
      }
    }
    // In FILES order, so the block in .yo-rc.json is stable.
    const hashes: Record<string, string> = {};
    for (const { path } of FILES) {
      const hash = path in written ? written[path] : previous[path];
      if (hash) hashes[path] = hash;
    }
    this.config.set('fileHashes', hashes);
  }

  private conflicterOption(name: 'force' | 'bail'): boolean {
    const environment = (this.env as unknown as { conflicterOptions?: Record<string, unknown> }).conflicterOptions ?? {};
    return Boolean(environment[name] || (this.options as Record<string, unknown>)[name]);
  }

  private get forced(): boolean {
    return this.conflicterOption('force');
  }

  private yoResolve = new YoResolve();

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

/** A sub-generator: asks only its own settings and rewrites only the files its concern touches. */
export class ConcernGenerator extends PaperclipFlyGenerator {
  async prompting(): Promise<void> {
    await this.resolveSettings();
  }

  configuring(): void {
    if (!this.options.composed) this.checkCombination();
  }

  async writing(): Promise<void> {
    await this.writeFiles();
  }
}
