// Bundles the package bin (generators/lib/cli.ts) into dist/generators/lib/cli.bundle.js: one file instead of
// ~2,000 modules (lodash-es alone is 640), with what a generator run never uses loaded only on first use.
// Written beside the compiled cli.js, so our own `new URL(..., import.meta.url)` paths (templates, generators)
// resolve as they do unbundled.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Modules replaced by a stand-in that loads the real one on first use. Each is loaded at start-up by Yeoman but
 * used only on paths a generator run does not take:
 * - fly-import (@npmcli/arborist, pacote, sigstore: ~190 ms): installs generators from npm; the environment
 *   only constructs its FlyRepository.
 * - inquirer: the terminal adapter builds its prompt module up front; it is called only when a question is asked.
 * - latest-version (ky): yeoman-generator's addDependencies without a version; this generator pins versions.
 */
const LAZY = [
  {
    specifier: /^fly-import$/,
    importer: /[\\/]yeoman-environment[\\/]dist[\\/]environment-(base|full)\.js$/,
    contents: (real) => `
      import { resolve } from 'node:path';
      const load = () => import(${JSON.stringify(real)});
      // What yeoman-environment uses of it: repositoryPath (resolved, as the real setter does) and the async methods.
      export class FlyRepository {
        #config; #real;
        constructor(config) { this.#config = config; this.repositoryPath = resolve(config.repositoryPath); }
        async #load() { return (this.#real ??= new (await load()).FlyRepository(this.#config)); }
        async load(...args) { return (await this.#load()).load(...args); }
        async install(...args) { return (await this.#load()).install(...args); }
        async import(...args) { return (await this.#load()).import(...args); }
        async resolve(...args) { return (await this.#load()).resolve(...args); }
      }
      export const flyImport = async (...args) => (await load()).flyImport(...args);`,
  },
  {
    // Imported by the terminal adapter and by the test adapter (unused here, but reachable from the index).
    specifier: /^\.\.?\/inquirer\.js$/,
    importer: /[\\/]@yeoman[\\/]adapter[\\/]dist[\\/](adapter|testing[\\/]test-adapter)\.js$/,
    contents: (real) => `
      export const createAdapterPromptModule = (parameter) => {
        let module;
        return async (questions, answers) => {
          module ??= (await import(${JSON.stringify(real)})).createAdapterPromptModule(parameter);
          return module(questions, answers);
        };
      };`,
  },
  {
    // The adapter takes only the Separator class from here; @inquirer/core defines it (without the prompts).
    specifier: /^@inquirer\/prompts$/,
    importer: /[\\/]@yeoman[\\/]adapter[\\/]dist[\\/]adapter\.js$/,
    contents: () => `export { Separator } from '@inquirer/core';`,
  },
  {
    specifier: /^latest-version$/,
    importer: /[\\/]yeoman-generator[\\/]dist[\\/]actions[\\/]package-json\.js$/,
    contents: (real) => `export default async (...args) => (await import(${JSON.stringify(real)})).default(...args);`,
  },
];

const lazyPlugin = {
  name: 'lazy',
  setup(builder) {
    for (const lazy of LAZY) {
      builder.onResolve({ filter: lazy.specifier }, async (args) => {
        if (args.pluginData === 'real' || !lazy.importer.test(args.importer)) return undefined;
        const real = await builder.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          pluginData: 'real',
        });
        if (real.errors.length > 0) return { errors: real.errors };
        // Relative: the path shows in a comment in the bundle, which must not name this checkout.
        return { path: relative(ROOT, real.path), namespace: 'lazy', pluginData: lazy };
      });
    }
    // The stand-in sits in the real module's folder, so its imports resolve as the real module's would.
    builder.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: args.pluginData.contents(join(ROOT, args.path)),
      resolveDir: dirname(join(ROOT, args.path)),
      loader: 'js',
    }));
  },
};

/**
 * A bundled dependency that finds files next to itself (its package.json, its own folder) through
 * import.meta.url gets the URL of its file in the installed package instead: found at run time the way Node
 * finds packages, in node_modules of the package's folder or of one above it, so it works hoisted or nested.
 */
const moduleUrlPlugin = {
  name: 'module-url',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const inNodeModules = args.path.slice(args.path.lastIndexOf('node_modules') + 'node_modules/'.length);
      return {
        contents: source.replaceAll('import.meta.url', `__installedModuleUrl(${JSON.stringify(inNodeModules)})`),
        loader: 'js',
      };
    });
  },
};

// Defined once at the top of the bundle, for moduleUrlPlugin.
const BANNER = `
import { existsSync as __existsSync } from 'node:fs';
import { dirname as __dirname_, join as __join } from 'node:path';
import { fileURLToPath as __toPath, pathToFileURL as __toUrl } from 'node:url';
import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
function __installedModuleUrl(inNodeModules) {
  for (let dir = __dirname_(__toPath(import.meta.url)); ; dir = __dirname_(dir)) {
    const candidate = __join(dir, 'node_modules', inNodeModules);
    if (__existsSync(candidate)) return __toUrl(candidate).href;
    if (__dirname_(dir) === dir) throw new Error('generator-paperclip-fly: cannot find node_modules/' + inNodeModules);
  }
}`;

export async function bundle() {
  const result = await build({
    entryPoints: [join(ROOT, 'generators/lib/cli.ts')],
    // Lazily loaded modules go to chunk files of their own, read only when first used.
    outdir: join(ROOT, 'dist/generators/lib'),
    entryNames: 'cli.bundle',
    chunkNames: 'cli.chunk-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    banner: { js: BANNER },
    plugins: [lazyPlugin, moduleUrlPlugin],
    logLevel: 'warning',
    legalComments: 'none',
    metafile: Boolean(process.env.BUNDLE_METAFILE),
  });
  if (result.metafile) writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(result.metafile));
  if (!existsSync(join(ROOT, 'dist/generators/lib/cli.bundle.js'))) throw new Error('bundle not written');
}
