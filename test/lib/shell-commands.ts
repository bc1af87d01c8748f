/**
 * The command lines a generated shell script (or Makefile recipe, or workflow `run:`) gives one program, read from
 * the text: continuation lines are joined, comments dropped, words split the way the shell splits them (quotes,
 * `$(…)`, `${…}`), and an invocation is a word that names the program, up to the next operator or redirection.
 * `"${name[@]}"` is replaced by the words of the script's `name=(…)` and `name+=(…)` assignments, so flags
 * gathered in an array count too. Programs are matched by the exact word: `tailscale`, `"$FLY"`, `$(FLY)`, `flyctl`.
 */

export interface Invocation {
  program: string;
  /** The words after the program, unquoted where they were plain quoted text. */
  args: string[];
  /** The line the invocation came from (joined), for messages. */
  line: string;
}

const OPERATORS = new Set(['|', '||', '&&', ';', '&', ')', '(', '{', '}', 'then', 'do', '!']);
const isRedirection = (word: string) => /^\d*(>>?|<)/.test(word) || /^&>/.test(word);

/** Shell words of one line: quotes kept around expansions so `"${a[@]}"` stays recognisable, `;|&()` split off. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  const flush = () => {
    if (started) words.push(word);
    word = '';
    started = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      word += line[++i] ?? '';
      started = true;
    } else if (c === "'" || c === '"') {
      const end = findClose(line, i, c);
      word += c === "'" ? line.slice(i + 1, end) : line.slice(i, end + 1).replace(/^"([^$`\\]*)"$/, '$1');
      started = true;
      i = end;
    } else if (c === '$' && (line[i + 1] === '(' || line[i + 1] === '{')) {
      const end = findClose(line, i + 1, line[i + 1] === '(' ? ')' : '}');
      word += line.slice(i, end + 1);
      started = true;
      i = end;
    } else if (/\s/.test(c)) {
      flush();
    } else if (';|&()'.includes(c)) {
      flush();
      const pair = line.slice(i, i + 2);
      if (pair === '||' || pair === '&&' || (c === '&' && line[i + 1] === '>')) {
        if (pair === '&>') {
          word = '&>';
          started = true;
        } else words.push(pair);
        i++;
      } else words.push(c);
    } else {
      word += c;
      started = true;
    }
  }
  flush();
  return words;
}

/** Index of the character closing what opens at `start` (quotes, or nested parentheses/braces). */
function findClose(text: string, start: number, close: string): number {
  const open = text[start];
  if (open === "'" || open === '"') {
    for (let i = start + 1; i < text.length; i++) {
      if (open === '"' && text[i] === '\\') i++;
      else if (text[i] === open) return i;
    }
    return text.length - 1;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === open) depth++;
    else if (text[i] === close && --depth === 0) return i;
  }
  return text.length - 1;
}

/** Logical lines: continuations joined, comment lines and trailing comments dropped. */
export function logicalLines(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

/** Words assigned to a bash array anywhere in the text (`name=(…)`, `name+=(…)`), in order. */
export function arrayWords(text: string, name: string): string[] {
  const words: string[] = [];
  for (const line of logicalLines(text)) {
    const match = new RegExp(`(?:^|\\s)(?:local\\s+-a\\s+)?${name}\\+?=\\((.*)\\)`).exec(line);
    if (match) words.push(...shellWords(match[1]!));
  }
  return words;
}

export function invocations(text: string, programs: readonly string[]): Invocation[] {
  const found: Invocation[] = [];
  for (const line of logicalLines(text)) {
    // Inside $(…): the words of the substitution, so `x=$(tailscale status)` is found as well.
    const segments = [line, ...[...line.matchAll(/\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)].map((match) => match[1]!)];
    for (const segment of segments) {
      const words = shellWords(segment);
      for (let i = 0; i < words.length; i++) {
        if (!programs.includes(words[i]!)) continue;
        const args: string[] = [];
        for (let j = i + 1; j < words.length && !OPERATORS.has(words[j]!) && !isRedirection(words[j]!); j++) {
          const array = /^"?\$\{(\w+)\[@\]\}"?$/.exec(words[j]!);
          args.push(...(array ? arrayWords(text, array[1]!) : [words[j]!]));
        }
        found.push({ program: words[i]!, args, line });
      }
    }
  }
  return found;
}
