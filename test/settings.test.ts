import { describe, expect, it } from 'vitest';
import { GENERATORS } from '../generators/lib/generators.js';
import { commentLines, englishList } from '../generators/lib/model.js';
import { allowedForm } from '../generators/lib/docs.js';
import {
  SETTING_SPECS as SETTINGS,
  checkValue,
  crossValidate,
  defaultSettings,
  formatValue,
  parseSetting,
  settingsOf,
  validateStored,
} from '../generators/lib/settings.js';

const context = { folderName: 'Team Paperclip' };

describe('the settings schema', () => {
  it('declares each setting once, with a prompt, a description and an owner', () => {
    expect(new Set(SETTINGS.map((spec) => spec.key)).size).toBe(SETTINGS.length);
    for (const spec of SETTINGS) {
      expect(spec.message.length).toBeGreaterThan(3);
      expect(spec.description.length).toBeGreaterThan(10);
      expect(GENERATORS).toContain(spec.owner);
    }
    expect(settingsOf('tailscale').map((spec) => spec.key)).toEqual([
      'tailscale',
      'tailscaleHostname',
      'tailscaleImage',
      'tailscaleTags',
      'tailscaleLoginServer',
    ]);
  });

  it('has defaults that pass their own validators and the cross-checks', () => {
    const settings = defaultSettings(context);
    for (const spec of SETTINGS) expect(checkValue(spec, settings[spec.key], settings), spec.key).toBe(true);
    expect(crossValidate(settings)).toBeUndefined();
    expect(settings.appName).toBe('team-paperclip');
    expect(settings.tailscaleHostname).toBe('team-paperclip');
  });

  it('derives defaults from earlier settings only', () => {
    expect(defaultSettings(context, { appName: 'other' }).tailscaleHostname).toBe('other');
    expect(defaultSettings(context, { nodeImage: 'node:24.21.0-bookworm-slim' }).postgresMajor).toBe(15);
  });

  it('round-trips every default through its flag form', () => {
    const settings = defaultSettings(context);
    for (const spec of SETTINGS) {
      const value: unknown = settings[spec.key];
      const raw = typeof value === 'boolean' ? value : formatValue(value);
      expect(parseSetting(spec.key, raw), spec.key).toEqual(settings[spec.key]);
    }
  });

  it('states an allowed form for every setting (used by errors and docs/options.md)', () => {
    for (const spec of SETTINGS) expect(allowedForm(spec), spec.key).not.toBe('any value');
  });

  it('parses boolean words from stored or string flags', () => {
    expect(parseSetting('tailscale', 'false')).toBe(false);
    expect(parseSetting('tailscale', 'no')).toBe(false);
    expect(parseSetting('githubActions', 'yes')).toBe(true);
  });

  it('checks a stored block key by key', () => {
    expect(validateStored({ appName: 'ok', vmMemory: 2048 })).toBeUndefined();
    expect(validateStored({ agents: 'claude' })).toBe(
      'Invalid agents in .yo-rc.json: expected an array of strings, got "claude".',
    );
    expect(validateStored({ tailscale: 'yes' })).toBe(
      'Invalid tailscale in .yo-rc.json: expected true or false, got "yes".',
    );
  });
});

describe('template helpers', () => {
  it('joins names as English lists', () => {
    expect(englishList([])).toBe('');
    expect(englishList(['Paperclip'])).toBe('Paperclip');
    expect(englishList(['Paperclip', 'PostgreSQL'])).toBe('Paperclip and PostgreSQL');
    expect(englishList(['Paperclip', 'PostgreSQL', 'tailscaled'])).toBe('Paperclip, PostgreSQL and tailscaled');
  });

  it('wraps comments at the width, keeping the prefix on every line', () => {
    const lines = commentLines('word '.repeat(60).trim(), '# ', 40).split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line.startsWith('# ')).toBe(true);
      expect(line.length).toBeLessThanOrEqual(40);
    }
  });
});
