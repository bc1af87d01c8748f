/** Rules on what the machine runs at boot: users, HOME, Tailscale, PostgreSQL, signals, the first admin. */
import {
  buildScripts,
  machineScripts,
  operatorScripts,
  paperclipStarts,
  runs,
  runtimeVariable,
  startsPaperclip,
  where,
  whereRun,
  whereWord,
} from '../facts.js';
import type { Project } from '../project.js';
import { hasOption, optionOf, positional, type Effective } from '../parse/shell.js';
import { paperclipSetting } from './fly.js';
import { rule } from './types.js';

const NO_START =
  'no command that starts Paperclip (paperclipai run, or node on its server entry) was found in the start command or the script it runs';

const isRoot = (user: string | undefined) => user === 'root' || user === '0';
/** Every run of Paperclip's CLI or server in the machine's scripts. */
const paperclipRuns = (p: Project): Effective[] =>
  runs(machineScripts(p)).filter((run) => run.name === 'paperclipai' || startsPaperclip(run));
const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`);

export const runuser = rule({
  checks: 'Paperclip (server or CLI) is not started through su, or runuser with a login shell.',
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const starts = paperclipStarts(p);
    for (const run of [...new Set([...starts, ...paperclipRuns(p)])]) {
      const wrapper = run.wrappers.find(
        (candidate) => candidate.name === 'su' || (candidate.name === 'runuser' && candidate.login),
      );
      if (wrapper) {
        found(
          where(run.command.script.source.file, wrapper.at),
          `${wrapper.name}${wrapper.login ? ' with a login shell' : ''} starts ${run.name} with a fresh environment: the variables Paperclip needs are gone`,
        );
      }
    }
    if (!starts.length) return NO_START;
  },
});

export const nonRoot = rule({
  checks:
    "The command that starts Paperclip switches to a non-root user (runuser, setpriv, gosu, su-exec) or the image's USER is not root.",
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const starts = paperclipStarts(p);
    if (!starts.length) return NO_START;
    const imageUser = p.dockerfile.final.user?.value.split(':')[0];
    for (const run of starts) {
      const switched = run.wrappers
        .filter((wrapper) => wrapper.name !== 'timeout' && wrapper.name !== 'exec')
        .some(
          (wrapper) =>
            wrapper.user !== undefined ||
            ['su', 'runuser', 'setpriv', 'gosu', 'su-exec', 's6-setuidgid'].includes(wrapper.name),
        );
      const lastUser = run.wrappers
        .map((wrapper) => wrapper.user)
        .filter((user) => user !== undefined)
        .at(-1);
      if (switched ? isRoot(lastUser) : imageUser === undefined || isRoot(imageUser)) {
        found(
          whereRun(run),
          'Paperclip starts as root: Claude Code refuses --dangerously-skip-permissions and files on the volume become root-owned',
        );
      }
    }
  },
});

export const homeOnVolume = rule({
  checks:
    "When runuser/su/gosu resets HOME, the command sets HOME again or the Dockerfile moves the user's home (usermod --home).",
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const starts = paperclipStarts(p);
    if (!starts.length) return NO_START;
    const usermod = runs(buildScripts(p)).some(
      (run) =>
        run.name === 'usermod' &&
        run.args.some((arg) => ['-d', '--home'].includes(arg.value ?? '') || arg.prefix.startsWith('--home=')),
    );
    if (usermod) return;
    for (const run of [...new Set([...starts, ...paperclipRuns(p)])]) {
      const resets = [...run.wrappers].reverse().find((wrapper) => wrapper.setsHome);
      if (resets && !run.env.has('HOME')) {
        found(
          where(run.command.script.source.file, resets.at),
          `${resets.name} sets HOME to ${resets.user ?? 'the user'}'s passwd home, off the volume: ~/.claude and Paperclip's ~ paths vanish on redeploy`,
        );
      }
    }
  },
});

const tailscaledRuns = (p: Project) => runs(machineScripts(p)).filter((run) => run.name === 'tailscaled');
const SERVE_READ_ONLY = new Set(['status', 'reset', 'get-config', 'set-config', 'clear']);

export const tailscaleTun = rule({
  checks: 'tailscaled does not run with --tun=userspace-networking while tailscale serve/funnel/cert needs HTTPS.',
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const daemons = tailscaledRuns(p);
    if (!daemons.length) return 'the machine starts no tailscaled';
    const https = runs(machineScripts(p)).some(
      (run) =>
        run.name === 'tailscale' &&
        ((['serve', 'funnel'].includes(positional(run.args)[0] ?? '') &&
          !SERVE_READ_ONLY.has(positional(run.args)[1] ?? '') &&
          !hasOption(run.args, '--http', '--tcp', '--tls-terminated-tcp')) ||
          positional(run.args)[0] === 'cert'),
    );
    if (!https) return;
    for (const run of daemons) {
      const tun = optionOf(run.args, '--tun') ?? optionOf(run.args, '-tun');
      if (tun?.value === 'userspace-networking')
        found(
          whereWord(run, tun.word),
          'tailscaled runs in userspace networking while tailscale serve provides HTTPS: it cannot get the certificate',
        );
    }
  },
});

export const tailscaleStatedir = rule({
  checks: 'tailscaled runs with --statedir (not --state) on the volume.',
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const daemons = tailscaledRuns(p);
    if (!daemons.length) return 'the machine starts no tailscaled';
    for (const run of daemons) {
      const state = optionOf(run.args, '--state') ?? optionOf(run.args, '-state');
      const statedir = optionOf(run.args, '--statedir') ?? optionOf(run.args, '-statedir');
      if (state)
        found(
          whereWord(run, state.word),
          `tailscaled --state=${state.value ?? state.prefix}: a state file breaks certificate provisioning; use --statedir on the volume`,
        );
      else if (!statedir)
        found(
          whereRun(run),
          'tailscaled has no --statedir: its state stays in the image, and every deploy makes a new node',
        );
      else if (statedir.value !== undefined && p.mount && !under(statedir.value, p.mount)) {
        found(
          whereWord(run, statedir.word),
          `--statedir=${statedir.value} is off the volume (${p.mount}): every deploy makes a new node`,
        );
      }
    }
  },
});

export const pgdataSubdir = rule({
  checks: "PGDATA and initdb/pg_ctl/postgres -D are not the volume's mount point.",
  severity: 'error',
  needs: ['fly.toml', 'Dockerfile'],
  check({ project: p, found }) {
    if (!p.mount) return 'fly.toml mounts no volume';
    const mount = p.mount;
    const pgdata = runtimeVariable(p, 'PGDATA');
    const atRoot = (path: string | undefined) => path !== undefined && path.replace(/\/+$/, '') === mount;
    const variableAtRoot = atRoot(pgdata?.value);
    if (variableAtRoot && pgdata)
      found(pgdata.where, `PGDATA is the volume's mount point ${mount}, which holds lost+found`);
    for (const run of runs(machineScripts(p))) {
      if (!['initdb', 'pg_ctl', 'postgres', 'postmaster'].includes(run.name)) continue;
      const dir = optionOf(run.args, '-D') ?? optionOf(run.args, '--pgdata');
      // A -D "$PGDATA" is the variable already reported.
      if (dir && atRoot(dir.value) && !(variableAtRoot && /PGDATA/.test(dir.word.raw))) {
        found(
          whereWord(run, dir.word),
          `${run.name} uses the volume's mount point ${mount} as its data directory, which holds lost+found`,
        );
      }
    }
  },
});

