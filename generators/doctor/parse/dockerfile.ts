/**
 * A Dockerfile as stages of instructions with positions (dockerfile-ast); RUN commands become shell syntax trees
 * that know the stage's ENV and ARG values. Only what the doctor's rules read is modelled.
 */
import { DockerfileParser, type Argument, type Instruction } from 'dockerfile-ast';
import { LineIndex, type Position } from './text.js';
import { parseShell, verbatimSource, type ShellScript } from './shell.js';
import type { Parser } from 'web-tree-sitter';

export interface Located<T = string> {
  value: T;
  at: Position;
}

export interface DockerCopy {
  keyword: 'COPY' | 'ADD';
  /** `--from=<stage or image>`: the files come from elsewhere, not from the repository. */
  from?: string;
  sources: Located[];
  /** Absolute destination (WORKDIR applied); ends with / when it is a directory. */
  dest: Located;
  at: Position;
}

/** ENTRYPOINT or CMD: exec form (a JSON array) or shell form (run by /bin/sh -c). */
export interface DockerExec {
  exec: boolean;
  words: Located[];
  /** Shell form only: the command text as a syntax tree. */
  shell?: ShellScript;
  at: Position;
}

export interface DockerStage {
  name?: string;
  /** Base image, variables expanded; for `FROM <earlier stage>` the stage is in `base`. */
  image: { ref: string; name: string; tag?: string; digest?: string; at: Position };
  base?: DockerStage;
  /** ENV values, including those inherited from a base stage. */
  env: Map<string, Located>;
  args: Map<string, Located>;
  user?: Located;
  copies: DockerCopy[];
  runs: { script?: ShellScript; words: Located[]; at: Position }[];
  entrypoint?: DockerExec;
  cmd?: DockerExec;
  workdir: string;
  at: Position;
}

export interface DockerfileModel {
  file: string;
  index: LineIndex;
  stages: DockerStage[];
  /** The stage that becomes the image Fly runs. */
  final: DockerStage;
}

const position = (range: { start: { line: number; character: number } }): Position => ({
  line: range.start.line + 1,
  column: range.start.character + 1,
});
const located = (argument: Argument): Located => ({ value: argument.getValue(), at: position(argument.getRange()) });

/** `docker.io/library/node:24-slim` → name `node`, tag `24-slim`. */
export function splitImage(ref: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = ref.split('@') as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : undefined;
  let name = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const parts = name.split('/');
  const registry = parts[0] ?? '';
  if (parts.length > 1 && (registry.includes('.') || registry.includes(':') || registry === 'localhost')) parts.shift();
  if (parts[0] === 'library') parts.shift();
  name = parts.join('/');
  return { name, tag, digest };
}

const absolute = (path: string, workdir: string): string =>
  path.startsWith('/') ? path : `${workdir.replace(/\/$/, '')}/${path}`;

function execSpec(
  instruction: Instruction,
  file: string,
  index: LineIndex,
  parser: Parser,
  env: ReadonlyMap<string, string>,
): DockerExec {
  const json = (instruction as unknown as { getJSONStrings?: () => Argument[] }).getJSONStrings?.() ?? [];
  const at = position(instruction.getRange());
  if (json.length)
    return {
      exec: true,
      words: json.map((argument) => ({
        value: (argument as unknown as { getJSONValue(): string }).getJSONValue(),
        at: position(argument.getRange()),
      })),
      at,
    };
  return {
    exec: false,
    words: instruction.getArguments().map(located),
    shell: shellOf(instruction, file, index, parser, env),
    at,
  };
}

function shellOf(
  instruction: Instruction,
  file: string,
  index: LineIndex,
  parser: Parser,
  env: ReadonlyMap<string, string>,
): ShellScript | undefined {
  const argumentsRange = instruction.getArgumentsRange();
  if (!argumentsRange) return undefined;
  const from = index.offset(argumentsRange.start.line, argumentsRange.start.character);
  const to = index.offset(argumentsRange.end.line, argumentsRange.end.character);
  return parseShell(parser, verbatimSource(file, index, from, to - from, env));
}

