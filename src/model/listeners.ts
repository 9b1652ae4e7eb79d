/** What listens where on a host of the model: HAProxy's binds, frontends and the backends they send to. */
import type { Backend, Bind, Frontend, HaproxyConfig, ModelHost } from './types.js';

export const WILDCARD_ADDRESSES = new Set(['', '*', '0.0.0.0', '::', '[::]']);
export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether a bind line listens on `port` (ranges included). */
export function bindCovers(b: Bind, port: number): boolean {
  const end = (b as Bind & { portEnd?: number }).portEnd;
  return end !== undefined ? port >= b.port && port <= end : b.port === port;
}

export function isWildcard(address: string): boolean {
  return WILDCARD_ADDRESSES.has(address);
}

/** Frontends (and listen sections) with a bind on `port` whose address accepts traffic for `address`. */
export function frontendsOn(cfg: HaproxyConfig, port: number, address?: string): { fe: Frontend; bind: Bind }[] {
  const out: { fe: Frontend; bind: Bind }[] = [];
  for (const fe of cfg.frontends) {
    for (const b of fe.binds) {
      if (!bindCovers(b, port)) continue;
      if (address === undefined || isWildcard(b.address) || b.address === address) {
        out.push({ fe, bind: b });
        break;
      }
    }
  }
  return out;
}

/** The backend a frontend sends connections to (default_backend, itself for `listen`, else the first use_backend). */
export function backendOf(lb: ModelHost, fe: Frontend): Backend | undefined {
  const cfg = lb.haproxy;
  if (!cfg) return undefined;
  const name = fe.defaultBackend ?? (fe.kind === 'listen' ? fe.name : fe.useBackends[0]);
  return name === undefined ? undefined : cfg.backends.find((b) => b.name === name);
}
