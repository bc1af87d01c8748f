/**
 * A GNU Makefile read line by line as make reads it (no npm parser covers make): variable assignments, rules and
 * their recipes, directives, and the features that need a newer make than macOS's 3.81. Recipes are handed to
 * the shell parser after make's own expansion ($(VAR) replaced by its value, $$ by $), with every character
 * mapped back to where it was written.
 */
import type { Parser } from 'web-tree-sitter';
import { LineIndex, type Position } from './text.js';
import { parseShell, type ShellScript } from './shell.js';

export interface MakeFeature {
  /** What the Makefile uses, as written (`.ONESHELL`, `!=`). */
  name: string;
  /** The first GNU make version that has it. */
  since: string;
  at: Position;
}

export interface MakeRule {
  targets: string[];
  at: Position;
  /** The recipe as shell: one script per recipe line, or one for the whole recipe under .ONESHELL. */
  recipe: ShellScript[];
}

export interface MakefileModel {
  file: string;
  variables: Map<string, { value: string; at: Position }>;
  rules: MakeRule[];
  features: MakeFeature[];
  /** A conditional on $(MAKE_VERSION) or $(.FEATURES) that stops with $(error ...): the Makefile says what it needs. */
  versionGuard?: Position;
  oneshell: boolean;
}

/** Text whose every character remembers its offset in the Makefile. */
interface Mapped {
  text: string;
  offsets: number[];
}

const FUNCTIONS_SINCE: Record<string, string> = { file: '4.0', guile: '4.0', let: '4.4', intcmp: '4.4' };
const ASSIGNMENT = /^((?:(?:export|override|private)\s+)*)([^\s:#=!?+]+)\s*(:::=|::=|:=|\?=|\+=|!=|=)\s*(.*)$/s;
const OPERATOR_SINCE: Record<string, string> = { '::=': '4.0', '!=': '4.0', ':::=': '4.4' };

/** The first unescaped # outside a variable reference starts a comment (in makefile lines, not recipes). */
function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '#') return line.slice(0, i);
  }
  return line;
}

/** Index of the parenthesis or brace closing the reference opened at `open`. */
function closing(text: string, open: number): number {
  const opener = text[open];
  const closer = opener === '(' ? ')' : '}';
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === opener) depth++;
    else if (text[i] === closer && --depth === 0) return i;
  }
  return -1;
}

