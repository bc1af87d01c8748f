/**
 * The one settings schema. Every setting is declared once here: its CLI flag (= prompt name = `.yo-rc.json`
 * key), the sub-generator that owns it, its prompt, default, parser and validator. Generators, `--help`,
 * the docs and the tests are all derived from this list.
 */
import { AGENTS, type Agent } from './agents.js';
import type { SettingOwner } from './generators.js';
import { MIN_NODE_TEXT, VERSIONS } from './versions.js';
import {
  FLY_REGIONS,
  FLY_VM_SIZES,
  POSTGRES_MODES,
  appNameFromFolder,
  defaultPostgresMajor,
  parseInteger,
  parseList,
  parseGigabytes,
  parseHours,
  parseMemoryMb,
  validateAgents,
  validateAutoExtendIncrement,
  validateAutoExtendLimit,
  validateAutoExtendLimitForVolume,
  validateAutoExtendThreshold,
  validateAppName,
  validateMemoryForSize,
  validateNodeImage,
  validateOrg,
  validatePaperclipVersion,
  validatePostgresForImage,
  validatePostgresMajor,
  validatePostgresMode,
  type PostgresMode,
  validateRegion,
  validateSnapshotRetention,
  validateTailscaleHostname,
  validateTailscaleImage,
  validateTailscaleLoginServer,
  validateTailscaleTags,
  validateVmMemory,
  validateVmSize,
  validateVolumeName,
  validateVolumeSize,
  type FlyVmSize,
  type Validation,
  validateAdminInviteHours,
} from './validators.js';

/** What a default may depend on besides earlier settings. */
export interface SettingContext {
  /** Name of the folder the project is generated in. */
  folderName: string;
}

/**
 * The settings that later defaults, conditions and cross-checks read. Declared by hand because the full
 * `Settings` type is derived from SETTINGS below, whose functions cannot refer to it; the assertion after
 * SETTINGS keeps the two in step.
 */
export interface EarlierSettings {
  appName?: string;
  nodeImage?: string;
  vmSize?: FlyVmSize;
  volumeSize?: number;
  volumeAutoExtendIncrement?: number;
  postgresMode?: PostgresMode;
  tailscale?: boolean;
}

type Kind = 'string' | 'integer' | 'boolean' | 'list' | 'choice';

export interface SettingSpec<K extends string = string, T = unknown> {
  key: K;
  /** The generator that asks it. */
  owner: SettingOwner;
  kind: Kind;
  /** One line for --help and docs/options.md. */
  description: string;
  /** The prompt question. */
  message: string;
  /** Allowed values for `choice` and `list` settings (prompt choices). */
  choices?: readonly string[];
  /** The default, from earlier settings (in declaration order) and the context. */
  default: (earlier: EarlierSettings, context: SettingContext) => T;
  /** Human-readable default for --help and docs, when it is computed. */
  defaultText?: string;
  /** CLI string (or boolean for boolean flags) to value; validation happens afterwards. */
  parse: (raw: string | boolean) => T;
  validate: (value: T) => Validation;
  /** A rule against earlier settings, checked the moment this one is answered (so a prompt can re-ask). */
  crossCheck?: (value: T, earlier: EarlierSettings) => Validation;
  /** Only asked (and only meaningful) when this holds. */
  when?: (earlier: EarlierSettings) => boolean;
}

const text = (raw: string | boolean): string => String(raw).trim();
const integer = (raw: string | boolean): number => parseInteger(String(raw));
const list = (raw: string | boolean): string[] => (typeof raw === 'boolean' ? [] : parseList(raw));
const flag = (raw: string | boolean): boolean =>
  typeof raw === 'boolean' ? raw : !/^(false|no|off|0)$/i.test(raw.trim());

function define<const K extends string, T>(spec: SettingSpec<K, T>): SettingSpec<K, T> {
  return spec;
}

const tailscaleOn = (s: EarlierSettings): boolean => s.tailscale !== false;

