/**
 * The Yeoman glue every generator shares: options declared from the settings schema, prompts on a terminal, and
 * the run itself, which is run.ts's (the direct run calls the same steps). Files and `.yo-rc.json` are written by
 * run.ts all or nothing, not through Yeoman's file system: Yeoman's conflicter never sees them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { YoResolve } from '@yeoman/conflicter';
import { resetFileState } from 'mem-fs-editor/state';
import Generator, { type BaseOptions } from 'yeoman-generator';
import type { GeneratorName } from './generators.js';
import { helpText } from './help.js';
import { ownSpecs } from './resolution.js';
import {
  executeRun,
  parseYoRc,
  prepareRun,
  processOutput,
  resolveRun,
  unifiedDiff,
  type Output,
  type PlannedFile,
  type Prepared,
  type Verdict,
  type YoRc,
} from './run.js';
import {
  checkValue,
  formatValue,
  invalidMessage,
  type AnySettingSpec,
  type EarlierSettings,
  type SettingKey,
} from './settings.js';
import { npmVersions, type VersionLookup } from './upgrade.js';

export type PaperclipFlyOptions = BaseOptions & {
  yes?: boolean;
  interactive?: boolean;
  check?: boolean;
  diff?: boolean;
  template?: string;
  upgrade?: boolean;
  /** Programmatic only: how published paperclipai versions are found (tests pass a FAKE; default: the npm registry). */
  versionLookup?: VersionLookup;
  /** Programmatic only: where results and warnings go (default: stdout and stderr). */
  output?: Output;
} & Partial<Record<SettingKey, string | boolean>>;

export class PaperclipFlyGenerator extends Generator<Record<string, unknown>, PaperclipFlyOptions> {
  private readonly yoResolve = new YoResolve();
  private yoRcBefore: string | undefined;
  private yoRc: YoRc = { root: {}, block: {} };
  private prepared: Prepared = { stored: {}, flags: {}, lines: [] };

  constructor(
    args: string[],
    options: PaperclipFlyOptions,
    /** `app` asks every setting and writes every file; a concern re-asks its own and rewrites the files they show in. */
    protected readonly generatorName: GeneratorName,
  ) {
    // Run-loop methods come from this class; helpers never become tasks. Nothing here installs packages, so
    // Yeoman's install task (and its "No change to package.json" line) is switched off.
    super(args, options, { inheritTasks: true, tasksMatchingPriority: true, customInstallTask: true });
    // Yeoman logs "An error occured while running …" above a failed task: the bin reports the error itself, in
    // one line (and Ctrl-C at a prompt quietly), so that line is left out.
    const log = this.log as typeof this.log | undefined;
    // (Absent while Yeoman only reads the options, to build its command.)
    if (log)
      (this as { log: typeof log }).log = new Proxy(log, {
        get: (target, key, receiver) => (key === 'error' ? undefined : (Reflect.get(target, key, receiver) as unknown)),
      });
    for (const spec of ownSpecs(generatorName)) {
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
    if (!this.options.help) {
      const path = this.destinationPath('.yo-rc.json');
      // mem-fs first: a test (or a composing generator) may have put .yo-rc.json there; it reads the disk otherwise.
      this.yoRcBefore =
        this.fs.exists(path) && (!existsSync(path) || statSync(path).isFile()) ? this.fs.read(path) : undefined;
      this.yoRc = parseYoRc(this.yoRcBefore);
      this.prepared = prepareRun({
        name: generatorName,
        yoRc: this.yoRc,
        options: this.options,
        args: this._args,
        interactive: this.interactive,
        context: this.context,
        readTemplate: (file) => readFileSync(resolve(this.destinationRoot(), file), 'utf8'),
      });
    }
  }

  /**
   * Yeoman opens `.yo-rc.json` while constructing the generator (before this class's constructor body runs), and
   * a broken file would end the run with its own message and a stack trace: the file is checked here first.
   */
  override _getStorage<StoredType extends Record<string, unknown> = Record<string, unknown>>(
    ...args: Parameters<Generator['_getStorage']>
  ) {
    const path = this.destinationPath('.yo-rc.json');
    if (this.fs.exists(path) && statSync(path, { throwIfNoEntry: false })?.isFile() !== false) {
      parseYoRc(this.fs.read(path));
    }
    return super._getStorage<StoredType>(...args);
  }

  /** `yo paperclip-fly --help`: the sub-generators and the options that do something here, as the bin shows them. */
  override help(): string {
    return helpText(this.generatorName, 'yo');
  }

  // ------------------------------------------------------------------------------------------- run loop

  async writing(): Promise<void> {
    const { block, settings } = await resolveRun(
      this.generatorName,
      this.prepared,
      this.context,
      this.options,
      this.interactive ? (spec, fallback, earlier) => this.ask(spec, fallback, earlier) : undefined,
    );
    const path = this.destinationPath('.yo-rc.json');
    const result = await executeRun({
      name: this.generatorName,
      root: this.destinationRoot(),
      yoRc: this.yoRc,
      yoRcBefore: this.yoRcBefore,
      prepared: this.prepared,
      block,
      settings,
      mode: {
        force: this.conflicterOption('force'),
        bail: this.conflicterOption('bail'),
        dryRun: this.conflicterOption('dryRun'),
        interactive: this.interactive,
      },
      check: Boolean(this.options.check),
      diff: Boolean(this.options.diff),
      read: (file) => {
        const full = this.destinationPath(file);
        return existsSync(full) && statSync(full).isFile() ? this.fs.read(full) : undefined;
      },
      yoResolve: (file) => this.yoResolveStatus(this.destinationPath(file)),
      ask: (plan) => this.askConflict(plan),
      output: this.options.output ?? processOutput,
      versionLookup: this.options.versionLookup ?? npmVersions,
    });
    // run.ts wrote .yo-rc.json itself: Yeoman's copy in mem-fs must say the same, and not be written again.
    const written = result === 'handover' ? undefined : result.written;
    if (this.fs.exists(path) || written !== undefined) {
      if (written !== undefined) this.fs.write(path, written);
      resetFileState(this.fs.store.get(path));
    }
  }

  // ------------------------------------------------------------------------------------------- settings

  protected get interactive(): boolean {
    // A check answers from .yo-rc.json alone: it never asks.
    if (this.options.check) return false;
    return this.options.interactive ?? (process.stdin.isTTY && process.stdout.isTTY);
  }

  private get context() {
    return { folderName: this.destinationRoot().split(/[\\/]/).pop() ?? 'paperclip' };
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

  // ------------------------------------------------------------------------------------------- files

  /** A conflict on a terminal, settled before anything is written; a declined file is reported again next run. */
  private async askConflict(plan: PlannedFile): Promise<Verdict> {
    for (;;) {
      const answers: Record<string, unknown> = await this.prompt([
        {
          type: 'select',
          // One name for every file: inquirer reads dots in a name as a path into the answers.
          name: 'conflict',
          message: `${plan.file.path}: ${plan.decision.reason}. Overwrite it?`,
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
      (this.options.output ?? processOutput).out(
        await unifiedDiff(plan.file.path, plan.before ?? '', plan.contents ?? ''),
      );
    }
  }

  private conflicterOption(name: 'force' | 'bail' | 'dryRun'): boolean {
    const environment =
      (this.env as unknown as { conflicterOptions?: Record<string, unknown> }).conflicterOptions ?? {};
    const options = this.options as Record<string, unknown>;
    const kebab = name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    return Boolean(environment[name] || options[name] || options[kebab]);
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
