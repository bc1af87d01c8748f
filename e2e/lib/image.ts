/**
 * Image figures: size, the size of each layer, and the comparison image, which is the generated Dockerfile
 * without the deletions of generators/lib/image.ts (the same Dockerfile, built in the same run).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imagePruneCommands } from '../../generators/lib/image.js';
import { defaultSettings, type Settings } from '../../generators/lib/settings.js';
import { podmanOut } from './podman.js';

/** The settings a generated project was made with, from its .yo-rc.json. */
export function projectSettings(projectDir: string): Settings {
  const stored = JSON.parse(readFileSync(join(projectDir, '.yo-rc.json'), 'utf8'))['generator-paperclip-fly'];
  return defaultSettings({ folderName: 'project' }, stored);
}

/** The generated Dockerfile with its deletion steps taken out; throws if one is not where it belongs. */
export function withoutPrune(dockerfile: string, settings: Settings): string {
  let text = dockerfile;
  for (const command of imagePruneCommands(settings)) {
    const step = `  && ${command} \\\n`;
    if (!text.includes(step)) throw new Error(`deletion step not found in the Dockerfile:\n${step}`);
    text = text.replace(step, '');
  }
  return text;
}

const UNITS: Record<string, number> = { B: 1e-6, kB: 1e-3, KB: 1e-3, MB: 1, GB: 1e3 };

export interface Layer {
  sizeMb: number;
  /** The instruction, shortened. */
  step: string;
}

/** Layers with content, largest first (podman history prints sizes with decimal units). */
export async function layers(image: string): Promise<Layer[]> {
  const out = await podmanOut(['history', '--no-trunc', '--format', '{{.Size}}|{{.CreatedBy}}', image]);
  return out
    .split('\n')
    .map((line) => {
      const [size = '', ...rest] = line.split('|');
      const [, amount = '0', unit = 'B'] = /^([\d.]+)\s*(\w+)$/.exec(size.trim()) ?? [];
      const step = rest
        .join('|')
        .replace(/^\/bin\/sh -c (#\(nop\) )?/, '')
        .replace(/\s+/g, ' ')
        .trim();
      return {
        sizeMb: Math.round(Number(amount) * (UNITS[unit] ?? 0) * 10) / 10,
        step: step.length > 90 ? `${step.slice(0, 90)}…` : step,
      };
    })
    .filter((layer) => layer.sizeMb >= 0.1)
    .sort((a, b) => b.sizeMb - a.sizeMb);
}
