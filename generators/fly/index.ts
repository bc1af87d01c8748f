/**
 * `yo paperclip-fly:fly`: re-asks the fly settings of an existing project and rewrites only the files they
 * touch. Also composed by the app generator, which then does the writing.
 */
import { ConcernGenerator, type PaperclipFlyOptions } from '../lib/generator.js';

export default class FlyGenerator extends ConcernGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'fly');
  }
}
