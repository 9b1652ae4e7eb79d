import { BACKDATE_MS } from '../pki/x509.js';
import type { ObservedHost } from './types.js';

/**
 * Clock skew between the hosts and this machine (pure), from the observation: each host's clock was read once while
 * its observation command ran, so its offset from this machine lies in [remote - received, remote - sent]. The skew
 * reported is a LOWER bound (the closest the two intervals come), so a slow round trip never makes a false alarm.
 * This machine is one of the clocks: it signs the certificates.
 */

/** Certificates are backdated by this much (the PKI's own margin): a host behind by more rejects a new certificate. */
export const CERT_CLOCK_TOLERANCE_MS = BACKDATE_MS;

export interface ClockSkew {
  /** The clock furthest ahead, and the one furthest behind (`this machine` for kubeha's). */
  ahead: string;
  behind: string;
  /** At least this many milliseconds between them. */
  ms: number;
}

export const LOCAL_CLOCK = 'this machine';

/** The largest skew that is certain between any two clocks (hosts without a clock reading are left out). */
export function largestClockSkew(observed: readonly ObservedHost[]): ClockSkew | undefined {
  const clocks = [
    { name: LOCAL_CLOCK, lo: 0, hi: 0 },
    ...observed.flatMap((o) => (o.clock ? [{ name: o.host, lo: o.clock.remoteMs - o.clock.receivedMs, hi: o.clock.remoteMs - o.clock.sentMs }] : [])),
  ];
  if (clocks.length < 2) return undefined;
  const ahead = clocks.reduce((a, b) => (b.lo > a.lo ? b : a));
  const behind = clocks.reduce((a, b) => (b.hi < a.hi ? b : a));
  const ms = ahead.lo - behind.hi;
  return ms > 0 && ahead !== behind ? { ahead: ahead.name, behind: behind.name, ms } : undefined;
}

/** The skew when it is larger than `toleranceMs`. */
export function clockSkewBeyond(observed: readonly ObservedHost[], toleranceMs = CERT_CLOCK_TOLERANCE_MS): ClockSkew | undefined {
  const s = largestClockSkew(observed);
  return s && s.ms > toleranceMs ? s : undefined;
}
