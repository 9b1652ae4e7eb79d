/**
 * The little IPv4 arithmetic the lab needs (pure). The lab is IPv4-only: Debian's sshd, keepalived and
 * HAProxy all work on IPv4 and every seed config uses it.
 */

export interface Cidr {
  /** Network address as a 32-bit unsigned number. */
  network: number;
  prefix: number;
}

/** Parses a dotted quad; undefined when it is not exactly one. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  let n = 0;
  for (const part of m.slice(1)) {
    const v = Number(part);
    if (v > 255 || (part.length > 1 && part.startsWith('0'))) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.77.0.0/24` → Cidr; the host bits are cleared (`10.77.0.5/24` gives 10.77.0.0/24). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const addr = parseIpv4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (addr === undefined || prefix > 32) return undefined;
  return { network: (addr & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

export function cidrOf(address: number, prefix: number): Cidr {
  return { network: (address & maskOf(prefix)) >>> 0, prefix };
}

export function contains(c: Cidr, address: number): boolean {
  return ((address & maskOf(c.prefix)) >>> 0) === c.network;
}

export function broadcastOf(c: Cidr): number {
  return (c.network | (~maskOf(c.prefix) >>> 0)) >>> 0;
}

/** Whether two networks share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.network & maskOf(p)) >>> 0) === ((b.network & maskOf(p)) >>> 0);
}
