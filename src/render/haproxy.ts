import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { LB_CA_CERT } from './k8s-paths.js';
import { apiservers, block, fmtDuration, header, token } from './util.js';

export const HAPROXY_CFG = '/etc/haproxy/haproxy.cfg';
/** Debian's tmpfiles.d creates /run/haproxy (owner haproxy); the socket itself is made by the root master. */
export const HAPROXY_STATS_SOCKET = '/run/haproxy/admin.sock';
/** Port of the stats page when `loadBalancer.stats: localhost`. */
export const HAPROXY_STATS_PORT = 8404;
/** Retries of a failed connection attempt when the spec sets none. */
export const DEFAULT_RETRIES = 3;
/** Half-closed connections (HAProxy manual, `timeout tunnel`: "a good idea to also set timeout client-fin"). */
export const FIN_TIMEOUT_MS = 30_000;
export const FRONTEND_NAME = 'kube-apiserver';
export const BACKEND_NAME = 'kube-apiserver';
/**
 * The name the health check asks for (SNI and Host) and verifies in each apiserver's certificate: a DNS SAN every
 * kube-apiserver serving certificate carries (kubeadm's and kubeha's), whatever the server's address.
 */
export const APISERVER_CHECK_NAME = 'kubernetes';
/**
 * `fastinter` as a fraction of `inter`: the interval HAProxy uses once a check has failed (or passed on a DOWN
 * server), so a dead apiserver leaves the rotation after inter + (fall − 1) × inter / 4 and a recovered one returns
 * (rise − 1) × inter / 4 after its first good check, while a healthy server is still checked only every `inter`, and
 * a DOWN one too (configuration.txt, "fastinter").
 */
export const FASTINTER_DIVISOR = 4;

/**
 * TCP keepalive on HAProxy's connections to the apiservers (`option srvtcpka`, `srvtcpka-*`, HAProxy ≥ 2.2): how an idle
 * session (a quiet watch) through a server that vanished without a reset is found and closed, so its client
 * reconnects: idle + cnt × intvl seconds. It replaces `on-marked-down shutdown-sessions`, which cut live sessions on
 * any failed pair of checks, also on a healthy server behind a lossy link (docs/drills.md, "What the defaults trade").
 */
export const SRV_KEEPALIVE = { idleS: 5, intvlS: 1, cnt: 3 } as const;

/** The `fastinter` HAProxy gets for a health-check interval, in ms (at least 1). */
export function fastinterMs(interMs: number): number {
  return Math.max(1, Math.round(interMs / FASTINTER_DIVISOR));
}

export interface HaproxyOptions {
  /** The cluster CA is installed at LB_CA_CERT on this host: verify each apiserver against it. */
  clusterCa?: boolean;
}

/**
 * /etc/haproxy/haproxy.cfg for one LB host: a TCP frontend on the VIP (and loopback) at the LB port,
 * a backend over every kube-apiserver with HTTPS /readyz health checks. Every setting carries a
 * one-line comment saying why (docs/render.md gives the sources).
 */
