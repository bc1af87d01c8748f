/**
 * Finds and parses the files of a Paperclip-on-Fly repository the way Fly and Docker would use them: fly.toml,
 * the Dockerfile its [build] names, the script the image's ENTRYPOINT/CMD runs (through the COPY that put it
 * there), Paperclip's config.json (from PAPERCLIP_CONFIG or the COPY that ships it), the Makefile, GitHub
 * workflows and a .env. Reads only; a file that is missing or does not parse becomes a problem, not a crash.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, posix } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import {
  parseDockerfile,
  startCommand,
  type DockerfileModel,
  type DockerStage,
  type Located,
} from './parse/dockerfile.js';
import { JsonError, parseJson, type JsonDocument } from './parse/json.js';
import { parseMakefile, type MakefileModel } from './parse/makefile.js';
import { basename, parseShell, type ShellScript } from './parse/shell.js';
import { LineIndex, type Location, type Position } from './parse/text.js';
import { parseFlyToml, TomlError, type TomlDocument } from './parse/toml.js';
import { parseWorkflow, YamlError, type WorkflowModel } from './parse/workflow.js';
import { DoctorError, type FileRole, type Severity } from './report.js';

export interface Problem {
  id: 'file-missing' | 'file-unparseable';
  severity: Severity;
  where: Location;
  message: string;
}

export interface Project {
  dir: string;
  files: { role: FileRole; path: string }[];
  fly?: { file: string; doc: TomlDocument };
  dockerfile?: DockerfileModel;
  /** The container's start command as Docker runs it (ENTRYPOINT + CMD), when the Dockerfile has one. */
  start?: { words: Located[]; shell: ShellScript };
  /** The script the start command runs, when it is a file of this repository. */
  entrypoint?: ShellScript;
  config?: { file: string; doc: JsonDocument };
  makefile?: MakefileModel;
  /** Scripts of this repository that Makefile recipes run (`bash ops.sh deploy`): operator logic lives there too. */
  operatorScripts: ShellScript[];
  workflows: WorkflowModel[];
  dotenv?: { file: string; text: string; committed: boolean };
  /** The machine's environment as the files give it: the image's ENV, then fly.toml [env] over it. */
  env: Map<string, { value: string; where: Location }>;
  /** Where fly.toml mounts the volume. */
  mount?: string;
  problems: Problem[];
}

const rel = (path: string): string => path.split('\\').join('/');