export function parseDockerfile(file: string, text: string, parser: Parser): DockerfileModel {
  const dockerfile = DockerfileParser.parse(text);
  const index = new LineIndex(text);
  const stages: DockerStage[] = [];
  const globalArgs = new Map<string, Located>();
  let stage: DockerStage | undefined;
  const values = (s: DockerStage) =>
    new Map([
      ...[...s.args].map(([k, v]) => [k, v.value] as const),
      ...[...s.env].map(([k, v]) => [k, v.value] as const),
    ]);

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const at = position(instruction.getRange());
    if (keyword === 'FROM') {
      const expanded = instruction
        .getExpandedArguments()
        .map((argument) => argument.getValue())
        .filter((value) => !value.startsWith('--'));
      const ref = expanded[0] ?? '';
      const asAt = expanded.findIndex((value) => value.toLowerCase() === 'as');
      const base = stages.find((candidate) => candidate.name !== undefined && candidate.name === ref.toLowerCase());
      const imageArgument = instruction.getArguments().find((argument) => !argument.getValue().startsWith('--'));
      stage = {
        name: asAt !== -1 ? expanded[asAt + 1]?.toLowerCase() : undefined,
        image: { ref, ...splitImage(ref), at: imageArgument ? position(imageArgument.getRange()) : at },
        base,
        env: new Map(base?.env ?? []),
        args: new Map(),
        user: base?.user,
        copies: [],
        runs: [],
        workdir: base?.workdir ?? '/',
        entrypoint: base?.entrypoint,
        cmd: base?.cmd,
        at,
      };
      stages.push(stage);
      continue;
    }
    if (!stage) {
      if (keyword === 'ARG')
        for (const argument of instruction.getArguments()) {
          const [name, ...rest] = argument.getValue().split('=');
          globalArgs.set(name ?? '', { value: rest.join('='), at: position(argument.getRange()) });
        }
      continue;
    }
    switch (keyword) {
      case 'ENV':
        for (const property of (
          instruction as unknown as {
            getProperties(): {
              getName(): string;
              getValue(): string | null;
              getNameRange(): { start: { line: number; character: number } };
            }[];
          }
        ).getProperties()) {
          stage.env.set(property.getName(), {
            value: property.getValue() ?? '',
            at: position(property.getNameRange()),
          });
        }
        break;
      case 'ARG':
        for (const argument of instruction.getArguments()) {
          const [name, ...rest] = argument.getValue().split('=');
          const value = rest.length ? rest.join('=') : (globalArgs.get(name ?? '')?.value ?? '');
          stage.args.set(name ?? '', { value, at: position(argument.getRange()) });
        }
        break;
      case 'USER':
        {
          const user = instruction.getArguments()[0];
          stage.user = user ? located(user) : undefined;
        }
        break;
      case 'WORKDIR': {
        const dir = instruction.getArguments()[0]?.getValue();
        if (dir) stage.workdir = absolute(dir, stage.workdir);
        break;
      }
      case 'COPY':
      case 'ADD': {
        const flags = (
          instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }
        ).getFlags();
        const json = (instruction as unknown as { getJSONStrings?: () => Argument[] }).getJSONStrings?.() ?? [];
        const parts = json.length
          ? json.map((argument) => ({
              value: (argument as unknown as { getJSONValue(): string }).getJSONValue(),
              at: position(argument.getRange()),
            }))
          : instruction
              .getArguments()
              .filter((argument) => !argument.getValue().startsWith('--'))
              .map(located);
        if (parts.length < 2) break;
        const dest = parts[parts.length - 1];
        if (!dest) break;
        const sources = parts.slice(0, -1);
        const destPath = absolute(dest.value, stage.workdir);
        stage.copies.push({
          keyword,
          from: flags.find((flag) => flag.getName() === 'from')?.getValue() ?? undefined,
          sources,
          dest: { value: sources.length > 1 && !destPath.endsWith('/') ? `${destPath}/` : destPath, at: dest.at },
          at,
        });
        break;
      }
      case 'RUN': {
        const spec = execSpec(instruction, file, index, parser, values(stage));
        stage.runs.push({ script: spec.shell, words: spec.words, at });
        break;
      }
      case 'ENTRYPOINT':
        stage.entrypoint = execSpec(instruction, file, index, parser, values(stage));
        // Docker resets CMD when ENTRYPOINT is set in the same stage.
        if (stage.cmd && stage.cmd === stage.base?.cmd) stage.cmd = undefined;
        break;
      case 'CMD':
        stage.cmd = execSpec(instruction, file, index, parser, values(stage));
        break;
      default:
        break;
    }
  }
  if (!stage) throw new Error('no FROM instruction');
  return { file, index, stages, final: stage };
}

/** The argv the container starts with (ENTRYPOINT + CMD as Docker combines them), or undefined for none. */
export function startCommand(stage: DockerStage): { words: Located[]; shell?: ShellScript } | undefined {
  const { entrypoint, cmd } = stage;
  if (entrypoint) {
    if (!entrypoint.exec) return { words: entrypoint.words, shell: entrypoint.shell };
    return { words: [...entrypoint.words, ...(cmd?.exec ? cmd.words : [])] };
  }
  if (cmd) return cmd.exec ? { words: cmd.words } : { words: cmd.words, shell: cmd.shell };
  return undefined;
}

/** Every value the image's environment holds at run time (ENV of the final stage). */
export const imageEnv = (model: DockerfileModel): Map<string, string> =>
  new Map([...model.final.env].map(([name, entry]) => [name, entry.value]));
