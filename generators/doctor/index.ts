/**
 * `yo paperclip-fly:doctor [dir] [--json]`: Yeoman glue around runDoctor. It writes nothing (no .yo-rc.json
 * either); the exit status is doctor's (0 clean, 1 errors found, 2 could not run).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { main } from './cli.js';

type DoctorOptions = BaseOptions & { dir?: string; json?: boolean };

export default class DoctorGenerator extends Generator<Record<string, never>, DoctorOptions> {
  constructor(args: string[], options: DoctorOptions) {
    // Nothing to install: without this Yeoman reports on package.json after the report.
    super(args, options, { customInstallTask: true });
    this.argument('dir', { type: String, required: false, default: '.', description: 'The repository to audit' });
    this.option('json', { type: Boolean, description: 'Print the report as JSON (schema: docs/doctor.md)' });
  }

  async audit(): Promise<void> {
    // yo runs in the folder it was started in; a relative dir stays relative so the report shows it as typed.
    const dir = this.options.dir ?? '.';
    process.exitCode = await main([
      isAbsolute(dir) ? dir : relative(process.cwd(), resolve(this.destinationRoot(), dir)) || '.',
      ...(this.options.json ? ['--json'] : []),
    ]);
  }
}
