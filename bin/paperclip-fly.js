#!/usr/bin/env node
// Runs the generators without a global `yo`:
//   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
// --cwd generates into <folder> (created if missing) instead of the current folder.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 11)) {
  console.error(`generator-paperclip-fly needs Node >= 24.11 (this is ${process.version}).`);
  process.exit(1);
}

// V8's compiled code is kept between runs (under the OS temp folder): a second run skips most parsing.
module.enableCompileCache();
// One file built by scripts/build.js: the CLI, the generators and Yeoman, with what --yes never needs loaded lazily.
const { main } = await import('../dist/generators/lib/cli.bundle.js');
await main(process.argv.slice(2));