export const signalOrder = rule({
  checks: 'When the machine starts PostgreSQL, the script traps TERM and does not exec Paperclip in its place.',
  severity: 'error',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const all = runs(machineScripts(p));
    const postgres = all.find(
      (run) =>
        ['postgres', 'postmaster'].includes(run.name) ||
        (run.name === 'pg_ctl' && positional(run.args).includes('start')) ||
        (run.name === 'pg_ctlcluster' && positional(run.args).includes('start')),
    );
    if (!postgres) return 'the machine starts no PostgreSQL of its own';
    const trapped = all.some(
      (run) =>
        run.name === 'trap' &&
        run.args.slice(1).some((arg) => /^(SIG)?(TERM|INT|EXIT)$|^15$|^0$/.test(arg.value ?? '')),
    );
    const replaced = paperclipStarts(p).find(
      (run) => run.wrappers.some((wrapper) => wrapper.name === 'exec') && run.command.inFunction === undefined,
    );
    if (replaced)
      found(
        whereRun(replaced),
        'the script execs Paperclip while PostgreSQL runs beside it: nothing is left to stop PostgreSQL cleanly on a stop signal',
      );
    else if (!trapped)
      found(
        whereRun(postgres),
        'PostgreSQL starts here but the script traps no TERM: on a stop, Paperclip and PostgreSQL are killed without an orderly shutdown',
      );
  },
});

