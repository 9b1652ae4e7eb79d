/** keepalived's VRRP state changes as its journal writes them (`journalctl -o short-unix`). Pure. */

export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT';

export interface VrrpTransition {
  /** Epoch milliseconds. */
  at: number;
  host: string;
  instance: string;
  state: VrrpState;
}

const LINE = /^(\d+(?:\.\d+)?)\s+\S+\s+\S+:\s+\(([^)]+)\)\s+Entering (MASTER|BACKUP|FAULT) STATE/;

/** Every `(instance) Entering X STATE` line of a short-unix journal, in order. */
export function parseVrrpTransitions(host: string, journal: string): VrrpTransition[] {
  const out: VrrpTransition[] = [];
  for (const line of journal.split('\n')) {
    const m = LINE.exec(line.trim());
    if (m?.[1] && m[2] && m[3]) out.push({ at: Math.round(Number(m[1]) * 1000), host, instance: m[2], state: m[3] as VrrpState });
  }
  return out;
}
