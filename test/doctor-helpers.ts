import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Edit } from './fixtures/doctor/rule-cases.js';
import { ROOT } from './helpers.js';

export const DOCTOR_FIXTURES = join(ROOT, 'test', 'fixtures', 'doctor');

/**
 * Findings the generated projects still have, each fixed by another open issue; the lead empties this list as
 * those issues merge. Doctor on a generated project must report exactly these (by rule and file), nothing else.
 */
export const KNOWN_PENDING: { id: string; file: string; issue: number; why: string }[] = [];

/** A copy of the clean fixture repository with the edits applied (each must match exactly once). */
export function editedRepo(edits: Edit[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcfly-doctor-'));
  cpSync(join(DOCTOR_FIXTURES, 'clean'), dir, { recursive: true });
  for (const edit of edits) {
    const path = join(dir, edit.file);
    const text = readFileSync(path, 'utf8');
    expect(text.split(edit.replace).length - 1, `"${edit.replace}" in ${edit.file}`).toBe(1);
    writeFileSync(
      path,
      text.replace(edit.replace, () => edit.with),
    );
  }
  return dir;
}
