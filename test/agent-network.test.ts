import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT_NETWORK_TABLE,
  agentNetworkPlan,
  agentNetworkRules,
  tailnetPolicySnippet,
  type AgentNetworkPlan,
} from '../generators/lib/agent-network.js';
import { renderProject } from '../generators/lib/render.js';
import { defaultSettings, type Settings } from '../generators/lib/settings.js';

const settings = (overrides: Partial<Settings> = {}) => defaultSettings({ folderName: 'my-paperclip' }, overrides);
const render = async (overrides: Partial<Settings>) =>
  renderProject(settings(overrides), { generatedAt: '2026-01-01T00:00:00.000Z' });

describe('agentNetworkPlan: what start.sh loads, from the settings', () => {
  it.each<[string, Partial<Settings>, AgentNetworkPlan]>([
    [
      'defaults: agents contained, tailscale0 closed to new connections',
      {},
      { install: true, containAgents: true, allowDatabase: false, closeTailnetInbound: true },
    ],
    [
      'external database: its address and port let through',
      { postgresMode: 'external' },
      { install: true, containAgents: true, allowDatabase: true, closeTailnetInbound: true },
    ],
    [
      'no Tailscale: agents still contained (6PN), no tailnet to close',
      { tailscale: false },
      { install: true, containAgents: true, allowDatabase: false, closeTailnetInbound: false },
    ],
    [
      'agents allowed: only the tailnet stays closed inbound',
      { agentPrivateNetworks: true },
      { install: true, containAgents: false, allowDatabase: false, closeTailnetInbound: true },
    ],
    [
      'agents allowed, external database: no database set needed',
      { agentPrivateNetworks: true, postgresMode: 'external' },
      { install: true, containAgents: false, allowDatabase: false, closeTailnetInbound: true },
    ],
    [
      'agents allowed and no Tailscale: nothing to load',
      { agentPrivateNetworks: true, tailscale: false },
      { install: false, containAgents: false, allowDatabase: false, closeTailnetInbound: false },
    ],
  ])('%s', (_name, overrides, plan) => {
    expect(agentNetworkPlan(settings(overrides))).toEqual(plan);
  });
});

describe('agentNetworkRules: the nftables script', () => {
  const rules = (overrides: Partial<Settings> = {}) => agentNetworkRules(agentNetworkPlan(settings(overrides)));

  it('replaces its own table in one transaction (create, delete, define)', () => {
    expect(rules().slice(0, 3)).toEqual([
      `table inet ${AGENT_NETWORK_TABLE}`,
      `delete table inet ${AGENT_NETWORK_TABLE}`,
      `table inet ${AGENT_NETWORK_TABLE} {`,
    ]);
    expect(rules().at(-1)).toBe('}');
  });

  it('refuses the app user new connections to the tailnet and 6PN, after the resolver exception', () => {
    const text = rules().join('\n');
    expect(text).toContain('meta skuid $APP_UID ct state new jump agent_connection');
    const accept = text.indexOf('ip6 daddr fdaa::3 meta l4proto { tcp, udp } th dport 53 accept');
    const refuse4 = text.indexOf('ip daddr { 100.64.0.0/10 } reject with icmpx admin-prohibited');
    const refuse6 = text.indexOf('ip6 daddr { fd7a:115c:a1e0::/48, fdaa::/16 } reject with icmpx admin-prohibited');
    expect(accept).toBeGreaterThan(0);
    expect(refuse4).toBeGreaterThan(accept);
    expect(refuse6).toBeGreaterThan(accept);
    // The chain a jump names is defined before the jump.
    expect(text.indexOf('chain agent_connection {')).toBeLessThan(text.indexOf('jump agent_connection'));
    // Hooks run before iptables' filter table, where tailscaled's ts-input accepts all of tailscale0.
    expect(text.match(/priority filter - 10;/g)).toHaveLength(2);
  });

  it('lets the external database through before the refusals, and only then', () => {
    const external = rules({ postgresMode: 'external' }).join('\n');
    expect(external).toContain('set database_v6 { type ipv6_addr . inet_service; }');
    expect(external.indexOf('ip6 daddr . tcp dport @database_v6 accept')).toBeLessThan(
      external.indexOf('fdaa::/16 } reject with icmpx admin-prohibited'),
    );
    expect(rules().join('\n')).not.toContain('@database_v');
  });

  it('refuses every new connection from tailscale0, with or without the allow setting', () => {
    const guard = '    iifname "tailscale0" ct state new meta l4proto tcp reject with tcp reset';
    expect(rules()).toContain(
      '    iifname "tailscale0" ct state new meta l4proto udp reject with icmpx port-unreachable',
    );
    // Replies to connections the machine opened (root's, tailscaled's) pass: only new ones are refused.
    expect(rules().filter((line) => line.includes('tailscale0') && !line.includes('ct state new'))).toEqual([]);
    expect(rules()).toContain(guard);
    expect(rules({ agentPrivateNetworks: true })).toContain(guard);
    expect(rules({ agentPrivateNetworks: true }).join('\n')).not.toContain('skuid');
    expect(rules({ tailscale: false })).not.toContain(guard);
    expect(rules({ agentPrivateNetworks: true, tailscale: false })).toEqual([]);
  });
});

