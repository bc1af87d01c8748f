/** Rules on fly.toml: health checks, VM memory, auto-stop, HTTPS redirect, kill timeout, restart policy. */
import { postgresInImage, runs, machineScripts, TOP, where } from '../facts.js';
import type { Project } from '../project.js';
import type { TomlPath } from '../parse/toml.js';
import type { Location } from '../parse/text.js';
import { doctorRule, rule, type ProjectWith } from './types.js';

type FlyProject = ProjectWith<'fly.toml'>;

/** Fly's limit: flyctl lowers a longer grace_period to one minute (internal/appconfig/validation.go). */
export const FLY_MAX_GRACE_SECONDS = 60;
/** Paperclip drains runs for up to ~30 s before PostgreSQL's fast shutdown (research: server/src/shutdown.ts). */
export const MIN_KILL_TIMEOUT_SECONDS = 30;
/** The first boot measured by the e2e test (initdb + 278 migrations) takes 12-23 s; a deploy must wait for more. */
export const MIN_DEPLOY_WAIT_SECONDS = 60;
export const MIN_MEMORY_MB = 1024;

/** Memory of Fly's VM presets, for a [[vm]] that names a size but no memory (fly-go machine_types.go). */
const PRESET_MEMORY_MB: Record<string, number> = {
  'shared-cpu-1x': 256,
  'shared-cpu-2x': 512,
  'shared-cpu-4x': 1024,
  'shared-cpu-8x': 2048,
  'performance-1x': 2048,
  'performance-2x': 4096,
  'performance-4x': 8192,
  'performance-8x': 16384,
  'performance-16x': 32768,
};

const asArray = (value: unknown): Record<string, unknown>[] =>
  (Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : []).filter(
    (item): item is Record<string, unknown> => !!item && typeof item === 'object',
  );

/** `"120s"`, `"2m"`, `"1m30s"`, `"500ms"` or a number (Fly: milliseconds unless a unit is given) → seconds. */
export function durationSeconds(value: unknown, bareUnit: 'ms' | 's' = 'ms'): number | undefined {
  if (typeof value === 'number') return bareUnit === 'ms' ? value / 1000 : value;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return durationSeconds(Number(value), bareUnit);
  let total = 0;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const rest = value.trim().replace(/(\d+(?:\.\d+)?)(ms|h|m|s)/g, (_, amount: string, u: string) => {
    total += Number(amount) * (unit[u] ?? 0);
    return '';
  });
  return rest ? undefined : total;
}

/** `"2048mb"`, `"2gb"`, `"1GB"`, `2048` → megabytes. */
export function memoryMb(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb|g|gib|mb|m|mib)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return /^g/i.test(match[2] ?? 'mb') ? amount * 1024 : amount;
}

interface Check {
  path: TomlPath;
  check: Record<string, unknown>;
  http: boolean;
}

/** Every health check fly.toml declares: [[http_service.checks]], [[services.*_checks]], [checks.<name>]. */
function healthChecks(p: FlyProject): Check[] {
  const doc = p.fly.doc;
  const out: Check[] = [];
  const services = doc.get(['http_service']);
  if (services && typeof services === 'object') {
    asArray(doc.get(['http_service', 'checks'])).forEach((check, i) =>
      out.push({ path: ['http_service', 'checks', i], check, http: true }),
    );
  }
  asArray(doc.get(['services'])).forEach((service, s) => {
    asArray(service.http_checks).forEach((check, i) =>
      out.push({ path: ['services', s, 'http_checks', i], check, http: true }),
    );
    asArray(service.tcp_checks).forEach((check, i) =>
      out.push({ path: ['services', s, 'tcp_checks', i], check, http: false }),
    );
  });
  const machineChecks = doc.get(['checks']);
  if (machineChecks && typeof machineChecks === 'object') {
    for (const [name, check] of Object.entries(machineChecks as Record<string, unknown>)) {
      if (check && typeof check === 'object')
        out.push({
          path: ['checks', name],
          check: check as Record<string, unknown>,
          http: (check as Record<string, unknown>).type === 'http',
        });
    }
  }
  return out;
}

const at = (p: FlyProject, path: TomlPath): Location =>
  where('fly.toml', p.fly.doc.valueAt(path) ?? p.fly.doc.keyAt(path) ?? TOP);
