/** HAProxy rules: health checks, timeouts, modes, binds, stats. */
import type { Backend, Frontend, HaModel, HaproxyConfig, ModelHost, Server, SourceRef } from '../../model/types.js';
import { LOOPBACK, backendOf, bindCovers, bindInterfaceBlocks, disabledFrontendsOn, frontendsOn, ipv6OnlyWhy, isWildcard, routeOf, vipInterfaceOf } from '../../model/listeners.js';
import { apiBackendsOf, haproxyTakesApiserverPort, sysctlOn, vipMembers } from '../../model/queries.js';
import { checkDestination, checkTarget, checkVerdict, checksElsewhere, haproxyDetectMs, trafficPort, trafficVerdict } from '../reach.js';
import { formatHaproxyTime, hostsWithLbConfig, rule } from './util.js';
import { isIPAddress } from '../../net/ipv4.js';

function apiBackends(model: HaModel, host: ModelHost): Backend[] {
  return apiBackendsOf(model, host);
}

function eachServer(model: HaModel, f: (host: ModelHost, be: Backend, s: Server) => void): void {
  for (const host of hostsWithLbConfig(model)) for (const be of apiBackends(model, host)) for (const s of be.servers) if (!s.disabled) f(host, be, s);
}

function eachConfig(model: HaModel, f: (host: ModelHost, cfg: HaproxyConfig) => void): void {
  for (const host of model.hosts) if (host.haproxy) f(host, host.haproxy);
}

/** Every live server of `be` is checked, on an address/port where kubeha knows of no listener. */
/** Why no server of `be` can ever take a connection (none, all `disabled`, all `weight 0`), or undefined. */
function unusableServersWhy(be: Backend): string | undefined {
  if (be.servers.length === 0) return 'which has no server';
  const live = be.servers.filter((s) => !s.disabled);
  if (live.length === 0) return 'whose servers are all `disabled` (in maintenance)';
  // src/backend.c: a server with an effective weight of 0 is never picked, backups included.
  if (live.every((s) => s.weight === 0)) return `whose server${live.length > 1 ? 's all have' : ' has'} \`weight 0\` and ${live.length > 1 ? 'are' : 'is'} never picked`;
  return undefined;
}

function allChecksUnknown(model: HaModel, host: ModelHost, be: Backend): boolean {
  const live = be.servers.filter((s) => !s.disabled);
  return live.length > 0 && live.every((s) => s.check && checksElsewhere(model, be, s) && !checkTarget(model, be, s, host).known);
}

const WATCH_MS = 60_000;

/** The idle timeout of every endpoint frontend: `timeout tunnel` when set, else the smaller of client and server. */
function eachIdleTimeout(model: HaModel, f: (host: ModelHost, fe: Frontend, idleMs: number) => void): void {
  eachConfig(model, (host, cfg) => {
    for (const { fe } of frontendsOn(cfg, model.endpoint.port)) {
      const be = backendOf(host, fe, model.endpoint);
      const tunnel = be?.timeouts.tunnelMs ?? fe.timeouts.tunnelMs;
      f(host, fe, tunnel ?? Math.min(fe.timeouts.clientMs ?? Infinity, be?.timeouts.serverMs ?? fe.timeouts.serverMs ?? Infinity));
    }
  });
}