export const bootstrapExitCode = rule({
  checks: 'paperclipai auth bootstrap-ceo is not used as a condition without its output being read.',
  severity: 'warning',
  needs: [],
  check({ project: p, found }) {
    const bootstraps = runs([...machineScripts(p), ...operatorScripts(p)]).filter(
      (run) =>
        run.name === 'paperclipai' && positional(run.args)[0] === 'auth' && positional(run.args)[1] === 'bootstrap-ceo',
    );
    if (!bootstraps.length) return 'nothing here runs paperclipai auth bootstrap-ceo';
    for (const run of bootstraps) {
      if (run.command.condition && !run.command.captured)
        found(
          whereRun(run),
          'the exit status of bootstrap-ceo decides here, but it exits 0 on failure: check its output for the invite URL',
        );
    }
  },
});

export const tailscaleServeBlocks = rule({
  checks: 'tailscale serve/funnel runs under timeout or in the background.',
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    const serves = runs(machineScripts(p)).filter(
      (run) =>
        run.name === 'tailscale' &&
        ['serve', 'funnel'].includes(positional(run.args)[0] ?? '') &&
        !SERVE_READ_ONLY.has(positional(run.args)[1] ?? ''),
    );
    if (!serves.length) return 'the machine runs no tailscale serve';
    for (const run of serves) {
      if (!run.wrappers.some((wrapper) => wrapper.name === 'timeout') && !run.command.background) {
        found(
          whereRun(run),
          'tailscale serve runs without a timeout: without HTTPS enabled on the tailnet it waits for an admin and the boot stops here',
        );
      }
    }
  },
});

export const openSignup = rule({
  checks: 'In authenticated mode, something mints the first admin invite (bootstrap-ceo) or sign-up is disabled.',
  severity: 'warning',
  needs: ['Dockerfile'],
  check({ project: p, found }) {
    if (
      paperclipSetting(p, 'PAPERCLIP_DEPLOYMENT_MODE', ['server', 'deploymentMode'], 'local_trusted') !==
      'authenticated'
    )
      return 'Paperclip does not run in authenticated mode, which is where sign-up exists';
    const all = runs([...machineScripts(p), ...operatorScripts(p)]);
    const invites = all.some((run) => run.name === 'paperclipai' && positional(run.args)[1] === 'bootstrap-ceo');
    const disabled =
      runtimeVariable(p, 'PAPERCLIP_AUTH_DISABLE_SIGN_UP')?.value === 'true' ||
      (p.config?.doc.data as { auth?: { disableSignUp?: unknown } } | undefined)?.auth?.disableSignUp === true ||
      all.some((run) => run.args.some((arg) => arg.prefix.startsWith('PAPERCLIP_AUTH_DISABLE_SIGN_UP=true')));
    const start = paperclipStarts(p)[0];
    if (!start) return NO_START;
    if (!invites && !disabled)
      found(
        whereRun(start),
        'nothing mints the first admin invite or closes sign-up: whoever reaches the instance first can claim it',
      );
  },
});

export const allowedHostnamesReplace = rule({
  checks:
    'PAPERCLIP_ALLOWED_HOSTNAMES is not set over a non-empty server.allowedHostnames unless the entrypoint reads that list.',
  severity: 'warning',
  needs: ['config.json'],
  check({ project: p, found }) {
    const listed = (p.config.doc.data as { server?: { allowedHostnames?: unknown } }).server?.allowedHostnames;
    const variable = runtimeVariable(p, 'PAPERCLIP_ALLOWED_HOSTNAMES');
    if (!variable || !Array.isArray(listed) || !listed.length) return;
    const merges = machineScripts(p).some((script) =>
      script.words.some((word) => (word.value ?? word.prefix).includes('allowedHostnames')),
    );
    if (!merges)
      found(
        variable.where,
        `PAPERCLIP_ALLOWED_HOSTNAMES replaces server.allowedHostnames (${listed.join(', ')}) from config.json, and nothing merges them`,
      );
  },
});
