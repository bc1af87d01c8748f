/**
 * `yo paperclip-fly:fly`: re-asks the fly settings of an existing project and rewrites only the files they show in.
 */
import { PaperclipFlyGenerator, type PaperclipFlyOptions } from '../lib/generator.js';

export default class FlyGenerator extends PaperclipFlyGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'fly');
  }
}
