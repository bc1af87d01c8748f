/**
 * docs/options.md and docs/gotchas.md, rendered from the settings schema and the gotcha catalogue so they
 * cannot drift (scripts/write-docs.js writes them; a test checks the committed copies).
 */
import { GOTCHAS, GOTCHA_COLUMNS, gotchaTable, tableCell as cell, type Gotcha } from './gotchas.js';
import { SETTINGS, formatValue, type AnySettingSpec } from './settings.js';

/** The allowed form, as the validator states it for a value no setting accepts. */
export function allowedForm(spec: AnySettingSpec): string {
  if (spec.kind === 'boolean') return `\`--${spec.key}\` or \`--no-${spec.key}\``;
  // A value no setting accepts (the empty string is valid where a setting may be left empty).
  const sentinel = spec.kind === 'integer' ? Number.NaN : spec.kind === 'list' ? ['?'] : ' ';
  const message = (spec.validate as (value: unknown) => true | string)(sentinel);
  return typeof message === 'string' ? message.replace(/^use /, '') : 'any value';
}

export function renderOptionsDoc(): string {
  const rows = SETTINGS.map((spec) => {
    const fallback = spec.defaultText ?? `\`${formatValue(spec.default({}, { folderName: 'paperclip' }))}\``;
    return `| \`--${spec.key}\` | ${spec.owner} | ${cell(fallback)} | ${cell(allowedForm(spec))} | ${cell(spec.description)} |`;
  });
  return [
    '# Options',
    '',
    'Every setting is a flag, a prompt and a key in `.yo-rc.json` (under `generator-paperclip-fly`), all three with',
    'the same name. `yo paperclip-fly` accepts every flag; a sub-generator (`yo paperclip-fly:fly`, `:postgres`,',
    '`:tailscale`) accepts and re-asks only its own. Generated from `generators/lib/settings.ts`.',
    '',
    '| Flag | Asked by | Default | Allowed | What it is |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Also: `--yes` (`-y`) takes the stored or default value of every setting not given as a flag; `--interactive` /',
    '`--no-interactive` force or forbid prompts (by default they appear only on a terminal). Without a terminal and',
    "without `--yes`, a run that still needs an answer exits non-zero and names the missing flags. Yeoman's own",
    '`--force`, `--bail`, `--dry-run` and `--skip-yo-resolve` work as usual.',
    '',
  ].join('\n');
}

/** When an entry applies, found by probing its predicate with the two settings that switch gotchas. */
function appliesWhen(entry: Gotcha): string {
  const { appliesTo, appliesText } = entry;
  if (appliesText) return appliesText;
  if (!appliesTo) return 'always';
  const probe = (tailscale: boolean, postgresMode: string) => appliesTo({ tailscale, postgresMode } as never);
  if (probe(true, 'system') && !probe(false, 'system') && probe(true, 'external')) return 'Tailscale on';
  if (probe(true, 'system') && !probe(true, 'external') && probe(false, 'system')) return 'system PostgreSQL';
  throw new Error(`describe when ${entry.id} applies`);
}

export function renderGotchasDoc(): string {
  const section = (source: Gotcha['source'], title: string) => [
    `## ${title}`,
    '',
    ...gotchaTable(
      (GOTCHAS as readonly Gotcha[]).filter((entry) => entry.source === source),
      [
        GOTCHA_COLUMNS.marker,
        GOTCHA_COLUMNS.title,
        GOTCHA_COLUMNS.symptom,
        GOTCHA_COLUMNS.fix,
        GOTCHA_COLUMNS.files,
        { header: 'Applies', cell: appliesWhen },
      ],
    ),
    '',
  ];
  return [
    '# Gotchas',
    '',
    'Every trap below is fixed in the generated repository and explained at the fix by a comment that starts with',
    'its marker (in `config.json`, a `"$comment"` key). The generated README lists the ones that apply to its',
    'settings. Generated from `generators/lib/gotchas.ts`.',
    '',
    ...section('seed', 'From the original Fly deployment write-up'),
    ...section('research', 'Found reading Paperclip, Fly and Tailscale'),
  ].join('\n');
}
