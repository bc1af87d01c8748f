/**
 * Shell as a syntax tree (tree-sitter-bash through web-tree-sitter, WASM: no native build, no network). The
 * doctor reads commands, not lines: a trap in a comment is no command, and a flag held in a variable is
 * followed through the script's assignments (flow-insensitively: a variable assigned two different values is
 * unknown, never guessed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { LineIndex, type Position } from './text.js';

/** A piece of shell text and where it sits in its file. */
export interface ShellSource {
  file: string;
  text: string;
  /** File position of an offset (UTF-16 units) in `text`. */
  map: (offset: number) => Position;
  /** Variables known before the script runs (the image's ENV, fly.toml [env]); the script's own assignments win. */
  env?: ReadonlyMap<string, string>;
}

/** A snippet copied verbatim from a file, starting at `offset` of that file. */
export function verbatimSource(
  file: string,
  index: LineIndex,
  offset: number,
  length?: number,
  env?: ReadonlyMap<string, string>,
): ShellSource {
  const text = index.text.slice(offset, length === undefined ? undefined : offset + length);
  return { file, text, map: (at) => index.at(offset + at), env };
}

export interface Word {
  /** The word after expansion, when every part of it is known. */
  value?: string;
  /** The known leading part (a flag's name survives an unknown value: `--state=$X` → `--state=`). */
  prefix: string;
  /** The word as written. */
  raw: string;
  at: Position;
}

export interface Command {
  script: ShellScript;
  /** The command name and its arguments, expanded (an unquoted variable may become several words). */
  words: Word[];
  /** `NAME=value` written before the command. */
  assignments: Map<string, string | undefined>;
  at: Position;
  /** Followed by `&`. */
  background: boolean;
  /** Its exit status decides something: an if/while condition or an && / || list. */
  condition: boolean;
  /** Its output is read: inside `$(...)` or piped into another command. */
  captured: boolean;
  /** The function whose body holds it. */
  inFunction?: string;
  /** Functions inlined to reach it (for a command that runs through a wrapper function's "$@"). */
  via: string[];
  /** Here-document or here-string text fed to it. */
  stdinText: string[];
}

export interface ShellScript {
  source: ShellSource;
  /** Every simple command in source order: top level, function bodies, substitutions. */
  commands: Command[];
  /** Where the parser could not follow the text. */
  errors: Position[];
  /** The words the script uses outside comments (command words, here-documents, assigned values, as written). */
  words: Word[];
  /** The value of a variable, when the script (or its environment) gives it exactly one. */
  variable(name: string): string | undefined;
  /** Whether the script assigns or exports the variable anywhere. */
  assigns(name: string): Position | undefined;
  parser: Parser;
}

let loading: Promise<Parser> | undefined;

/** The bash grammar: beside this module once built (the build copies it there), else in the tree-sitter-bash package. */
function grammarPath(): string {
  const shipped = fileURLToPath(new URL('./tree-sitter-bash.wasm', import.meta.url));
  if (existsSync(shipped)) return shipped;
  return join(
    dirname(createRequire(import.meta.url).resolve('tree-sitter-bash/package.json')),
    'tree-sitter-bash.wasm',
  );
}

