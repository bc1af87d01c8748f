/**
 * Proof that no value handed to the machine at run time ended up in what is built or committed: the image's
 * filesystem (every layer, through `podman image mount`), its history and config, and the generated files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podman, podmanOut, run } from './podman.js';

/** Files under dir containing any of the values (as paths relative to dir). */
function filesContaining(dir: string, values: string[]): string[] {
  const hits: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && values.some((value) => readFileSync(full, 'latin1').includes(value)))
        hits.push(full.slice(dir.length + 1));
    }
  };
  walk(dir);
  return hits;
}

export interface SecretFindings {
  imageFiles: string[];
  history: boolean;
  imageConfig: boolean;
  generatedFiles: string[];
  /** Bytes of image filesystem searched, to show the scan was not empty. */
  scannedMb: number;
}

export async function findSecrets(image: string, projectDir: string, values: string[]): Promise<SecretFindings> {
  const history = await podmanOut(['history', '--no-trunc', '--format', '{{.CreatedBy}}', image]);
  const config = await podmanOut(['image', 'inspect', image]);

  const work = mkdtempSync(join(tmpdir(), 'pcfly-e2e-secrets-'));
  const patterns = join(work, 'patterns');
  writeFileSync(patterns, `${values.join('\n')}\n`, { mode: 0o600 });
  const root = await podmanOut(['image', 'mount', image]);
  let imageFiles: string[];
  let scannedMb: number;
  try {
    // grep -F over the merged filesystem: every file of every layer as the image ships it. Exit 1 = no match.
    const grep = await run('grep', ['-rlFa', '-f', patterns, root], { allowFailure: true });
    if (grep.code > 1) throw new Error(`grep over the image failed: ${grep.stderr}`);
    imageFiles = grep.stdout
      .split('\n')
      .filter(Boolean)
      .map((path) => path.slice(root.length));
    scannedMb = Number((await run('du', ['-sm', root])).stdout.split('\t')[0]);
  } finally {
    await podman(['image', 'unmount', image], { allowFailure: true });
    rmSync(work, { recursive: true, force: true });
  }
  return {
    imageFiles,
    history: values.some((value) => history.includes(value)),
    imageConfig: values.some((value) => config.includes(value)),
    generatedFiles: filesContaining(projectDir, values),
    scannedMb,
  };
}
