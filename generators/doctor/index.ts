/**
 * `yo paperclip-fly:doctor [dir] [--json]`: Yeoman glue around runDoctor. It writes nothing (no .yo-rc.json
 * either); the exit status is doctor's (0 clean, 1 errors found, 2 could not run).
 */
import { resolve } from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { main } from './cli.js';

type DoctorOptions = BaseOptions & { dir?: string; json?: boolean };

export default class DoctorGenerator extends Generator<Record<string, never>, DoctorOptions> {
  constructor(args: string[], options: DoctorOptions) {
    super(args, options);
    this.argument('dir', { type: String, required: false, default: '.', description: 'The repository to audit' });
    this.option('json', { type: Boolean, description: 'Print the report as JSON (schema: docs/doctor.md)' });
  }

  async audit(): Promise<void> {
    const dir = resolve(this.destinationRoot(), this.options.dir ?? '.');
    process.exitCode = await main([dir, ...(this.options.json ? ['--json'] : [])]);
  }
}
