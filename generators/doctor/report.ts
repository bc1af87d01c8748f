/**
 * What a doctor run returns. The JSON output (`--json`) is this object; docs/doctor.md documents it, and its
 * `schema` names the version of this shape.
 */
export const REPORT_SCHEMA = 'paperclip-fly-doctor/1';

export type Severity = 'error' | 'warning';

/** The files doctor found and read, by the role each plays. */
export type FileRole =
  'fly.toml' | 'Dockerfile' | 'entrypoint' | 'config.json' | 'Makefile' | 'script' | 'workflow' | '.env';

export interface Finding {
  /** A catalogue id (docs/gotchas.md) or one of doctor's own (docs/doctor.md). */
  id: string;
  /** Whether `id` is in the gotcha catalogue. */
  catalogue: boolean;
  severity: Severity;
  /** Path relative to the audited folder, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** What doctor found there. */
  message: string;
  /** What breaks because of it. */
  symptom: string;
  /** What to do instead. */
  fix: string;
}

export interface NotCheckedEntry {
  id: string;
  catalogue: boolean;
  reason: string;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  /** The audited folder, absolute. */
  dir: string;
  files: { role: FileRole; path: string }[];
  /** Sorted by file, line, column. */
  findings: Finding[];
  /** Rules that could not decide for this repository, and catalogue entries no rule can check, with the reason. */
  notChecked: NotCheckedEntry[];
  summary: {
    errors: number;
    warnings: number;
    /** Rules that ran to a decision. */
    checked: number;
    notChecked: number;
  };
}

/** Exit status: 0 clean (warnings allowed), 1 any error-severity finding, 2 doctor could not run. */
export const exitCode = (report: Report): 0 | 1 => (report.summary.errors > 0 ? 1 : 0);

/** Raised when doctor cannot run at all (exit 2): no such folder, nothing of a Fly app in it. */
export class DoctorError extends Error {
  override name = 'DoctorError';
}
