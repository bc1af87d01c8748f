// Prints how fast the package bin is against @flydotio/dockerfile, from one run that alternates the commands
// (so a busy neighbour slows all of them alike): medians of wall time and peak RSS, and each ratio to
// @flydotio/dockerfile. Each command is a new process started the way a user starts it; peak RSS is the
// kernel's (wait4 ru_maxrss, through GNU time). Figures only: nothing here is a test.
//   BENCH_RUNS    runs per command (default 15)
//   BENCH_BEFORE  a checkout (built) whose bin is measured alongside, as "(before)"
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'paperclip-fly.js');
const FLY_DOCKERFILE = join(ROOT, 'node_modules', '@flydotio', 'dockerfile', 'index.js');
const TIME = '/usr/bin/time';
const runs = Number(process.env.BENCH_RUNS ?? 15);

if (!existsSync(TIME)) {
  console.error(`bench: peak RSS is read with GNU time, which is missing: apt-get install -y time`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'pcfly-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = (prefix) => {
  const dir = join(work, `${prefix}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

// The smallest app @flydotio/dockerfile supports: a package.json with a start script, and the script.
const flyApp = fresh('fly-app-template');
writeFileSync(
  join(flyApp, 'package.json'),
  `${JSON.stringify({ name: 'bench-app', version: '1.0.0', scripts: { start: 'node index.js' } }, null, 2)}\n`,
);
writeFileSync(join(flyApp, 'index.js'), "require('node:http').createServer((_, res) => res.end('ok')).listen(3000);\n");

// Our commands keep their compile cache (module.enableCompileCache() in the bin writes it under os.tmpdir()) in
// the bench's folder, so "empty cache" below means empty. The others get the environment as it is.
const ourTmp = fresh('tmp');
const ours = (tmp = ourTmp) => ({ ...process.env, TMPDIR: tmp });

/** Our three commands for one checkout's bin. `prepare` makes the folder a run starts in. */
function ourCommands(bin, suffix) {
  let lastScaffold;
  return [
    {
      label: `scaffold${suffix}`,
      prepare: () => (lastScaffold = fresh('scaffold')),
      argv: [bin, '--yes'],
      env: ours,
      check: (cwd) => existsSync(join(cwd, 'Dockerfile')) && existsSync(join(cwd, '.yo-rc.json')),
    },
    {
      label: `re-run${suffix}`,
      prepare: () => lastScaffold,
      argv: [bin],
      env: ours,
      check: (_cwd, output) => /identical Dockerfile/.test(output),
    },
    {
      label: `--help${suffix}`,
      prepare: () => fresh('help'),
      argv: [bin, '--help'],
      env: ours,
      check: (_cwd, output) => output.includes('--yes'),
    },
  ];
}

// BENCH_BEFORE=<another checkout, built> adds its bin's commands to the same alternating run: before and after
// measured under the same load.
const before = process.env.BENCH_BEFORE;
/** The commands, in the order each round runs them. */
const COMMANDS = [
  ...ourCommands(BIN, ''),
  // --skip-install (a Yeoman option, a no-op here) takes the run through Yeoman: the direct run leaves it to Yeoman.
  { ...ourCommands(BIN, ' through Yeoman')[0], argv: [BIN, '--yes', '--skip-install'] },
  ...(before ? ourCommands(join(before, 'bin', 'paperclip-fly.js'), ' (before)') : []),
  {
    label: '@flydotio/dockerfile',
    prepare: () => {
      const dir = fresh('fly-app');
      cpSync(flyApp, dir, { recursive: true });
      return dir;
    },
    argv: [FLY_DOCKERFILE],
    env: () => process.env,
    check: (cwd) => existsSync(join(cwd, 'Dockerfile')),
  },
  { label: 'node -e 0', prepare: () => fresh('node'), argv: ['-e', '0'], env: () => process.env, check: () => true },
];
const REFERENCE = '@flydotio/dockerfile';

/** One run of one command: wall time measured here, peak RSS from GNU time (kilobytes) via a file. */
function measure(command, tmp) {
  const cwd = command.prepare();
  const rssFile = join(work, 'rss');
  const start = process.hrtime.bigint();
  const run = spawnSync(TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...command.argv], {
    cwd,
    input: '',
    encoding: 'utf8',
    env: { ...command.env(tmp), NO_COLOR: '1' },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0 || !command.check(cwd, output)) {
    throw new Error(`bench: ${command.label} failed (exit ${run.status}):\n${output}`);
  }
  const rssMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
  return { ms, rssMb };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);

// First: each of our commands once with an empty compile cache (what a user's first run after install sees).
const coldTmp = fresh('cold-tmp');
const cold = Object.fromEntries(
  COMMANDS.filter((command) => command.env === ours).map((command) => [command.label, measure(command, coldTmp)]),
);

for (const command of COMMANDS) measure(command); // warm-up: page cache and compile cache
const samples = Object.fromEntries(COMMANDS.map((command) => [command.label, []]));
for (let round = 0; round < runs; round++) {
  for (const command of COMMANDS) samples[command.label].push(measure(command));
}

const reference = {
  ms: median(samples[REFERENCE].map((s) => s.ms)),
  rssMb: median(samples[REFERENCE].map((s) => s.rssMb)),
};
console.log(
  `\ncommand                          median ms  ratio    peak RSS MiB  ratio   (${runs} alternating runs each)`,
);
for (const command of COMMANDS) {
  const ms = median(samples[command.label].map((s) => s.ms));
  const rss = median(samples[command.label].map((s) => s.rssMb));
  console.log(
    `${command.label.padEnd(31)} ${ms.toFixed(0).padStart(9)} ${`${(ms / reference.ms).toFixed(2)}x`.padStart(7)}   ${rss.toFixed(0).padStart(12)} ${`${(rss / reference.rssMb).toFixed(2)}x`.padStart(6)}`,
  );
}
console.log('\nfirst run, empty compile cache:');
for (const [label, { ms, rssMb }] of Object.entries(cold)) {
  console.log(
    `${label.padEnd(31)} ${ms.toFixed(0).padStart(9)} ${`${(ms / reference.ms).toFixed(2)}x`.padStart(7)}   ${rssMb.toFixed(0).padStart(12)}`,
  );
}
console.log(
  `load at the end: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
