/** Questions several rules ask of a project: what the machine runs, what the image installs, where a variable is set. */
import type { Project } from './project.js';
import type { DockerStage } from './parse/dockerfile.js';
import { effective, invocations, positional, type Effective, type ShellScript, type Word } from './parse/shell.js';
import type { Location, Position } from './parse/text.js';

export const where = (file: string, at: Position): Location => ({ file, line: at.line, column: at.column });
export const whereRun = (run: Effective): Location => where(run.command.script.source.file, run.at);
export const whereWord = (run: Effective, word: Word): Location => where(run.command.script.source.file, word.at);

const defined = <T>(value: T | undefined): value is T => value !== undefined;

/** Shell the machine runs: the entrypoint script and a start command in shell form. */
export const machineScripts = (p: Project): ShellScript[] => [p.entrypoint, p.start?.shell].filter(defined);

/** The final image's stages, base first. */
export function imageStages(p: Project): DockerStage[] {
  const chain: DockerStage[] = [];
  for (let stage = p.dockerfile?.final; stage; stage = stage.base) chain.unshift(stage);
  return chain;
}

/** Shell run while the image is built (RUN in the final image's stages). */
export const buildScripts = (p: Project): ShellScript[] =>
  imageStages(p).flatMap((stage) => stage.runs.map((run) => run.script).filter(defined));

/** Shell run by people and CI: Makefile recipes and workflow steps. */
export const operatorScripts = (p: Project): ShellScript[] => [
  ...(p.makefile?.rules.flatMap((rule) => rule.recipe) ?? []),
  ...p.operatorScripts,
  ...p.workflows.flatMap((workflow) => workflow.runs),
];

/** What the scripts finally run, wrappers (exec, env, runuser, su -c, own functions) looked through. */
export const runs = (scripts: ShellScript[]): Effective[] => scripts.flatMap(runsOf);

const runsCache = new WeakMap<ShellScript, Effective[]>();
function runsOf(script: ShellScript): Effective[] {
  let found = runsCache.get(script);
  if (!found) runsCache.set(script, (found = invocations(script).flatMap((command) => effective(command))));
  return found;
}

/** The command that starts Paperclip's server: `paperclipai run` / `onboard`, or node on the server's entry file. */
export function startsPaperclip(run: Effective): boolean {
  if (run.name === 'paperclipai') return ['run', 'onboard'].includes(positional(run.args)[0] ?? '');
  if (run.name === 'node' || run.name === 'nodejs') {
    const script = run.args.find((arg) => !arg.prefix.startsWith('-'));
    const path = script?.value ?? script?.raw ?? '';
    return /paperclip/i.test(path) && /\.(c|m)?js$/.test(path);
  }
  return false;
}

/** Every place the machine starts Paperclip (its scripts and the image's start command). */
export const paperclipStarts = (p: Project): Effective[] => runs(machineScripts(p)).filter(startsPaperclip);

export interface Installed {
  name: string;
  /** The version asked for (`pkg=1.2` for apt, `pkg@1.2.3` for npm), if any. */
  version?: string;
  where: Location;
}

/** Debian packages the image installs (apt-get / apt install). */
export function aptPackages(p: Project): Installed[] {
  return runs(buildScripts(p))
    .filter((run) => (run.name === 'apt-get' || run.name === 'apt') && positional(run.args)[0] === 'install')
    .flatMap((run) => {
      const names = run.args.filter((arg) => !arg.prefix.startsWith('-') && arg.value !== 'install');
      return names.map((arg) => {
        const [name, version] = (arg.value ?? arg.prefix).split('=') as [string, string | undefined];
        return { name, version, where: whereWord(run, arg) };
      });
    });
}

/** npm packages the image installs globally (npm install -g / --global, npm i -g). */
export function npmGlobals(p: Project): Installed[] {
  return runs(buildScripts(p))
    .filter(
      (run) =>
        run.name === 'npm' &&
        ['install', 'i', 'add'].includes(positional(run.args)[0] ?? '') &&
        run.args.some((arg) => arg.value === '-g' || arg.value === '--global' || arg.value === '--location=global'),
    )
    .flatMap((run) =>
      run.args
        .filter((arg) => !arg.prefix.startsWith('-') && !['install', 'i', 'add'].includes(arg.value ?? ''))
        .map((arg) => {
          const spec = arg.value ?? arg.prefix;
          const at = spec.indexOf('@', 1);
          return {
            name: at === -1 ? spec : spec.slice(0, at),
            version: at === -1 ? undefined : spec.slice(at + 1),
            where: whereWord(run, arg),
          };
        }),
    );
}

/** Whether PostgreSQL's server runs inside the machine (the image installs it). */
export function postgresInImage(p: Project): Installed | undefined {
  return aptPackages(p).find((pkg) => /^postgresql(-\d+)?$/.test(pkg.name));
}

/** Where a run-time variable gets a value: the image ENV, fly.toml [env], or the machine's scripts. */
export function runtimeVariable(p: Project, name: string): { value?: string; where: Location } | undefined {
  for (const script of machineScripts(p)) {
    const at = script.assigns(name);
    if (at) return { value: script.variable(name), where: where(script.source.file, at) };
  }
  const entry = p.env.get(name);
  return entry ? { value: entry.value, where: entry.where } : undefined;
}

/** `fly`/`flyctl` commands whose subcommand path starts with `path` (e.g. ['ips', 'allocate-v4']). */
export function flyCommands(scripts: ShellScript[], ...path: string[]): Effective[] {
  return runs(scripts).filter((run) => {
    if (run.name !== 'fly' && run.name !== 'flyctl') return false;
    const words = positional(run.args);
    return path.every((part, i) => words[i] === part);
  });
}

/** The first Position of a file (for findings about something a file lacks). */
export const TOP: Position = { line: 1, column: 1 };
