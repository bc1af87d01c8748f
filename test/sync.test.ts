import { describe, expect, it } from 'vitest';
import { decideSync, type SyncAction, type SyncInput, type SyncMode } from '../generators/lib/sync.js';

const MODE_KEYS = ['force', 'bail', 'dryRun', 'pinned', 'interactive'] as const;

/** Every combination of the five mode flags. */
const ALL_MODES: SyncMode[] = Array.from(
  { length: 2 ** MODE_KEYS.length },
  (_, bits) =>
    Object.fromEntries(MODE_KEYS.map((key, index) => [key, Boolean(bits & (1 << index))])) as unknown as SyncMode,
);

/** Every relation of the three hashes: each absent or one of three values. */
const HASHES = [undefined, 'a', 'b', 'c'] as const;
const ALL_INPUTS: SyncInput[] = HASHES.flatMap((onDisk) =>
  HASHES.flatMap((last) => HASHES.map((next) => ({ onDisk, last, next }))),
);

const mode = (flags: Partial<SyncMode> = {}): SyncMode => ({
  force: false,
  bail: false,
  dryRun: false,
  pinned: false,
  interactive: false,
  ...flags,
});

describe('decideSync', () => {
  // [what, input, mode flags, expected]
  const table: [string, SyncInput, Partial<SyncMode>, SyncAction][] = [
    ['absent and not generated', { onDisk: undefined, last: 'a', next: undefined }, {}, 'keep'],
    ['no longer generated, untouched', { onDisk: 'a', last: 'a', next: undefined }, {}, 'delete'],
    ['no longer generated, edited', { onDisk: 'b', last: 'a', next: undefined }, {}, 'keep'],
    ['no longer generated, edited, --force', { onDisk: 'b', last: 'a', next: undefined }, { force: true }, 'delete'],
    [
      'no longer generated, edited, on a terminal',
      { onDisk: 'b', last: 'a', next: undefined },
      { interactive: true },
      'keep',
    ],
    ['new file', { onDisk: undefined, last: undefined, next: 'a' }, {}, 'write'],
    ['new file, pinned', { onDisk: undefined, last: undefined, next: 'a' }, { pinned: true }, 'write'],
    ['deleted by the user, generated again', { onDisk: undefined, last: 'a', next: 'a' }, {}, 'write'],
    ['identical', { onDisk: 'a', last: 'a', next: 'a' }, {}, 'write'],
    ['identical though edited since', { onDisk: 'b', last: 'a', next: 'b' }, {}, 'write'],
    ['untouched, new version', { onDisk: 'a', last: 'a', next: 'b' }, {}, 'write'],
    ['untouched, new version, pinned', { onDisk: 'a', last: 'a', next: 'b' }, { pinned: true }, 'ask'],
    ['edited, same version', { onDisk: 'b', last: 'a', next: 'a' }, {}, 'keep'],
    ['edited, same version, pinned', { onDisk: 'b', last: 'a', next: 'a' }, { pinned: true }, 'keep'],
    ['edited, same version, --force', { onDisk: 'b', last: 'a', next: 'a' }, { force: true }, 'write'],
    [
      'edited, same version, --force, pinned',
      { onDisk: 'b', last: 'a', next: 'a' },
      { force: true, pinned: true },
      'ask',
    ],
    ['edited, new version, no terminal', { onDisk: 'b', last: 'a', next: 'c' }, {}, 'refuse'],
    ['edited, new version, on a terminal', { onDisk: 'b', last: 'a', next: 'c' }, { interactive: true }, 'ask'],
    ['edited, new version, --bail', { onDisk: 'b', last: 'a', next: 'c' }, { bail: true }, 'ask'],
    ['edited, new version, pinned', { onDisk: 'b', last: 'a', next: 'c' }, { pinned: true }, 'ask'],
    ['edited, new version, --force', { onDisk: 'b', last: 'a', next: 'c' }, { force: true }, 'write'],
    ['edited, new version, --dry-run', { onDisk: 'b', last: 'a', next: 'c' }, { dryRun: true }, 'refuse'],
    ['a file of the user where none was generated', { onDisk: 'b', last: undefined, next: 'c' }, {}, 'refuse'],
    [
      'a file of the user where none was generated, --force',
      { onDisk: 'b', last: undefined, next: 'c' },
      { force: true },
      'write',
    ],
  ];
  it.each(table)('%s', (_what, input, flags, expected) => {
    expect(decideSync(input, mode(flags)).action).toBe(expected);
  });

  describe(`over all ${ALL_INPUTS.length} hash relations × ${ALL_MODES.length} modes`, () => {
    const cases = ALL_INPUTS.flatMap((input) => ALL_MODES.map((m) => ({ input, m, decision: decideSync(input, m) })));
    const edited = ({ onDisk, last, next }: SyncInput) => onDisk !== undefined && onDisk !== last && onDisk !== next;

    it('a dry run decides exactly what a real run would', () => {
      for (const { input, m, decision } of cases)
        expect(decision).toEqual(decideSync(input, { ...m, dryRun: !m.dryRun }));
    });
    it('deletes only files no longer generated, and writes or asks only generated ones', () => {
      for (const { input, decision } of cases) {
        if (decision.action === 'delete') expect(input.next).toBeUndefined();
        if (decision.action === 'write' || decision.action === 'ask') expect(input.next).toBeDefined();
      }
    });
    it('never overwrites or deletes a hand edit silently: only --force, the prompt, --bail or .yo-resolve may', () => {
      for (const { input, m, decision } of cases) {
        if (!edited(input) || input.next === input.last) continue;
        if (decision.action === 'write' || decision.action === 'delete') expect(m.force).toBe(true);
      }
      for (const { input, m, decision } of cases) {
        if (
          input.next === undefined &&
          input.onDisk !== undefined &&
          input.onDisk !== input.last &&
          decision.action === 'delete'
        ) {
          expect(m.force).toBe(true);
        }
      }
    });
    it('refuses only where nothing can decide: no --force, --bail, terminal or .yo-resolve', () => {
      for (const { input, m, decision } of cases) {
        if (decision.action !== 'refuse') continue;
        expect([m.force, m.bail, m.interactive, m.pinned]).toEqual([false, false, false, false]);
        expect(edited(input)).toBe(true);
      }
    });
    it('gives every decision a reason', () => {
      for (const { decision } of cases) expect(decision.reason.length).toBeGreaterThan(2);
    });
  });
});
