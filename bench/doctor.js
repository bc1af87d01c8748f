// Prints doctor's cold run time on the seed fixture: the package bin in a fresh process each run (Node start-up,
// module loading, WASM grammar, Paperclip's schema, every rule), as median and min of N, beside `node -e 0`.
//   node bench/doctor.js            (BENCH_RUNS=10 by default; npm run build first)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'paperclip-fly.js');
const seed = join(root, 'test', 'fixtures', 'doctor', 'seed');
const runs = Number(process.env.BENCH_RUNS ?? 10);

function time(label, args, expectedStatus) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (run.status !== expectedStatus) throw new Error(`${label}: exit ${run.status}\n${run.stderr}`);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(
    `${label.padEnd(14)} median ${median.toFixed(0).padStart(6)} ms   min ${samples[0].toFixed(0).padStart(6)} ms   (${runs} fresh processes)`,
  );
  return median;
}

const node = time('node -e 0', ['-e', '0'], 0);
// The seed has error findings: doctor exits 1 there by design.
const doctor = time('doctor (seed)', [bin, 'doctor', seed], 1);
console.log(`doctor / node start-up: ${(doctor / node).toFixed(1)}x`);
