/**
 * Pure validators and parsers. Each validator returns `true` or a sentence fragment that says what the
 * allowed form is; settings.ts prefixes it with the flag and the offending value, and prompts show it as is.
 */
import { AGENTS } from './agents.js';
import { DEBIAN_POSTGRES, MIN_NODE, MIN_NODE_TEXT, MIN_POSTGRES_MAJOR } from './versions.js';

/** An image reference may pin its content by digest after the tag: `<tag>@sha256:<64 hex>`. */
const DIGEST = '(?:@sha256:[0-9a-f]{64})?';
export type Validation = true | string;

/** Fly regions (`fly platform regions`). */
export const FLY_REGIONS = [
  'ams',
  'arn',
  'bom',
  'cdg',
  'dfw',
  'ewr',
  'fra',
  'gru',
  'iad',
  'jnb',
  'lax',
  'lhr',
  'nrt',
  'ord',
  'sin',
  'sjc',
  'syd',
  'yyz',
] as const;

/** Fly Machine presets (`fly platform vm-sizes`) with their CPU count. */
export const FLY_VM_SIZES = {
  'shared-cpu-1x': 1,
  'shared-cpu-2x': 2,
  'shared-cpu-4x': 4,
  'shared-cpu-6x': 6,
  'shared-cpu-8x': 8,
  'performance-1x': 1,
  'performance-2x': 2,
  'performance-4x': 4,
  'performance-6x': 6,
  'performance-8x': 8,
  'performance-10x': 10,
  'performance-12x': 12,
  'performance-14x': 14,
  'performance-16x': 16,
} as const satisfies Record<string, number>;
export type FlyVmSize = keyof typeof FLY_VM_SIZES;

export const POSTGRES_MODES = ['system', 'external'] as const;
export type PostgresMode = (typeof POSTGRES_MODES)[number];

/** Paperclip + PostgreSQL + tailscaled + an agent CLI: at 512 MB Claude Code is OOM-killed (exit 137). */
const MIN_MEMORY_MB = 1024;
const MEMORY_STEP_MB = 256;

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Fly app names become `<app>.fly.dev`, `<app>.internal` and `<app>.flycast`: one lowercase DNS label. */
export function validateAppName(value: string): Validation {
  if (DNS_LABEL.test(value) && !value.includes('--')) return true;
  return 'use 1-63 lowercase letters, digits and single dashes, starting with a letter and not ending with a dash (e.g. my-paperclip)';
}

/** Best-effort app name from a folder name; falls back to "paperclip" when nothing usable is left. */
export function appNameFromFolder(folder: string): string {
  let name = folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-0-9]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (validateAppName(name) !== true) name = 'paperclip';
  return name;
}

export function validateOrg(value: string): Validation {
  if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) return true;
  return 'use a Fly organization slug: lowercase letters, digits and dashes (e.g. personal)';
}

export function validateRegion(value: string): Validation {
  if ((FLY_REGIONS as readonly string[]).includes(value)) return true;
  return `use one of the Fly region codes ${FLY_REGIONS.join(', ')}`;
}

export function validateVmSize(value: string): Validation {
  if (Object.hasOwn(FLY_VM_SIZES, value)) return true;
  return `use one of the Fly VM sizes ${Object.keys(FLY_VM_SIZES).join(', ')}`;
}

/** Parses "2048", "2048mb" or "2gb" into megabytes; NaN when the form is not recognised. */
export function parseMemoryMb(raw: string): number {
  const match = /^\s*(\d+)\s*(mb|gb)?\s*$/i.exec(raw);
  if (!match) return Number.NaN;
  const amount = Number(match[1]);
  return match[2]?.toLowerCase() === 'gb' ? amount * 1024 : amount;
}

export function validateVmMemory(value: number): Validation {
  if (!Number.isInteger(value)) return 'use megabytes as a whole number, "<n>mb" or "<n>gb" (e.g. 2048 or 2gb)';
  if (value < MIN_MEMORY_MB) {
    return `use at least ${MIN_MEMORY_MB} MB: at 512 MB Claude Code is OOM-killed mid-response (exit 137)`;
  }
  if (value % MEMORY_STEP_MB !== 0)
    return `use a multiple of ${MEMORY_STEP_MB} MB (Fly allocates memory in 256 MB steps)`;
  return true;
}

/**
 * Fly's memory limits for a preset (docs, Machine sizing): 256-2048 MB per shared CPU, 2048-8192 MB per
 * performance CPU; the Machines API takes multiples of 256 MB.
 */
export function memoryRangeMb(size: FlyVmSize): { min: number; max: number; step: number } {
  const cpus = FLY_VM_SIZES[size];
  const [minPerCpu, maxPerCpu] = size.startsWith('shared') ? [256, 2048] : [2048, 8192];
  return { min: minPerCpu * cpus, max: maxPerCpu * cpus, step: MEMORY_STEP_MB };
}

