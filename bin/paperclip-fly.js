#!/usr/bin/env node
// Runs the generators without a global `yo`:
//   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
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
// Built by scripts/build.js: the CLI (generators/lib/cli.ts) in one file, with what a run does not use in chunks
// loaded on first use (Yeoman itself, for a run without a terminal).
const { main } = await import('../dist/generators/lib/cli.bundle.js');
await main(process.argv.slice(2));
