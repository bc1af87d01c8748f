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
/** Why the boot script's failure handling is not decided: it shows only when the fault is caused (the container test does). */
const BOOT_LOGIC =
  "this is how the boot script behaves under a fault (a bad file, a kill, a full disk), which only causing the fault shows; doctor does not run the project's code";
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
  'signup-after-admin': {
    notChecked: 'whether something closes sign-up once the admin exists is boot-time logic, which doctor does not run',
  },
  'admin-invite-lifetime': {
    notChecked:
      "the invite's lifetime is decided where bootstrap-ceo runs, often through a variable doctor does not evaluate",
  },
  'invite-reminted': { notChecked: SCRIPT_LOGIC },
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
  'restart-always': restartPolicy,
  'tailscale-login-server': {
    notChecked:
      "whether the node should use a self-hosted control server is the team's choice, which the files cannot show",
  },
  'public-url-from-tailscaled': {
    notChecked:
      'where the boot script takes the public name from is control flow, which doctor does not judge from command lines',
  },
  'daemon-capabilities': {
    notChecked:
      'which capabilities the daemons keep depends on how each is started at run time; doctor does not follow setpriv options',
  },
  'listen-ipv6': {
    notChecked:
      "Paperclip's listen address comes from config.json, the image's ENV and the bind mode together; doctor does not decide it",
  },
  'restore-all-or-nothing': { notChecked: BOOT_LOGIC },
  'backup-is-a-restore': { notChecked: SCRIPT_LOGIC },
  'atomic-initdb': { notChecked: BOOT_LOGIC },
  'config-checked': { notChecked: BOOT_LOGIC },
  'dependencies-retried': { notChecked: BOOT_LOGIC },
  'hung-paperclip': { notChecked: BOOT_LOGIC },
  'volume-full': { notChecked: BOOT_LOGIC },
  'root-home': {
    notChecked:
      "which HOME root's commands read and whether each curl skips .curlrc is run-time behaviour doctor does not trace",
  },
  'volume-root-owned': { notChecked: BOOT_LOGIC },
  'areas-whatever-settings': { notChecked: BOOT_LOGIC },
  'daemon-env': {
    notChecked: 'the environment each daemon starts with depends on how the script builds it at run time',
  },
  'secrets-off-cmdline': {
    notChecked: 'whether a command line carries a secret depends on the values of variables at run time',
  },
  'secrets-strict-mode': {
    notChecked: 'Paperclip may also take strict mode from PAPERCLIP_SECRETS_STRICT_MODE, set outside the repository',
  },
  'agent-networks': {
    notChecked:
      'what the machine lets the app user connect to is decided by firewall rules loaded at run time (and the kernel under them); doctor does not read nftables or iptables scripts',
  },
  'tailnet-port': {
    notChecked:
      "whether the machine's ports answer on tailscale0 depends on the firewall rules loaded at run time and on tailscaled's own chains; doctor does not judge their order",
  },
  'tailscaled-socket': {
    notChecked:
      "who may open tailscaled's socket depends on the folder's mode at run time, which doctor does not follow",
  },
  'tailscale-tag': {
    notChecked:
      "a node's tags come from the auth key (a Fly secret) or the control server's policy, which the repository does not show",
  },
  'fly-app-network': {
    notChecked:
      "the app's private network is fixed when the app is created, by whoever ran fly apps create; the repository cannot show it",
  },
};

export const DOCTOR_RULES = {
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