/** Loads the grammar once per process. */
export function loadShellParser(): Promise<Parser> {
  loading ??= (async () => {
    await Parser.init();
    const language = await Language.load(readFileSync(grammarPath()));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return loading;
}

/** Nodes through which a statement's `&` and here-documents reach the command inside. */
const STATEMENT_WRAPPERS = new Set(['redirected_statement', 'pipeline', 'negated_command', 'command']);

/** Nodes with nothing inside that holds a command or an assignment. */
const LEAVES = new Set(['word', 'raw_string', 'heredoc_body', 'comment', 'number', 'ansi_c_string', 'variable_name']);
const CONDITIONALS = new Set(['if_statement', 'elif_clause', 'while_statement', 'until_statement']);

interface WalkContext {
  condition: boolean;
  captured: boolean;
  inFunction?: string;
  background: boolean;
  stdinText: string[];
}

interface Lookup {
  set: boolean;
  value?: string;
}

interface Piece {
  value?: string;
  prefix: string;
  /** Unquoted expansions split into several words. */
  split?: boolean;
}

const joinPieces = (pieces: Piece[]): Piece => {
  let value: string | undefined = '';
  let prefix = '';
  let open = true;
  for (const piece of pieces) {
    if (open) prefix += piece.value ?? piece.prefix;
    if (piece.value === undefined) open = false;
    value = value !== undefined && piece.value !== undefined ? value + piece.value : undefined;
  }
  return { value, prefix };
};

export function parseShell(parser: Parser, source: ShellSource): ShellScript {
  const tree = parser.parse(source.text);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${source.file}`);
  const root = tree.rootNode;

  // One walk collects what the rest needs, carrying each node's context down (tree-sitter's node getters cross
  // into WASM, so climbing parents per command is slow).
  const assigned = new Map<string, { nodes: Node[]; appends: boolean; at: Position }>();
  const declared = new Map<string, Position>();
  const commandNodes: { node: Node; context: WalkContext }[] = [];
  const cursor = tree.walk();
  const walk = (context: WalkContext, parentType: string) => {
    const type = cursor.nodeType;
    if (type === 'variable_assignment' && parentType !== 'command') {
      // (`FOO=bar cmd` sets FOO for that command only.) Assignments are flow-insensitive: name → its value nodes.
      const node = cursor.currentNode;
      const name = node.childForFieldName('name')?.text;
      if (name) {
        const value = node.childForFieldName('value');
        const entry = assigned.get(name) ?? { nodes: [], appends: false, at: source.map(node.startIndex) };
        entry.nodes.push(value ?? node); // `X=` assigns the empty string
        if (node.children.some((child) => child.type === '+=')) entry.appends = true;
        assigned.set(name, entry);
      }
    } else if (type === 'declaration_command') {
      // `export X` / `declare X` without a value still mark the variable as the script's.
      for (const child of cursor.currentNode.namedChildren)
        if (child.type === 'variable_name') declared.set(child.text, source.map(child.startIndex));
    } else if (type === 'command') commandNodes.push({ node: cursor.currentNode, context });
    if (LEAVES.has(type)) return;
    let stdinText = context.stdinText;
    if (type === 'redirected_statement') {
      stdinText = [];
      for (const redirect of cursor.currentNode.namedChildren) {
        if (redirect.type === 'heredoc_redirect') {
          const body = redirect.namedChildren.find((child) => child.type === 'heredoc_body');
          if (body) stdinText.push(body.text);
        } else if (redirect.type === 'herestring_redirect')
          stdinText.push(redirect.namedChildren.map((child) => child.text).join(' '));
      }
    }
    const inFunction =
      type === 'function_definition'
        ? (cursor.currentNode.childForFieldName('name')?.text ?? context.inFunction)
        : context.inFunction;
    if (!cursor.gotoFirstChild()) return;
    const kids: { type: string; named: boolean }[] = [];
    do kids.push({ type: cursor.nodeType, named: cursor.nodeIsNamed });
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
    cursor.gotoFirstChild();
    const lastNamed = kids.findLastIndex((kid) => kid.named);
    let inCondition = CONDITIONALS.has(type);
    kids.forEach((kid, i) => {
      if (i) cursor.gotoNextSibling();
      if (inCondition && (kid.type === 'then' || kid.type === 'do_group')) inCondition = false;
      walk(
        {
          condition: context.condition || type === 'list' || inCondition,
          captured:
            context.captured ||
            type === 'command_substitution' ||
            type === 'process_substitution' ||
            (type === 'pipeline' && kid.named && i !== lastNamed),
          inFunction,
          background: kids[i + 1]?.type === '&' || (context.background && STATEMENT_WRAPPERS.has(type)),
          stdinText: STATEMENT_WRAPPERS.has(type) ? stdinText : [],
        },
        type,
      );
    });
    cursor.gotoParent();
  };
  walk({ condition: false, captured: false, background: false, stdinText: [] }, '');
  cursor.delete();

  const resolving = new Set<string>();
  const cache = new Map<string, Lookup>();

  /** An array's elements; unknown elements keep their known prefix. */
  function arrayOf(name: string): Piece[] | undefined {
    const entry = assigned.get(name);
    if (!entry || entry.nodes.some((node) => node.type !== 'array')) return undefined;
    return entry.nodes.flatMap((node) => node.namedChildren.flatMap((child) => expand(child)));
  }

  /** Whether a variable is set, and to what when that is known. Unset means: not by the script nor its environment. */
  function lookup(name: string): Lookup {
    const entry = assigned.get(name);
    if (resolving.has(name) || !entry) {
      // A self-reference (X=${X:-d}) or no assignment: what the environment gives, if anything.
      const value = source.env?.get(name);
      return value === undefined ? { set: false } : { set: true, value };
    }
    const cached = cache.get(name);
    if (cached) return cached;
    let result: Lookup = { set: true };
    if (!entry.appends) {
      resolving.add(name);
      const values = new Set<string | undefined>();
      for (const node of entry.nodes) {
        if (node.type === 'variable_assignment') values.add('');
        else if (node.type === 'array') values.add(arrayOf(name)?.[0]?.value);
        else values.add(joinPieces(expand(node, true)).value);
      }
      resolving.delete(name);
      if (values.size === 1) result = { set: true, value: [...values][0] };
    }
    cache.set(name, result);
    return result;
  }

  /** `${...}`: plain, with a default (`:-`, `-`, `:=`, `=`), `[@]` of an array; anything else is unknown. */
  function expandBraced(node: Node, quoted: boolean): Piece[] {
    const inner = node.namedChildren;
    const operator = node.children.find((child) => !child.isNamed && !['${', '}'].includes(child.type))?.type;
    const first = inner[0];
    if (first?.type === 'subscript') {
      const name = first.childForFieldName('name')?.text ?? first.namedChildren[0]?.text;
      const index = first.childForFieldName('index')?.text ?? first.namedChildren[1]?.text;
      const items = name && (index === '@' || index === '*') && operator === undefined ? arrayOf(name) : undefined;
      if (!items) return [{ prefix: '' }];
      if (quoted && index === '@') return items;
      const joined = joinPieces(items.flatMap((item, n) => (n ? [{ value: ' ', prefix: ' ' }, item] : [item])));
      return [{ ...joined, split: !quoted }];
    }
    if (first?.type !== 'variable_name') return [{ prefix: '' }];
    const found = lookup(first.text);
    if (operator === undefined) return [{ value: found.value, prefix: found.value ?? '', split: !quoted }];
    if ([':-', '-', ':=', '='].includes(operator)) {
      const useDefault = !found.set || (found.value === '' && operator.startsWith(':'));
      if (!useDefault) return [{ value: found.value, prefix: found.value ?? '', split: !quoted }];
      return [{ ...joinPieces(inner.slice(1).flatMap((child) => expand(child, true))), split: !quoted }];
    }
    return [{ prefix: '' }];
  }

  /** The words a node stands for after expansion (one, several for unquoted expansions, or unknown). */
  function expand(node: Node, quoted = false): Piece[] {
    switch (node.type) {
      case 'word':
      case 'number':
      case 'string_content':
      case 'variable_name': {
        const text = quoted ? node.text : node.text.replace(/\\(.)/g, '$1');
        return [{ value: text, prefix: text }];
      }
      case 'raw_string': {
        const text = node.text.slice(1, -1);
        return [{ value: text, prefix: text }];
      }
      case 'ansi_c_string': {
        const text = node.text.slice(2, -1);
        return [{ value: text, prefix: text }];
      }
      case 'string': {
        const parts = node.namedChildren;
        const only = parts.length === 1 ? parts[0] : undefined;
        if (only?.type === 'expansion') {
          const pieces = expandBraced(only, true);
          if (pieces.length !== 1) return pieces;
        }
        // Text between the quotes that tree-sitter leaves unnamed (e.g. spaces) is kept by slicing.
        const pieces: Piece[] = [];
        let cursor = node.startIndex + 1;
        for (const part of parts) {
          if (part.startIndex > cursor) {
            const gap = source.text.slice(cursor, part.startIndex);
            pieces.push({ value: gap, prefix: gap });
          }
          pieces.push(...expand(part, true).map((piece) => ({ ...piece, split: false })));
          cursor = part.endIndex;
        }
        if (node.endIndex - 1 > cursor) {
          const gap = source.text.slice(cursor, node.endIndex - 1);
          pieces.push({ value: gap, prefix: gap });
        }
        return [joinPieces(pieces)];
      }
      case 'simple_expansion': {
        const name = node.namedChildren[0];
        if (!name || name.type !== 'variable_name') return [{ prefix: '' }];
        const { value } = lookup(name.text);
        return [{ value, prefix: value ?? '', split: !quoted }];
      }
      case 'expansion':
        return expandBraced(node, quoted);
      case 'concatenation': {
        const parts = node.namedChildren;
        return [joinPieces(parts.flatMap((part) => expand(part, quoted).map((piece) => ({ ...piece, split: false }))))];
      }
      default:
        // Command and process substitution, arithmetic, globs with brackets: unknown.
        return [{ prefix: '' }];
    }
  }

  function wordsOf(node: Node): Word[] {
    const raw = node.text;
    const at = source.map(node.startIndex);
    const words: Word[] = [];
    for (const piece of expand(node)) {
      if (piece.split && piece.value !== undefined) {
        for (const part of piece.value.split(/\s+/).filter(Boolean)) words.push({ value: part, prefix: part, raw, at });
      } else words.push({ value: piece.value, prefix: piece.prefix, raw, at });
    }
    return words;
  }

  const script: ShellScript = {
    source,
    commands: [],
    errors: [],
    words: [],
    variable: (name) => lookup(name).value,
    assigns: (name) => assigned.get(name)?.at ?? declared.get(name),
    parser,
  };

  for (const { node, context } of commandNodes) {
    const words: Word[] = [];
    const nameNode = node.childForFieldName('name');
    if (nameNode) for (const child of nameNode.namedChildren) words.push(...wordsOf(child));
    for (const argument of node.childrenForFieldName('argument')) words.push(...wordsOf(argument));
    const assignments = new Map<string, string | undefined>();
    for (const child of node.namedChildren) {
      if (child.type !== 'variable_assignment') continue;
      const name = child.childForFieldName('name')?.text;
      const value = child.childForFieldName('value');
      if (name) assignments.set(name, value ? joinPieces(expand(value)).value : '');
    }
    script.commands.push({
      script,
      words,
      assignments,
      at: source.map(node.startIndex),
      background: context.background,
      condition: context.condition,
      captured: context.captured,
      inFunction: context.inFunction,
      via: [],
      stdinText: context.stdinText,
    });
  }
  script.commands.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);

  // The words the script uses anywhere outside comments: its commands' words, here-documents, assigned values.
  script.words = [
    ...script.commands.flatMap((command) => [
      ...command.words,
      ...command.stdinText.map((text) => ({ value: text, prefix: text, raw: text, at: command.at })),
    ]),
    ...[...assigned.values()].flatMap((entry) =>
      entry.nodes.map((node) => ({ value: node.text, prefix: node.text, raw: node.text, at: entry.at })),
    ),
  ];

  const errors: Node[] = [];
  const collect = (node: Node) => {
    if (node.type === 'ERROR' || node.isMissing) errors.push(node);
    else if (node.hasError) for (const child of node.children) collect(child);
  };
  collect(root);
  script.errors = errors.map((node) => source.map(node.startIndex));
  // Resolve every variable now: the lookups read syntax nodes, which die with the tree.
  for (const name of assigned.keys()) lookup(name);
  tree.delete();
  return script;
}

const isDollarAt = (word: Word) =>
  word.raw === '"$@"' || word.raw === '$@' || word.raw === '"${@}"' || word.raw === '"$*"';

/**
 * Every command the script runs, with calls of its own functions expanded: `as_app_user paperclipai run`
 * becomes the function's `runuser ... "$@"` with the call's words in place of "$@", located at the call.
 */
export function invocations(script: ShellScript): Command[] {
  const bodies = new Map<string, Command[]>();
  // `shift` in a wrapper function drops its own leading arguments from "$@" (daemon_as <user> <command...>).
  const shifts = new Map<string, number>();
  for (const command of script.commands) {
    if (!command.inFunction) continue;
    if (command.words.some(isDollarAt))
      bodies.set(command.inFunction, [...(bodies.get(command.inFunction) ?? []), command]);
    if (command.words[0]?.value === 'shift')
      shifts.set(command.inFunction, (shifts.get(command.inFunction) ?? 0) + Number(command.words[1]?.value ?? 1));
  }
  const out: Command[] = [];
  const visit = (command: Command, depth: number) => {
    out.push(command);
    const name = command.words[0]?.value;
    if (name === undefined || depth > 4 || command.via.includes(name)) return;
    for (const inner of bodies.get(name) ?? []) {
      const words = inner.words.flatMap((word) =>
        isDollarAt(word) ? command.words.slice(1 + (shifts.get(name) ?? 0)) : [word],
      );
      visit(
        { ...command, words, via: [...command.via, name], stdinText: [...command.stdinText, ...inner.stdinText] },
        depth + 1,
      );
    }
  };
  for (const command of script.commands) visit(command, 0);
  return out;
}

export const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The program a word names: `"$PG_BIN/pg_ctl"` is pg_ctl even when PG_BIN is unknown. */
export function programName(word: Word): string {
  if (word.value !== undefined) return basename(word.value);
  const literalTail = /\/([\w.+-]+)["']?$/.exec(word.raw);
  return literalTail?.[1] ?? basename(word.prefix);
}

/** A program that runs another program given after its own options (and what it changes on the way). */
export interface Wrapper {
  name: string;
  /** The user it switches to, when it switches. */
  user?: string;
  /** Resets HOME to the target user's passwd home. */
  setsHome: boolean;
  /** Starts a login shell (su -, runuser -l). */
  login: boolean;
  at: Position;
}

/** The program a command finally runs, past exec, env, tini, timeout, runuser, setpriv, su -c and the like. */
export interface Effective {
  name: string;
  /** The word that names the program, as written (`initdb` or `"$PG_BIN/initdb"`). */
  head: Word;
  args: Word[];
  wrappers: Wrapper[];
  /** Variables set on the way (`env NAME=value`, `NAME=value cmd`). */
  env: Map<string, string | undefined>;
  command: Command;
  at: Position;
}

const PLAIN_WRAPPERS = new Set(['exec', 'command', 'nohup', 'setsid', 'builtin', 'time', 'stdbuf', 'ionice', 'chrt']);
const INIT_WRAPPERS = new Set(['tini', 'tini-static', 'dumb-init', 'catatonit']);
const USER_ARG_WRAPPERS = new Set(['gosu', 'su-exec', 's6-setuidgid']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash']);

const optionValue = (
  args: Word[],
  i: number,
  long: string,
  short?: string,
): { value?: string; next: number } | undefined => {
  const text = args[i]?.value ?? args[i]?.prefix ?? '';
  if (text === long || (short && text === short)) return { value: args[i + 1]?.value, next: i + 2 };
  if (text.startsWith(`${long}=`)) return { value: text.slice(long.length + 1), next: i + 1 };
  if (short && text.startsWith(short) && text.length > short.length && !text.startsWith('--'))
    return { value: text.slice(short.length), next: i + 1 };
  return undefined;
};

/** What a command runs in the end; several results for `sh -c '...'` or `su -c '...'` strings with many commands. */
export function effective(command: Command, words = command.words, wrappers: Wrapper[] = [], depth = 0): Effective[] {
  const env = new Map(command.assignments);
  const chain = [...wrappers];
  /** The word at k as far as it is known (its value, or its known prefix). */
  const text = (k: number): string => words[k]?.value ?? words[k]?.prefix ?? '';
  const isOption = (k: number): boolean => words[k]?.value?.startsWith('-') ?? false;
  const nested = (script: string | undefined, at: Position): Effective[] => {
    if (script === undefined || depth > 3) return [];
    const inner = parseShell(command.script.parser, {
      file: command.script.source.file,
      text: script,
      map: () => at,
      env: command.script.source.env,
    });
    return inner.commands.flatMap((candidate) =>
      effective(
        { ...candidate, at, via: command.via, background: command.background, condition: command.condition },
        candidate.words,
        chain,
        depth + 1,
      ),
    );
  };
  let i = 0;
  for (let word = words[i]; word?.value !== undefined; word = words[i]) {
    const name = basename(word.value);
    const at = word.at;
    if (PLAIN_WRAPPERS.has(name)) {
      if (name === 'exec') chain.push({ name, setsHome: false, login: false, at });
      i++;
      while (isOption(i)) i++;
    } else if (name === 'nice') {
      i++;
      if (text(i) === '-n') i += 2;
      else if (isOption(i)) i++;
    } else if (INIT_WRAPPERS.has(name)) {
      i++;
      while (isOption(i)) if (text(i++) === '--') break;
    } else if (name === 'timeout') {
      i++;
      while (isOption(i)) i += text(i) === '-s' || text(i) === '-k' ? 2 : 1;
      i++; // the duration
      chain.push({ name, setsHome: false, login: false, at });
    } else if (name === 'env') {
      i++;
      while (i < words.length) {
        const current = text(i);
        if (current === '-u' || current === '-C') i += 2;
        else if (current.startsWith('-')) i++;
        else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(current)) {
          const eq = current.indexOf('=');
          env.set(current.slice(0, eq), words[i]?.value === undefined ? undefined : current.slice(eq + 1));
          i++;
        } else break;
      }
    } else if (name === 'npx') {
      i++;
      while (isOption(i)) i += text(i) === '-p' || text(i) === '--package' ? 2 : 1;
    } else if (USER_ARG_WRAPPERS.has(name)) {
      chain.push({ name, user: words[i + 1]?.value, setsHome: name !== 's6-setuidgid', login: false, at });
      i += 2;
    } else if (name === 'setpriv') {
      const wrapper: Wrapper = { name, setsHome: false, login: false, at };
      i++;
      while (text(i).startsWith('-')) {
        const reuid = optionValue(words, i, '--reuid', '--ruid') ?? optionValue(words, i, '--euid');
        if (reuid) wrapper.user = reuid.value;
        if (text(i) === '--reset-env') wrapper.setsHome = true;
        i = reuid?.next ?? i + 1;
      }
      chain.push(wrapper);
    } else if (name === 'sudo') {
      const wrapper: Wrapper = { name, user: 'root', setsHome: true, login: false, at };
      i++;
      while (text(i).startsWith('-')) {
        if (text(i) === '--') {
          i++;
          break;
        }
        const user = optionValue(words, i, '--user', '-u');
        if (user) wrapper.user = user.value;
        i = user?.next ?? i + 1;
      }
      chain.push(wrapper);
    } else if (name === 'runuser' || name === 'su') {
      const wrapper: Wrapper = { name, setsHome: true, login: false, at };
      let script: string | undefined;
      let scriptAt = at;
      let userGiven = false;
      i++;
      while (i < words.length) {
        const current = text(i);
        const user = optionValue(words, i, '--user', '-u');
        const commandText = optionValue(words, i, '--command', '-c');
        const skipped =
          optionValue(words, i, '--shell', '-s') ??
          optionValue(words, i, '--group', '-g') ??
          optionValue(words, i, '--supp-group', '-G');
        if (current === '--') {
          i++;
          break;
        }
        if (user) {
          wrapper.user = user.value;
          userGiven = true;
          i = user.next;
        } else if (commandText) {
          script = commandText.value;
          scriptAt = words[commandText.next - 1]?.at ?? at;
          i = commandText.next;
        } else if (skipped) i = skipped.next;
        else if (current === '-' || current === '-l' || current === '--login') {
          wrapper.login = true;
          i++;
        } else if (current === '-m' || current === '-p' || current === '--preserve-environment') {
          wrapper.setsHome = false;
          i++;
        } else if (current.startsWith('-')) i++;
        else if (name === 'su' || !userGiven) {
          // su [options] user [args]; runuser user -c cmd
          wrapper.user ??= words[i]?.value;
          userGiven = true;
          i++;
          if (name === 'su') {
            const rest = words.slice(i);
            const c = rest.findIndex((candidate) => candidate.value === '-c');
            if (c !== -1) {
              script = rest[c + 1]?.value;
              scriptAt = rest[c + 1]?.at ?? at;
            }
            i = words.length;
          }
        } else break;
      }
      chain.push(wrapper);
      if (script !== undefined || i >= words.length) {
        const inner = nested(script, scriptAt);
        return inner.length
          ? inner
          : [{ name, head: word, args: words.slice(i), wrappers: chain, env, command, at: command.at }];
      }
    } else if (SHELLS.has(name) && words.some((candidate, index) => index > i && candidate.value === '-c')) {
      const c = words.findIndex((candidate, index) => index > i && candidate.value === '-c');
      return nested(words[c + 1]?.value, words[c + 1]?.at ?? at);
    } else break;
  }
  const head = words[i];
  if (!head) return [];
  return [{ name: programName(head), head, args: words.slice(i + 1), wrappers: chain, env, command, at: command.at }];
}

/** The first argument that is not an option (a subcommand such as `run` or `deploy`). */
export const positional = (args: Word[], from = 0): string[] =>
  args
    .slice(from)
    .filter((word) => !word.prefix.startsWith('-'))
    .map((word) => word.value ?? word.prefix);

/** Whether an option is given: `--name`, `--name=value`, or one of the short forms. */
export function hasOption(args: Word[], ...names: string[]): Word | undefined {
  return args.find((word) => names.some((name) => word.prefix === name || word.prefix.startsWith(`${name}=`)));
}

/** The value of `--name=value` or `--name value`, with the word that holds the value. */
export function optionOf(args: Word[], name: string): { value?: string; prefix: string; word: Word } | undefined {
  for (const [i, word] of args.entries()) {
    if (word.prefix.startsWith(`${name}=`)) {
      return { value: word.value?.slice(name.length + 1), prefix: word.prefix.slice(name.length + 1), word };
    }
    const next = args[i + 1];
    if (word.value === name && next) return { value: next.value, prefix: next.prefix, word: next };
  }
  return undefined;
}
