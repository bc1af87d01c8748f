/**
 * Writing a run's files all or nothing. Every output is checked before the first byte is written (a regular file
 * or nothing, inside the project, reached through no symbolic link, in a folder the run can write), then new
 * contents are staged next to their targets and swapped in by rename; a failure part-way puts back every file
 * already swapped, so a failed run leaves the previous state.
 */
import { accessSync, chmodSync, constants, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';

export type Change =
  { path: string; action: 'write'; contents: string; executable?: boolean } | { path: string; action: 'delete' };

/** What lstat says about a path, or undefined when nothing is there. */
function entryAt(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `relative` (a path inside `root`) cannot be written or deleted, or undefined when it can. Symbolic links are
 * refused, never followed: a link could point the write outside the project.
 */
export function outputProblem(root: string, relative: string, write = true): string | undefined {
  const clean = normalize(relative);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) return `${relative} is outside the project`;
  const parts = clean.split(sep);
  // A project folder still to be made (--cwd new-folder) is made inside the nearest folder that exists.
  let folder = root;
  while (!entryAt(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (folder !== root) {
    if (!entryAt(folder)?.isDirectory()) return `${folder} is not a folder`;
    return write && !writable(folder) ? `${folder} is not writable` : undefined;
  }
  // The folders on the way: each must be a real folder (or not exist yet, then the nearest one must be writable).
  for (const part of parts.slice(0, -1)) {
    const next = join(folder, part);
    const entry = entryAt(next);
    const shown = next.slice(root.length + 1);
    if (!entry) break;
    if (entry.isSymbolicLink())
      return `${shown} is a symbolic link: the generator never writes through links (replace it with a folder)`;
    if (!entry.isDirectory()) return `${shown} is not a folder, but ${relative} must be written inside it`;
    folder = next;
  }
  const target = join(root, clean);
  const entry = entryAt(target);
  if (entry?.isSymbolicLink())
    return `${relative} is a symbolic link: the generator never writes through links (replace it with a regular file)`;
  if (entry?.isDirectory()) return `${relative} is a folder, where the generator writes a file`;
  if (entry && !entry.isFile()) return `${relative} is not a regular file`;
  if (!write) return undefined;
  // A rename replaces the folder entry, so the folder must be writable (and the file, so a read-only file is respected).
  if (!writable(folder))
    return `${folder === root ? `the project folder ${root}` : folder.slice(root.length + 1)} is not writable`;
  if (entry && !writable(target)) return `${relative} is not writable`;
  return undefined;
}

/** Every problem with the outputs, one line each (empty when the run may write). */
export function preflight(root: string, paths: readonly string[], { write = true } = {}): string[] {
  // One line per problem: a read-only folder is one problem, however many files it would hold.
  return [...new Set(paths.flatMap((path) => outputProblem(root, path, write) ?? []))];
}

/** The file system calls `commitChanges` makes; tests replace one to fail part-way. */
export interface CommitIo {
  writeFile: (path: string, contents: string) => void;
  rename: (from: string, to: string) => void;
}

const REAL_IO: CommitIo = {
  writeFile: (path, contents) => {
    writeFileSync(path, contents);
  },
  rename: renameSync,
};

const staged = (target: string, kind: 'new' | 'old') =>
  join(dirname(target), `.${target.split(sep).pop() ?? ''}.pcfly-${kind}`);

/**
 * Applies the changes all or nothing (call `preflight` first). Throws the first failure after undoing what it did.
 */
export function commitChanges(root: string, changes: readonly Change[], io: CommitIo = REAL_IO): void {
  const createdFolders: string[] = [];
  const stagedFiles: string[] = [];
  const swapped: { target: string; hadOld: boolean; wasWrite: boolean }[] = [];
  try {
    for (const change of changes) {
      if (change.action !== 'write') continue;
      const target = join(root, change.path);
      const folder = dirname(target);
      if (!entryAt(folder)) {
        const first = mkdirSync(folder, { recursive: true });
        if (first) createdFolders.push(first);
      }
      const temp = staged(target, 'new');
      stagedFiles.push(temp);
      io.writeFile(temp, change.contents);
      // A new file gets the umask's mode, as any write would; a script is made executable for everyone.
      if (change.executable) chmodSync(temp, 0o755);
    }
    for (const change of changes) {
      const target = join(root, change.path);
      const hadOld = entryAt(target) !== undefined;
      if (hadOld) io.rename(target, staged(target, 'old'));
      swapped.push({ target, hadOld, wasWrite: change.action === 'write' });
      if (change.action === 'write') io.rename(staged(target, 'new'), target);
    }
  } catch (error) {
    // Undo in reverse: put each previous file back, then drop the staged copies and the folders this run made.
    for (const { target, hadOld, wasWrite } of swapped.reverse()) {
      if (wasWrite && entryAt(target) && entryAt(staged(target, 'new')) === undefined) rmSync(target, { force: true });
      if (hadOld && entryAt(staged(target, 'old'))) renameSync(staged(target, 'old'), target);
    }
    for (const temp of stagedFiles) rmSync(temp, { force: true });
    for (const folder of createdFolders.reverse()) rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  for (const { target, hadOld } of swapped) if (hadOld) rmSync(staged(target, 'old'), { force: true });
}
