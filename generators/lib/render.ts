/**
 * Renders the generated repository from settings alone: each file of the manifest from its template and the
 * model's data (config.json from its object), finished the way its format needs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import ejs from 'ejs';
import { buildConfig, type RenderMeta } from './config.js';
import { FILES, type FileFormat, type FileSpec } from './files.js';
import { alignTables } from './markdown.js';
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

/**
 * Finishes a rendered file. Every file is already what prettier would print (test/prettier-form.test.ts holds
 * them to it): JSON from JSON.stringify, YAML as written, Markdown once its tables are padded. No prettier at run
 * time: it cost ~100 ms a run. fly.toml must parse.
 */
function finish(text: string, format: FileFormat): string {
  switch (format) {
    case 'markdown':
      return alignTables(text);
    case 'toml':
      // Text from a template: refuse to write it if a value ever breaks its syntax.
      TOML.parse(text);
      return text;
    case 'json':
    case 'yaml':
    case 'text':
      return text;
  }
}

/** Renders one file's contents (synchronous now that prettier is gone; callers still await it). */
export function renderFile(file: FileSpec, s: Settings, meta: RenderMeta): Promise<string> {
  const raw = file.template
    ? ejs.render(readTemplate(file.template), templateData(s), { filename: file.template })
    : JSON.stringify(buildConfig(s, meta), null, 2);
  return Promise.resolve(finish(raw, file.format).replace(/\n*$/, '\n'));
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