const keyAt = (p: FlyProject, path: TomlPath): Location => where('fly.toml', p.fly.doc.keyAt(path) ?? TOP);

/** The setting as Paperclip resolves it: the environment wins over config.json. */
export function paperclipSetting(p: Project, env: string, configPath: string[], fallback: string): string {
  const fromEnv = p.env.get(env)?.value;
  if (fromEnv !== undefined) return fromEnv;
  const data = p.config?.doc.data as Record<string, unknown> | undefined;
  const fromConfig = configPath.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    data,
  );
  return typeof fromConfig === 'string' ? fromConfig : fallback;
}

/** Whether PostgreSQL's server runs in the machine: installed in the image, or started by its scripts. */
export function databaseInMachine(p: Project): boolean {
  return (
    !!postgresInImage(p) ||
    runs(machineScripts(p)).some((run) =>
      ['initdb', 'postgres', 'postmaster', 'pg_ctl', 'pg_ctlcluster'].includes(run.name),
    )
  );
}

export const healthCheckHost = rule({
  checks:
    'Every HTTP check in fly.toml sends Host "localhost" (or a name config.json allows) while exposure is private.',
  severity: 'error',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    const exposure = paperclipSetting(p, 'PAPERCLIP_DEPLOYMENT_EXPOSURE', ['server', 'exposure'], 'private');
    if (exposure !== 'private') return;
    const allowed = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
    const configured = (p.config?.doc.data as { server?: { allowedHostnames?: unknown } } | undefined)?.server
      ?.allowedHostnames;
    if (Array.isArray(configured))
      for (const name of configured) if (typeof name === 'string') allowed.add(name.toLowerCase());
    for (const { path, check, http } of healthChecks(p)) {
      if (!http) continue;
      const headers =
        check.headers && typeof check.headers === 'object' ? (check.headers as Record<string, unknown>) : {};
      const hostKey = Object.keys(headers).find(
        (key) => key.toLowerCase() === 'host' || key.toLowerCase() === 'x-forwarded-host',
      );
      if (!hostKey) {
        found(
          keyAt(p, path),
          "this HTTP check sends no Host header while Paperclip's hostname guard is on (private exposure)",
        );
        continue;
      }
      const host = String(headers[hostKey]).replace(/:\d+$/, '').toLowerCase();
      if (!allowed.has(host)) {
        found(
          at(p, [...path, 'headers', hostKey]),
          `the check sends Host ${JSON.stringify(headers[hostKey])}, which is not always allowed: use "localhost"`,
          'warning',
        );
      }
    }
  },
});

export const memoryFloor = rule({
  checks:
    "Each [[vm]] has at least 1024 MB (a size preset's default counts when memory is not set; no [[vm]] means 256 MB).",
  severity: 'error',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    const vms = asArray(p.fly.doc.get(['vm']));
    if (!vms.length) {
      found(
        where('fly.toml', TOP),
        `no [[vm]] section: new machines get Fly's default shared-cpu-1x with 256 MB (at least ${MIN_MEMORY_MB} MB is needed)`,
      );
      return;
    }
    vms.forEach((vm, i) => {
      const key = vm.memory !== undefined ? 'memory' : vm.memory_mb !== undefined ? 'memory_mb' : undefined;
      const size = typeof vm.size === 'string' ? vm.size : 'shared-cpu-1x';
      const mb = key ? memoryMb(vm[key]) : PRESET_MEMORY_MB[size];
      if (mb === undefined || mb >= MIN_MEMORY_MB) return;
      const path = key ? ['vm', i, key] : vm.size !== undefined ? ['vm', i, 'size'] : ['vm', i];
      found(
        at(p, path),
        `the VM has ${mb} MB${key ? '' : ` (the ${size} preset's default)`}; at least ${MIN_MEMORY_MB} MB is needed`,
      );
    });
  },
});