/** Four times the volume, within Fly's 500 GB; the volume size itself (off) when not even one step fits. */
export function defaultAutoExtendLimit(volumeSize: number, increment: number): number {
  const limit = Math.min(500, volumeSize * 4);
  return limit >= volumeSize + increment ? limit : volumeSize;
}
/** The tag the machine's node carries by default: a tagged node has key expiry off and no user's identity. */
export const DEFAULT_TAILSCALE_TAG = 'tag:paperclip';

/** Declaration order is prompt order; a default may only read settings declared before it. */
export const SETTINGS = [
  define({
    key: 'appName',
    owner: 'app',
    kind: 'string',
    description: 'Fly app name; also the machine name on the tailnet unless --tailscaleHostname is given',
    message: 'Fly app name',
    default: (_s, context) => appNameFromFolder(context.folderName),
    defaultText: 'the folder name, made DNS-safe',
    parse: text,
    validate: validateAppName,
  }),
  define({
    key: 'paperclipVersion',
    owner: 'app',
    kind: 'string',
    description: 'Exact paperclipai version installed in the image',
    message: 'Paperclip (npm paperclipai) version to pin',
    default: () => VERSIONS.paperclip,
    parse: text,
    validate: validatePaperclipVersion,
  }),
  define({
    key: 'nodeImage',
    owner: 'app',
    kind: 'string',
    description: `Pinned official Node base image (Node >= ${MIN_NODE_TEXT}, Debian slim)`,
    message: 'Node base image',
    default: () => VERSIONS.nodeImage,
    parse: text,
    validate: validateNodeImage,
  }),
  define({
    key: 'agents',
    owner: 'app',
    kind: 'list',
    choices: AGENTS,
    description: `Agent CLIs installed in the image, comma-separated: ${AGENTS.join(', ')}`,
    message: 'Agent CLIs to install',
    default: () => ['claude'] as Agent[],
    parse: list as (raw: string | boolean) => Agent[],
    validate: validateAgents,
  }),
  define({
    key: 'agentPrivateNetworks',
    owner: 'app',
    kind: 'boolean',
    description:
      "Let agents (every process of the node user) connect to the tailnet and Fly's private network (default: refused, except Paperclip's external database)",
    message: "Let agents connect to the tailnet and Fly's private network (6PN)?",
    default: () => false,
    parse: flag,
    validate: () => true,
  }),
  define({
    key: 'adminInviteHours',
    owner: 'app',
    kind: 'integer',
    // The invite URL lands in Fly's logs, which every member of the organisation can read: keep it short-lived.
    description: 'Hours the first-boot admin invite stays valid ("1" or "1h"; 1-720); sign-up is open only meanwhile',
    message: 'Admin invite lifetime (hours)',
    default: () => 1,
    parse: (raw) => parseHours(String(raw)),
    validate: validateAdminInviteHours,
  }),
  define({
    key: 'org',
    owner: 'fly',
    kind: 'string',
    description: 'Fly organization slug the app is created in',
    message: 'Fly organization',
    default: () => 'personal',
    parse: text,
    validate: validateOrg,
  }),
  define({
    key: 'region',
    owner: 'fly',
    kind: 'choice',
    choices: FLY_REGIONS,
    description: 'Fly primary region (where the machine and its volume live)',
    message: 'Fly primary region',
    default: () => 'sjc',
    parse: text,
    validate: validateRegion,
  }),
  define({
    key: 'vmSize',
    owner: 'fly',
    kind: 'choice',
    choices: Object.keys(FLY_VM_SIZES),
    description: 'Fly machine preset',
    message: 'Fly VM size',
    default: (): FlyVmSize => 'shared-cpu-2x',
    parse: (raw): FlyVmSize => text(raw) as FlyVmSize,
    validate: validateVmSize,
  }),
  define({
    key: 'vmMemory',
    owner: 'fly',
    kind: 'integer',
    // Measured idle (e2e): Paperclip ~500 MB RSS, all processes ~660 MB PSS; 2048 leaves ~1.4 GB for agent runs.
    description: 'Machine memory in MB ("2048", "2048mb" or "2gb"); at least 1024, a multiple of 256',
    message: 'Machine memory (MB)',
    default: () => 2048,
    parse: (raw) => parseMemoryMb(String(raw)),
    validate: validateVmMemory,
    crossCheck: (memory, s) => validateMemoryForSize(memory, s.vmSize ?? 'shared-cpu-2x'),
  }),
  define({
    key: 'volumeName',
    owner: 'fly',
    kind: 'string',
    description: 'Fly volume holding PostgreSQL, Paperclip data, Tailscale state and agent homes',
    message: 'Fly volume name',
    default: () => 'paperclip_data',
    parse: text,
    validate: validateVolumeName,
  }),
  define({
    key: 'volumeSize',
    owner: 'fly',
    kind: 'integer',
    description: 'Volume size in GB (1-500, as "10" or "10gb"); volumes can grow later, never shrink',
    message: 'Volume size (GB)',
    default: () => 3,
    parse: (raw) => parseGigabytes(String(raw)),
    validate: validateVolumeSize,
  }),
  define({
    key: 'snapshotRetention',
    owner: 'fly',
    kind: 'integer',
    description: 'Days Fly keeps daily volume snapshots (1-60)',
    message: 'Snapshot retention (days)',
    default: () => 7,
    parse: integer,
    validate: validateSnapshotRetention,
  }),
  define({
    key: 'volumeAutoExtendThreshold',
    owner: 'fly',
    kind: 'integer',
    description: 'Fly extends the volume when it is this full, in percent (50-99)',
    message: 'Extend the volume when it is this full (%)',
    default: () => 80,
    parse: integer,
    validate: validateAutoExtendThreshold,
  }),
  define({
    key: 'volumeAutoExtendIncrement',
    owner: 'fly',
    kind: 'integer',
    description: 'GB Fly adds each time it extends the volume (1-100; "2" or "2gb")',
    message: 'Extend the volume by (GB)',
    default: () => 1,
    parse: (raw) => parseGigabytes(String(raw)),
    validate: validateAutoExtendIncrement,
  }),
  define({
    key: 'volumeAutoExtendLimit',
    owner: 'fly',
    kind: 'integer',
    description: 'GB up to which Fly extends the volume (at most 500; the volume size itself turns auto-extend off)',
    message: 'Extend the volume up to (GB)',
    default: (s) => defaultAutoExtendLimit(s.volumeSize ?? 3, s.volumeAutoExtendIncrement ?? 1),
    defaultText: '4 times the volume size, at most 500',
    parse: (raw) => parseGigabytes(String(raw)),
    validate: validateAutoExtendLimit,
    crossCheck: (limit, s) =>
      validateAutoExtendLimitForVolume(limit, s.volumeSize ?? 3, s.volumeAutoExtendIncrement ?? 1),
  }),
  define({
    key: 'githubActions',
    owner: 'fly',
    kind: 'boolean',
    description: 'Write .github/workflows/fly-deploy.yml (deploys on push to main)',
    message: 'Add a GitHub Actions deploy workflow?',
    default: () => false,
    parse: flag,
    validate: () => true,
  }),
  define({
    key: 'postgresMode',
    owner: 'postgres',
    kind: 'choice',
    choices: POSTGRES_MODES,
    description: '"system": PostgreSQL in the container, data on the volume; "external": a DATABASE_URL secret',
    message: 'PostgreSQL',
    default: (): PostgresMode => 'system',
    parse: (raw): PostgresMode => text(raw) as PostgresMode,
    validate: validatePostgresMode,
  }),
  define({
    key: 'postgresMajor',
    owner: 'postgres',
    kind: 'integer',
    description:
      "PostgreSQL major (server in system mode, client tools in both); must be the one the image's Debian ships",
    message: 'PostgreSQL major version',
    default: (s) => defaultPostgresMajor(s.nodeImage ?? VERSIONS.nodeImage),
    defaultText: '17 on trixie, 15 on bookworm',
    parse: integer,
    validate: validatePostgresMajor,
    crossCheck: (major, s) => validatePostgresForImage(major, s.nodeImage ?? VERSIONS.nodeImage),
  }),
  // After postgresMode, whose value sets its default: an external database often lives on the organisation's 6PN.
  define({
    key: 'flyNetwork',
    owner: 'fly',
    kind: 'boolean',
    description:
      "Create the app in a private network of its own (fly apps create --network <appName>), apart from the organisation's other apps",
    message: 'Create the app in its own Fly private network?',
    default: (s) => s.postgresMode !== 'external',
    defaultText: 'on with postgresMode system, off with external',
    parse: flag,
    validate: () => true,
  }),
  define({
    key: 'tailscale',
    owner: 'tailscale',
    kind: 'boolean',
    description: 'Serve Paperclip over Tailscale HTTPS (--no-tailscale: reach it with fly proxy instead)',
    message: 'Use Tailscale for private HTTPS access?',
    default: () => true,
    parse: flag,
    validate: () => true,
  }),
  define({
    key: 'tailscaleHostname',
    owner: 'tailscale',
    kind: 'string',
    description: 'Machine name on the tailnet: Paperclip is at https://<hostname>.<tailnet>.ts.net',
    message: 'Tailscale machine name',
    default: (s) => s.appName ?? 'paperclip',
    defaultText: 'the app name',
    parse: text,
    validate: validateTailscaleHostname,
    when: tailscaleOn,
  }),
  define({
    key: 'tailscaleImage',
    owner: 'tailscale',
    kind: 'string',
    description: 'Pinned tailscale/tailscale image tag the binaries are copied from',
    message: 'tailscale/tailscale image tag',
    default: () => VERSIONS.tailscaleImage,
    parse: text,
    validate: validateTailscaleImage,
    when: tailscaleOn,
  }),
  define({
    key: 'tailscaleTags',
    owner: 'tailscale',
    kind: 'list',
    description:
      "ACL tags of the machine's node, comma-separated; the auth key is made with them (tagged nodes do not expire). Empty: owned by the key's user",
    message: 'Tailscale ACL tags (comma-separated, empty for a node owned by the key user)',
    default: () => [DEFAULT_TAILSCALE_TAG],
    parse: list,
    validate: validateTailscaleTags,
    when: tailscaleOn,
  }),
  define({
    key: 'tailscaleLoginServer',
    owner: 'tailscale',
    kind: 'string',
    description: "Control server for tailscale up --login-server, e.g. a team's headscale (empty: Tailscale's own)",
    message: "Tailscale login server (empty for Tailscale's own)",
    default: () => '',
    defaultText: "Tailscale's own",
    parse: text,
    validate: validateTailscaleLoginServer,
    when: tailscaleOn,
  }),
] as const;

