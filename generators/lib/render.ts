/**
 * Renders the generated repository from settings alone: each file of the manifest from its template and the
 * model's data (config.json from its object), finished the way its format needs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import ejs from 'ejs';
import * as prettier from 'prettier';
import { buildConfig, type RenderMeta } from './config.js';
import { FILES, type FileFormat, type FileSpec } from './files.js';
import { templateData } from './model.js';
import type { Settings } from './settings.js';

export type { RenderMeta } from './config.js';

const TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

const templateCache = new Map<string, string>();
function readTemplate(name: string): string {
  let text = templateCache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, `file://${TEMPLATES_DIR}`), 'utf8');
    templateCache.set(name, text);
  }
  return text;
}

/** JSON, Markdown and YAML go through prettier so output is stable; fly.toml must parse. */
async function finish(text: string, format: FileFormat): Promise<string> {
  switch (format) {
    case 'json':
    case 'markdown':
    case 'yaml':
      return prettier.format(text, { parser: format, printWidth: 110, proseWrap: 'preserve' });
    case 'toml':
      // Text from a template: refuse to write it if a value ever breaks its syntax.
      TOML.parse(text);
      return text;
    case 'text':
      return text;
  }
}

/** Renders one file's contents. */
export async function renderFile(file: FileSpec, s: Settings, meta: RenderMeta): Promise<string> {
  const raw = file.template
    ? ejs.render(readTemplate(file.template), templateData(s), { filename: file.template })
    : JSON.stringify(buildConfig(s, meta), null, 2);
  return (await finish(raw, file.format)).replace(/\n*$/, '\n');
}

/** Every file of the project for these settings, keyed by path (what `yo paperclip-fly --yes` writes). */
export async function renderProject(s: Settings, meta: RenderMeta): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of FILES as readonly FileSpec[]) {
    if (file.when && !file.when(s)) continue;
    out.set(file.path, await renderFile(file, s, meta));
  }
  return out;
}
