/** HAProxy rules: health checks, timeouts, modes, binds, stats. */
import type { Backend, Frontend, HaModel, HaproxyConfig, ModelHost, Server } from '../../model/types.js';
import { backendOf, frontendsOn, isWildcard } from '../../model/listeners.js';
import { apiBackendsOf, haproxyTakesApiserverPort, sysctlOn, vipMembers } from '../../model/queries.js';
import { checkVerdict, checksElsewhere, haproxyDetectMs } from '../reach.js';
import { HAPROXY_DOC, formatHaproxyTime, hostsWithLbConfig, rule } from './util.js';

function apiBackends(model: HaModel, host: ModelHost): Backend[] {
  return apiBackendsOf(model, host);
}

function eachServer(model: HaModel, f: (host: ModelHost, be: Backend, s: Server) => void): void {
  for (const host of hostsWithLbConfig(model)) for (const be of apiBackends(model, host)) for (const s of be.servers) if (!s.disabled) f(host, be, s);
}

function eachConfig(model: HaModel, f: (host: ModelHost, cfg: HaproxyConfig) => void): void {
  for (const host of model.hosts) if (host.haproxy) f(host, host.haproxy);
}

const WATCH_MS = 60_000;

/** The idle timeout of every endpoint frontend: `timeout tunnel` when set, else the smaller of client and server. */
function eachIdleTimeout(model: HaModel, f: (host: ModelHost, fe: Frontend, idleMs: number) => void): void {
  eachConfig(model, (host, cfg) => {
    for (const { fe } of frontendsOn(cfg, model.endpoint.port)) {
      const be = backendOf(host, fe);
      const tunnel = be?.timeouts.tunnelMs ?? fe.timeouts.tunnelMs;
      f(host, fe, tunnel ?? Math.min(fe.timeouts.clientMs ?? Infinity, be?.timeouts.serverMs ?? fe.timeouts.serverMs ?? Infinity));
    }
  });
}