export function renderHaproxyCfg(spec: ClusterSpec, host: Host, options: HaproxyOptions = {}): string {
  const lb = spec.loadBalancer;
  const hc = { ...lb.healthCheck, path: token(lb.healthCheck.path, 'healthCheck.path', 'haproxy') };
  const vip = token(lb.vip, 'the VIP', 'haproxy');
  const retries = lb.retries ?? DEFAULT_RETRIES;
  const statsLines =
    lb.stats === 'off'
      ? ['# Runtime API and stats page disabled (loadBalancer.stats: off).']
      : [
          '# Runtime API (show stat, disable server) on a unix socket only root can open: never a TCP port with a shared password.',
          `stats socket ${HAPROXY_STATS_SOCKET} mode 600 level admin`,
          '# An idle runtime-API client is dropped after 30 s.',
          'stats timeout 30s',
        ];
  const global = block('    ', [
    '# Log to the local syslog socket (journald on systemd hosts).',
    'log /dev/log local0 info',
    '# Confine the workers to an empty directory once the config is read (Debian default; defence in depth).',
    'chroot /var/lib/haproxy',
    '# Bind as root, then run as the unprivileged haproxy user.',
    'user haproxy',
    'group haproxy',
    ...statsLines,
  ]);
  const defaults = block('    ', [
    '# Layer 4: TLS passes through to the apiservers untouched, so client certificates reach them.',
    'mode tcp',
    '# Log through the global syslog target, one line per TCP connection.',
    'log global',
    'option tcplog',
    '# Connections that send nothing (port probes) are not logged.',
    'option dontlognull',
    '# A failed connection attempt to an apiserver is retried before the client sees an error...',
    `retries ${retries}`,
    '# ...each on another server (redispatch 1: every retry), so an apiserver that just died costs one refused connection,',
    '# not an error; the default (-1) retries the dead server with a 1 s turn-around first (configuration.txt, "retries").',
    'option redispatch 1',
    '# Time allowed to open a TCP connection to an apiserver: on a LAN, longer means it is gone.',
    `timeout connect ${fmtDuration(lb.timeouts.connectMs)}`,
    '# Inactivity allowed on either side before the connection becomes a tunnel (TLS handshake).',
    `timeout client ${fmtDuration(lb.timeouts.clientMs)}`,
    `timeout server ${fmtDuration(lb.timeouts.serverMs)}`,
    '# Idle time allowed on an established connection: watches and `kubectl logs -f` sit idle for minutes, a short timeout cuts them.',
    `timeout tunnel ${fmtDuration(lb.timeouts.tunnelMs)}`,
    '# A connection one side already closed (a client that vanished mid-watch) is not held for the whole tunnel timeout.',
    `timeout client-fin ${fmtDuration(FIN_TIMEOUT_MS)}`,
    `timeout server-fin ${fmtDuration(FIN_TIMEOUT_MS)}`,
  ]);
  const frontend = block('    ', [
    '# The VIP, bound on every LB host even while another holds it (net.ipv4.ip_nonlocal_bind=1 in /etc/sysctl.d).',
    `bind ${vip}:${lb.port}`,
    '# Loopback: the keepalived check script probes HAProxy here, whoever holds the VIP.',
    `bind 127.0.0.1:${lb.port}`,
    `default_backend ${BACKEND_NAME}`,
  ]);
  const tls = options.clusterCa
    ? `check-ssl verify required ca-file ${LB_CA_CERT} check-sni ${APISERVER_CHECK_NAME} verifyhost ${APISERVER_CHECK_NAME}`
    : 'check-ssl verify none';
  const fast = fastinterMs(hc.interMs);
  const serverOpts = `check ${tls} inter ${fmtDuration(hc.interMs)} fastinter ${fmtDuration(fast)} fall ${hc.fall} rise ${hc.rise}`;
  const tlsWhy = options.clusterCa
    ? [
        `# check-ssl: the apiserver speaks only TLS. verify required ca-file: the check accepts only a server whose certificate the`,
        `# cluster CA signed for the name ${APISERVER_CHECK_NAME} (check-sni, verifyhost), so a backend that is not this cluster's`,
        '# apiserver fails the check even if it answers 200. Client traffic is not terminated here: it is verified end to end.',
      ]
    : [
        '# check-ssl: the apiserver speaks only TLS, an HTTP check without it marks every server down.',
        '# verify none: no cluster CA was handed to the renderer; the check only reads a status code (client traffic is not',
        '# terminated here and is verified end to end).',
      ];
  const backend = block('    ', [
    '# Apiserver connections are long-lived (watches): leastconn spreads them, roundrobin would pile them up.',
    'balance leastconn',
    `# HTTPS GET ${hc.path}: 200 only when the apiserver can serve (etcd reachable). A bare \`option httpchk\` sends OPTIONS / and gets 403.`,
    '# HTTP/1.1 with a Host header (Go\'s server answers 400 to HTTP/1.1 without one).',
    'option httpchk',
    `http-check send meth GET uri ${hc.path} ver HTTP/1.1 hdr Host ${APISERVER_CHECK_NAME}`,
    '# Anything but 200 (500 while etcd is unreachable, 401/403 if anonymous requests are refused there) marks the server down.',
    'http-check expect status 200',
    ...tlsWhy,
    `# inter ${fmtDuration(hc.interMs)} fall ${hc.fall} rise ${hc.rise}: a dead apiserver leaves the rotation after ${hc.fall} failed checks, returns after ${hc.rise} good ones;`,
    `# fastinter ${fmtDuration(fast)}: once a check failed (or passed on a DOWN server) the next ones come every ${fmtDuration(fast)}, so that takes ${fmtDuration(hc.interMs + Math.max(0, hc.fall - 1) * fast)}${hc.fall > 1 ? ` (not ${fmtDuration(hc.fall * hc.interMs)})` : ''}.`,
    `# No \`on-marked-down shutdown-sessions\`: checks can fail on a healthy server (a slow or lossy link: one lost SYN costs 1 s,`,
    `# a check may take ${fmtDuration(hc.interMs)}), and cutting every session then fails requests the server was serving. A crashed apiserver's`,
    '# sessions are reset by its kernel anyway, a stopping one closes its watches itself; a silent one (power cut, partition)',
    `# is found by TCP keepalive on each idle server connection: ${SRV_KEEPALIVE.idleS} s idle, then ${SRV_KEEPALIVE.cnt} unanswered probes ${SRV_KEEPALIVE.intvlS} s apart (${SRV_KEEPALIVE.idleS + SRV_KEEPALIVE.cnt * SRV_KEEPALIVE.intvlS} s).`,
    'option srvtcpka',
    `srvtcpka-idle ${SRV_KEEPALIVE.idleS}s`,
    `srvtcpka-intvl ${SRV_KEEPALIVE.intvlS}s`,
    `srvtcpka-cnt ${SRV_KEEPALIVE.cnt}`,
    ...apiservers(spec).map((m) => `server ${token(m.name, 'a host name', 'haproxy')} ${token(m.address, 'a host address', 'haproxy')}:${spec.controlPlane.apiserverPort} ${serverOpts}`),
  ]);
  const stats =
    lb.stats === 'localhost'
      ? [
          '',
          '# Stats page on loopback only (loadBalancer.stats: localhost): reach it with an SSH tunnel, no password to leak.',
          '# Read-only (no `stats admin`): nobody can disable a server from the page.',
          'listen stats',
          block('    ', [
            `bind 127.0.0.1:${HAPROXY_STATS_PORT}`,
            'mode http',
            'stats enable',
            'stats uri /stats',
            'stats refresh 10s',
          ]),
        ]
      : [];
  return [
    header(spec, host.name),
    `# HAProxy in front of the kube-apiservers; port ${lb.port} (${lb.mode === 'stacked' ? 'stacked on the control-plane hosts, so not the apiserver port' : 'dedicated load-balancer host'}).`,
    'global',
    global,
    '',
    'defaults',
    defaults,
    '',
    `frontend ${FRONTEND_NAME}`,
    frontend,
    '',
    `backend ${BACKEND_NAME}`,
    backend,
    ...stats,
    '',
  ].join('\n');
}
