/**
 * `yo paperclip-fly`: asks the shared settings, composes the fly, postgres and tailscale generators (each asks
 * its own), then writes the whole project.
 */
import { fileURLToPath } from 'node:url';
import { PaperclipFlyGenerator, type PaperclipFlyOptions } from '../lib/generator.js';
import { SETTINGS } from '../lib/settings.js';
import FlyGenerator from '../fly/index.js';
import PostgresGenerator from '../postgres/index.js';
import TailscaleGenerator from '../tailscale/index.js';

const SUB_GENERATORS = [
  ['fly', FlyGenerator],
  ['postgres', PostgresGenerator],
  ['tailscale', TailscaleGenerator],
] as const;

export default class AppGenerator extends PaperclipFlyGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'core');
  }

  async initializing(): Promise<void> {
    // Flags reach the composed generators as options; they parse their own.
    // The app's decisions travel as explicit booleans: an undefined option would be parsed as false there.
    const forwarded: Record<string, unknown> = { composed: true, yes: Boolean(this.options.yes), interactive: this.interactive };
    for (const spec of SETTINGS) {
      if (spec.concern !== 'core' && this.options[spec.key] !== undefined) forwarded[spec.key] = this.options[spec.key];
    }
    for (const [name, Generator] of SUB_GENERATORS) {
      const path = fileURLToPath(new URL(`../${name}/index.js`, import.meta.url));
      await this.composeWith({ Generator, path }, forwarded as PaperclipFlyOptions);
    }
  }

  async prompting(): Promise<void> {
    await this.resolveSettings();
  }

  configuring(): void {
    this.checkCombination();
  }

  async writing(): Promise<void> {
    await this.writeFiles();
  }

  end(): void {
    this.log.ok('Project written. Next: make setup, then make deploy (see README.md).');
  }
}
