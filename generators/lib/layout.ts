/**
 * The machine's fixed layout: users, ports, timeouts, and where everything lives on the volume. start.sh, the
 * Dockerfile, config.json, fly.toml, the Makefile and the README all read these values from here.
 * Paths are absolute because Paperclip's defaults expand `~`, not PAPERCLIP_HOME.
 */
const VOLUME = '/paperclip';

/** Top-level entries of the volume that the boot script creates, relative to it. */
const VOLUME_DIRS = {
  /** The app user's area: its HOME and PAPERCLIP_HOME. Everything else at the volume root is root's or postgres's. */
  home: 'home',
  /** Earlier versions kept Paperclip's instances at the volume root: now a root-owned link into home/. */
  instances: 'instances',
  backups: 'backups',
  restore: 'restore',
  postgres: 'postgres',
  tailscale: 'tailscale',
} as const;

const APP_HOME = `${VOLUME}/${VOLUME_DIRS.home}`;
const INSTANCE = `${APP_HOME}/${VOLUME_DIRS.instances}/default`;
const SECRETS = `${INSTANCE}/secrets`;

export const LAYOUT = {
  volume: VOLUME,
  dirs: VOLUME_DIRS,
  /** The app user's HOME and PAPERCLIP_HOME, a folder of the root-owned volume root. */
  appHome: APP_HOME,
  /** Root's own HOME, off the volume: nothing the app user writes is read by root's commands. */
  rootHome: '/root',
  /** Root-only folder off the volume for what start.sh keeps from its children (the Tailscale key until used). */
  runDir: '/run/paperclip',
  /** Paperclip's instance folder: config, logs, data, secrets. */
  instance: INSTANCE,
  config: `${INSTANCE}/config.json`,
  /** The image's copy of config.json, installed onto the volume on first boot. */
  configStash: '/etc/paperclip/config.json',
  /** Where `make restore` uploads a backup archive (or a bare dump) for the next boot, relative to the volume. */
  restoreFile: `${VOLUME_DIRS.restore}/pending.tar`,
  /** Paperclip's own daily backups. */
  appBackups: `${INSTANCE}/data/backups`,
  logs: `${INSTANCE}/logs`,
  /** Attachments and uploads (config.json storage.localDisk.baseDir): part of every make backup archive. */
  storage: `${INSTANCE}/data/storage`,
  /** Paperclip's keys, the secrets master key among them: part of every make backup archive. */
  secrets: SECRETS,
  masterKey: `${SECRETS}/master.key`,
  /** The unprivileged user Paperclip and its agents run as (uid 1000 in the official Node image). */
  runUser: 'node',
  port: 3100,
  database: { name: 'paperclip', user: 'paperclip', host: '127.0.0.1', port: 5432, socketDir: '/var/run/postgresql' },
  tailscaleSocket: '/var/run/tailscale/tailscaled.sock',
  startScript: '/usr/local/bin/start.sh',
  /** Fly's health-check grace, at Fly's maximum (flyctl lowers more to 60 s). First boot measured 12-23 s by e2e. */
  graceSeconds: 60,
  /**
   * How long `fly deploy` waits for the machine to start and pass its checks ([deploy] wait_timeout; Fly's default
   * is 300 s). It must outlast the slowest first boot that still succeeds: start.sh's own limits (tailscale up
   * 120 s, serve 60 s, PostgreSQL start 60 s) plus migrations (23 s measured on 2 idle cores, 60-100 s on a loaded
   * one) plus one 30 s check interval: about 5 minutes, so twice Fly's default.
   */
  deployWaitSeconds: 600,
  /** Paperclip drains runs (up to ~30 s) and PostgreSQL shuts down fast; Fly allows up to 300. */
  killTimeoutSeconds: 90,
  /**
   * start.sh's watchdog: how often it looks, and how long Paperclip may fail its health check while its process
   * lives before it is killed (then the machine restarts). 300 s is well past the 120 s first-boot grace.
   */
  watchdog: { intervalSeconds: 30, hungSeconds: 300 },
  /** Free space on the volume below which start.sh logs a loud warning at boot and from the watchdog. */
  lowSpaceMb: 300,
  /**
   * Space kept for PostgreSQL: a root-owned file in its folder, which the app user cannot write or delete. A boot
   * that finds less free space than this releases it, so PostgreSQL's recovery checkpoint has room.
   */
  reserveMb: 128,
  /** While no admin exists and sign-up is open, how often start.sh asks Paperclip whether an admin exists now. */
  bootstrapPollSeconds: 5,
  /** The longest wait between two tries of a dependency that is down (external database, Tailscale). */
  retryMaxSeconds: 30,
} as const;

/** Debian's PostgreSQL binaries for a major, found by path (they are not on PATH). */
export const postgresBin = (major: number): string => `/usr/lib/postgresql/${major}/bin`;
