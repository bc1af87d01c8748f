import type { Project } from '../project.js';
import type { Location } from '../parse/text.js';
import type { FileRole, Severity } from '../report.js';

export interface RuleContext {
  project: Project;
  /** Reports a finding of the rule being run; its severity defaults to the rule's. */
  found(where: Location, message: string, severity?: Severity): void;
}

/**
 * A check of one trap. `check` reports what it finds through `found`; it returns a sentence instead when it
 * cannot decide for this repository (then doctor lists the rule as not checked, with that reason).
 */
export interface Rule {
  /** What the rule looks at and accepts, in one sentence (docs/doctor.md lists them). */
  checks: string;
  severity: Severity;
  /** Files without which the rule cannot decide: when one is missing the rule is listed as not checked. */
  needs?: readonly FileRole[];
  check(context: RuleContext): string | void;
}

/** A catalogue entry no rule can decide from a repository's files, and why. */
export interface NotChecked {
  notChecked: string;
}

/** A trap doctor checks that has no catalogue entry (yet): it carries its own texts. */
export interface DoctorRule extends Rule {
  title: string;
  symptom: string;
  fix: string;
}

export const isNotChecked = (entry: Rule | NotChecked): entry is NotChecked => 'notChecked' in entry;
