// Compiles the generators with tsc, then copies templates beside the compiled code (tsc does not), and the
// bash grammar's WASM beside the doctor's shell parser (from the tree-sitter-bash package, MIT, with its licence),
// then bundles the package bin (scripts/bundle.js).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundle } from './bundle.js';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
cpSync('generators/lib/templates', 'dist/generators/lib/templates', { recursive: true });
const bash = dirname(require.resolve('tree-sitter-bash/package.json'));
cpSync(join(bash, 'tree-sitter-bash.wasm'), 'dist/generators/doctor/parse/tree-sitter-bash.wasm');
cpSync(join(bash, 'LICENSE'), 'dist/generators/doctor/parse/tree-sitter-bash.LICENSE');
await bundle();
