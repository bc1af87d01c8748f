/**
 * Every rule doctor runs. CATALOGUE_RULES is keyed by the gotcha catalogue's ids and typed so that the build
 * fails when an entry is added to generators/lib/gotchas.ts without a rule or a `{ notChecked: reason }` here.
 * DOCTOR_RULES are traps the catalogue does not have (yet): each carries its own symptom and fix.
 */
import type { GotchaId } from '../../lib/gotchas.js';
import {
  absolutePaths,
  configInvalid,
  configUnknownKey,
  connectionString,
  metaVersion,
  systemPostgres,
} from './config.js';
import {
  flycastHttpOnly,
  gracePeriod,
  healthCheckHost,
  killTimeout,
  memoryFloor,
  noAutostop,
  restartPolicy,
} from './fly.js';
import {
  apiUrlLoopback,
  dbOwnerExtensions,
  migrationsAutoApply,
  node24,
  pinnedAgentClis,
  postgresBinPath,
  secretsStaySecret,
  tailscalePinned,
  volumeShadowsImage,
} from './image.js';
import {
  allowedHostnamesReplace,
  bootstrapExitCode,
  homeOnVolume,
  nonRoot,
  openSignup,
  pgdataSubdir,
  runuser,
  signalOrder,
  tailscaleServeBlocks,
  tailscaleStatedir,
  tailscaleTun,
} from './machine.js';
import { makeVersion, noPublicIps, reusableAuthkey } from './operations.js';
import type { DoctorRule, NotChecked, Rule } from './types.js';

/** Why the operation scripts' own logic is not decided: it lives in control flow, not in one command line. */
const SCRIPT_LOGIC =
  'this is control flow in the operation scripts (what happens when a command fails, which variables are read), which doctor does not judge from command lines';

export const CATALOGUE_RULES: Record<GotchaId, Rule | NotChecked> = {
  'system-postgres': systemPostgres,
  'connection-string': connectionString,
  'meta-version': metaVersion,
  runuser,
  'health-check-host': healthCheckHost,
  'memory-floor': memoryFloor,
  'tailscale-tun': tailscaleTun,
  'tailscale-statedir': tailscaleStatedir,
  'reusable-authkey': reusableAuthkey,
  'volume-shadows-image': volumeShadowsImage,
  'postgres-bin-path': postgresBinPath,
  'grace-period': gracePeriod,
  'no-autostop': noAutostop,
  'node-24': node24,
  'db-owner-extensions': dbOwnerExtensions,
  'allowed-hostnames-replace': allowedHostnamesReplace,
  'absolute-paths': absolutePaths,
  'api-url-loopback': apiUrlLoopback,
  'migrations-auto-apply': migrationsAutoApply,
  'pgdata-subdir': pgdataSubdir,
  'no-public-ips': noPublicIps,
  'flycast-http-only': flycastHttpOnly,
  'kill-timeout': killTimeout,
  'signal-order': signalOrder,
  'tailscale-pinned': tailscalePinned,
  'non-root': nonRoot,
  'home-on-volume': homeOnVolume,
  'open-signup': openSignup,
  'bootstrap-exit-code': bootstrapExitCode,
  'tailscale-serve-blocks': tailscaleServeBlocks,
  'secrets-stay-secret': secretsStaySecret,
  'make-381': makeVersion,
  'codex-auth-json': {
    notChecked:
      "Codex may also get its key from the agent's own env in Paperclip (set in the UI), which the repository does not show",
  },
  'workflow-least-privilege': { notChecked: 'doctor does not read GitHub workflow permissions and action pins yet' },
  'secrets-list-fails': {
    notChecked: SCRIPT_LOGIC,
  },
  'secrets-from-shell': {
    notChecked: SCRIPT_LOGIC,
  },
  'volume-by-name': {
    notChecked: SCRIPT_LOGIC,
  },
};

export const DOCTOR_RULES = {
  'restart-policy': restartPolicy,
  'pinned-agent-clis': pinnedAgentClis,
  'config-invalid': configInvalid,
  'config-unknown-key': configUnknownKey,
} as const satisfies Record<string, DoctorRule>;

/** Findings doctor makes while reading the files, before any rule. */
export const FILE_PROBLEMS = {
  'file-missing': {
    title: 'a file the deployment needs is missing',
    symptom: "fly deploy or the machine's start needs this file; doctor also cannot check what it would hold.",
    fix: 'Add the file, or point fly.toml / the Dockerfile at where it is.',
  },
  'file-unparseable': {
    title: 'a file does not parse',
    symptom:
      'The tool that reads this file (flyctl, Docker, Paperclip, bash) rejects it or reads it differently than intended.',
    fix: 'Correct the syntax at the position given.',
  },
} as const;

export type DoctorOnlyId = keyof typeof DOCTOR_RULES | keyof typeof FILE_PROBLEMS;
