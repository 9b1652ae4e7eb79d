/** Where a client's connection to the endpoint goes through a host: HAProxy, the apiserver behind it, or nowhere. */
import { bindInterfaceBlocks, disabledFrontendsOn, frontendsOn, routeOf, vipInterfaceOf } from '../../model/listeners.js';
import type { EndpointMode } from '../../model/queries.js';
import type { HaModel, ModelHost } from '../../model/types.js';
import { backendState } from '../reach.js';
import { apiserverUp, haproxyRunning, nodeUp, type World } from '../world.js';

/** What every scenario of one model shares. */
export interface SimulationContext {
  model: HaModel;
  mode: EndpointMode;
  /** VIP holders in the `none` scenario (HAProxy started while they held the VIP). */
  noneHolders: Set<string>;
  /**
   * LB hosts whose HAProxy binds the VIP without net.ipv4.ip_nonlocal_bind and did not hold it at boot: HAProxy
   * failed to start there, so it is down in every scenario (for their trackers too, e.g. `pidof haproxy`).
   */
  bootFailed: Set<string>;
}

/** Whether every new connection arriving at `host` for the endpoint reaches a live apiserver. */
export function pathThrough(ctx: SimulationContext, host: ModelHost, w: World): { ok: boolean; why: string } {
  const { model } = ctx;
  const ep = model.endpoint;
  if (!nodeUp(w, host)) return { ok: false, why: `${host.name} is down` };
  if (ctx.bootFailed.has(host.name))
    return {
      ok: false,
      why: `HAProxy on ${host.name} binds the VIP ${ep.address} without net.ipv4.ip_nonlocal_bind=1 or \`transparent\` on the bind; it could not start while ${host.name} lacked the VIP`,
    };
  if (ctx.mode.kind === 'vip' && host.keepalived?.vrrpStrict) {
    const member = ctx.mode.members.find((m) => m.host === host);
    if (member && member.inst.priority !== 255)
      return { ok: false, why: `vrrp_strict on ${host.name} sets no_accept: keepalived's firewall rules drop packets to the VIP` };
  }
  const fes = host.haproxy && haproxyRunning(w, host) ? frontendsOn(host.haproxy, ep.port, ep.address) : [];
  const hit = fes[0];
  if (hit) {
    const { fe, bind } = hit;
    const blocked = bindInterfaceBlocks(bind, ep.address, ctx.mode.kind === 'vip' ? vipInterfaceOf(ctx.mode.members, host, ep.address) : undefined);
    if (blocked) return { ok: false, why: `frontend ${fe.name} on ${host.name} ${blocked}` };
    if (bind.acceptProxy)
      return { ok: false, why: `frontend ${fe.name} on ${host.name}: bind ${bind.address}:${bind.port} accept-proxy waits for a PROXY protocol header, and clients of the endpoint start with a TLS ClientHello: every connection is closed` };
    if (fe.mode === 'http' && !(bind as { ssl?: boolean }).ssl)
      return { ok: false, why: `frontend ${fe.name} on ${host.name} is mode http: clients speak TLS to the apiserver and HAProxy answers 400` };
    const { backend: be, route } = routeOf(host, fe, ep);
    if (!be) return { ok: false, why: `frontend ${fe.name} on ${host.name}: ${route.why}` };
    if (fe.mode === 'tcp' && be.mode === 'http')
      return { ok: false, why: `frontend ${fe.name} on ${host.name} is mode tcp but backend ${be.name} is mode http: HAProxy upgrades the connection to HTTP, reads the client's TLS hello as a bad request and answers in clear HTTP` };
    const st = backendState(model, w, host, be, { bindSsl: bind.ssl === true });
    const via = route.unknown ? ` (kubeha cannot tell which backend: ${route.why})` : (fe.routes ?? []).length > 0 ? ` (${route.why})` : '';
    return { ok: st.ok, why: `via HAProxy ${fe.name} on ${host.name}${via}: ${st.why}` };
  }
  if (host.apiserver && host.apiserver.port === ep.port) {
    const up = apiserverUp(w, host);
    return {
      ok: up,
      why: up
        ? `straight to the apiserver on ${host.name}:${ep.port} (HAProxy bypassed)`
        : `${ep.port} on ${host.name} is the local apiserver (HAProxy bypassed), and it is down`,
    };
  }
  const off = host.haproxy ? disabledFrontendsOn(host.haproxy, ep.port, ep.address) : [];
  if (off.length > 0) return { ok: false, why: `${off.map((f) => f.name).join(', ')} on ${host.name} would listen on ${ep.address}:${ep.port} but ${off.length > 1 ? 'are' : 'is'} \`disabled\`: connections are refused` };
  if (host.haproxy && !haproxyRunning(w, host) && frontendsOn(host.haproxy, ep.port, ep.address).length > 0)
    return { ok: false, why: `HAProxy on ${host.name} is down and nothing else listens on ${ep.address}:${ep.port}` };
  return { ok: false, why: `nothing on ${host.name} listens on ${ep.address}:${ep.port}` };
}

/** The host of a name the simulator took from the model itself. */
export function hostByName(model: HaModel, name: string): ModelHost {
  return model.hosts.find((h) => h.name === name) as ModelHost;
}