function readText(dir: string, path: string): string | undefined {
  const full = join(dir, path);
  try {
    return statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The stages whose files end up in the final image, base first. */
function stageChain(stage: DockerStage): DockerStage[] {
  const chain: DockerStage[] = [];
  for (let current: DockerStage | undefined = stage; current; current = current.base) chain.unshift(current);
  return chain;
}

/** The repository file that the image has at `imagePath`, through the COPY/ADD that put it there. */
export function repoFileFor(dir: string, stage: DockerStage, imagePath: string): string | undefined {
  const copies = stageChain(stage)
    .flatMap((s) => s.copies)
    .filter((copy) => copy.from === undefined);
  for (const copy of copies.reverse()) {
    const dest = copy.dest.value;
    for (const source of copy.sources) {
      const from = normalize(source.value).replace(/\/$/, '');
      let candidate: string | undefined;
      const sourceIsDir = existsSync(join(dir, from)) && statSync(join(dir, from)).isDirectory();
      if (!dest.endsWith('/') && !sourceIsDir && dest === imagePath) candidate = from;
      else if (dest.endsWith('/') || sourceIsDir) {
        const base = dest.replace(/\/$/, '');
        if (imagePath.startsWith(`${base}/`)) {
          const inside = imagePath.slice(base.length + 1);
          if (sourceIsDir) candidate = posix.join(from, inside);
          else if (basename(from) === inside) candidate = from;
        }
      }
      if (candidate !== undefined && existsSync(join(dir, candidate))) return rel(candidate);
    }
  }
  return undefined;
}

/** An exec-form start command as a one-line script, each word quoted and mapped back to where it is written. */
function execAsShell(parser: Parser, file: string, words: Located[], env: Map<string, string>): ShellScript {
  let text = '';
  const starts: { offset: number; at: Position }[] = [];
  for (const word of words) {
    if (text) text += ' ';
    starts.push({ offset: text.length, at: word.at });
    text += `'${word.value.replace(/'/g, `'\\''`)}'`;
  }
  return parseShell(parser, {
    file,
    text,
    map: (offset) => starts.findLast((start) => start.offset <= offset)?.at ?? { line: 1, column: 1 },
    env,
  });
}

const INIT = new Set(['tini', 'tini-static', 'dumb-init', 'catatonit', 'exec', '--']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash']);

/** The path of the script a start command runs (skipping an init like tini and an explicit shell), if any. */
function scriptPath(words: Located[]): Located | undefined {
  for (const [i, word] of words.entries()) {
    const name = basename(word.value);
    if (INIT.has(name) || word.value.startsWith('-')) continue;
    if (SHELLS.has(name)) {
      const next = words[i + 1];
      if (!next || next.value === '-c' || next.value.startsWith('-')) return undefined;
      return next;
    }
    return word.value.includes('/') || word.value.endsWith('.sh') ? word : undefined;
  }
  return undefined;
}

export function loadProject(dir: string, parser: Parser): Project {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DoctorError(`${dir} does not exist`);
  }
  if (!isDir) throw new DoctorError(`${dir} is not a folder`);
  const project: Project = { dir, files: [], operatorScripts: [], workflows: [], env: new Map(), problems: [] };
  const problem = (id: Problem['id'], severity: Severity, file: string, at: Position, message: string) =>
    project.problems.push({ id, severity, where: { file, ...at }, message });
  const top = { line: 1, column: 1 };

  // fly.toml
  const flyText = readText(dir, 'fly.toml');
  if (flyText !== undefined) {
    project.files.push({ role: 'fly.toml', path: 'fly.toml' });
    try {
      project.fly = { file: 'fly.toml', doc: parseFlyToml(flyText) };
    } catch (error) {
      if (!(error instanceof TomlError)) throw error;
      problem('file-unparseable', 'error', 'fly.toml', error.at, `fly.toml is not valid TOML: ${error.message}`);
    }
  }
  const fly = project.fly?.doc;
  const mounts = fly?.get(['mounts']);
  const mount = Array.isArray(mounts)
    ? (mounts[0] as Record<string, unknown> | undefined)
    : (mounts as Record<string, unknown> | undefined);
  if (typeof mount?.destination === 'string') project.mount = mount.destination.replace(/\/$/, '') || '/';

  // Dockerfile
  const named = fly?.get(['build', 'dockerfile']);
  const dockerfilePath = rel(typeof named === 'string' ? normalize(named) : 'Dockerfile');
  const dockerText = readText(dir, dockerfilePath);
  if (flyText === undefined && dockerText === undefined) {
    throw new DoctorError(`${dir} has neither a fly.toml nor a Dockerfile: nothing to check`);
  }
  if (flyText === undefined)
    problem(
      'file-missing',
      'error',
      'fly.toml',
      top,
      'no fly.toml: fly deploy has no app configuration (mounts, checks, VM size)',
    );
  if (dockerText === undefined) {
    if (typeof fly?.get(['build', 'image']) !== 'string') {
      const at = fly?.valueAt(['build', 'dockerfile']) ?? top;
      problem(
        'file-missing',
        'error',
        typeof named === 'string' ? 'fly.toml' : dockerfilePath,
        at,
        `no ${dockerfilePath}: fly deploy has nothing to build`,
      );
    }
  } else {
    project.files.push({ role: 'Dockerfile', path: dockerfilePath });
    try {
      project.dockerfile = parseDockerfile(dockerfilePath, dockerText, parser);
    } catch (error) {
      problem(
        'file-unparseable',
        'error',
        dockerfilePath,
        top,
        `${dockerfilePath} has no build stage: ${(error as Error).message}`,
      );
    }
  }

  // The machine's environment: image ENV, then fly.toml [env].
  const dockerfile = project.dockerfile;
  if (dockerfile)
    for (const [name, entry] of dockerfile.final.env)
      project.env.set(name, { value: entry.value, where: { file: dockerfile.file, ...entry.at } });
  const flyEnv = fly?.get(['env']);
  if (flyEnv && typeof flyEnv === 'object') {
    for (const [name, value] of Object.entries(flyEnv as Record<string, unknown>)) {
      project.env.set(name, {
        value: String(value),
        where: { file: 'fly.toml', ...(fly?.valueAt(['env', name]) ?? top) },
      });
    }
  }
  const envValues = new Map([...project.env].map(([name, entry]) => [name, entry.value]));

  // The entrypoint script, through the COPY that put it in the image.
  if (dockerfile) {
    const start = startCommand(dockerfile.final);
    if (start)
      project.start = {
        words: start.words,
        shell: start.shell ?? execAsShell(parser, dockerfile.file, start.words, envValues),
      };
    const script = start ? scriptPath(start.words) : undefined;
    if (script) {
      const file = script.value.startsWith('/') ? repoFileFor(dir, dockerfile.final, script.value) : undefined;
      const text = file === undefined ? undefined : readText(dir, file);
      if (file === undefined || text === undefined) {
        problem(
          'file-missing',
          'warning',
          dockerfile.file,
          script.at,
          `the start command runs ${script.value}, which no COPY brings from this repository: its checks are skipped`,
        );
      } else if (
        text.includes('\0') ||
        (/^#!/.test(text) && !/^#!\s*\S*(\/|\s)(ba|da|a)?sh\b/.test(text.split('\n')[0] ?? ''))
      ) {
        const kind = text.includes('\0') ? 'a binary file' : text.split('\n')[0];
        problem(
          'file-unparseable',
          'warning',
          file,
          top,
          `${file} is not a shell script (${kind}): its checks are skipped`,
        );
      } else {
        project.files.push({ role: 'entrypoint', path: file });
        const index = new LineIndex(text);
        project.entrypoint = parseShell(parser, { file, text, map: (offset) => index.at(offset), env: envValues });
      }
    }
  }
  for (const script of [project.entrypoint].filter((s): s is ShellScript => s !== undefined)) {
    if (script.errors[0])
      problem(
        'file-unparseable',
        'warning',
        script.source.file,
        script.errors[0],
        'the shell parser could not follow this part of the script: checks here may miss something',
      );
  }

  // config.json: what PAPERCLIP_CONFIG names in the image, else whatever COPY ships a config.json.
  if (dockerfile) {
    const configured = project.env.get('PAPERCLIP_CONFIG')?.value;
    let file = configured ? repoFileFor(dir, dockerfile.final, configured) : undefined;
    if (file === undefined) {
      for (const copy of stageChain(dockerfile.final)
        .flatMap((s) => s.copies)
        .filter((c) => c.from === undefined)
        .reverse()) {
        const shipped = copy.sources.find(
          (source) =>
            basename(source.value) === 'config.json' ||
            (basename(copy.dest.value) === 'config.json' && copy.sources.length === 1),
        );
        if (shipped && existsSync(join(dir, shipped.value))) {
          file = rel(normalize(shipped.value));
          break;
        }
      }
    }
    const text = file === undefined ? undefined : readText(dir, file);
    if (file !== undefined && text !== undefined) {
      project.files.push({ role: 'config.json', path: file });
      try {
        project.config = { file, doc: parseJson(text) };
      } catch (error) {
        if (!(error instanceof JsonError)) throw error;
        problem(
          'file-unparseable',
          'error',
          file,
          error.at,
          `${file} is not valid JSON (${error.message}): Paperclip refuses to start with it`,
        );
      }
    }
  }

  // Makefile
  const makefilePath = ['GNUmakefile', 'makefile', 'Makefile'].find((name) => readText(dir, name) !== undefined);
  if (makefilePath) {
    project.files.push({ role: 'Makefile', path: makefilePath });
    project.makefile = parseMakefile(makefilePath, readText(dir, makefilePath) ?? '', parser);
    const called = new Set<string>();
    for (const script of project.makefile.rules.flatMap((rule) => rule.recipe)) {
      for (const command of script.commands) {
        const [program, first] = command.words.map((word) => word.value);
        const path = program && /^(ba|da)?sh$/.test(program) ? first : program;
        if (path && /\.sh$/.test(path)) called.add(path.replace(/^\.\//, ''));
      }
      if (script.errors[0])
        problem(
          'file-unparseable',
          'warning',
          makefilePath,
          script.errors[0],
          'the shell parser could not follow this recipe: checks here may miss something',
        );
    }
    for (const file of [...called].sort()) {
      const text = readText(dir, file);
      if (text === undefined) continue;
      project.files.push({ role: 'script', path: file });
      const index = new LineIndex(text);
      project.operatorScripts.push(
        parseShell(parser, { file, text, map: (offset) => index.at(offset), env: new Map() }),
      );
    }
  }

  // GitHub workflows
  const workflowsDir = join(dir, '.github', 'workflows');
  if (existsSync(workflowsDir) && statSync(workflowsDir).isDirectory()) {
    for (const name of readdirSync(workflowsDir)
      .filter((entry) => /\.ya?ml$/.test(entry))
      .sort()) {
      const path = `.github/workflows/${name}`;
      const text = readText(dir, path);
      if (text === undefined) continue;
      project.files.push({ role: 'workflow', path });
      try {
        project.workflows.push(parseWorkflow(path, text, parser));
      } catch (error) {
        if (!(error instanceof YamlError)) throw error;
        problem('file-unparseable', 'error', path, error.at, `${path} is not valid YAML: ${error.message}`);
      }
    }
  }

  // .env: committed unless .gitignore keeps it out.
  const dotenv = readText(dir, '.env');
  if (dotenv !== undefined) {
    const ignore = (readText(dir, '.gitignore') ?? '').split('\n').map((line) => line.trim());
    const committed = !ignore.some((pattern) => ['.env', '/.env', '.env*', '/.env*', '*.env', '*'].includes(pattern));
    project.files.push({ role: '.env', path: '.env' });
    project.dotenv = { file: '.env', text: dotenv, committed };
  }
  return project;
}
