/**
 * What the machine's private networks let through, decided from the settings: the connections agents (every
 * process of the app user) may open, and what the tailnet may open to the machine. start.sh loads the result
 * as one nftables table before Paperclip starts.
 *
 * Why a table of its own rather than iptables rules: tailscaled inserts its `ts-input` jump at the top of the
 * filter table's INPUT chain each time it sets up netfilter (util/linuxfw AddHooks, v1.94.2), and ts-input accepts
 * everything arriving on tailscale0, so a rule added to that chain before tailscaled ends up below its accept. A
 * separate nftables table is evaluated on its own, at a priority before the filter table, and tailscaled never
 * touches a table it did not create (it deletes only its own chains and the ts-filter/ts-nat tables of 1.48).
 */
import { LAYOUT } from './layout.js';
import { isSystemPostgres, type Settings } from './settings.js';

export interface PrivateNetwork {
  family: 'ip' | 'ip6';
  prefix: string;
  what: string;
}

/** The networks an agent must not roam: the tailnet and Fly's 6PN (Flycast and _api.internal included). */
export const PRIVATE_NETWORKS: readonly PrivateNetwork[] = [
  { family: 'ip', prefix: '100.64.0.0/10', what: "the tailnet's IPv4 addresses (MagicDNS 100.100.100.100 included)" },
  { family: 'ip6', prefix: 'fd7a:115c:a1e0::/48', what: "the tailnet's IPv6 addresses" },
  {
    family: 'ip6',
    prefix: 'fdaa::/16',
    what: "Fly's private network: every app's 6PN and Flycast addresses, _api.internal",
  },
];

/** Fly's resolver (every machine's /etc/resolv.conf): name lookups must keep working, so its port 53 stays open. */
export const FLY_RESOLVER = { address: 'fdaa::3', port: 53 } as const;

/** The nftables table start.sh owns (family inet: IPv4 and IPv6 in one). */
export const AGENT_NETWORK_TABLE = 'paperclip_agents';

/** Before iptables' filter table (priority 0), where tailscaled's chains live; after conntrack (-200). */
const PRIORITY = 'filter - 10';

/** The sets start.sh fills at boot with the external database's addresses and port, from DATABASE_URL. */
export const DATABASE_SETS = { ip: 'database_v4', ip6: 'database_v6' } as const;

export interface AgentNetworkPlan {
  /** start.sh loads the table, and refuses to start Paperclip when it cannot. */
  install: boolean;
  /** New connections of the app user to PRIVATE_NETWORKS are refused. */
  containAgents: boolean;
  /** The external database's addresses and port stay reachable (Paperclip needs them; so can its agents). */
  allowDatabase: boolean;
  /**
   * New connections arriving on tailscale0 are refused, whatever the port: Paperclip's, and any server an agent
   * starts. tailscale serve's 443 is not among them: tailscaled takes those connections in its own network stack
   * before the kernel sees them (wgengine/netstack shouldProcessInbound, v1.94.2) and dials Paperclip over loopback.
   */
  closeTailnetInbound: boolean;
}

export function agentNetworkPlan(
  s: Pick<Settings, 'agentPrivateNetworks' | 'tailscale' | 'postgresMode'>,
): AgentNetworkPlan {
  const containAgents = !s.agentPrivateNetworks;
  const closeTailnetInbound = s.tailscale;
  return {
    install: containAgents || closeTailnetInbound,
    containAgents,
    allowDatabase: containAgents && !isSystemPostgres(s),
    closeTailnetInbound,
  };
}

/** The address families a set of networks covers, for nft's anonymous sets. */
const prefixesOf = (family: PrivateNetwork['family']): string =>
  PRIVATE_NETWORKS.filter((network) => network.family === family)
    .map((network) => network.prefix)
    .join(', ');

/**
 * The nftables script, one line each. `$APP_UID` is left for start.sh's heredoc to fill in. It begins
 * by creating and deleting the table, so loading it again (a restart in the same network namespace) replaces the
 * old rules in the same transaction instead of adding to them.
 */
