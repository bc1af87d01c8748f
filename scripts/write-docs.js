// Regenerates docs/options.md and docs/gotchas.md from the compiled schema and catalogue, and the generated parts of
// docs/doctor.md (its rule table, and a real run on the seed fixture) (run: npm run docs).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderGotchasDoc, renderOptionsDoc } from '../dist/generators/lib/docs.js';
import { fillDoctorDoc } from '../dist/generators/doctor/docs.js';
import { runDoctor } from '../dist/generators/doctor/doctor.js';
import { formatReport } from '../dist/generators/doctor/format.js';

writeFileSync('docs/options.md', renderOptionsDoc());
writeFileSync('docs/gotchas.md', renderGotchasDoc());
const seed = 'test/fixtures/doctor/seed';
const sample = formatReport(await runDoctor(seed), { color: false, dir: seed });
writeFileSync('docs/doctor.md', fillDoctorDoc(readFileSync('docs/doctor.md', 'utf8'), sample));
console.log('wrote docs/options.md, docs/gotchas.md and docs/doctor.md');
