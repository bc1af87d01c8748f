/**
 * The doctor: audits a Paperclip-on-Fly repository for the catalogue's known traps. A plain function, usable
 * without Yeoman; it reads files and nothing else (no writes, no project code, no network).
 */
import { resolve } from 'node:path';
import { gotcha, type GotchaId } from '../lib/gotchas.js';
import { loadPaperclipSchema } from './paperclip-schema.js';
import { loadShellParser } from './parse/shell.js';
import type { Location } from './parse/text.js';
import { loadProject, type Project } from './project.js';
import { REPORT_SCHEMA, type Finding, type NotCheckedEntry, type Report, type Severity } from './report.js';
import { CATALOGUE_RULES, DOCTOR_RULES, FILE_PROBLEMS } from './rules/index.js';
import { isNotChecked, REQUIRED_FIELD, type Needed, type ProjectWith, type Rule } from './rules/types.js';

/**
 * Whether the files a rule needs were found. A rule's `needs` is what its type was inferred from (see `rule()`),
 * so passing the check is what lets the rule read those fields as present.
 */
function provides(project: Project, needs: readonly Needed[]): project is ProjectWith<Needed> {
  return needs.every((role) => project[REQUIRED_FIELD[role]] !== undefined);
}

interface Texts {
  symptom: string;
  fix: string;
}

export async function runDoctor(dir: string): Promise<Report> {
  const root = resolve(dir);
  const parser = await loadShellParser();
  const project = loadProject(root, parser);
  if (project.config) await loadPaperclipSchema();

  const findings: Finding[] = [];
  const notChecked: NotCheckedEntry[] = [];
  let checked = 0;
  const add = (id: string, catalogue: boolean, texts: Texts, severity: Severity, where: Location, message: string) =>
    findings.push({
      id,
      catalogue,
      severity,
      file: where.file,
      line: where.line,
      column: where.column,
      message,
      symptom: texts.symptom,
      fix: texts.fix,
    });

  for (const problem of project.problems)
    add(problem.id, false, FILE_PROBLEMS[problem.id], problem.severity, problem.where, problem.message);

  const run = (id: string, catalogue: boolean, rule: Rule, texts: Texts) => {
    if (!provides(project, rule.needs)) {
      const missing = rule.needs.find((role) => project[REQUIRED_FIELD[role]] === undefined);
      notChecked.push({ id, catalogue, reason: `no ${missing ?? 'file'} was found` });
      return;
    }
    try {
      const reason = rule.check({
        project,
        found: (where, message, severity = rule.severity) => add(id, catalogue, texts, severity, where, message),
      });
      if (typeof reason === 'string') notChecked.push({ id, catalogue, reason });
      else checked++;
    } catch (error) {
      notChecked.push({
        id,
        catalogue,
        reason: `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      });
    }
  };
  for (const [id, entry] of Object.entries(CATALOGUE_RULES) as [GotchaId, (typeof CATALOGUE_RULES)[GotchaId]][]) {
    if (isNotChecked(entry)) notChecked.push({ id, catalogue: true, reason: entry.notChecked });
    else run(id, true, entry, gotcha(id));
  }
  for (const [id, rule] of Object.entries(DOCTOR_RULES)) run(id, false, rule, rule);

  // Code-point order, not the locale's: the JSON output must not depend on where it runs.
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  findings.sort((a, b) => byText(a.file, b.file) || a.line - b.line || a.column - b.column || byText(a.id, b.id));
  return {
    schema: REPORT_SCHEMA,
    dir: root,
    files: project.files,
    findings,
    notChecked,
    summary: {
      errors: findings.filter((finding) => finding.severity === 'error').length,
      warnings: findings.filter((finding) => finding.severity === 'warning').length,
      checked,
      notChecked: notChecked.length,
    },
  };
}
