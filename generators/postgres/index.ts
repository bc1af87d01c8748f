/**
 * `yo paperclip-fly:postgres`: re-asks the postgres settings of an existing project and rewrites only the files they show in.
 */
import { PaperclipFlyGenerator, type PaperclipFlyOptions } from '../lib/generator.js';

export default class PostgresGenerator extends PaperclipFlyGenerator {
  constructor(args: string[], options: PaperclipFlyOptions) {
    super(args, options, 'postgres');
  }
}
