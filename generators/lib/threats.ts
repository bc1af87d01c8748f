/**
 * The generated machine's threat model, for the README's security section: who can attack it, and which catalogue
 * entry stops what. Each measure names its entry, so the README row carries the marker the fix carries and only
 * the measures whose entries apply to the settings are listed.
 */
import { gotcha, gotchaMarker, gotchasFor, tableCell, type GotchaId } from './gotchas.js';
import type { Settings } from './settings.js';

export const ATTACKERS = {
  agent: 'Agent code',
  org: 'The Fly organisation',
  tailnet: 'The tailnet',
  internet: 'The internet',
} as const;

export type Attacker = keyof typeof ATTACKERS;

/** Who each attacker is, in the README's words. */
export const ATTACKER_TEXT: Record<Attacker, string> = {
  agent:
    "Paperclip's agents run whatever code they are given, as `node`. Everything `node` can write is hostile input to root's boot script.",
  org: "Every member of the Fly organisation reads the app's logs; every app of the organisation shares its private network (6PN) unless the app has its own.",
  tailnet: 'Every device on the tailnet that its policy lets through reaches the node.',
  internet: 'Nobody else should reach the machine at all.',
};

export interface Measure {
  id: GotchaId;
  from: Attacker;
  /** What an attacker could do without the measure. */
  stops: string;
}

export const MEASURES: readonly Measure[] = [
  { id: 'non-root', from: 'agent', stops: 'agent code running as root' },
  {
    id: 'daemon-capabilities',
    from: 'agent',
    stops: "a setuid or file-capability binary handing root's powers back to agent code",
  },
  {
    id: 'root-home',
    from: 'agent',
    stops: "a planted `.curlrc` making root write files anywhere or upload tailscaled's state",
  },
  {
    id: 'volume-root-owned',
    from: 'agent',
    stops:
      "renaming root's and PostgreSQL's folders, or putting links in their place, so that the next boot hands the tailnet identity, the database password and its files to `node`",
  },
  {
    id: 'areas-whatever-settings',
    from: 'agent',
    stops: 'a settings change handing the old database or Tailscale files to `node`',
  },
  {
    id: 'daemon-env',
    from: 'agent',
    stops:
      "app secrets in daemons that need none, and the Tailscale key in Paperclip's (and so the agents') environment",
  },
  {
    id: 'secrets-off-cmdline',
    from: 'agent',
    stops: 'reading the database password or the Tailscale key in `/proc/*/cmdline`',
  },
  {
    id: 'secrets-strict-mode',
    from: 'agent',
    stops: 'sensitive env values of agents, projects and routines stored in plain text in the database',
  },
  {
    id: 'tailscaled-socket',
    from: 'agent',
    stops: "having root's tailscaled connect into the tailnet for it (`tailscale nc`)",
  },
  {
    id: 'agent-networks',
    from: 'agent',
    stops: "connections to the tailnet's devices and to the organisation's apps on 6PN",
  },
  {
    id: 'admin-invite-lifetime',
    from: 'org',
    stops: "an admin invite read in Fly's logs being claimed days later",
  },
  { id: 'invite-reminted', from: 'org', stops: 'a fresh admin invite in the logs on every boot' },
  {
    id: 'signup-after-admin',
    from: 'org',
    stops: 'anyone who reaches Paperclip signing up, or claiming the instance, once the admin exists',
  },
  {
    id: 'fly-app-network',
    from: 'org',
    stops: "the organisation's other apps, and code running in them, reaching the machine's ports",
  },
  {
    id: 'tailnet-port',
    from: 'tailnet',
    stops:
      "plain HTTP to Paperclip's port past `tailscale serve`'s HTTPS, and the tailnet reaching servers agents start",
  },
  {
    id: 'tailscale-tag',
    from: 'tailnet',
    stops: "the node carrying its key maker's identity and access (and agents with it), and its key expiring",
  },
  { id: 'no-public-ips', from: 'internet', stops: 'a public IPv4 and IPv6 given to the app on its first deploy' },
];

/** The measures whose catalogue entries apply to these settings, in table order. */
export function measuresFor(s: Settings): Measure[] {
  const applies = new Set(gotchasFor(s).map((entry) => entry.id));
  return MEASURES.filter((measure) => applies.has(measure.id));
}

/** The README's table: who, what the measure stops, and the entry (whose marker is at the fix). */
export function threatTable(s: Settings): string[] {
  return [
    '| From | Stopped | Entry |',
    '| --- | --- | --- |',
    ...measuresFor(s).map(
      (measure) =>
        `| ${ATTACKERS[measure.from]} | ${tableCell(measure.stops)} | ${tableCell(gotcha(measure.id).title)} \`${gotchaMarker(measure.id)}\` |`,
    ),
  ];
}

/** The attackers that have at least one measure for these settings, with who they are. */
export function attackersFor(s: Settings): { name: string; text: string }[] {
  const present = new Set(measuresFor(s).map((measure) => measure.from));
  return (Object.keys(ATTACKERS) as Attacker[])
    .filter((attacker) => present.has(attacker))
    .map((attacker) => ({ name: ATTACKERS[attacker], text: ATTACKER_TEXT[attacker] }));
}
