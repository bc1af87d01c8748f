// Regenerates docs/options.md and docs/gotchas.md from the compiled schema and catalogue (run: npm run docs).
import { writeFileSync } from 'node:fs';
import { renderGotchasDoc, renderOptionsDoc } from '../dist/generators/lib/docs.js';

writeFileSync('docs/options.md', renderOptionsDoc());
writeFileSync('docs/gotchas.md', renderGotchasDoc());
console.log('wrote docs/options.md and docs/gotchas.md');
