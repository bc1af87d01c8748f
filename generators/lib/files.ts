/**
 * The file manifest: every file the generator writes, its template, the concerns whose settings show in it (the
 * sub-generators that rewrite it; the app writes them all), when it exists, and its output format.
 */
import type { Concern, GeneratorName } from './generators.js';
import type { Settings } from './settings.js';

/** How a rendered file is finished and checked (render.ts): Markdown tables padded as prettier does, TOML parsed. */
export type FileFormat = 'text' | 'json' | 'markdown' | 'yaml' | 'toml';

export interface FileSpec {
  /** Destination, relative to the project root. */
  path: string;
  /** EJS template in templates/; absent for config.json, which is built as an object. */
  template?: string;
  /** Sub-generators whose settings show in this file; each rewrites it. */
  concerns: readonly Concern[];
  /** The file exists only when this holds; otherwise a regeneration deletes it. */
  when?: (s: Settings) => boolean;
  format: FileFormat;
  executable?: boolean;
}

export const FILES = [
  { path: 'Dockerfile', template: 'Dockerfile.ejs', concerns: ['postgres', 'tailscale'], format: 'text' },
  { path: 'start.sh', template: 'start.sh.ejs', concerns: ['postgres', 'tailscale'], format: 'text', executable: true },
  { path: 'config.json', concerns: ['postgres'], format: 'json' },
  { path: 'fly.toml', template: 'fly.toml.ejs', concerns: ['fly', 'tailscale'], format: 'toml' },
  { path: 'Makefile', template: 'Makefile.ejs', concerns: [], format: 'text' },
  {
    path: 'ops.sh',
    template: 'ops.sh.ejs',
    concerns: ['fly', 'postgres', 'tailscale'],
    format: 'text',
    executable: true,
  },
  { path: 'README.md', template: 'README.md.ejs', concerns: ['fly', 'postgres', 'tailscale'], format: 'markdown' },
  { path: '.env.example', template: 'env.example.ejs', concerns: ['postgres', 'tailscale'], format: 'text' },
  { path: '.gitignore', template: 'gitignore.ejs', concerns: [], format: 'text' },
  { path: '.dockerignore', template: 'dockerignore.ejs', concerns: [], format: 'text' },
  { path: '.gitattributes', template: 'gitattributes.ejs', concerns: [], format: 'text' },
  {
    path: '.github/workflows/fly-deploy.yml',
    template: 'fly-deploy.yml.ejs',
    concerns: ['fly'],
    when: (s) => s.githubActions,
    format: 'yaml',
  },
] as const satisfies readonly FileSpec[];

export type GeneratedPath = (typeof FILES)[number]['path'];

/** The files a generator (re)writes: the app all of them, a concern those its settings show in. */
export function filesFor(generator: GeneratorName): readonly FileSpec[] {
  const files: readonly FileSpec[] = FILES;
  return generator === 'app' ? files : files.filter((file) => file.concerns.includes(generator));
}
