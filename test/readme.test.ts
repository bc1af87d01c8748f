import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const [generateLine, testLine] = /```sh\n(.*)\n(.*)\n```/
  .exec(readme)!
  .slice(1)
  .map((line) => line.replace(/\s+#.*$/, ''));

describe('README', () => {
  it('starts with the two commands: generate a project, run the tests', () => {
    expect(readme.split('\n').slice(0, 6).join('\n')).toContain('```sh');
    expect(generateLine).toMatch(/^npm ci && npm run generate -- --cwd \S+ --yes$/);
    expect(testLine).toMatch(/npm test$/);
  });

  it('has its test command run verbatim by .ci/run', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci.split('\n')).toContain(testLine);
  });

  it('names the scripts it documents', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    for (const script of ['generate', 'test', 'test:e2e', 'docs', 'bench', 'build'])
      expect(scripts).toHaveProperty(script);
  });
});
