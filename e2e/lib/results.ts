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
  /** Layers with content, largest first. */
  layersMb?: { sizeMb: number; step: string }[];
  /** The same Dockerfile without the deletions of generators/lib/image.ts, built in the same run. */
  unpruned?: { buildSeconds: number; imageSizeMb: number; layersMb: { sizeMb: number; step: string }[] };
  savedPercent?: number;
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

const RESULTS_PATH = join(ROOT, 'bench', 'e2e-results.json');

/** The data-path test's figures (e2e/data-path.e2e.test.ts), kept when the boot test rewrites the file. */
function readFaultFigures(): Record<string, number> | undefined {
  try {
    return (JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as { faultRecoverySeconds?: Record<string, number> })
      .faultRecoverySeconds;
  } catch {
    return undefined;
  }
}

/** Writes the time to recover from each fault into bench/e2e-results.json, keeping the rest of the file. */
export function writeFaultFigures(figures: Record<string, number>): void {
  const report = JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as Record<string, unknown>;
  report.faultRecoverySeconds = {
    ...readFaultFigures(),
    ...Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, round(value, 2)])),
  };
  writeFileSync(RESULTS_PATH, `${JSON.stringify(report, null, 2)}\n`);
}

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
      faultRecoverySeconds: readFaultFigures(),
      projects: JSON.parse(
        JSON.stringify(this.projects, (_key, value) => (typeof value === 'number' ? round(value) : value)),
      ),
    };
    const path = RESULTS_PATH;
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    return `${JSON.stringify(report, null, 2)}\n(written to ${path})`;
  }
}