describe('the generated files carry the plan', () => {
  const combinations = [false, true].flatMap((agentPrivateNetworks) =>
    [false, true].flatMap((tailscale) =>
      (['system', 'external'] as const).map((postgresMode) => ({ agentPrivateNetworks, tailscale, postgresMode })),
    ),
  );

  it.each(combinations)(
    'agentPrivateNetworks $agentPrivateNetworks, tailscale $tailscale, $postgresMode: nft in start.sh iff nftables in the image',
    async (overrides) => {
      const files = await render(overrides);
      const start = files.get('start.sh')!;
      const dockerfile = files.get('Dockerfile')!;
      const loads = start.includes('nft -f -');
      expect(loads).toBe(agentNetworkPlan(settings(overrides)).install);
      expect(/^\s+nftables \\$/m.test(dockerfile)).toBe(loads);
      expect(/^\s+iptables \\$/m.test(dockerfile)).toBe(overrides.tailscale);
      // Loaded before Paperclip starts, and before anything runs as the app user.
      if (loads) {
        const boot = start.slice(start.indexOf('\nboot() {'));
        expect(boot.indexOf('  contain_agents\n')).toBeGreaterThan(0);
        expect(boot.indexOf('  contain_agents\n')).toBeLessThan(boot.indexOf('  start_paperclip\n'));
      }
      if (overrides.tailscale) expect(start).toContain('chmod 700 "$(dirname "$TS_SOCKET")"');
    },
  );

  it('the loader script passes bash -n with every combination rendered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcfly-agent-network-'));
    try {
      for (const overrides of combinations) {
        const file = join(dir, 'start.sh');
        writeFileSync(file, (await render(overrides)).get('start.sh')!);
        const result = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
        expect(result.stderr, JSON.stringify(overrides)).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ops.sh creates the app and its Flycast address in the app network by default with system PostgreSQL', async () => {
    const defaults = (await render({})).get('ops.sh')!;
    expect(defaults).toContain('readonly NETWORK=my-paperclip');
    expect(defaults).toContain('fly apps create "$APP" --org "$ORG" --network "$NETWORK"');
    expect(defaults).toContain('fly ips allocate-v6 --private --network "$NETWORK" --app "$APP"');
    expect(settings({ postgresMode: 'external' }).flyNetwork).toBe(false);
    const external = (await render({ postgresMode: 'external', flyNetwork: false })).get('ops.sh')!;
    expect(external).not.toContain('--network');
  });

  it("start.sh advertises the tags only to Tailscale's own control server (headscale refuses them with a pre-auth key)", async () => {
    const start = (await render({})).get('start.sh')!;
    expect(start).toContain('if [[ -z "${TS_LOGIN_SERVER:-}" ]]; then up_args+=(--advertise-tags=tag:paperclip); fi');
    expect((await render({ tailscaleTags: [] })).get('start.sh')).not.toContain('--advertise-tags');
  });
});

describe('tailnetPolicySnippet', () => {
  it.each([
    [['tag:paperclip'], { 'tag:paperclip': ['autogroup:admin'] }, ['tag:paperclip:443']],
    [
      ['tag:paperclip', 'tag:prod'],
      { 'tag:paperclip': ['autogroup:admin'], 'tag:prod': ['autogroup:admin'] },
      ['tag:paperclip:443', 'tag:prod:443'],
    ],
  ])('%j: owned by admins, members reach 443 only, the tag is never a source', (tags, owners, dst) => {
    const policy = JSON.parse(tailnetPolicySnippet(tags));
    expect(policy).toEqual({ tagOwners: owners, acls: [{ action: 'accept', src: ['autogroup:member'], dst }] });
  });

  it('is in the README with the key instructions when the node is tagged, and absent without tags', async () => {
    const readme = (await render({})).get('README.md')!;
    expect(readme).toContain(tailnetPolicySnippet(['tag:paperclip']));
    expect(readme).toContain('made with the tag tag:paperclip');
    expect(readme).toContain('--reusable --tags tag:paperclip');
    expect((await render({ tailscaleTags: [] })).get('README.md')).not.toContain('"tagOwners"');
  });
});