export function parseMakefile(file: string, text: string, parser: Parser): MakefileModel {
  const index = new LineIndex(text);
  const model: MakefileModel = { file, variables: new Map(), rules: [], features: [], oneshell: false };
  const lines = text.split('\n');
  const lineStart: number[] = [];
  lines.reduce((offset, line) => (lineStart.push(offset), offset + line.length + 1), 0);
  const lineAt = (n: number): string => lines[n] ?? '';
  const startOf = (n: number): number => lineStart[n] ?? text.length;
  let recipePrefix = '\t';
  let rule: { targets: string[]; at: Position; lines: Mapped[] } | undefined;
  const pendingRules: { targets: string[]; at: Position; lines: Mapped[] }[] = [];
  const conditions: string[] = [];
  let inDefine = false;
  const feature = (name: string, since: string, offset: number) =>
    model.features.push({ name, since, at: index.at(offset) });

  const scanFunctions = (line: string, offset: number) => {
    for (const match of line.matchAll(/\$[({](file|guile|let|intcmp)\s/g)) {
      const name = match[1] ?? '';
      feature(`$(${name} ...)`, FUNCTIONS_SINCE[name] ?? '4.0', offset + match.index);
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const first = lineAt(i);
    const offset = startOf(i);
    if (inDefine) {
      if (/^\s*endef\b/.test(first)) inDefine = false;
      continue;
    }
    if (rule && first.startsWith(recipePrefix)) {
      // A recipe line, with its backslash continuations (make drops one leading recipe prefix on each).
      const mapped: Mapped = { text: '', offsets: [] };
      let j = i;
      let skip = recipePrefix.length;
      for (;;) {
        const line = lineAt(j);
        for (let k = skip; k < line.length; k++) {
          mapped.text += line.charAt(k);
          mapped.offsets.push(startOf(j) + k);
        }
        if (!line.endsWith('\\') || j + 1 >= lines.length) break;
        mapped.text += '\n';
        mapped.offsets.push(startOf(j) + line.length);
        j++;
        skip = lineAt(j).startsWith(recipePrefix) ? recipePrefix.length : 0;
      }
      scanFunctions(mapped.text, offset);
      rule.lines.push(mapped);
      i = j;
      continue;
    }
    // A makefile line, with its continuations joined.
    let logical = first;
    let j = i;
    while (logical.endsWith('\\') && j + 1 < lines.length) logical = `${logical.slice(0, -1)} ${lineAt(++j)}`;
    i = j;
    const line = stripComment(logical).trimEnd();
    if (!line.trim()) continue;
    scanFunctions(line, offset);
    const trimmed = line.trim();
    const directive =
      /^(ifeq|ifneq|ifdef|ifndef|else|endif|define|undefine|include|-include|sinclude|export|unexport|vpath)\b\s*(.*)$/.exec(
        trimmed,
      );
    if (directive) {
      const [, word, rest] = directive as unknown as [string, string, string];
      if (word.startsWith('if')) conditions.push(rest);
      else if (word === 'endif') conditions.pop();
      else if (word === 'define') {
        inDefine = true;
        if (/\s(:::=|::=|:=|\?=|\+=|!=|=)\s*$/.test(` ${rest}`))
          feature('define with an assignment operator', '3.82', offset);
      } else if (word === 'undefine') feature('undefine', '3.82', offset);
      if (!(word === 'export' && ASSIGNMENT.test(rest))) {
        rule = undefined;
        continue;
      }
    }
    if (/\$[({]error\s/.test(trimmed) && conditions.some((condition) => /MAKE_VERSION|\.FEATURES/.test(condition)))
      model.versionGuard ??= index.at(offset);
    const assignment = ASSIGNMENT.exec(trimmed);
    if (assignment) {
      const [, modifiers, name, operator, value] = assignment as unknown as [string, string, string, string, string];
      const since = OPERATOR_SINCE[operator];
      if (since) feature(operator, since, offset + first.indexOf(operator));
      if (/\bprivate\b/.test(modifiers)) feature('private', '3.82', offset);
      if (name === '.SHELLFLAGS' || name === '.RECIPEPREFIX') feature(name, '3.82', offset + first.indexOf(name));
      if (name === '.RECIPEPREFIX') recipePrefix = value.trim()[0] ?? '\t';
      const previous = model.variables.get(name);
      const stored =
        operator === '+=' && previous
          ? `${previous.value} ${value}`
          : operator === '?=' && previous
            ? previous.value
            : value;
      model.variables.set(name, { value: stored, at: index.at(offset) });
      rule = undefined;
      continue;
    }
    const colon = trimmed.search(/:(?!=)/);
    if (colon > 0 && !trimmed.slice(0, colon).includes('=')) {
      const targets = trimmed.slice(0, colon).trim().split(/\s+/);
      if (targets.includes('.ONESHELL')) {
        model.oneshell = true;
        feature('.ONESHELL', '3.82', offset + first.indexOf('.ONESHELL'));
      }
      rule = { targets, at: index.at(offset), lines: [] };
      pendingRules.push(rule);
      // `target: prerequisites ; recipe`
      const semicolon = first.indexOf(';', first.indexOf(':'));
      if (semicolon !== -1 && !first.slice(0, semicolon).includes('#')) {
        const recipe = first.slice(semicolon + 1);
        rule.lines.push({ text: recipe, offsets: Array.from(recipe, (_, k) => offset + semicolon + 1 + k) });
      }
      continue;
    }
    rule = undefined;
  }

  const expand = (mapped: Mapped, target: string, depth = 0): Mapped => {
    const out: Mapped = { text: '', offsets: [] };
    const push = (chunk: string, at: number) => {
      out.text += chunk;
      for (let k = 0; k < chunk.length; k++) out.offsets.push(at);
    };
    const { text: source, offsets } = mapped;
    for (let k = 0; k < source.length; k++) {
      const char = source.charAt(k);
      if (char !== '$') {
        out.text += char;
        out.offsets.push(offsets[k] ?? 0);
        continue;
      }
      const next = source[k + 1];
      const at = offsets[k] ?? 0;
      if (next === '$') {
        push('$', at);
        k++;
      } else if (next === '(' || next === '{') {
        const end = closing(source, k + 1);
        if (end === -1) {
          push(source.slice(k), at);
          break;
        }
        const name = source.slice(k + 2, end);
        k = end;
        if (/^[@<^*?%+|](?:[DF])?$/.test(name)) push(target, at);
        else if (/^[^\s,:()]+$/.test(name)) {
          const value = model.variables.get(name)?.value;
          if (value !== undefined && depth < 10) {
            const inner = expand({ text: value, offsets: Array.from(value, () => at) }, target, depth + 1);
            out.text += inner.text;
            out.offsets.push(...inner.offsets);
          }
        } else push('__make_function__', at); // $(shell ...), $(wildcard ...): unknown to the doctor
      } else if (next !== undefined) {
        if ('@<^*?%+|'.includes(next)) push(target, at);
        else push(model.variables.get(next)?.value ?? '', at);
        k++;
      }
    }
    return out;
  };

  const toScript = (mapped: Mapped): ShellScript => {
    const { text: shellText, offsets } = mapped;
    return parseShell(parser, {
      file,
      text: shellText,
      map: (at) => index.at(offsets[Math.min(at, offsets.length - 1)] ?? 0),
    });
  };

  for (const pending of pendingRules) {
    if (!pending.lines.length) {
      model.rules.push({ targets: pending.targets, at: pending.at, recipe: [] });
      continue;
    }
    const target = pending.targets[0] ?? '';
    const stripPrefix = (mapped: Mapped): Mapped => {
      const match = /^[\s@+-]*/.exec(mapped.text)?.[0].length ?? 0;
      return { text: mapped.text.slice(match), offsets: mapped.offsets.slice(match) };
    };
    let recipe: ShellScript[];
    if (model.oneshell) {
      const joined: Mapped = { text: '', offsets: [] };
      pending.lines.forEach((line, n) => {
        const part = n === 0 ? stripPrefix(line) : line;
        if (n) {
          joined.text += '\n';
          joined.offsets.push(part.offsets[0] ?? joined.offsets.at(-1) ?? 0);
        }
        joined.text += part.text;
        joined.offsets.push(...part.offsets);
      });
      recipe = [toScript(expand(joined, target))];
    } else recipe = pending.lines.map((line) => toScript(expand(stripPrefix(line), target)));
    model.rules.push({ targets: pending.targets, at: pending.at, recipe });
  }
  return model;
}

/** Every recipe script of the Makefile. */
export const recipes = (model: MakefileModel): ShellScript[] => model.rules.flatMap((rule) => rule.recipe);
