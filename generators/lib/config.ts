/**
 * Paperclip's config.json, built as an object and valid against `paperclipConfigSchema` of the pinned version.
 * JSON has no comments, so its gotcha notes are "$comment" keys, which Paperclip's schema keeps and ignores.
 */
import { gotcha, gotchaComment, type GotchaId } from './gotchas.js';
import { LAYOUT } from './layout.js';
import { isSystemPostgres, type Settings } from './settings.js';

/** Values the generator keeps in `.yo-rc.json` beside the settings. */
export interface RenderMeta {
  /** ISO time of the first generation: config.json's $meta.updatedAt, stable across re-runs. */
  generatedAt: string;
}

export function buildConfig(s: Settings, meta: RenderMeta): Record<string, unknown> {
  const { database: db } = LAYOUT;
  const note = (id: GotchaId) => `${gotchaComment(id)} Fix: ${gotcha(id).fix}`;
  const database = isSystemPostgres(s)
    ? {
        $comment: `${note('system-postgres')} ${note('connection-string')} The password is kept on the volume; start.sh passes it in DATABASE_URL, which wins over this value.`,
        mode: 'postgres',
        connectionString: `postgres://${db.user}@${db.host}:${db.port}/${db.name}`,
      }
    : {
        $comment:
          'The external database comes from the DATABASE_URL Fly secret, which wins over any connectionString here.',
        mode: 'postgres',
      };
  return {
    $comment:
      'Paperclip config. The image keeps it in /etc/paperclip; start.sh copies it onto the volume on first boot only, ' +
      `so later changes are made in ${LAYOUT.config} on the machine (make ssh).`,
    $meta: { $comment: note('meta-version'), version: 1, updatedAt: meta.generatedAt, source: 'configure' },
    database: {
      ...database,
      backup: { enabled: true, intervalMinutes: 1440, retentionDays: 7, dir: LAYOUT.appBackups },
    },
    logging: { $comment: note('absolute-paths'), mode: 'file', logDir: LAYOUT.logs },
    server: {
      $comment: `start.sh sets PAPERCLIP_ALLOWED_HOSTNAMES from the tailnet and Fly names and merges allowedHostnames below into it. ${note('listen-ipv6')}`,
      deploymentMode: 'authenticated',
      exposure: 'private',
      bind: 'custom',
      customBindHost: '::',
      host: '::',
      port: LAYOUT.port,
      allowedHostnames: [],
      serveUi: true,
    },
    auth: { baseUrlMode: 'auto', disableSignUp: false },
    storage: { provider: 'local_disk', localDisk: { baseDir: LAYOUT.storage } },
    secrets: {
      provider: 'local_encrypted',
      strictMode: false,
      localEncrypted: { keyFilePath: LAYOUT.masterKey },
    },
    telemetry: { enabled: false },
    updates: { checkEnabled: false },
  };
}
