/**
 * `yo paperclip-fly:tailscale`: re-asks the tailscale settings of an existing project and rewrites only the files they show in.
 */
import { PaperclipFlyGenerator, type PaperclipFlyOptions } from '../lib/generator.js';

export default class TailscaleGenerator extends PaperclipFlyGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'tailscale');
  }
}