export function agentNetworkRules(plan: AgentNetworkPlan): string[] {
  if (!plan.install) return [];
  const table = `inet ${AGENT_NETWORK_TABLE}`;
  // An ICMP "administratively prohibited" fails connect() at once (EHOSTUNREACH, EACCES). Not a TCP reset: its
  // source is the tailnet address, and tailscaled's ts-input drops a 100.64.0.0/10 source arriving other than on
  // tailscale0 as spoofed, so the reset never reaches the socket and connect() hangs (found by the e2e test).
  const refuse = (match: string) => [`    ${match} reject with icmpx admin-prohibited`];
  const lines = [`table ${table}`, `delete table ${table}`, `table ${table} {`];
  if (plan.allowDatabase) {
    lines.push(
      `  set ${DATABASE_SETS.ip} { type ipv4_addr . inet_service; }`,
      `  set ${DATABASE_SETS.ip6} { type ipv6_addr . inet_service; }`,
    );
  }
  if (plan.containAgents) {
    // Only new connections of the app user enter agent_connection: replies to connections made to Paperclip (fly
    // proxy over 6PN, Fly's health checks) and everything root or tailscaled sends pass untouched.
    lines.push(
      '  chain agent_connection {',
      `    ip6 daddr ${FLY_RESOLVER.address} meta l4proto { tcp, udp } th dport ${FLY_RESOLVER.port} accept`,
      ...(plan.allowDatabase
        ? [
            `    ip daddr . tcp dport @${DATABASE_SETS.ip} accept`,
            `    ip6 daddr . tcp dport @${DATABASE_SETS.ip6} accept`,
          ]
        : []),
      ...refuse(`ip daddr { ${prefixesOf('ip')} }`),
      ...refuse(`ip6 daddr { ${prefixesOf('ip6')} }`),
      '  }',
      '  chain agent_output {',
      `    type filter hook output priority ${PRIORITY}; policy accept;`,
      '    meta skuid $APP_UID ct state new jump agent_connection',
      '  }',
    );
  }
  if (plan.closeTailnetInbound) {
    lines.push(
      '  chain tailnet_in {',
      `    type filter hook input priority ${PRIORITY}; policy accept;`,
      '    iifname "tailscale0" ct state new meta l4proto tcp reject with tcp reset',
      '    iifname "tailscale0" ct state new meta l4proto udp reject with icmpx port-unreachable',
      '  }',
    );
  }
  lines.push('}');
  return lines;
}

/** One sentence for start.sh's log line: what the loaded table does. */
export function agentNetworkSummary(plan: AgentNetworkPlan): string {
  const parts = [
    ...(plan.containAgents
      ? [
          `agents (uid ${LAYOUT.runUser}) cannot connect to the tailnet or Fly's private network (${PRIVATE_NETWORKS.map((n) => n.prefix).join(', ')}) except DNS at ${FLY_RESOLVER.address}${plan.allowDatabase ? ' and the database' : ''}`,
        ]
      : []),
    ...(plan.closeTailnetInbound
      ? ['nothing takes a connection from tailscale0 but tailscale serve (443, answered by tailscaled)']
      : []),
  ];
  return parts.join('; ');
}

/**
 * The tailnet policy the README proposes for tagged nodes: each tag owned by the tailnet's admins, and the tailnet's
 * users allowed to reach port 443 (tailscale serve) on it and nothing else. No rule has the tag as a source, so the
 * node itself (and whatever runs on it) may open no connection into the tailnet.
 */
export function tailnetPolicySnippet(tags: readonly string[]): string {
  const policy = {
    tagOwners: Object.fromEntries(tags.map((tag) => [tag, ['autogroup:admin']])),
    acls: [{ action: 'accept', src: ['autogroup:member'], dst: tags.map((tag) => `${tag}:443`) }],
  };
  // In prettier's form, as the README is: lists of strings on one line.
  return JSON.stringify(policy, null, 2).replace(
    /\[\n\s+("[^"\n]*"(?:,\n\s+"[^"\n]*")*)\n\s+\]/g,
    (_list, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`,
  );
}
