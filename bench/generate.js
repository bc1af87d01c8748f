// Prints where generation's time goes inside one process (run: npm run bench):
//   render   renderProject() alone: templates and the config object (no Yeoman)
//   direct   the direct run (what the bin does without a terminal), into a fresh folder
//   yeoman   the app generator in-process through yeoman-environment, into a fresh folder
// The bin as a new process, against @flydotio/dockerfile, is bench/cli.js.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { QueuedAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import { runDirect } from '../dist/generators/lib/direct.js';
import { renderProject } from '../dist/generators/lib/render.js';
import { defaultSettings } from '../dist/generators/lib/settings.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'pcfly-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const fresh = () => mkdtempSync(join(work, 'project-'));
const runs = Number(process.env.BENCH_RUNS ?? 15);

async function time(label, fn) {
  await fn(); // warm-up
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(
    `${label.padEnd(8)} median ${median.toFixed(1).padStart(8)} ms   min ${samples[0].toFixed(1).padStart(8)} ms   (${runs} runs, in-process)`,
  );
  return median;
}

const settings = defaultSettings({ folderName: 'bench' });
const meta = { generatedAt: '2026-01-01T00:00:00.000Z' };

// Both paths print their file lines through this: only the figures are printed.
const SILENT = { out: () => undefined, err: () => undefined };

const render = await time('render', () => renderProject(settings, meta));
const direct = await time('direct', async () => {
  const code = await runDirect('app', ['--yes'], {
    cwd: fresh(),
    stdinIsTTY: false,
    stdoutIsTTY: false,
    output: SILENT,
  });
  if (code !== 0) throw new Error(`direct run exited ${code}`);
});
const yeoman = await time('yeoman', async () => {
  // Yeoman's file log goes to a sink: only the figures are printed.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const env = createEnv({
    cwd: fresh(),
    skipInstall: true,
    adapter: new QueuedAdapter({ stdout: sink, stderr: sink }),
  });
  env.register(join(root, 'dist/generators/app/index.js'), { namespace: 'paperclip-fly:app' });
  await env.run(['paperclip-fly:app', '--yes'], { output: SILENT });
});
console.log(`ratios: direct/render ${(direct / render).toFixed(1)}x, yeoman/render ${(yeoman / render).toFixed(1)}x`);