/** The range for a preset; the step itself is validateVmMemory's rule, checked before this one. */
export function validateMemoryForSize(memory: number, size: FlyVmSize): Validation {
  const { min, max, step } = memoryRangeMb(size);
  if (memory >= min && memory <= max) return true;
  return `use ${Math.max(min, MIN_MEMORY_MB)}-${max} MB in steps of ${step} MB for ${size}, or pick a larger --vmSize`;
}

/** Fly volume names: lowercase letters, digits and underscores, at most 30 characters. */
export function validateVolumeName(value: string): Validation {
  if (/^[a-z][a-z0-9_]{0,29}$/.test(value)) return true;
  return 'use 1-30 lowercase letters, digits and underscores, starting with a letter (e.g. paperclip_data)';
}

/** A whole number, optionally followed by `unit` (any case); anything else is NaN, which validation names. */
function parseWhole(raw: string, unit = ''): number {
  const match = new RegExp(`^\\s*(\\d+)\\s*(?:${unit})?\\s*$`, 'i').exec(raw);
  return match ? Number(match[1]) : Number.NaN;
}

export const parseInteger = (raw: string): number => parseWhole(raw);

export function validateVolumeSize(value: number): Validation {
  if (Number.isInteger(value) && value >= 1 && value <= 500) return true;
  return 'use a whole number of gigabytes from 1 to 500, as 10 or 10gb (Fly volume limits)';
}

export function validateSnapshotRetention(value: number): Validation {
  if (Number.isInteger(value) && value >= 1 && value <= 60) return true;
  return 'use a whole number of days from 1 to 60 (Fly keeps daily volume snapshots that long)';
}

/** "<n>" or "<n>gb" to whole gigabytes (NaN otherwise), the forms flyctl's size parser reads for volume sizes. */
export const parseGigabytes = (raw: string): number => parseWhole(raw, 'gb');

// Fly's volume auto-extend (fly.toml [mounts] auto_extend_size_*): the ranges flyctl's config validation allows
// (internal/appconfig/validation.go: threshold 50-99, increment 1-100 GB, limit 1-500 GB).
export function validateAutoExtendThreshold(value: number): Validation {
  if (Number.isInteger(value) && value >= 50 && value <= 99) return true;
  return 'use a whole percentage from 50 to 99 (how full the volume is when Fly extends it)';
}

export function validateAutoExtendIncrement(value: number): Validation {
  if (Number.isInteger(value) && value >= 1 && value <= 100) return true;
  return 'use a whole number of gigabytes from 1 to 100, as "<n>" or "<n>gb" (what Fly adds each time)';
}

export function validateAutoExtendLimit(value: number): Validation {
  if (Number.isInteger(value) && value >= 1 && value <= 500) return true;
  return 'use a whole number of gigabytes from 1 to 500, as "<n>" or "<n>gb" (the size Fly extends the volume up to)';
}

/** The limit against the volume: equal to its size turns auto-extend off; otherwise room for at least one step. */
export function validateAutoExtendLimitForVolume(limit: number, volumeSize: number, increment: number): Validation {
  if (limit === volumeSize || limit >= volumeSize + increment) return true;
  return `use ${volumeSize} (the --volumeSize: no auto-extend) or at least ${volumeSize + increment} GB (the volume plus one --volumeAutoExtendIncrement)`;
}

/** Hours as typed: "3" or "3h" (whole hours); anything else is NaN, which the validator refuses. */
export const parseHours = (raw: string): number => parseWhole(raw, 'h');

/**
 * The admin invite's lifetime: Paperclip's bootstrap-ceo silently clamps --expires-hours to 1..720 (its source:
 * Math.max(1, Math.min(24 * 30, hours))), so only that range is accepted; nothing is clamped behind the user's back.
 */
export function validateAdminInviteHours(value: number): Validation {
  if (Number.isInteger(value) && value >= 1 && value <= 720) return true;
  return 'use a whole number of hours from 1 to 720, e.g. 1 or 24h (the bounds of paperclipai auth bootstrap-ceo --expires-hours)';
}

/** An exact npm version: the image must be reproducible, so no ranges, tags or "latest". */
export function validatePaperclipVersion(value: string): Validation {
  if (/^\d+\.\d+\.\d+$/.test(value)) return true;
  return 'use an exact paperclipai version like 2026.916.1 (no ranges, tags or "latest")';
}

export interface NodeImage {
  major: number;
  minor: number;
  patch: number;
  debian: string;
}

export function parseNodeImage(value: string): NodeImage | undefined {
  const match = new RegExp(`^node:(\\d+)\\.(\\d+)\\.(\\d+)-(bookworm|trixie)-slim${DIGEST}$`).exec(value);
  const [, major, minor, patch, debian] = match ?? [];
  if (major === undefined || minor === undefined || patch === undefined || debian === undefined) return undefined;
  return { major: Number(major), minor: Number(minor), patch: Number(patch), debian };
}