export const haproxyRules = [
  rule({
    id: 'haproxy-httpchk-no-ssl',
    severity: 'error',
    title: 'option httpchk without check-ssl against the HTTPS apiserver',
    explain: `kube-apiserver only speaks TLS. An HTTP check without check-ssl sends plain HTTP to :6443 and gets "400 Bad Request: client sent an HTTP request to an HTTPS server", so every server is marked DOWN although alive: the frontend serves nothing.
Source: ${HAPROXY_DOC} "option httpchk", server "check-ssl"; kube-apiserver serving (TLS only on --secure-port).
Fix: add \`check-ssl verify none\` (or \`ssl verify ...\`) to the servers (default-server), or use a plain TCP check.`,
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (s.check && be.healthCheck.type === 'http' && !be.healthCheck.ssl && !s.checkSsl && !s.ssl)
          report(`server ${s.name} in ${be.name} on ${host.name}: HTTP check without check-ssl always fails against the apiserver`, { host, at: s.at ?? be.at }, 'add `check-ssl verify none` to default-server');
      });
    },
  }),
  rule({
    id: 'haproxy-httpchk-forbidden',
    severity: 'error',
    title: 'HTTP check the apiserver answers with 403 (bare httpchk: OPTIONS /)',
    explain: `\`option httpchk\` alone sends OPTIONS / ; the apiserver authorises anonymous requests only for GET on /healthz, /livez, /readyz and /version (ClusterRole system:public-info-viewer) and answers 403 otherwise, so the check fails and marks live servers DOWN.
Source: ${HAPROXY_DOC} "option httpchk" (default method OPTIONS, uri /); Kubernetes RBAC default roles.
Fix: \`option httpchk GET /readyz\` (HAProxy 2.2+: \`http-check send meth GET uri /readyz\`) with check-ssl verify none.`,
    run(model, report) {
      eachServer(model, (host, be, s) => {
        const hc = be.healthCheck;
        if (!s.check || hc.type !== 'http' || !(hc.ssl || s.checkSsl || s.ssl)) return;
        const v = checkVerdict(be, s);
        if (!v.passes && /403/.test(v.why) && !hc.expect) report(`backend ${be.name} on ${host.name}: ${v.why}`, { host, at: be.at }, 'option httpchk GET /readyz');
      });
    },
  }),
  rule({
    id: 'haproxy-http-expect-mismatch',
    severity: 'error',
    title: 'http-check expect that the apiserver never returns',
    explain: `The apiserver answers GET /healthz with 200 and the body "ok", and forbidden paths with 403. An expect rule that does not match what it returns marks every live server DOWN.
Source: ${HAPROXY_DOC} "http-check expect".
Fix: \`http-check expect status 200\` on GET /readyz or /healthz.`,
    run(model, report) {
      eachServer(model, (host, be, s) => {
        const hc = be.healthCheck;
        if (!s.check || hc.type !== 'http' || !hc.expect || !(hc.ssl || s.checkSsl || s.ssl)) return;
        const v = checkVerdict(be, s);
        if (!v.passes) report(`backend ${be.name} on ${host.name}: ${v.why}`, { host, at: be.at });
      });
    },
  }),
  rule({
    id: 'haproxy-check-unanswerable',
    severity: 'error',
    title: 'A health check type the apiserver cannot answer (ssl-hello-chk, mysql-check, ...)',
    explain: `ssl-hello-chk sends an SSLv3 ClientHello which a modern TLS server (Go crypto/tls, TLS ≥ 1.2) rejects; protocol checks for other servers (mysql, redis, smtp, ldap) never pass. Every server is marked DOWN.
Source: ${HAPROXY_DOC} "option ssl-hello-chk" and the other check options.
Fix: a TCP check (\`check\`) or \`option httpchk GET /readyz\` with check-ssl.`,
    run(model, report) {
      for (const host of hostsWithLbConfig(model))
        for (const be of apiBackends(model, host)) {
          const t = be.healthCheck.type as string;
          if ((t === 'ssl-hello' || t === 'other') && be.servers.some((s) => s.check)) {
            const s = be.servers[0] as Server;
            report(`backend ${be.name} on ${host.name}: ${checkVerdict(be, s).why}`, { host, at: be.at });
          }
        }
    },
  }),
  rule({
    id: 'haproxy-server-no-check',
    severity: 'error',
    title: 'Apiserver server without `check` stays in rotation when dead',
    explain: `Without \`check\` HAProxy never marks the server DOWN: when that apiserver dies, its share of new connections (1/N with roundrobin) fails; with option redispatch and retries they are retried on another server, only slower.
Source: ${HAPROXY_DOC} server "check".
Fix: add \`check\` (and inter/fall/rise) to every server, e.g. via default-server.`,
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (!s.check) report(`server ${s.name} (${s.address}:${s.port}) in ${be.name} on ${host.name} has no check`, { host, at: s.at ?? be.at }, 'add `check`');
      });
    },
  }),
  rule({
    id: 'haproxy-slow-detection',
    severity: 'warning',
    title: 'HAProxy notices a dead apiserver slowly (inter × fall > 10 s)',
    explain: `A server is marked DOWN after \`fall\` failed checks \`inter\` apart (fastinter once a check failed): until then new connections still go to the dead apiserver (seed 000: inter 10s fall 2 = 20 s).
Source: ${HAPROXY_DOC} server "inter", "fastinter", "fall".
Fix: inter 2s fall 3 rise 2 (or fastinter 1s).`,
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
    severity: 'warning',
    title: 'No option redispatch: connections to a dead server fail until the check notices',
    explain: `Without redispatch a failed connection attempt is retried on the same server; with \`option redispatch\` the last retry goes to another server, so a dead apiserver costs latency instead of errors while health checks catch up.
Source: ${HAPROXY_DOC} "option redispatch", "retries".
Fix: \`option redispatch\` and \`retries 3\` in the apiserver backend (or defaults).`,
    run(model, report) {
      for (const host of hostsWithLbConfig(model))
        for (const be of apiBackends(model, host))
          if (!be.redispatch && be.servers.length > 1) report(`backend ${be.name} on ${host.name} has no option redispatch`, { host, at: be.at }, 'add option redispatch');
    },
  }),
  rule({
    id: 'haproxy-timeout-idle-short',
    severity: 'warning',
    title: 'Idle timeout shorter than a minute cuts watches and exec/logs streams',
    explain: `In tcp mode HAProxy closes a connection idle for \`timeout client\`/\`timeout server\` (or \`timeout tunnel\` when set). kubectl logs -f, exec, port-forward and quiet watches are idle for long periods: with 5 s (seed 000) or 50 s (seed 004) they are cut and every client re-lists.
Source: ${HAPROXY_DOC} "timeout client", "timeout server", "timeout tunnel".
Fix: \`timeout client 4h\`, \`timeout server 4h\` (or \`timeout tunnel 1h\`) for the apiserver frontend/backend.`,
    run(model, report) {
      eachIdleTimeout(model, (host, fe, eff) => {
        if (eff < WATCH_MS) report(`${fe.name} on ${host.name} closes idle connections after ${formatHaproxyTime(eff)}: watches and exec streams are cut`, { host, at: fe.at }, 'timeout client 4h / timeout server 4h, or timeout tunnel 1h');
      });
    },
  }),
  rule({
    id: 'haproxy-timeout-idle-watch',
    severity: 'info',
    title: 'Idle timeout shorter than a watch (under 10 minutes)',
    explain: `Watches that see no event for longer than the idle timeout are closed by HAProxy and re-established by clients; harmless at 1m–10m but it causes periodic re-lists and cuts idle exec/logs sessions.
Source: ${HAPROXY_DOC} "timeout tunnel"; client-go watch timeouts (5–10 min server side).
Fix: \`timeout tunnel 1h\` or client/server timeouts of hours.`,
    run(model, report) {
      eachIdleTimeout(model, (host, fe, eff) => {
        if (eff >= WATCH_MS && eff < 600_000) report(`${fe.name} on ${host.name} closes idle connections after ${formatHaproxyTime(eff)}`, { host, at: fe.at }, 'timeout tunnel 1h');
      });
    },
  }),
  rule({
    id: 'haproxy-timeout-missing',
    severity: 'warning',
    title: 'Missing timeout connect/client/server',
    explain: `Without these timeouts HAProxy warns at start-up and keeps dead connections forever (file descriptors leak until maxconn); without timeout connect a connection to a powered-off apiserver hangs for the kernel's SYN retries (~2 min).
Source: ${HAPROXY_DOC} "timeout connect" (HAProxy warns "missing timeouts for ...").
Fix: timeout connect 5s, timeout client 4h, timeout server 4h.`,
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe } of frontendsOn(cfg, model.endpoint.port)) {
          const be = backendOf(host, fe);
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
    severity: 'warning',
    title: 'A timeout written without a unit: HAProxy reads milliseconds',
    explain: `HAProxy reads a time without a unit as milliseconds: \`timeout client 50\` is 50 ms, not 50 s, and \`timeout connect 5\` times every connection out at once. \`timeout client 5000\` is 5 s, but nothing in the file says that is what was meant, and the next edit (\`5000\` → \`60\`) silently becomes 60 ms. kubeha keeps the text as written, so any value without a unit is reported, whatever its size.
Source: ${HAPROXY_DOC} section 2.5 "Time format" ("Unless specified otherwise, ... milliseconds").
Fix: always write the unit: 5s, 50s, 4h (or 5000ms when milliseconds are meant).`,
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
    severity: 'error',
    title: 'mode http for the apiserver: TLS passthrough needs mode tcp',
    explain: `Clients speak TLS to the apiserver (and authenticate with client certificates). A frontend in mode http without \`ssl\` on the bind reads the TLS handshake as HTTP and answers 400; terminating TLS in HAProxy breaks client-certificate authentication.
Source: ${HAPROXY_DOC} "mode".
Fix: \`mode tcp\` in the apiserver frontend and backend (\`option tcplog\`).`,
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        for (const { fe, bind } of frontendsOn(cfg, model.endpoint.port)) {
          const be = backendOf(host, fe);
          if (fe.mode === 'http' || be?.mode === 'http')
            report(`${fe.name} on ${host.name} handles ${bind.address}:${bind.port} in mode http`, { host, at: fe.at }, 'mode tcp');
        }
      });
    },
  }),
  rule({
    id: 'haproxy-httplog-tcp',
    severity: 'info',
    title: 'option httplog in tcp mode',
    explain: `\`option httplog\` (typically inherited from defaults) on a tcp-mode proxy makes HAProxy warn "option httplog not usable with proxy ... (needs 'mode http'). Falling back to 'option tcplog'" at every start.
Source: ${HAPROXY_DOC} "option httplog".
Fix: \`option tcplog\` in defaults, or mode http only where it belongs.`,
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        const tcp = cfg.frontends.some((f) => f.mode === 'tcp') || cfg.backends.some((b) => b.mode === 'tcp');
        for (const u of cfg.unknown) if (u.keyword === 'option httplog' && tcp) report(`option httplog (${u.section}) on ${host.name} applies to tcp-mode proxies`, { host, at: u.at }, 'use option tcplog');
      });
    },
  }),
  rule({
    id: 'haproxy-endpoint-port',
    severity: 'error',
    title: 'The endpoint port is not a HAProxy frontend port',
    explain: `Clients connect to endpoint:port; if HAProxy listens on another port (seed 003: HAProxy on 16443, clients on VIP:6443) traffic goes straight to whatever listens on the VIP holder at that port (its own apiserver), bypassing HAProxy: the load balancer balances nothing and an apiserver failure on the VIP holder is an outage.
Source: kubeadm controlPlaneEndpoint docs (https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/high-availability/).
Fix: use the HAProxy port in controlPlaneEndpoint (VIP:16443), or bind HAProxy on the endpoint port on dedicated LB hosts.`,
    run(model, report) {
      const members = vipMembers(model);
      const holders = members.length > 0 ? members.map((m) => m.host) : model.hosts.filter((h) => h.address === model.endpoint.address);
      for (const host of new Set(holders)) {
        if (!host.haproxy) continue;
        if (frontendsOn(host.haproxy, model.endpoint.port, model.endpoint.address).length > 0) continue;
        const ports = [...new Set(host.haproxy.frontends.flatMap((f) => f.binds.map((b) => b.port)))].join(', ');
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
    severity: 'error',
    title: 'HAProxy binds the apiserver port on a host that runs an apiserver',
    explain: `HAProxy (*:6443) and kube-apiserver (0.0.0.0:6443 by default) cannot both listen on the same port: whichever starts second fails with "address already in use" (usually the apiserver, after a reboot).
Source: kube-apiserver --bind-address/--secure-port; ${HAPROXY_DOC} "bind".
Fix: HAProxy on another port (e.g. 8443 with the endpoint on VIP:8443), or LB on dedicated hosts.`,
    run(model, report) {
      for (const host of model.hosts)
        if (haproxyTakesApiserverPort(host)) report(`HAProxy and the apiserver both want port ${host.apiserver?.port} on ${host.name}`, { host, at: host.haproxy?.frontends[0]?.at }, 'move HAProxy to another port');
    },
  }),
  rule({
    id: 'haproxy-bind-vip-nonlocal',
    severity: 'error',
    title: 'HAProxy binds the VIP without net.ipv4.ip_nonlocal_bind=1',
    explain: `Binding a specific address that is not on the host fails ("cannot bind socket") unless net.ipv4.ip_nonlocal_bind=1: HAProxy starts only on the host that holds the VIP at boot and is dead on the backup, so failover lands on nothing.
Source: Linux ip-sysctl.rst "ip_nonlocal_bind"; ${HAPROXY_DOC} "bind".
Fix: \`bind *:PORT\` (or 0.0.0.0), or net.ipv4.ip_nonlocal_bind=1 in /etc/sysctl.d.`,
    run(model, report) {
      eachConfig(model, (host, cfg) => {
        const vipSet = new Set(vipMembers(model).flatMap((m) => m.inst.vips.map((v) => v.address)));
        vipSet.add(model.endpoint.address);
        for (const fe of cfg.frontends)
          for (const b of fe.binds)
            if (!isWildcard(b.address) && b.address !== host.address && vipSet.has(b.address) && !sysctlOn(host, 'net.ipv4.ip_nonlocal_bind'))
              report(`${fe.name} on ${host.name} binds ${b.address}:${b.port} but net.ipv4.ip_nonlocal_bind is not 1`, { host, at: b.at ?? fe.at }, 'set net.ipv4.ip_nonlocal_bind=1 or bind *');
      });
    },
  }),
  rule({
    id: 'haproxy-stats-exposed',
    severity: 'warning',
    title: 'Stats page on a public bind with a fixed password',
    explain: `A stats page bound on * is reachable from every network the LB is on; the tutorial's admin:awesomePassword (seeds 002/003) is known to anyone who read it, and the page shows every backend and (with admin) can disable servers.
Source: ${HAPROXY_DOC} "stats auth", "stats admin".
Fix: bind stats on 127.0.0.1 (or a management address), a generated password, or the stats socket only.`,
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
    severity: 'warning',
    title: 'LBs disagree on the apiserver servers',
    explain: `After a failover the new VIP holder balances over its own server list; a missing or extra server there changes capacity or sends traffic to a removed master.
Source: operational practice; ${HAPROXY_DOC} "server".
Fix: generate haproxy.cfg for every LB from one source (kubeha render).`,
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
    severity: 'warning',
    title: 'An apiserver host missing from the HAProxy backend',
    explain: `A control-plane host whose apiserver is not in the backend never receives traffic through the endpoint, and the remaining ones carry its load after a failure.
Source: ${HAPROXY_DOC} "server".
Fix: add a server line for every control-plane host.`,
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
    id: 'haproxy-check-other-port',
    severity: 'warning',
    title: 'The health check tests another port than the apiserver (server `port`/`addr`)',
    explain: `With \`port N\` (or \`addr A\`) on a server line HAProxy checks that other service, not the apiserver: a dead apiserver on a live host (crash loop, certificate expiry) stays in rotation and its share of connections fails.
Source: ${HAPROXY_DOC} server "port", "addr".
Fix: check the apiserver's own port (TCP, or GET /readyz with check-ssl).`,
    run(model, report) {
      eachServer(model, (host, be, s) => {
        if (s.check && checksElsewhere(s))
          report(`server ${s.name} in ${be.name} on ${host.name} is checked on ${s.checkAddr ?? s.address}:${s.checkPort ?? s.port}, traffic goes to ${s.address}:${s.port}`, { host, at: s.at ?? be.at }, 'remove `port`/`addr` from the server line');
      });
    },
  }),
];
