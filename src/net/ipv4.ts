import { createRequire } from 'node:module';

type Address6Class = typeof import('ip-address').Address6;
let address6: Address6Class | undefined;
/** ip-address, loaded on first use (an IPv6-looking value): `kubeha analyze` on an IPv4 mirror never needs it. */
function Address6(): Address6Class {
  return (address6 ??= (createRequire(import.meta.url)('ip-address') as typeof import('ip-address')).Address6);
}

/**
 * The one home of IPv4 and CIDR maths, for the spec rules, the importers, the parsers and the lab (pure).
 * One rule for every caller: a dotted quad of four numbers 0-255 without leading zeros. That is what
 * glibc's inet_pton accepts, which keepalived uses for its addresses; inet_aton would read 010 as octal 8,
 * so kubeha never writes or accepts such a form.
 */

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a plain dotted-quad address such as 10.77.0.10 (no prefix, no leading zeros). */
export function isIPv4(s: string): boolean {
  // The regex alone decides (strict, and fast on 5 000 hosts); ip-address agrees on everything it accepts.
  return DOTTED_QUAD.test(s);
}

/** A DNS name (labels of letters, digits and "-"), optionally ending in a dot. */
export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * Why `value` (not a dotted quad) is refused where an IPv4 address belongs, and what to write instead:
 * the one wording for the spec rules and every importer. `what` ends a sentence such as `host "m1": "fd00::1" …`.
 */
export function notIPv4(value: string): { what: string; hint: string } {
  const v = value.trim();
  if (v.includes(':') && Address6().isValid(v.replace(/^\[|\]$/g, ''))) {
    return {
      what: 'is an IPv6 address: kubeha supports IPv4 only',
      hint: "give the host's IPv4 address (IPv6 and dual-stack control planes are not supported yet)",
    };
  }
  const slash = v.indexOf('/');
  if (slash > 0 && isIPv4(v.slice(0, slash))) {
    return { what: 'is not an IPv4 address (it has a prefix length)', hint: `write the address without the prefix length: ${v.slice(0, slash)} (the subnet goes in network.hostCIDR)` };
  }
  const colon = v.lastIndexOf(':');
  if (colon > 0 && isIPv4(v.slice(0, colon))) {
    return { what: 'is not an IPv4 address (it has a port)', hint: `write the address without the port: ${v.slice(0, colon)} (ports have their own fields)` };
  }
  if (DNS_NAME.test(v) && /[a-z]/i.test(v)) {
    return {
      what: 'is a host name, not an IPv4 address',
      hint: 'write the IPv4 address it resolves to (`getent hosts NAME`): kubeha writes addresses into keepalived and HAProxy and never resolves names',
    };
  }
  if (/^\d+(\.\d+){3}$/.test(v)) {
    return { what: 'is not an IPv4 address', hint: 'each of the four numbers is 0-255, written without leading zeros (010 would be read as octal by some tools)' };
  }
  return { what: 'is not an IPv4 address', hint: 'an IPv4 address is four numbers 0-255 without leading zeros, e.g. 10.77.0.11' };
}

/** An IPv6 address (optionally with an IPv4 tail such as ::ffff:10.0.0.1); no prefix, no zone. */
export function isIPv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = s.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1];
  const v4tail = last !== undefined && last.includes('.');
  if (v4tail && !isIPv4(last)) return false;
  const hex = v4tail ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = hex.length + (v4tail ? 2 : 0);
  return dbl.length === 2 ? count < 8 : count === 8;
}

/** An IPv4 or IPv6 address, as the haproxy/keepalived parsers accept where either may stand. */
export function isIPAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** A dotted quad as an unsigned 32-bit number; undefined when `s` is not one (see {@link isIPv4}). */
export function parseIPv4(s: string): number | undefined {
  return isIPv4(s) ? toInt(s) : undefined;
}

/** An unsigned 32-bit number as a dotted quad. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The address as an unsigned 32-bit integer (assumed valid). */
function toInt(address: string): number {
  return address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** The netmask of a prefix length as an unsigned 32-bit number (/24 gives 0xffffff00). */
function netmaskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export interface Cidr {
  /** The network address (host bits zero). */
  network: string;
  prefix: number;
}

/**
 * A CIDR `a.b.c.d/n`, or undefined when malformed. The host bits are cleared (`10.77.0.5/24` gives 10.77.0.0/24);
 * `hostBitsSet` is true when a.b.c.d is not the network address.
 */
export function parseCidr(s: string): (Cidr & { hostBitsSet: boolean }) | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(s);
  if (!m || !isIPv4(m[1] ?? '')) return undefined;
  const prefix = Number(m[2]);
  if (prefix > 32) return undefined;
  const { network } = cidrOf(m[1] ?? '', prefix);
  return { network, prefix, hostBitsSet: network !== m[1] };
}

/** The network of length `prefix` that holds `address` (assumed valid). */
export function cidrOf(address: string, prefix: number): Cidr {
  return { network: formatIPv4((toInt(address) & netmaskOf(prefix)) >>> 0), prefix };
}

/** The /24 that holds `address`, e.g. 10.77.0.0/24 for 10.77.0.11. */
export function slash24(address: string): Cidr {
  return cidrOf(address, 24);
}

/** The first (network) and last (broadcast) address of `cidr`, as unsigned 32-bit numbers. */
export function cidrBounds(cidr: Cidr): { network: number; broadcast: number } {
  const network = toInt(cidr.network);
  return { network, broadcast: (network | (~netmaskOf(cidr.prefix) >>> 0)) >>> 0 };
}

/** Whether `address` lies in `cidr` (both assumed valid). */
export function inCidr(address: string, cidr: Cidr): boolean {
  const { network, broadcast } = cidrBounds(cidr);
  const a = toInt(address);
  return a >= network && a <= broadcast;
}

export function formatCidr(c: Cidr): string {
  return `${c.network}/${c.prefix}`;
}

/** Whether two CIDRs share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return inCidr(a.network, b) || inCidr(b.network, a);
}

/** The network or broadcast address of `cidr` (not usable as a host address or VIP for prefixes < 31). */
export function isNetworkOrBroadcast(address: string, cidr: Cidr): boolean {
  if (cidr.prefix >= 31) return false;
  const { network, broadcast } = cidrBounds(cidr);
  const a = toInt(address);
  return a === network || a === broadcast;
}