export function validateNodeImage(value: string): Validation {
  const image = parseNodeImage(value);
  const form = `use a pinned official slim tag node:<${MIN_NODE_TEXT}+>.<minor>.<patch>-<trixie|bookworm>-slim, optionally with its digest @sha256:<64 hex> (e.g. node:24.21.0-trixie-slim)`;
  if (!image) return form;
  if (image.major < MIN_NODE.major || (image.major === MIN_NODE.major && image.minor < MIN_NODE.minor)) {
    return `${form}; Paperclip needs Node >= ${MIN_NODE.major}.${MIN_NODE.minor}`;
  }
  return true;
}

export function validatePostgresMajor(value: number): Validation {
  if (Number.isInteger(value) && value >= MIN_POSTGRES_MAJOR && value <= 18) return true;
  return `use a PostgreSQL major version from ${MIN_POSTGRES_MAJOR} to 18 (Paperclip's migrations need ${MIN_POSTGRES_MAJOR}+)`;
}

/** apt in the image can only install the major its Debian release packages. */
export function validatePostgresForImage(major: number, nodeImage: string): Validation {
  const debian = parseNodeImage(nodeImage)?.debian;
  const packaged = debian === undefined ? undefined : DEBIAN_POSTGRES[debian];
  if (packaged === undefined || packaged === major) return true;
  return `use ${packaged}: Debian ${debian} (the base of ${nodeImage}) packages PostgreSQL ${packaged} only`;
}

export function defaultPostgresMajor(nodeImage: string): number {
  const debian = parseNodeImage(nodeImage)?.debian;
  return (debian && DEBIAN_POSTGRES[debian]) || 17;
}

export function validatePostgresMode(value: string): Validation {
  if ((POSTGRES_MODES as readonly string[]).includes(value)) return true;
  return 'use "system" (PostgreSQL in the container, data on the volume) or "external" (a DATABASE_URL secret)';
}

/** A tailnet machine name: one lowercase DNS label (it becomes <hostname>.<tailnet>.ts.net). */
export function validateTailscaleHostname(value: string): Validation {
  if (DNS_LABEL.test(value)) return true;
  return 'use 1-63 lowercase letters, digits and dashes, starting with a letter and not ending with a dash';
}

/** The tailscale/tailscale image tag: a pinned release like v1.94.2 (never "latest"/"stable"). */
export function validateTailscaleImage(value: string): Validation {
  if (new RegExp(`^v\\d+\\.\\d+\\.\\d+${DIGEST}$`).test(value)) return true;
  return 'use a pinned tailscale/tailscale release tag like v1.94.2, optionally with its digest (v1.94.2@sha256:<64 hex>), not "latest" or "stable"';
}

/** Tailscale releases from 1.94.4 on break DNS on Fly (tailscale#19354): worth a warning, not a refusal. */
export function isTailscaleDnsAffected(tag: string): boolean {
  const match = new RegExp(`^v(\\d+)\\.(\\d+)\\.(\\d+)${DIGEST}$`).exec(tag);
  if (!match) return false;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return major > 1 || (major === 1 && (minor > 94 || (minor === 94 && patch >= 4)));
}

/** Splits a comma-separated flag value; an empty string is an empty list. */
export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * ACL tags: a lowercase subset of what Tailscale accepts (tailcfg.CheckTag in v1.94.2: "tag:", then a letter, then
 * letters, digits or dashes; headscale validates pre-auth key tags the same way).
 */
export function validateTailscaleTags(tags: readonly string[]): Validation {
  const bad = tags.find((tag) => !/^tag:[a-z][a-z0-9-]{0,62}$/.test(tag));
  if (bad === undefined && new Set(tags).size === tags.length) return true;
  return 'use a comma-separated list of distinct ACL tags like tag:paperclip (lowercase letters, digits, dashes), or an empty string for none';
}

/**
 * The control server `tailscale up --login-server` logs in to: empty for Tailscale's own, else an http(s) origin
 * such as a team's headscale (no path, query or credentials: tailscaled appends its own paths to it).
 */
export function validateTailscaleLoginServer(value: string): Validation {
  if (value === '') return true;
  const allowed =
    "use an http:// or https:// URL with a host and no path, like https://headscale.example.com, or an empty string for Tailscale's own";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return allowed;
  }
  const origin = /^https?:\/\/[^/?#@\s]+\/?$/.test(value);
  return origin && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? true : allowed;
}

export function validateAgents(agents: readonly string[]): Validation {
  const known = agents.every((agent) => (AGENTS as readonly string[]).includes(agent));
  if (known && agents.length > 0 && new Set(agents).size === agents.length) return true;
  return `use a comma-separated list of one or more of ${AGENTS.join(', ')} (e.g. claude,codex)`;
}
