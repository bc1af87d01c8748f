/**
 * What runs inside the container, read from /proc through `podman exec` (the image's own sh and awk), so the
 * checks need no tool the generated image might not install.
 */
import type { Machine } from './machine.js';

export interface Proc {
  pid: number;
  uid: number;
  rssKb: number;
  /** Proportional set size: shared pages (PostgreSQL's shared buffers) counted once across processes. */
  pssKb: number;
  args: string;
  /** Peak RSS (VmHWM). */
  peakRssKb: number;
  /** HOME from the process's environment. */
  home: string;
  /** Names (not values) of the process's environment variables. */
  envNames: string[];
  /** Capability sets from /proc/<pid>/status, as hex masks: inheritable, permitted, effective, bounding, ambient. */
  caps: { CapInh: string; CapPrm: string; CapEff: string; CapBnd: string; CapAmb: string };
}

const PROC_SCRIPT = `
for d in /proc/[0-9]*; do
  [ -r "$d/status" ] || continue
  uid=$(awk '/^Uid:/ {print $2}' "$d/status")
  rss=$(awk '/^VmRSS:/ {print $2}' "$d/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "$d/status")
  pss=$(awk '/^Pss:/ {print $2}' "$d/smaps_rollup" 2>/dev/null)
  home=$(tr '\\0' '\\n' <"$d/environ" 2>/dev/null | sed -n 's/^HOME=//p')
  names=$(tr '\\0' '\\n' <"$d/environ" 2>/dev/null | cut -d= -f1 | paste -sd, -)
  caps=$(awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ {printf "%s=%s,", substr($1, 1, 6), $2}' "$d/status")
  args=$(tr '\\0\\n\\t' '   ' <"$d/cmdline" 2>/dev/null)
  [ -n "$args" ] && printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "\${d#/proc/}" "$uid" "\${rss:-0}" "\${pss:-0}" "\${hwm:-0}" "$home" "$names" "$caps" "$args"
done
`;

export async function processes(machine: Machine): Promise<Proc[]> {
  // Privileged: other users' environ and smaps_rollup need CAP_SYS_PTRACE, which a plain exec lacks.
  const { stdout } = await machine.exec(['sh', '-c', PROC_SCRIPT], { privileged: true });
  return (
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [pid, uid, rss, pss, hwm, home, names, caps, args] = line.split('\t');
        return {
          pid: Number(pid),
          uid: Number(uid),
          rssKb: Number(rss),
          pssKb: Number(pss),
          peakRssKb: Number(hwm),
          home: home ?? '',
          envNames: (names ?? '').split(',').filter(Boolean),
          caps: Object.fromEntries(
            (caps ?? '')
              .split(',')
              .filter(Boolean)
              .map((pair) => pair.split('=')),
          ) as Proc['caps'],
          args: (args ?? '').trim(),
        };
      })
      // The probe's own sh/awk/tr processes are not part of the machine.
      .filter((proc) => !proc.args.includes('/proc/[0-9]*') && !/^(awk|tr|sed|cut|paste) /.test(proc.args))
  );
}

export const isPaperclip = (proc: Proc) => /^node .*@paperclipai\/server\/dist\/index\.js/.test(proc.args);
export const isPostgres = (proc: Proc) => /^(\/usr\/lib\/postgresql\/\d+\/bin\/postgres |postgres: )/.test(proc.args);
export const isTailscaled = (proc: Proc) => /tailscaled /.test(proc.args);

export interface Listener {
  address: string;
  port: number;
}

/** TCP sockets in LISTEN state, from /proc/net/tcp and tcp6 (hex address:port, state 0A). */
export async function listeners(machine: Machine): Promise<Listener[]> {
  const { stdout } = await machine.exec(['sh', '-c', 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null']);
  const out: Listener[] = [];
  for (const line of stdout.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] !== '0A' || !fields[1]?.includes(':')) continue;
    const [hexAddress, hexPort] = fields[1].split(':') as [string, string];
    out.push({ address: decodeAddress(hexAddress), port: parseInt(hexPort, 16) });
  }
  return out;
}

/** /proc/net/tcp stores addresses as little-endian 32-bit words. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
