/** The state of the cluster under a failure, and what is up in it. Pure: built from a Failure. */
import type { Failure } from '../model/failure.js';
import { apiserverHostAt, haproxyTakesApiserverPort } from '../model/queries.js';
import type { HaModel, ModelHost } from '../model/types.js';

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

/** What a failure breaks. A link-degraded host stays up and reachable: nothing the converged state sees breaks. */
export function worldFor(failure: Failure): World {
  const w = emptyWorld();
  switch (failure.kind) {
    case 'node-down':
      w.deadNodes.add(failure.host);
      break;
    case 'haproxy-down':
      w.haproxyDown.add(failure.host);
      break;
    case 'keepalived-down':
      w.keepalivedDown.add(failure.host);
      break;
    case 'apiserver-down':
      w.apiserverDown.add(`${failure.address}:${failure.port}`);
      break;
    case 'partition':
      w.cut = [failure.hosts[0], failure.hosts[1]];
      break;
    case 'none':
    case 'link-degraded':
      break;
  }
  return w;
}

export function nodeUp(w: World, host: ModelHost): boolean {
  return !w.deadNodes.has(host.name);
}

export function haproxyRunning(w: World, host: ModelHost): boolean {
  return host.haproxy !== undefined && nodeUp(w, host) && !w.haproxyDown.has(host.name);
}

export function keepalivedRunning(w: World, host: ModelHost): boolean {
  return host.keepalived !== undefined && nodeUp(w, host) && !w.keepalivedDown.has(host.name);
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
