#!/usr/bin/env node
// Runs the generators without a global `yo`:
//   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
//   npx generator-paperclip-fly doctor [dir] [--json]   (audits a repository; no Yeoman involved)
// --cwd generates into <folder> (created if missing) instead of the current folder.
import module from 'node:module';

// Plain data with no imports, safe to load on any Node.
const { MIN_NODE_TEXT, nodeIsSupported } = await import('../dist/generators/lib/versions.js');
if (!nodeIsSupported(process.versions.node)) {
  console.error(`generator-paperclip-fly needs Node >= ${MIN_NODE_TEXT} (this is ${process.version}).`);
  process.exit(1);
}

// V8's compiled code is kept between runs (under the OS temp folder): a second run skips most parsing.
module.enableCompileCache();
const args = process.argv.slice(2);
if (args[0] === 'doctor') {
  const { main } = await import('../dist/generators/doctor/cli.js');
  const code = await main(args.slice(1));
  // Exit only once stdout is flushed (a pipe is asynchronous on some systems).
  process.stdout.write('', () => process.exit(code));
  await new Promise(() => {});
}
// Built by scripts/build.js: the CLI (generators/lib/cli.ts) in one file, with what a run does not use in chunks
// loaded on first use (Yeoman itself, for a run without a terminal).
const { main } = await import('../dist/generators/lib/cli.bundle.js');
await main(args);
