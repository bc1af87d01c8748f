/**
 * The bin's --help and its answer to a mistyped sub-generator: the sub-generators, and only the options that
 * do something in this package (not every option Yeoman declares).
 */
import { CONCERNS, type GeneratorName } from './generators.js';
import { ownSpecs } from './resolution.js';
import { formatValue, settingsOf } from './settings.js';

const BIN = 'generator-paperclip-fly';

/** What each sub-generator does, for the list. */
function summary(name: GeneratorName | 'doctor'): string {
  if (name === 'app') return 'asks every setting and writes the whole project (the default)';
  if (name === 'doctor') return 'audits an existing repository, writes nothing (doctor --help)';
  return `re-asks ${settingsOf(name)
    .map((spec) => spec.key)
    .join(', ')} in a generated project and rewrites the files they show in`;
}

const row = (left: string, right: string): string => `  ${left.padEnd(36)} ${right}\n`;

/** The help of generator `name`, as the package bin (default) or `yo paperclip-fly` runs it. */
export function helpText(name: GeneratorName, via: 'bin' | 'yo' = 'bin'): string {
  const settings = ownSpecs(name)
    .map((spec) =>
      row(
        spec.kind === 'boolean' ? `--${spec.key}, --no-${spec.key}` : `--${spec.key} <value>`,
        `${spec.description} (default: ${spec.defaultText ?? formatValue(spec.default({}, { folderName: 'paperclip' }))})`,
      ),
    )
    .join('');
  const app = name === 'app';
  return [
    via === 'bin'
      ? `Usage: ${BIN} ${app ? '[sub-generator]' : name} [--cwd <folder>] [options]\n\n`
      : `Usage: yo paperclip-fly${app ? '[:sub-generator]' : `:${name}`} [options]\n\n`,
    'Sub-generators:\n',
    ...(['app', ...CONCERNS, 'doctor'] as const).map((each) => row(each, summary(each))),
    `\nSettings${app ? '' : ` (${name})`}:\n`,
    settings,
    '\nRun options:\n',
    ...(via === 'bin'
      ? [row('--cwd <folder>', 'Generate into this folder (created if missing) instead of the current one')]
      : []),
    row('--yes, -y', 'Accept the default (or stored) value for every setting not given as a flag'),
    row('--interactive, --no-interactive', 'Prompt for missing settings (default: only on a terminal)'),
    row(
      '--ask-answered',
      app ? 'Re-ask settings already stored in .yo-rc.json' : 'Accepted; stored settings are re-asked anyway',
    ),
    row('--check [--diff]', 'CI check: exit 1 listing every file that differs; writes nothing (--diff: show them)'),
    row('--dry-run', 'Say what a run would change; write nothing'),
    row('--force', 'Overwrite hand-edited files with the generated version'),
    row('--bail', 'Stop at the first conflict instead of asking'),
    row('--skip-yo-resolve', 'Ignore the .yo-resolve file'),
    ...(app
      ? [
          row('--template <file>', 'Team template: settings from a .yo-rc.json or preset, never its app name'),
          row('--upgrade', "Move the pinned versions to this generator's, showing each change"),
        ]
      : []),
    row('--help, -h', 'Show this help'),
    '\nEach flag may be given once. Results go to stdout, errors to stderr; exit 1 on a mistake, 130 on Ctrl-C.\n',
  ].join('');
}

/** Edit distance counting a swap of neighbours as one edit ("fyl" is one from "fly"), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      const line = d[i];
      if (line) line[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The line for an argument that is no sub-generator: the nearest name when one is close. */
export function unknownGenerator(arg: string): string {
  const names = ['app', ...CONCERNS, 'doctor'];
  // `yo` namespaces end in the generator's name (paperclip-fly:fly); so may a mistyped one.
  const last = arg.split(':').pop()?.toLowerCase() ?? arg;
  const best = names
    .map((candidate) => ({ candidate, cost: distance(last, candidate) }))
    .sort((a, b) => a.cost - b.cost)[0];
  const hint = best && best.cost <= 2 && best.cost < best.candidate.length ? ` did you mean ${best.candidate}?` : '';
  return `Unknown sub-generator "${arg}":${hint || ''} Sub-generators: ${names.join(', ')} (options start with --; see --help).`;
}
