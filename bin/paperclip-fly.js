#!/usr/bin/env node
// Runs the generators without a global `yo`:
//   npx generator-paperclip-fly [app|fly|postgres|tailscale] [--cwd <folder>] [flags]
// --cwd generates into <folder> (created if missing) instead of the current folder.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Both modules are plain data with no imports, safe to load on any Node.
const { MIN_NODE_TEXT, nodeIsSupported } = await import('../dist/generators/lib/versions.js');
const { GENERATORS } = await import('../dist/generators/lib/generators.js');
if (!nodeIsSupported(process.versions.node)) {
  console.error(`generator-paperclip-fly needs Node >= ${MIN_NODE_TEXT} (this is ${process.version}).`);
  process.exit(1);
}

const args = process.argv.slice(2);
const name = GENERATORS.includes(args[0]) ? args.shift() : 'app';
// Yeoman's own --cwd takes no value in this command; handle it here.
const cwdAt = args.findIndex((arg) => arg === '--cwd' || arg.startsWith('--cwd='));
if (cwdAt !== -1) {
  const [flag] = args.splice(cwdAt, 1);
  const folder = flag.includes('=') ? flag.slice('--cwd='.length) : args.splice(cwdAt, 1)[0];
  if (!folder) {
    console.error('error: --cwd needs a folder, e.g. --cwd ../my-paperclip');
    process.exit(1);
  }
  mkdirSync(folder, { recursive: true });
  process.chdir(folder);
}

const { prepareCommand } = await import('yeoman-environment');
const resolved = fileURLToPath(new URL(`../dist/generators/${name}/index.js`, import.meta.url));
const command = await prepareCommand({ resolved, namespace: `paperclip-fly:${name}` });
command.name(name === 'app' ? 'generator-paperclip-fly' : `generator-paperclip-fly ${name}`);
try {
  await command.parseAsync(args, { from: 'user' });
} catch (error) {
  // Settings errors are already one readable line; anything else keeps its stack for a bug report.
  console.error(error?.name === 'SettingsError' ? `error: ${error.message}` : error);
  process.exit(1);
}
