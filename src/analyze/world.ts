/**
 * The state of the cluster under a failure, and the small questions the simulator asks about it.
 * Pure: built from the model and a scenario name.
 */
import type { Bind, Frontend, HaModel, HaproxyConfig, ModelHost } from '../model/types.js';

/** What is broken. Every set is empty in the `none` scenario. */
export interface World {
  /** Hosts powered off. */
  deadNodes: Set<string>;
  /** Hosts whose HAProxy process is gone. */
  haproxyDown: Set<string>;
  /** Hosts whose keepalived was stopped. */
  keepalivedDown: Set<string>;
  /** Apiservers gone, as `address:port`. */
  apiserverDown: Set<string>;
  /** Two LB hosts whose VRRP traffic is cut. */
  cut?: [string, string];
}

export function emptyWorld(): World {
  return { deadNodes: new Set(), haproxyDown: new Set(), keepalivedDown: new Set(), apiserverDown: new Set() };
}

/** Parses a scenario name (`none`, `haproxy-down:lb0`, `partition:a|b`, ...) into a World. */
export function worldFor(failure: string): World {
  const w = emptyWorld();
  const i = failure.indexOf(':');
  const kind = i < 0 ? failure : failure.slice(0, i);
  const arg = i < 0 ? '' : failure.slice(i + 1);
  if (kind === 'node-down') w.deadNodes.add(arg);
  else if (kind === 'haproxy-down') w.haproxyDown.add(arg);
  else if (kind === 'keepalived-down') w.keepalivedDown.add(arg);
  else if (kind === 'apiserver-down') w.apiserverDown.add(arg);
  else if (kind === 'partition') {
    const [a = '', b = ''] = arg.split('|');
    w.cut = [a, b];
  }
  return w;
}

export const WILDCARD_ADDRESSES = new Set(['', '*', '0.0.0.0', '::', '[::]']);
export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function nodeUp(w: World, host: ModelHost): boolean {
  return !w.deadNodes.has(host.name);
}

export function haproxyRunning(w: World, host: ModelHost): boolean {
  return host.haproxy !== undefined && nodeUp(w, host) && !w.haproxyDown.has(host.name);
}

export function keepalivedRunning(w: World, host: ModelHost): boolean {
  return host.keepalived !== undefined && nodeUp(w, host) && !w.keepalivedDown.has(host.name);
}

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

export function sysctlOn(host: ModelHost, key: string): boolean {
  const v = host.sysctl[key];
  return v !== undefined && v.trim() !== '0';
}

/** The host whose apiserver listens at address:port (a backend server line), if the model has it. */
export function apiserverHostAt(model: HaModel, address: string, port: number, from?: ModelHost): ModelHost | undefined {
  if (from && LOOPBACK.has(address)) return from.apiserver?.port === port ? from : undefined;
  return model.hosts.find((h) => h.apiserver?.port === port && (h.address === address || h.name === address));
}

/**
 * HAProxy binding the apiserver's own port on the same host: one of them cannot bind. HAProxy starts at
 * boot before kubelet starts the static apiserver pod, so we assume the apiserver is the one that fails.
 */
export function haproxyTakesApiserverPort(host: ModelHost): boolean {
  if (!host.haproxy || !host.apiserver) return false;
  return frontendsOn(host.haproxy, host.apiserver.port).some(({ bind }) => isWildcard(bind.address) || bind.address === host.address);
}

/** Whether the apiserver of `host` accepts connections in world `w`. */
export function apiserverUp(w: World, host: ModelHost): boolean {
  if (!host.apiserver || !nodeUp(w, host)) return false;
  if (haproxyTakesApiserverPort(host)) return false;
  const port = host.apiserver.port;
  return !w.apiserverDown.has(`${host.address}:${port}`) && !w.apiserverDown.has(`${host.name}:${port}`);
}

/**
 * Whether the server line `address:port` (seen from LB host `from`) reaches a live apiserver;
 * a server that is no host of the model is assumed alive unless its own `apiserver-down` is simulated.
 */
export function serverUp(model: HaModel, w: World, address: string, port: number, from?: ModelHost): boolean {
  if (w.apiserverDown.has(`${address}:${port}`)) return false;
  const h = apiserverHostAt(model, address, port, from);
  if (h) return apiserverUp(w, h);
  const named = model.hosts.find((x) => x.address === address || x.name === address);
  if (named) return nodeUp(w, named) && named.apiserver !== undefined;
  return true;
}

/**
 * Whether `host` sends the endpoint to itself: its /etc/hosts maps the endpoint's domain to loopback or to its own
 * address (kubeha's external-LB workaround for LBs without hairpin, seed 003).
 */
export function resolvesEndpointToSelf(host: ModelHost): boolean {
  const a = host.endpointResolution?.address;
  return a !== undefined && (LOOPBACK.has(a) || a.startsWith('127.') || a === host.address);
}

/**
 * The external LB's backends that may be sent to themselves through an LB without hairpin: every backend host,
 * except those that resolve the endpoint's domain to themselves and run their apiserver on the endpoint port.
 * `local`: hosts that do resolve to themselves, with their apiserver port (a different port: nothing listens).
 */
export function hairpinExposure(model: HaModel): { exposed: ModelHost[]; local: ModelHost[]; backendHosts: ModelHost[] } {
  const lb = model.externalLb;
  if (!lb) return { exposed: [], local: [], backendHosts: [] };
  const backs = new Set(lb.backends.map((b) => b.address));
  const backendHosts = model.hosts.filter((h) => backs.has(h.address));
  const local = backendHosts.filter((h) => resolvesEndpointToSelf(h));
  const exposed = backendHosts.filter((h) => !local.includes(h) || h.apiserver?.port !== model.endpoint.port);
  return { exposed, local, backendHosts };
}
