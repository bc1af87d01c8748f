/**
 * The Yeoman glue every generator shares: options declared from the settings schema, the resolution of each
 * setting (flag, then `.yo-rc.json`, then prompt, or the default with --yes), the non-interactive contract,
 * and carrying out the sync decision for each file. A generator is this class plus its name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { YoResolve } from '@yeoman/conflicter';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { FILES } from './files.js';
import type { GeneratorName } from './generators.js';
import type { RenderMeta } from './render.js';
import {
  checkCombination,
  checkInputs,
  nextFileHashes,
  ownSpecs,
  planFiles,
  refusal,
  resolveSettings,
  sha256,
} from './resolution.js';
import {
  SettingsError,
  checkValue,
  defaultSettings,
  formatValue,
  invalidMessage,
  type AnySettingSpec,
  type EarlierSettings,
  type SettingKey,
  type Settings,
} from './settings.js';

export type PaperclipFlyOptions = BaseOptions & {
  yes?: boolean;
  interactive?: boolean;
} & Partial<Record<SettingKey, string | boolean>>;

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
    if (!this.options.help) {
      this.flags = checkInputs({
        name: this.generatorName,
        stored: this.stored,
        options: this.options,
        args: this._args,
        interactive: this.interactive,
      });
    }
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
    return ownSpecs(this.generatorName);
  }

  private get stored(): Record<string, unknown> {
    return this.config.getAll();
  }

  protected get interactive(): boolean {
    return this.options.interactive ?? (process.stdin.isTTY && process.stdout.isTTY);
  }

  private get context() {
    return { folderName: this.destinationRoot().split(/[\\/]/).pop() ?? 'paperclip' };
  }

  /** Resolves every setting (resolution.ts), asking on a terminal, and stores this generator's own in `.yo-rc.json`. */
  private async resolveSettings(): Promise<void> {
    const resolved = await resolveSettings(
      {
        name: this.generatorName,
        stored: this.stored,
        flags: this.flags,
        context: this.context,
        yes: Boolean(this.options.yes),
      },
      this.interactive ? (spec, fallback, earlier) => this.ask(spec, fallback, earlier) : undefined,
    );
    for (const [key, value] of resolved) this.config.set(key, value as never);
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
    const advice = checkCombination(this.settings());
    if (advice) this.log.info(advice);
  }

  // ------------------------------------------------------------------------------------------- files

  /** Carries out the sync decision (sync.ts) for every file this generator touches, and records the hashes. */
  private async writeFiles(): Promise<void> {
    const previous = (this.config.get('fileHashes') ?? {}) as Record<string, string>;
    const plans = await planFiles({
      name: this.generatorName,
      settings: this.settings(),
      meta: this.meta(),
      previous,
      mode: {
        force: this.conflicterOption('force'),
        bail: this.conflicterOption('bail'),
        dryRun: this.conflicterOption('dryRun'),
        interactive: this.interactive,
      },
      onDiskHash: (path) => {
        const destination = this.destinationPath(path);
        return existsSync(destination) ? sha256(readFileSync(destination)) : undefined;
      },
      pinned: (path) => this.pinnedByYoResolve(this.destinationPath(path)),
    });
    for (const { file, contents, onDisk, next, decision } of plans) {
      const destination = this.destinationPath(file.path);
      const { action, reason } = decision;
      if (action === 'keep') {
        if (onDisk !== undefined) this.log.info(`keep ${file.path}: ${reason}`);
      } else if (action === 'delete') {
        this.fs.delete(destination);
        // Decided already: without this the conflicter asks about the deletion, and with no terminal crashes.
        (this.fs.store.get(destination) as { conflicter?: string }).conflicter = 'force';
      } else if (action === 'refuse') {
        throw new SettingsError(refusal(file.path));
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
    this.config.set('fileHashes', nextFileHashes(FILES, plans, previous));
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
