// Prints how long generation takes, three ways in one run, and their ratios (run: npm run bench).
//   render   renderProject() alone: templates, prettier, config object (no Yeoman)
//   yeoman   the app generator in-process through yeoman-environment, into a fresh folder
//   cli      the package bin as a new process (Node start-up + Yeoman + generation), fresh folder
//   rerun    the package bin again on a generated folder (every file "identical")
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEnv } from 'yeoman-environment';
import { renderProject } from '../dist/generators/lib/render.js';
import { defaultSettings } from '../dist/generators/lib/settings.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'paperclip-fly.js');
const fresh = () => mkdtempSync(join(tmpdir(), 'pcfly-bench-'));
const runs = Number(process.env.BENCH_RUNS ?? 10);

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
    `${label.padEnd(8)} median ${median.toFixed(1).padStart(8)} ms   min ${samples[0].toFixed(1).padStart(8)} ms   (${runs} runs)`,
  );
  return median;
}

const settings = defaultSettings({ folderName: 'bench' });
const meta = { generatedAt: '2026-01-01T00:00:00.000Z' };
const cli = (cwd, ...args) => {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, input: '', encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
};

const render = await time('render', () => renderProject(settings, meta));
const yeoman = await time('yeoman', async () => {
  const env = createEnv({ cwd: fresh(), skipInstall: true });
  env.register(join(root, 'dist/generators/app/index.js'), { namespace: 'paperclip-fly:app' });
  await env.run(['paperclip-fly:app', '--yes']);
});
const cold = await time('cli', () => cli(fresh(), '--yes'));
const generated = fresh();
cli(generated, '--yes');
const rerun = await time('rerun', () => cli(generated));

console.log(
  `ratios: yeoman/render ${(yeoman / render).toFixed(1)}x, cli/yeoman ${(cold / yeoman).toFixed(1)}x, rerun/cli ${(rerun / cold).toFixed(2)}x`,
);