type AnyDeclared = (typeof SETTINGS)[number];

/** Every setting's value type, derived from its parser. */
export type Settings = { -readonly [S in AnyDeclared as S['key']]: ReturnType<S['parse']> };
export type SettingKey = keyof Settings;

/** A setting of any key; the list is heterogeneous. */
export type AnySettingSpec = { [K in SettingKey]: SettingSpec<K, Settings[K]> }[SettingKey];

// EarlierSettings must stay a view of Settings: this line stops compiling when they drift apart.
export type EarlierIsAView = Settings extends EarlierSettings ? true : never;
export const EARLIER_IS_A_VIEW: EarlierIsAView = true;

/** The settings as one list of specs (for iterating; SETTINGS keeps each one's exact type). */
export const SETTING_SPECS = SETTINGS as readonly AnySettingSpec[];
const SPECS = SETTING_SPECS;

export function settingsOf(owner: SettingOwner): readonly AnySettingSpec[] {
  return SPECS.filter((spec) => spec.owner === owner);
}

function specOf<K extends SettingKey>(key: K): SettingSpec<K, Settings[K]> {
  const spec = SPECS.find((candidate) => candidate.key === key);
  if (!spec) throw new Error(`unknown setting ${key}`);
  return spec as unknown as SettingSpec<K, Settings[K]>;
}

