import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillDoctorDoc } from '../generators/doctor/docs.js';
import { runDoctor } from '../generators/doctor/doctor.js';
import { formatReport } from '../generators/doctor/format.js';
import { renderGotchasDoc, renderOptionsDoc } from '../generators/lib/docs.js';
import { GOTCHAS, gotchaMarker } from '../generators/lib/gotchas.js';
import { SETTINGS } from '../generators/lib/settings.js';
import { ROOT } from './helpers.js';

const doc = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');

describe('docs/ is in sync with the schema and the catalogue (npm run docs)', () => {
  it('options.md', () => {
    expect(doc('options.md')).toBe(renderOptionsDoc());
    for (const spec of SETTINGS) expect(doc('options.md')).toContain(`| \`--${spec.key}\` |`);
  });
  it('gotchas.md', () => {
    expect(doc('gotchas.md')).toBe(renderGotchasDoc());
    for (const entry of GOTCHAS) expect(doc('gotchas.md')).toContain(gotchaMarker(entry.id));
  });
  it('doctor.md: the rule table and the sample output of a real run on the seed fixture', async () => {
    const seed = 'test/fixtures/doctor/seed';
    const sample = formatReport(await runDoctor(join(ROOT, seed)), { color: false, dir: seed });
    expect(doc('doctor.md')).toBe(fillDoctorDoc(doc('doctor.md'), sample));
    expect(doc('doctor.md')).toContain('✖ 5 errors, 16 warnings');
  });
  it('the catalogue has the 13 gotchas of the write-up and unique ids', () => {
    expect(GOTCHAS.filter((entry) => entry.source === 'seed')).toHaveLength(13);
    expect(new Set(GOTCHAS.map((entry) => entry.id)).size).toBe(GOTCHAS.length);
  });
});
