// npm run bench: runs each script below in turn (each prints its own figures), then times `npm test`.
// A new benchmark is one more line in SCRIPTS.  BENCH_NPM_TEST=0 skips the npm test timing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPTS = [
  'cli.js', // the bin against @flydotio/dockerfile, new processes
  'generate.js', // in-process: rendering alone, and through Yeoman
  'doctor.js', // doctor's cold run
];

for (const script of SCRIPTS) {
  console.log(`\n== bench/${script}`);
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

if (process.env.BENCH_NPM_TEST !== '0') {
  console.log('\n== npm test');
  const start = performance.now();
  const run = spawnSync('npm', ['test', '--silent'], { stdio: 'ignore' });
  const seconds = (performance.now() - start) / 1000;
  console.log(`npm test: ${seconds.toFixed(0)} s wall, ${run.status === 0 ? 'green' : `FAILED (exit ${run.status})`}`);
}