export const haproxyRules = [
  rule({
    id: 'haproxy-httpchk-no-ssl',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (s.check && be.healthCheck.type === 'http' && !be.healthCheck.ssl && !s.checkSsl && !s.checkSendProxy && !checkVerdict(be, s).passes)
          report(`server ${s.name} in ${be.name} on ${host.name}: HTTP check without check-ssl always fails against the apiserver`, { host, at: s.at ?? be.at }, 'add `check-ssl verify none` to default-server');
      });
    },
  }),
  rule({
    id: 'haproxy-httpchk-forbidden',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        const hc = be.healthCheck;
        if (!s.check || hc.type !== 'http' || !(hc.ssl || s.checkSsl)) return;
        const v = checkVerdict(be, s);
        if (!v.passes && /403/.test(v.why) && !hc.expect) report(`backend ${be.name} on ${host.name}: ${v.why}`, { host, at: be.at }, 'option httpchk GET /readyz');
      });
    },
  }),
  rule({
    id: 'haproxy-http-expect-mismatch',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        const hc = be.healthCheck;
        if (!s.check || hc.type !== 'http' || !hc.expect || !(hc.ssl || s.checkSsl)) return;
        const v = checkVerdict(be, s);
        if (!v.passes && !/Host header|PROXY/.test(v.why)) report(`backend ${be.name} on ${host.name}: ${v.why}`, { host, at: be.at });
      });
    },
  }),
  rule({
    id: 'haproxy-check-unanswerable',
    run(model, report) {
      const seen = new Set<string>();
      eachServer(model, (host, be, s) => {
        if (!s.check || checksElsewhere(model, be, s)) return;
        const hc = be.healthCheck;
        const v = checkVerdict(be, s);
        if (v.passes) return;
        // The HTTP rules above own plain-HTTP, 403 and expect mismatches; this one takes every other failing check.
        const httpOwned = hc.type === 'http' && !s.checkSendProxy && !/Host header/.test(v.why);
        if (httpOwned) return;
        const key = `${host.name}/${be.name}/${v.why}`;
        if (seen.has(key)) return;
        seen.add(key);
        const at = s.checkSendProxy ? (s.optionAt?.['check-send-proxy'] ?? s.optionAt?.['send-proxy'] ?? s.at) : hc.type === 'ssl-hello' ? be.at : (s.at ?? be.at);
        report(`backend ${be.name} on ${host.name}, server ${s.name}: ${v.why}`, { host, at });
      });
    },
  }),
  rule({
    id: 'haproxy-check-unknown',
    run(model, report) {
      const seen = new Set<string>();
      eachServer(model, (host, be, s) => {
        const v = s.check ? checkVerdict(be, s) : undefined;
        if (!v?.unknown || seen.has(`${host.name}/${be.name}`)) return;
        seen.add(`${host.name}/${be.name}`);
        report(`backend ${be.name} on ${host.name}: kubeha cannot tell whether the health check passes (${v.unknown}); the scenarios assume it does`, { host, at: be.at });
      });
    },
  }),
  rule({
    id: 'haproxy-server-traffic-fails',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        // One finding per line that sets the option (a default-server line breaks every server after it).
        const byCause = new Map<string, { fe: string; be: string; servers: string[]; why: string; option?: string; at?: SourceRef }>();
        for (const { fe, bind } of frontendsOn(cfg, model.endpoint.port)) {
          if (fe.mode === 'http' && !bind.ssl) continue; // haproxy-mode-http says why
          const be = backendOf(host, fe, model.endpoint);
          for (const s of be?.servers ?? []) {
            if (s.disabled) continue;
            const v = trafficVerdict(bind.ssl === true, s);
            if (v.ok) continue;
            const at = v.at ?? s.at ?? be?.at;
            const key = `${fe.name}|${at?.file}:${at?.line}:${at?.col}|${v.option ?? ''}`;
            const prev = byCause.get(key);
            if (prev) prev.servers.push(s.name);
            else byCause.set(key, { fe: fe.name, be: be?.name ?? '?', servers: [s.name], why: v.why, ...(v.option ? { option: v.option } : {}), ...(at ? { at } : {}) });
          }
        }
        for (const c of byCause.values()) {
          const fix = c.option === 'send-proxy' ? 'remove send-proxy / send-proxy-v2 from the server (or default-server) line' : c.option === 'ssl' ? "remove `ssl` from the server (or default-server) line: in mode tcp the client's TLS passes through" : 'add `ssl verify none` (or a ca-file) to the server line, or pass TLS through (no ssl on the bind)';
          const others = c.servers.length > 1 ? ` (servers ${c.servers.join(', ')})` : '';
          report(`frontend ${c.fe} → backend ${c.be} on ${host.name}: ${c.why}${others}`, { host, at: c.at }, fix);
        }
      });
    },
  }),
  rule({
    id: 'haproxy-route-none',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe } of frontendsOn(cfg, model.endpoint.port, model.endpoint.address)) {
          const { backend, route } = routeOf(host, fe, model.endpoint);
          if (!backend && !route.refused && (fe.routes ?? []).length > 0) report(`frontend ${fe.name} on ${host.name}: ${route.why}`, { host, at: fe.routes?.[0]?.at ?? fe.at }, 'add `default_backend <apiserver backend>`: kubectl and kubelets connect by address and send no SNI');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-frontend-refuses',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe, bind } of frontendsOn(cfg, model.endpoint.port, model.endpoint.address)) {
          if (bind.acceptProxy) {
            report(`frontend ${fe.name} on ${host.name}: bind ${bind.address}:${bind.port} has accept-proxy: HAProxy waits for a PROXY protocol header that clients of the endpoint never send, and closes every connection`, { host, at: bind.at ?? fe.at }, 'remove `accept-proxy` (keep it only on a bind that a PROXY-speaking load balancer alone connects to)');
            continue;
          }
          const { route } = routeOf(host, fe, model.endpoint);
          if (route.refused) report(`frontend ${fe.name} on ${host.name}: ${route.refused.why}`, { host, at: route.refused.rule.at ?? fe.at }, 'let TLS clients without SNI through: e.g. `tcp-request content accept if { req.ssl_hello_type 1 }` after `tcp-request inspect-delay 5s`, or remove the rule');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-bind-interface',
    run(model, report) {
      const members = vipMembers(model);
      eachConfig(model, (host, cfg) => {
        for (const { fe, bind } of frontendsOn(cfg, model.endpoint.port, model.endpoint.address)) {
          const blocked = bindInterfaceBlocks(bind, model.endpoint.address, vipInterfaceOf(members, host, model.endpoint.address));
          if (blocked) report(`frontend ${fe.name} on ${host.name} ${blocked}`, { host, at: bind.at ?? fe.at }, 'remove `interface` from the bind line, or name the interface the endpoint address lives on');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-proxy-disabled',
    run(model, report) {
      const ep = model.endpoint;
      eachConfig(model, (host, cfg) => {
        const live = frontendsOn(cfg, ep.port, ep.address);
        if (live.length === 0)
          for (const fe of disabledFrontendsOn(cfg, ep.port, ep.address))
            report(`${fe.kind} ${fe.name} on ${host.name} would listen on ${ep.address}:${ep.port} but is \`disabled\`: HAProxy opens none of its binds and connections are refused`, { host, at: fe.at }, 'remove `disabled` (from the section, or from the defaults section it inherits), or add `enabled`');
        for (const { fe } of live) {
          const { backend } = routeOf(host, fe, ep);
          if (backend?.disabled) report(`frontend ${fe.name} on ${host.name} sends the endpoint's clients to backend ${backend.name}, which is \`disabled\`: HAProxy closes every connection`, { host, at: backend.at ?? fe.at }, 'remove `disabled` from the backend (or from the defaults section it inherits), or add `enabled`');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-backend-no-usable-server',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe } of frontendsOn(cfg, model.endpoint.port, model.endpoint.address)) {
          const { backend: be } = routeOf(host, fe, model.endpoint);
          if (!be || be.disabled) continue;
          const why = unusableServersWhy(be);
          if (why) report(`frontend ${fe.name} on ${host.name} sends the endpoint's clients to backend ${be.name}, ${why}: HAProxy closes every connection`, { host, at: be.servers[0]?.at ?? be.at }, 'give the apiserver servers a weight above 0 (the default is 1) and remove `disabled` from them');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-route-unknown',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe } of frontendsOn(cfg, model.endpoint.port, model.endpoint.address)) {
          const { route } = routeOf(host, fe, model.endpoint);
          if (route.unknown) report(`frontend ${fe.name} on ${host.name}: kubeha cannot tell whether ${route.why}`, { host, at: fe.routes?.[0]?.at ?? fe.at });
        }
      });
    },
  }),
  rule({
    id: 'haproxy-server-verify-unknown',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if ((s.ssl || s.checkSsl) && s.caFile !== undefined && s.verify !== 'none' && host.haproxy?.global.sslServerVerify !== 'none')
          report(`server ${s.name} in ${be.name} on ${host.name} verifies the apiserver's certificate against ${s.caFile}, which kubeha cannot read: assumed to match`, { host, at: s.optionAt?.['ca-file'] ?? s.at });
      });
    },
  }),
  rule({
    id: 'haproxy-server-name-unresolved',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (isIPAddress(s.address) || LOOPBACK.has(s.address) || model.hosts.some((h) => h.name === s.address)) return;
        report(`server ${s.name} in ${be.name} on ${host.name} is written as ${s.address}, which ${host.name}'s /etc/hosts does not give and no host of the mirror is named: HAProxy resolves it by DNS when it starts (and does not start if it cannot); kubeha cannot tell which host it is, and its scenarios take it as a separate server`, { host, at: s.at ?? be.at }, 'write the apiserver address, or add the name to /etc/hosts of the LB');
      });
    },
  }),
  rule({
    id: 'haproxy-server-no-check',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (!s.check) report(`server ${s.name} (${s.address}:${s.port}) in ${be.name} on ${host.name} has no check`, { host, at: s.at ?? be.at }, 'add `check`');
      });
    },
  }),
  rule({
    id: 'haproxy-slow-detection',
    run(model, report) {
      const seen = new Set<string>();
      eachServer(model, (host, be, s) => {
        const ms = haproxyDetectMs(s);
        const key = `${host.name}/${be.name}`;
        if (s.check && ms > 10_000 && !seen.has(key)) {
          seen.add(key);
          report(`backend ${be.name} on ${host.name} needs ${formatHaproxyTime(ms)} (inter ${formatHaproxyTime(s.interMs)} × fall ${s.fall}) to mark a dead apiserver down`, { host, at: s.at ?? be.at }, 'inter 2s fall 3 rise 2');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-no-redispatch',
    run(model, report) {
      for (const host of hostsWithLbConfig(model))
        for (const be of apiBackends(model, host))
          if (!be.redispatch && be.servers.length > 1) report(`backend ${be.name} on ${host.name} has no option redispatch`, { host, at: be.at }, 'add option redispatch');
    },
  }),
  rule({
    id: 'haproxy-timeout-idle-short',
    run(model, report) {
      eachIdleTimeout(model, (host, fe, eff) => {
        if (eff < WATCH_MS) report(`${fe.name} on ${host.name} closes idle connections after ${formatHaproxyTime(eff)}: watches and exec streams are cut`, { host, at: fe.at }, 'timeout client 4h / timeout server 4h, or timeout tunnel 1h');
      });
    },
  }),
  rule({
    id: 'haproxy-timeout-idle-watch',
    run(model, report) {
      eachIdleTimeout(model, (host, fe, eff) => {
        if (eff >= WATCH_MS && eff < 600_000) report(`${fe.name} on ${host.name} closes idle connections after ${formatHaproxyTime(eff)}`, { host, at: fe.at }, 'timeout tunnel 1h');
      });
    },
  }),
  rule({
    id: 'haproxy-timeout-missing',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe } of frontendsOn(cfg, model.endpoint.port)) {
          const be = backendOf(host, fe, model.endpoint);
          const missing = [
            (be?.timeouts.connectMs ?? fe.timeouts.connectMs) === undefined ? 'connect' : '',
            fe.timeouts.clientMs === undefined ? 'client' : '',
            (be?.timeouts.serverMs ?? fe.timeouts.serverMs) === undefined ? 'server' : '',
          ].filter(Boolean);
          if (missing.length > 0) report(`${fe.name} on ${host.name} has no timeout ${missing.join('/')}`, { host, at: fe.at });
        }
      });
    },
  }),
  rule({
    id: 'haproxy-timeout-unitless',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        const sections = [...cfg.frontends.map((f) => ({ name: f.name, t: f.timeouts, at: f.at })), ...cfg.backends.map((b) => ({ name: b.name, t: b.timeouts, at: b.at }))];
        for (const s of sections) {
          const raw = Object.entries(s.t.unitless ?? {});
          if (raw.length === 0) continue;
          const parts = raw.map(([k, v]) => `timeout ${k} ${v} (${formatHaproxyTime(Number(v))}${Number(v) < 1000 ? `; ${v} s if seconds were meant` : ''})`);
          const hint = raw.map(([k, v]) => `timeout ${k} ${Number(v) < 1000 ? `${v}s` : formatHaproxyTime(Number(v))}`).join(', ');
          report(`${s.name} on ${host.name} has timeouts without a unit, read as milliseconds: ${parts.join(', ')}`, { host, at: s.at }, `write the unit, e.g. ${hint}`);
        }
      });
    },
  }),
  rule({
    id: 'haproxy-mode-http',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe, bind } of frontendsOn(cfg, model.endpoint.port)) {
          const be = backendOf(host, fe, model.endpoint);
          if (fe.mode === 'http') report(`${fe.name} on ${host.name} handles ${bind.address}:${bind.port} in mode http`, { host, at: fe.at }, 'mode tcp');
          else if (be?.mode === 'http')
            report(`frontend ${fe.name} on ${host.name} (mode tcp) sends ${bind.address}:${bind.port} to backend ${be.name} in mode http: HAProxy upgrades the connection to HTTP and answers the client's TLS hello with a clear-text HTTP error`, { host, at: be.at ?? fe.at }, `mode tcp in backend ${be.name} (or in its defaults section)`);
        }
      });
    },
  }),
  rule({
    id: 'haproxy-httplog-tcp',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        const tcp = cfg.frontends.some((f) => f.mode === 'tcp') || cfg.backends.some((b) => b.mode === 'tcp');
        for (const u of cfg.unknown) if (u.keyword === 'option httplog' && tcp) report(`option httplog (${u.section}) on ${host.name} applies to tcp-mode proxies`, { host, at: u.at }, 'use option tcplog');
      });
    },
  }),
  rule({
    id: 'haproxy-endpoint-port',
    run(model, report) {
      const members = vipMembers(model);
      const holders = members.length > 0 ? members.map((m) => m.host) : model.hosts.filter((h) => h.address === model.endpoint.address);
      for (const host of new Set(holders)) {
        if (!host.haproxy) continue;
        if (frontendsOn(host.haproxy, model.endpoint.port, model.endpoint.address).length > 0) continue;
        // A frontend that would serve the endpoint but is `disabled`: haproxy-proxy-disabled says so.
        if (disabledFrontendsOn(host.haproxy, model.endpoint.port, model.endpoint.address).length > 0) continue;
        const ports = [...new Set(host.haproxy.frontends.filter((f) => !f.disabled).flatMap((f) => f.binds.map((b) => b.port)))].join(', ');
        const v6 = host.haproxy.frontends.flatMap((f) => f.binds.filter((b) => bindCovers(b, model.endpoint.port)).map((b) => ({ b, why: ipv6OnlyWhy(b) }))).find((x) => x.why);
        if (v6?.why) {
          report(
            `HAProxy on ${host.name} listens on ${model.endpoint.port} for IPv6 only: ${v6.why}; clients use ${model.endpoint.address}`,
            { host, at: v6.b.at ?? host.haproxy.at },
            v6.b.v6onlyBySysctl ? 'add `v4v6` to the bind line, or bind the IPv4 address (or *)' : 'replace `v6only` by `v4v6`, or bind the IPv4 address (or *)',
          );
          continue;
        }
        report(
          `HAProxy on ${host.name} listens on ${ports || 'no port'}, but clients use ${model.endpoint.address}:${model.endpoint.port}${host.apiserver?.port === model.endpoint.port ? ` and reach ${host.name}'s apiserver directly` : ''}`,
          { host, at: host.haproxy.frontends[0]?.at ?? host.haproxy.at },
          `point the endpoint at port ${host.haproxy.frontends[0]?.binds[0]?.port ?? '?'} or bind HAProxy on ${model.endpoint.port}`,
        );
      }
    },
  }),
  rule({
    id: 'haproxy-on-apiserver-port',
    run(model, report) {
      for (const host of model.hosts)
        if (haproxyTakesApiserverPort(host)) report(`HAProxy and the apiserver both want port ${host.apiserver?.port} on ${host.name}`, { host, at: host.haproxy?.frontends[0]?.at }, 'move HAProxy to another port');
    },
  }),
  rule({
    id: 'haproxy-bind-vip-nonlocal',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        const vipSet = new Set(vipMembers(model).flatMap((m) => m.inst.vips.map((v) => v.address)));
        vipSet.add(model.endpoint.address);
        for (const fe of cfg.frontends)
          for (const b of fe.binds)
            if (!isWildcard(b.address) && b.address !== host.address && vipSet.has(b.address) && !b.transparent && !sysctlOn(host, 'net.ipv4.ip_nonlocal_bind'))
              report(`${fe.name} on ${host.name} binds ${b.address}:${b.port} but net.ipv4.ip_nonlocal_bind is not 1`, { host, at: b.at ?? fe.at }, 'set net.ipv4.ip_nonlocal_bind=1 (a file in /etc/sysctl.d), add `transparent` to the bind, or bind *');
      });
    },
  }),
  rule({
    id: 'haproxy-stats-exposed',
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const fe of cfg.frontends) {
          if (!fe.stats) continue;
          const binds = fe.stats.bind.length > 0 ? fe.stats.bind : fe.binds;
          const pub = binds.filter((b) => !['127.0.0.1', 'localhost', '::1'].includes(b.address));
          if (pub.length === 0) continue;
          const where = pub.map((b) => `${b.address}:${b.port}`).join(', ');
          report(
            fe.stats.auth.length > 0
              ? `stats page ${fe.name} on ${host.name} (${where}) is protected only by a fixed password (${fe.stats.auth.map((a) => a.split(':')[0]).join(', ')})`
              : `stats page ${fe.name} on ${host.name} (${where}) has no authentication`,
            { host, at: fe.stats.at ?? fe.at },
            'bind stats to 127.0.0.1',
          );
        }
      });
    },
  }),
  rule({
    id: 'haproxy-backends-differ',
    run(model, report) {
      const lbs = hostsWithLbConfig(model).filter((h) => h.haproxy);
      const sig = (h: ModelHost): string =>
        apiBackends(model, h)
          .flatMap((b) => b.servers.filter((s) => !s.disabled).map((s) => `${s.address}:${s.port}`))
          .sort()
          .join(',');
      const first = lbs[0];
      if (!first) return;
      for (const h of lbs.slice(1)) if (sig(h) !== sig(first)) report(`${h.name} balances over [${sig(h)}], ${first.name} over [${sig(first)}]`, { host: h, at: h.haproxy?.at });
    },
  }),
  rule({
    id: 'haproxy-apiserver-not-in-backend',
    run(model, report) {
      const servers = new Set<string>();
      eachServer(model, (_h, _b, s) => {
        servers.add(`${s.address}:${s.port}`);
        servers.add(`${s.address}`);
      });
      if (servers.size === 0) return;
      for (const h of model.hosts)
        if (h.apiserver && !servers.has(`${h.address}:${h.apiserver.port}`) && !servers.has(`${h.name}:${h.apiserver.port}`))
          report(`the apiserver on ${h.name} (${h.address}:${h.apiserver.port}) is in no HAProxy backend`, { host: h });
    },
  }),
  rule({
    id: 'haproxy-check-target-unknown',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (!s.check || !checksElsewhere(model, be, s) || allChecksUnknown(model, host, be)) return;
        const t = checkTarget(model, be, s, host);
        if (!t.known)
          report(`server ${s.name} in ${be.name} on ${host.name} is checked on ${t.where}, where kubeha knows of no listener (${t.host ? `not the apiserver port nor an HAProxy bind of ${t.host.name}` : 'the address is no host of the mirror'}): the scenarios assume the check fails and the server is DOWN; kubeha cannot know what else listens there`, { host, at: s.at ?? be.at }, 'check the apiserver itself (drop `port`/`addr`), or make sure a service answers on that address and port');
      });
    },
  }),
  rule({
    id: 'haproxy-check-target-all-unknown',
    run(model, report) {
      for (const host of hostsWithLbConfig(model))
        for (const be of apiBackends(model, host)) {
          if (!allChecksUnknown(model, host, be)) continue;
          const where = [...new Set(be.servers.filter((s) => !s.disabled).map((s) => checkTarget(model, be, s, host).where))].join(', ');
          report(`every server of ${be.name} on ${host.name} is checked on ${where}, where kubeha knows of no listener: unless something kubeha cannot see answers there, every check fails, every server is DOWN and no connection through the endpoint gets an answer`, { host, at: be.servers[0]?.at ?? be.at }, 'check the apiserver itself (drop `port`/`addr`), or make sure a service answers on that address and port');
        }
    },
  }),
  rule({
    id: 'haproxy-check-other-port',
    run(model, report) {
      eachServer(model, (host, be, s) => {
        const dest = s.check ? checkDestination(model, be, s) : undefined;
        if (dest?.by)
          report(`server ${s.name} in ${be.name} on ${host.name} is checked on ${dest.address}:${dest.port} (${dest.by}), traffic goes to ${s.address}:${trafficPort(model, s)}`, { host, at: s.at ?? be.at }, dest.by.startsWith('server') ? 'remove `port`/`addr` from the server line' : `remove port/addr from \`${dest.by}\``);
      });
    },
  }),
];
