/** The measured figures: printed at the end of the run and written to bench/e2e-results.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './project.js';

export interface ProjectFigures {
  flags: string[];
  /** From the generated fly.toml, to compare against the measurements below. */
  generated?: {
    graceSeconds: number;
    deployWaitSeconds: number;
    killTimeoutSeconds: number;
    killSignal: string;
    vmMemoryMb: number;
  };
  buildSeconds?: number;
  buildUsedCache?: boolean;
  imageSizeMb?: number;
  firstBootToHealthySeconds?: number;
  firstBootToInviteSeconds?: number;
  warmRestartToHealthySeconds?: number;
  afterKill9ToHealthySeconds?: number;
  stopSeconds?: number[];
  idleMemoryMb?: {
    paperclipRss: number;
    postgresRss: number;
    postgresPss: number;
    tailscaledRss: number;
    paperclipPlusPostgresRss: number;
    allProcessesPss: number;
  };
  paperclipPeakRssMb?: number;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export class Results {
  readonly projects: Record<string, ProjectFigures> = {};
  private readonly started = performance.now();

  project(key: string, flags: string[]): ProjectFigures {
    return (this.projects[key] ??= { flags });
  }

  write(setupSeconds: number): string {
    const storageDriver = (() => {
      try {
        const cache = process.env.E2E_CACHE ?? '/var/cache/paperclip-fly-e2e';
        return readFileSync(join(cache, 'storage-driver.txt'), 'utf8').split('\n')[0];
      } catch {
        return 'unknown';
      }
    })();
    const report = {
      measuredAt: new Date().toISOString(),
      host: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30), storageDriver },
      setupSeconds: round(setupSeconds),
      testsWallSeconds: round((performance.now() - this.started) / 1000),
      projects: JSON.parse(
        JSON.stringify(this.projects, (_key, value) => (typeof value === 'number' ? round(value) : value)),
      ),
    };
    const path = join(ROOT, 'bench', 'e2e-results.json');
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    return `${JSON.stringify(report, null, 2)}\n(written to ${path})`;
  }
}
