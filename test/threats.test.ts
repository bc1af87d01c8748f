import { describe, expect, it } from 'vitest';
import { gotchaMarker, gotchasFor } from '../generators/lib/gotchas.js';
import { renderProject } from '../generators/lib/render.js';
import { defaultSettings, type Settings } from '../generators/lib/settings.js';
import { MEASURES, attackersFor, measuresFor, threatTable } from '../generators/lib/threats.js';

const settings = (overrides: Partial<Settings> = {}) => defaultSettings({ folderName: 'my-paperclip' }, overrides);

/** The catalogue entries of the agent-containment work: each must say in the README what it stops. */
const CONTAINMENT = [
  'root-home',
  'volume-root-owned',
  'areas-whatever-settings',
  'daemon-env',
  'secrets-off-cmdline',
  'secrets-strict-mode',
  'tailscaled-socket',
  'agent-networks',
  'tailnet-port',
  'tailscale-tag',
  'fly-app-network',
  'admin-invite-lifetime',
  'invite-reminted',
  'signup-after-admin',
];

describe('the threat model', () => {
  it('has one measure per catalogue entry, every containment entry among them', () => {
    const ids = MEASURES.map((measure) => measure.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of CONTAINMENT) expect(ids, id).toContain(id);
  });

  it.each([
    ['defaults', {}, ['agent-networks', 'tailnet-port', 'tailscale-tag', 'fly-app-network'], []],
    [
      'no Tailscale, external PostgreSQL',
      { tailscale: false, postgresMode: 'external', flyNetwork: false },
      ['agent-networks', 'no-public-ips'],
      ['tailnet-port', 'tailscale-tag', 'tailscaled-socket', 'fly-app-network'],
    ],
    ['agents allowed on the private networks', { agentPrivateNetworks: true }, ['tailnet-port'], ['agent-networks']],
  ] as const)('%s: lists exactly the measures whose entries apply', (_name, overrides, present, absent) => {
    const s = settings(overrides);
    const applies = new Set(gotchasFor(s).map((entry) => entry.id));
    const listed = measuresFor(s).map((measure) => measure.id);
    expect(listed).toEqual(MEASURES.filter((measure) => applies.has(measure.id)).map((measure) => measure.id));
    for (const id of present) expect(listed, id).toContain(id);
    for (const id of absent) expect(listed, id).not.toContain(id);
    expect(threatTable(s)).toHaveLength(listed.length + 2);
  });

  it('names the tailnet as an attacker only when Tailscale is on', () => {
    expect(attackersFor(settings()).map((attacker) => attacker.name)).toContain('The tailnet');
    expect(attackersFor(settings({ tailscale: false })).map((attacker) => attacker.name)).not.toContain('The tailnet');
  });

  it("puts the section in the generated README, a row per measure with the entry's marker", async () => {
    const s = settings();
    const files = await renderProject(s, { generatedAt: '2026-01-01T00:00:00.000Z' });
    const readme = files.get('README.md') ?? '';
    const section = readme.slice(readme.indexOf('## Security'), readme.indexOf('## Networks'));
    expect(section).toContain('**Agent code.**');
    for (const measure of measuresFor(s)) {
      expect(section).toMatch(new RegExp(`\\| ${measure.stops.slice(0, 20).replace(/[.*+?^${}()|[\]\\`]/g, '\\$&')}`));
      expect(section).toContain(gotchaMarker(measure.id));
    }
  });
});
