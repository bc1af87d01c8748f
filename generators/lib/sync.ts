/**
 * What a run does with one generated file, decided from hashes alone. `.yo-rc.json` keeps the hash of each
 * file as last generated, which tells a file the user edited from one still as generated. The Yeoman glue only
 * carries the decision out.
 */

/** The run's mode, as far as it matters for one file. */
export interface SyncMode {
  /** --force: the generated version wins over hand edits. */
  force: boolean;
  /** --bail: stop at the first file that would change a hand edit (Yeoman's conflicter does the stopping). */
  bail: boolean;
  /** --dry-run: report only. It never changes a decision: a dry run says what a real run would do. */
  dryRun: boolean;
  /** A `.yo-resolve` line names this file: the conflicter applies it. */
  pinned: boolean;
  /** A terminal to ask on (Yeoman's conflict prompt). */
  interactive: boolean;
}

export interface SyncInput {
  /** Hash of the file on disk; undefined when there is none. */
  onDisk: string | undefined;
  /** Hash of the file as last generated (from `.yo-rc.json`); undefined when never generated. */
  last: string | undefined;
  /** Hash of what this run generates; undefined when the file no longer applies to the settings. */
  next: string | undefined;
}

export type SyncAction =
  /** Leave the file as it is. */
  | 'keep'
  /** Write it without a question (new, unchanged, or still exactly as last generated). */
  | 'write'
  /** Remove it (no longer generated, and still as generated). */
  | 'delete'
  /** Hand it to Yeoman's conflicter: the prompt, --bail or the `.yo-resolve` line decides. */
  | 'ask'
  /** Stop the run: a hand edit would be overwritten and nothing can ask. */
  | 'refuse';

export interface SyncDecision {
  action: SyncAction;
  /** Why, in a few words, for logs and --dry-run. */
  reason: string;
}

const decision = (action: SyncAction, reason: string): SyncDecision => ({ action, reason });

export function decideSync({ onDisk, last, next }: SyncInput, mode: SyncMode): SyncDecision {
  const untouched = onDisk === last;
  if (next === undefined) {
    if (onDisk === undefined) return decision('keep', 'not generated, not present');
    if (untouched) return decision('delete', 'no longer generated');
    return mode.force
      ? decision('delete', 'no longer generated; --force drops the hand edit')
      : decision('keep', 'no longer generated, but edited by hand (delete it yourself)');
  }
  if (onDisk === undefined) return decision('write', 'new');
  if (onDisk === next) return decision('write', 'identical');
  if (untouched)
    return mode.pinned ? decision('ask', 'pinned in .yo-resolve') : decision('write', 'still as generated');
  // Edited by hand from here on.
  if (next === last && !mode.force)
    return decision('keep', 'edited by hand, and the generated version has not changed');
  if (mode.pinned) return decision('ask', 'pinned in .yo-resolve');
  if (mode.force) return decision('write', 'edited by hand; --force overwrites');
  if (mode.bail || mode.interactive) return decision('ask', 'edited by hand, and the generated version changed');
  return decision('refuse', 'edited by hand, and the generated version changed');
}