export const gracePeriod = rule({
  checks: "No check's grace_period is over 60 s (flyctl lowers it); [deploy] wait_timeout, if set, is at least 60 s.",
  severity: 'warning',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    for (const { path, check } of healthChecks(p)) {
      const seconds = durationSeconds(check.grace_period);
      if (seconds !== undefined && seconds > FLY_MAX_GRACE_SECONDS) {
        found(
          at(p, [...path, 'grace_period']),
          `grace_period = ${JSON.stringify(check.grace_period)} is over Fly's ${FLY_MAX_GRACE_SECONDS} s limit: flyctl lowers it to ${FLY_MAX_GRACE_SECONDS} s with a warning at every deploy`,
        );
      }
    }
    const wait = durationSeconds(p.fly.doc.get(['deploy', 'wait_timeout']), 's');
    if (wait !== undefined && wait < MIN_DEPLOY_WAIT_SECONDS) {
      found(
        at(p, ['deploy', 'wait_timeout']),
        `[deploy] wait_timeout is ${wait} s: fly deploy fails before a first boot (initdb, migrations, Tailscale login) is healthy; allow at least ${MIN_DEPLOY_WAIT_SECONDS} s`,
      );
    }
  },
});

export const noAutostop = rule({
  checks: 'auto_stop_machines "stop", "suspend" or true comes with min_machines_running >= 1.',
  severity: 'error',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    const sections: TomlPath[] = [];
    if (p.fly.doc.get(['http_service'])) sections.push(['http_service']);
    asArray(p.fly.doc.get(['services'])).forEach((_, i) => sections.push(['services', i]));
    for (const section of sections) {
      const stop = p.fly.doc.get([...section, 'auto_stop_machines']);
      const min = p.fly.doc.get([...section, 'min_machines_running']);
      const stops = stop === true || stop === 'stop' || stop === 'suspend';
      if (stops && !(typeof min === 'number' && min >= 1)) {
        found(
          at(p, [...section, 'auto_stop_machines']),
          `auto_stop_machines = ${JSON.stringify(stop)} with ${min === undefined ? 'no min_machines_running' : `min_machines_running = ${JSON.stringify(min)}`}: Fly stops the only machine and tailnet traffic never wakes it`,
        );
      }
    }
  },
});

export const flycastHttpOnly = rule({
  checks: '[http_service] force_https is not true.',
  severity: 'warning',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    if (p.fly.doc.get(['http_service', 'force_https']) === true) {
      found(
        at(p, ['http_service', 'force_https']),
        'force_https = true redirects Flycast (fly proxy) requests to an HTTPS listener the private address does not have',
      );
    }
  },
});

export const killTimeout = rule({
  checks: 'With PostgreSQL in the machine, kill_timeout is set and at least 30 s.',
  severity: 'error',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    if (!databaseInMachine(p))
      return "no PostgreSQL runs in the machine, so Fly's default stop timeout kills no database";
    const value = p.fly.doc.get(['kill_timeout']);
    const seconds = durationSeconds(value, 's');
    if (value === undefined)
      found(
        where('fly.toml', TOP),
        `no kill_timeout while PostgreSQL runs in the machine: Fly kills it after the default 5 s`,
      );
    else if (seconds !== undefined && seconds < MIN_KILL_TIMEOUT_SECONDS) {
      found(
        at(p, ['kill_timeout']),
        `kill_timeout = ${JSON.stringify(value)} leaves less than Paperclip's ~30 s drain plus PostgreSQL's shutdown`,
        'warning',
      );
    }
  },
});

/** Doctor-only (issue 9 adds the catalogue entry with the fix): Fly's default restart policy gives up. */
export const restartPolicy = doctorRule({
  checks: 'fly.toml has [[restart]] policy = "always".',
  title: 'no restart policy',
  symptom:
    "Fly's default restart policy (on-failure) gives up after 10 failed starts; a stopped machine is not woken by tailnet traffic, so a transient failure at boot becomes an outage.",
  fix: 'Set [[restart]] policy = "always" in fly.toml.',
  severity: 'warning',
  needs: ['fly.toml'],
  check({ project: p, found }) {
    const policies = asArray(p.fly.doc.get(['restart']));
    if (!policies.length) {
      found(where('fly.toml', TOP), 'no [[restart]] policy: Fly gives up restarting after 10 failures');
      return;
    }
    policies.forEach((policy, i) => {
      if (policy.policy !== 'always')
        found(
          at(p, ['restart', i, 'policy']),
          `restart policy ${JSON.stringify(policy.policy ?? 'on-failure')}: Fly stops restarting the machine`,
        );
    });
  },
});
