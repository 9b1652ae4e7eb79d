/** HAProxy's `show stat` (runtime API, CSV with a `# ` header line) as the servers of each backend. Pure. */

export interface ServerState {
  proxy: string;
  server: string;
  /** HAProxy's status column: UP, DOWN, MAINT, `UP 1/2` (going down), `DOWN 1/2` (coming up), no check, … */
  status: string;
  /** e.g. L7OK, L4CON, L4TOUT, L7STS; empty without checks. */
  checkStatus: string;
  address: string;
  /** Seconds since the last status change. */
  lastChangeS: number | undefined;
}

/** The server rows (not FRONTEND/BACKEND) of `show stat`; lines it cannot read are skipped. */
export function parseShowStat(csv: string): ServerState[] {
  const lines = csv.split('\n');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) return [];
  const cols = header.slice(2).split(',');
  const at = (name: string): number => cols.indexOf(name);
  const [px, sv, st, chk, addr, lastchg] = ['pxname', 'svname', 'status', 'check_status', 'addr', 'lastchg'].map(at) as [number, number, number, number, number, number];
  const out: ServerState[] = [];
  for (const line of lines) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.split(',');
    const server = f[sv] ?? '';
    if (server === '' || server === 'FRONTEND' || server === 'BACKEND') continue;
    const last = lastchg >= 0 ? Number(f[lastchg]) : NaN;
    out.push({ proxy: f[px] ?? '', server, status: f[st] ?? '', checkStatus: chk >= 0 ? (f[chk] ?? '') : '', address: addr >= 0 ? (f[addr] ?? '') : '', lastChangeS: Number.isFinite(last) && f[lastchg] !== '' ? last : undefined });
  }
  return out;
}

/** A server HAProxy would send new connections to. */
export const serverUp = (s: ServerState): boolean => /^UP\b/.test(s.status) || s.status === 'no check';
