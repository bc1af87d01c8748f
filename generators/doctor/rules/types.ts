import type { Location } from '../parse/text.js';
import type { Project } from '../project.js';
import type { Severity } from '../report.js';

/** The files a rule can require, and the Project field each fills. */
export const REQUIRED_FIELD = {
  'fly.toml': 'fly',
  Dockerfile: 'dockerfile',
  entrypoint: 'entrypoint',
  'config.json': 'config',
  Makefile: 'makefile',
} as const;
export type Needed = keyof typeof REQUIRED_FIELD;

/** The project as a rule that needs files N sees it: those fields are present. */
export type ProjectWith<N extends Needed> = Project & {
  [K in N as (typeof REQUIRED_FIELD)[K]]-?: NonNullable<Project[(typeof REQUIRED_FIELD)[K]]>;
};

export interface RuleContext<N extends Needed = Needed> {
  project: ProjectWith<N>;
  /** Reports a finding of the rule being run; its severity defaults to the rule's. */
  found: (where: Location, message: string, severity?: Severity) => void;
}

/**
 * A check of one trap. `check` reports what it finds through `found`; it returns a sentence instead when it
 * cannot decide for this repository (then doctor lists the rule as not checked, with that reason).
 */
export interface Rule<N extends Needed = Needed> {
  /** What the rule looks at and accepts, in one sentence (docs/doctor.md lists them). */
  checks: string;
  severity: Severity;
  /** Files without which the rule cannot decide: when one is missing the rule is listed as not checked. */
  needs: readonly N[];
  check(context: RuleContext<N>): string | undefined;
}

/** A catalogue entry no rule can decide from a repository's files, and why. */
export interface NotChecked {
  notChecked: string;
}

/** A trap doctor checks that has no catalogue entry (yet): it carries its own texts. */
export interface DoctorRule<N extends Needed = Needed> extends Rule<N> {
  title: string;
  symptom: string;
  fix: string;
}

export const isNotChecked = (entry: Rule | NotChecked): entry is NotChecked => 'notChecked' in entry;

/** Declares a rule, inferring the files it needs so that `check` sees them present. */
export const rule = <N extends Needed = never>(definition: Rule<N>): Rule<N> => definition;
export const doctorRule = <N extends Needed = never>(definition: DoctorRule<N>): DoctorRule<N> => definition;
