/**
 * `yo paperclip-fly`: asks every setting (each concern's too, in one pass), then writes the whole project.
 */
import { PaperclipFlyGenerator, type PaperclipFlyOptions } from '../lib/generator.js';

export default class AppGenerator extends PaperclipFlyGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'app');
  }
}
