/**
 * Who owns what at the top of the volume. The volume root is root's; each area below it has one owner, set by
 * start.sh on every boot, and an area the settings do not use is left exactly as it is (never handed to the app
 * user: switching PostgreSQL to external or Tailscale off must not give its old files away).
 */
import { LAYOUT } from './layout.js';
import { isSystemPostgres, type Settings } from './settings.js';

export interface VolumeArea {
  /** Entry at the volume root. */
  name: string;
  owner: string;
  /** Octal mode of the folder itself (its contents are its owner's business). */
  mode: '700' | '755';
  /** Whether these settings use (and so create and own) the area. */
  used: (s: Settings) => boolean;
}

const { dirs } = LAYOUT;

export const VOLUME_AREAS: readonly VolumeArea[] = [
  { name: dirs.home, owner: LAYOUT.runUser, mode: '700', used: () => true },
  { name: dirs.postgres, owner: 'postgres', mode: '700', used: isSystemPostgres },
  { name: dirs.tailscale, owner: 'root', mode: '700', used: (s) => s.tailscale },
  { name: dirs.backups, owner: 'root', mode: '700', used: () => true },
  { name: dirs.restore, owner: 'root', mode: '700', used: () => true },
];

/** mkfs's, on a volume formatted as ext4: neither an area nor the app user's, kept as it is. */
const FIXED_ENTRIES = ['lost+found'];

export interface VolumePlan {
  /** Areas start.sh creates if missing and whose type, owner and mode it enforces on every boot. */
  ensure: { name: string; owner: string; mode: string }[];
  /** Entries start.sh never moves, whatever the settings: every area and the fixed entries. */
  known: string[];
  /**
   * The root-owned link <link> -> home/<link> that keeps the instance paths of earlier versions working (their
   * config.json and database rows name them); an entry of that name that is not this link is the app user's.
   */
  link: string;
}

/** What start.sh does at the volume root for these settings. */
export function volumePlan(s: Settings): VolumePlan {
  return {
    ensure: VOLUME_AREAS.filter((area) => area.used(s)).map(({ name, owner, mode }) => ({ name, owner, mode })),
    known: [...VOLUME_AREAS.map((area) => area.name), ...FIXED_ENTRIES],
    link: dirs.instances,
  };
}
