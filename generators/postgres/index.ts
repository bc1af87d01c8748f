/**
 * `yo paperclip-fly:postgres`: re-asks the postgres settings of an existing project and rewrites only the files they
 * touch. Also composed by the app generator, which then does the writing.
 */
import { ConcernGenerator, type PaperclipFlyOptions } from '../lib/generator.js';

export default class PostgresGenerator extends ConcernGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'postgres');
  }
}
