/** What listens where on a host of the model: HAProxy's binds, frontends and the backends they send to. */
import { routeFor, type Client, type Route } from './routing.js';
import type { Member } from './queries.js';
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

/**
 * An IPv6 wildcard bind with neither `v6only` nor `v4v6` keeps the kernel's default for IPV6_V6ONLY, the host's
 * net.ipv6.bindv6only (ip-sysctl.rst "bindv6only"; HAProxy sets the option only for those two keywords, manual §5.1):
 * with 1, `bind :::6443` takes no IPv4 client. Called once the host's sysctl files are read.
 */
export function resolveV6only(host: ModelHost): void {
  const v = host.sysctl['net.ipv6.bindv6only'];
  if (v === undefined || v.trim() === '0') return;
  for (const fe of host.haproxy?.frontends ?? [])
    for (const b of fe.binds)
      if (isWildcard(b.address) && b.address.includes(':') && b.v6only === undefined) {
        b.v6only = true;
        b.v6onlyBySysctl = true;
      }
}

/** Why a bind on `port` takes no IPv4 client (an IPv6-only wildcard), or undefined. */
export function ipv6OnlyWhy(b: Bind): string | undefined {
  if (!isWildcard(b.address) || !b.address.includes(':') || b.v6only !== true) return undefined;
  return b.v6onlyBySysctl
    ? `bind ${b.address}:${b.port} is IPv6-only: net.ipv6.bindv6only=1 on the host and no \`v4v6\` on the bind`
    : `bind ${b.address}:${b.port} v6only takes no IPv4 client`;
}

/** Whether a wildcard bind accepts IPv4 clients (`:::p v6only` does not). */
function wildcardAccepts(b: Bind, address: string): boolean {
  if (!isWildcard(b.address)) return false;
  const v6 = b.address.includes(':');
  if (!v6) return !address.includes(':');
  return address.includes(':') || !b.v6only;
}

/**
 * Frontends (and listen sections) with a bind on `port` whose address accepts traffic for `address`. A bind on the
 * address itself comes before wildcard binds: the kernel hands a connection to the most specific listening socket.
 */
export function frontendsOn(cfg: HaproxyConfig, port: number, address?: string): { fe: Frontend; bind: Bind }[] {
  // `disabled`: HAProxy opens none of the frontend's binds.
  return bindsFor(cfg.frontends.filter((fe) => !fe.disabled), port, address);
}

/** Frontends with `disabled` that would otherwise take `port` (and `address`): listeners a reader may think are there. */
export function disabledFrontendsOn(cfg: HaproxyConfig, port: number, address?: string): Frontend[] {
  return bindsFor(cfg.frontends.filter((fe) => fe.disabled), port, address).map((h) => h.fe);
}

function bindsFor(frontends: Frontend[], port: number, address?: string): { fe: Frontend; bind: Bind }[] {
  const exact: { fe: Frontend; bind: Bind }[] = [];
  const wild: { fe: Frontend; bind: Bind }[] = [];
  for (const fe of frontends) {
    for (const b of fe.binds) {
      if (!bindCovers(b, port)) continue;
      if (address === undefined || b.address === address) {
        exact.push({ fe, bind: b });
        break;
      }
      if (wildcardAccepts(b, address)) {
        wild.push({ fe, bind: b });
        break;
      }
    }
  }
  return [...exact, ...wild];
}

/** The interface a VRRP member receives the endpoint VIP's traffic on: the VIP's `dev`, else the instance's interface. */
export function vipInterfaceOf(members: Member[], host: ModelHost, endpointAddress: string): string | undefined {
  const m = members.find((x) => x.host === host);
  const vip = m?.inst.vips.find((v) => v.address === endpointAddress);
  return vip?.dev ?? m?.inst.interface;
}

/**
 * Why a bind with `interface NAME` never sees the endpoint's clients (SO_BINDTODEVICE: the socket only takes packets
 * that arrive on NAME; the kernel refuses the others), or undefined. Clients from other hosts arrive on the VIP's
 * interface on a VRRP member, and never on lo.
 */
export function bindInterfaceBlocks(bind: Bind, endpointAddress: string, arrivesOn: string | undefined): string | undefined {
  if (!bind.interface) return undefined;
  if (arrivesOn && bind.interface !== arrivesOn) return `binds with \`interface ${bind.interface}\`, but the VIP's traffic arrives on ${arrivesOn}`;
  if (bind.interface === 'lo' && !LOOPBACK.has(endpointAddress))
    return `binds with \`interface lo\`: only connections from the host itself get through, clients from other hosts are refused`;
  return undefined;
}

/**
 * The backend a frontend sends a client's connections to. With the client (the endpoint's address and port), the
 * use_backend rules are evaluated (`routeFor`); without, default_backend, itself for `listen`, else the first use_backend.
 */
export function backendOf(lb: ModelHost, fe: Frontend, client?: Client): Backend | undefined {
  return routeOf(lb, fe, client).backend;
}

/** The backend and how it was picked (`route.unknown` when a condition could not be evaluated). */
export function routeOf(lb: ModelHost, fe: Frontend, client?: Client): { backend?: Backend; route: Route } {
  const cfg = lb.haproxy;
  const route: Route = client ? routeFor(fe, client) : { why: 'default' };
  if (!client) {
    const name = fe.defaultBackend ?? (fe.kind === 'listen' ? fe.name : fe.useBackends[0]);
    if (name !== undefined) route.backend = name;
  }
  const backend = route.backend === undefined ? undefined : cfg?.backends.find((b) => b.name === route.backend);
  return backend ? { backend, route } : { route };
}
