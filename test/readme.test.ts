import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_NODE_TEXT, nodeIsSupported } from '../generators/lib/versions.js';
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

describe('one minimum Node version', () => {
  it('package.json engines states the version versions.ts declares', () => {
    const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines;
    expect(engines.node).toBe(`>=${MIN_NODE_TEXT}.0`);
  });

  it('the bin refuses older versions with it', () => {
    expect(nodeIsSupported('24.11.0')).toBe(true);
    expect(nodeIsSupported('25.0.0')).toBe(true);
    expect(nodeIsSupported('24.10.9')).toBe(false);
    expect(nodeIsSupported('20.20.2')).toBe(false);
  });
});
