/**
 * Settings carried from one app to another: a team template stamped into a new repository, or a project renamed.
 * Per-app values are never carried; a value that was derived from the app name (it equals what the old name
 * gives) follows the new name, while one set explicitly stays.
 */
import { SETTING_SPECS, type SettingKey } from './settings.js';

/** Values that belong to one app only. */
export const PER_APP_KEYS: readonly string[] = ['appName', 'generatedAt', 'fileHashes'];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The stored block with every value that followed `from` (the old app name) re-derived from `to`. Keys absent
 * from the block stay absent. `from` undefined means nothing was derived from a name: every value is explicit.
 */
export function followAppName(
  block: Readonly<Record<string, unknown>>,
  from: string | undefined,
  to: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...block };
  if (from === undefined || from === to) return out;
  const before: Record<string, unknown> = { appName: from };
  const after: Record<string, unknown> = { appName: to };
  const context = { folderName: to };
  for (const spec of SETTING_SPECS) {
    if (spec.key === 'appName') continue;
    const key: SettingKey = spec.key;
    const derivedBefore = spec.default(before, context);
    const derivedAfter = spec.default(after, context);
    const follows = key in block && same(block[key], derivedBefore) && !same(derivedBefore, derivedAfter);
    if (follows) out[key] = derivedAfter;
    before[key] = key in block ? block[key] : derivedBefore;
    after[key] = key in out ? out[key] : derivedAfter;
  }
  return out;
}

/** A template's block as the settings of a new app named `to`: per-app values dropped, derived ones re-derived. */
export function fromTemplate(template: Readonly<Record<string, unknown>>, to: string): Record<string, unknown> {
  const from = typeof template.appName === 'string' ? template.appName : undefined;
  const followed = followAppName(template, from, to);
  return Object.fromEntries(Object.entries(followed).filter(([key]) => !PER_APP_KEYS.includes(key)));
}

/**
 * Reads a template file's text: a project's `.yo-rc.json` (the generator's block is taken) or a plain object of
 * settings. Returns the block, or the reason it cannot be used.
 */
export function parseTemplate(text: string, file: string): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `--template ${file} is not valid JSON (${(error as Error).message}).`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return `--template ${file} must hold a JSON object of settings (or a .yo-rc.json).`;
  const record = parsed as Record<string, unknown>;
  const block: unknown = 'generator-paperclip-fly' in record ? record['generator-paperclip-fly'] : record;
  if (block === null || typeof block !== 'object' || Array.isArray(block))
    return `--template ${file}: its "generator-paperclip-fly" entry must be an object of settings.`;
  return block as Record<string, unknown>;
}