/** Renders a value the way it is typed on the command line. */
export function formatValue(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The single-line error for a bad value: names the flag, the value and the allowed form. */
export function invalidMessage(key: SettingKey, value: unknown, reason: string): string {
  return `Invalid --${key} "${formatValue(value)}": ${reason}.`;
}

/** PostgreSQL runs in the machine (rather than an external DATABASE_URL). */
export const isSystemPostgres = (s: Pick<Settings, 'postgresMode'>): boolean => s.postgresMode === 'system';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** A value's own validation and its rule against earlier settings: the reason it is refused, or true. */
export function checkValue(spec: AnySettingSpec, value: unknown, earlier: EarlierSettings): Validation {
  const own = (spec.validate as (v: unknown) => Validation)(value);
  if (own !== true) return own;
  return spec.crossCheck ? (spec.crossCheck as (v: unknown, e: EarlierSettings) => Validation)(value, earlier) : true;
}

/** Parses and validates one raw CLI value; throws SettingsError with the one-line message. */
export function parseSetting<K extends SettingKey>(key: K, raw: string | boolean): Settings[K] {
  const spec = specOf(key);
  const value = spec.parse(raw);
  const verdict = spec.validate(value);
  if (verdict !== true) throw new SettingsError(invalidMessage(key, raw, verdict));
  return value;
}

/** Rules that involve two settings, over complete settings. Returns the first problem as a one-line message. */
export function crossValidate(s: Settings): string | undefined {
  for (const spec of SPECS) {
    const value = s[spec.key];
    const verdict = spec.crossCheck
      ? (spec.crossCheck as (v: unknown, e: EarlierSettings) => Validation)(value, s)
      : true;
    if (verdict !== true) return invalidMessage(spec.key, value, verdict);
  }
  return undefined;
}

/** Every setting at its default (what `--yes` produces in an empty folder). */
export function defaultSettings(context: SettingContext, overrides: Partial<Settings> = {}): Settings {
  const settings: Record<string, unknown> = {};
  for (const spec of SPECS) {
    settings[spec.key] = spec.key in overrides ? overrides[spec.key] : spec.default(settings, context);
  }
  return settings as Settings;
}

/**
 * Checks a stored `.yo-rc.json` block: every known key present is validated (a hand-edited template
 * with a bad value fails the same way a bad flag does). Unknown keys are reported as errors too.
 */
export function validateStored(stored: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(stored)) {
    const spec = SPECS.find((candidate) => candidate.key === key);
    if (!spec)
      return `Unknown setting "${key}" in .yo-rc.json: known settings are ${SPECS.map((s) => s.key).join(', ')}.`;
    if (!storedTypeMatches(spec.kind, value)) {
      return `Invalid ${key} in .yo-rc.json: expected ${expectedType(spec.kind)}, got ${JSON.stringify(value)}.`;
    }
    const verdict = (spec.validate as (v: unknown) => Validation)(value);
    if (verdict !== true) return `Invalid ${key} ${JSON.stringify(value)} in .yo-rc.json: ${verdict}.`;
  }
  return undefined;
}

function storedTypeMatches(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number';
    case 'list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    default:
      return typeof value === 'string';
  }
}

function expectedType(kind: Kind): string {
  return {
    boolean: 'true or false',
    integer: 'a number',
    list: 'an array of strings',
    string: 'a string',
    choice: 'a string',
  }[kind];
}
