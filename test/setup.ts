/**
 * Runs in each test worker before its file: every temporary folder the tests (and yeoman-test) create goes under
 * one folder of this worker, removed when the file's tests end.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'pcfly-test-'));
// Searchable by others: `yo` drops root to nobody, who must reach the world-writable project below.
chmodSync(root, 0o755);
// os.tmpdir() reads TMPDIR on every call, so mkdtemp(tmpdir()) anywhere in this worker lands below root.
process.env.TMPDIR = root;

afterAll(() => {
  process.chdir(tmpdir().split('/pcfly-test-')[0] ?? '/');
  rmSync(root, { recursive: true, force: true });
});
