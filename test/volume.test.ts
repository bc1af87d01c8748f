import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../generators/lib/settings.js';
import { volumePlan } from '../generators/lib/volume.js';

const settings = (overrides: Partial<Settings>) => defaultSettings({ folderName: 'x' }, overrides);

describe('volumePlan', () => {
  // Every combination of the settings that decide which areas are used.
  const cases: [string, Partial<Settings>, string[]][] = [
    [
      'defaults',
      {},
      ['home node 700', 'postgres postgres 700', 'tailscale root 700', 'backups root 700', 'restore root 700'],
    ],
    [
      'external PostgreSQL',
      { postgresMode: 'external' },
      ['home node 700', 'tailscale root 700', 'backups root 700', 'restore root 700'],
    ],
    [
      'no Tailscale',
      { tailscale: false },
      ['home node 700', 'postgres postgres 700', 'backups root 700', 'restore root 700'],
    ],
    [
      'neither',
      { postgresMode: 'external', tailscale: false },
      ['home node 700', 'backups root 700', 'restore root 700'],
    ],
  ];

  it.each(cases)('%s: creates and owns only the areas it uses', (_name, overrides, ensured) => {
    expect(volumePlan(settings(overrides)).ensure.map((area) => `${area.name} ${area.owner} ${area.mode}`)).toEqual(
      ensured,
    );
  });

  it.each(cases)(
    '%s: every area stays known (never moved into the app user’s home), used or not',
    (_name, overrides) => {
      expect(volumePlan(settings(overrides)).known).toEqual([
        'home',
        'postgres',
        'tailscale',
        'backups',
        'restore',
        'lost+found',
      ]);
    },
  );

  it('only the home area belongs to the app user', () => {
    const owners = volumePlan(settings({})).ensure.filter((area) => area.owner === 'node');
    expect(owners.map((area) => area.name)).toEqual(['home']);
  });
});
