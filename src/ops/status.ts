import { hostsWithRole } from '../cluster-spec/types.js';
import { parseShowStat } from '../measure/haproxy-stat.js';
import { parseVrrpTransitions } from '../measure/keepalived-log.js';
import type { ClusterStatus, EtcdStatus, LbStatus, ReadyzResult } from '../measure/status.js';
import { statusKey, verdictOf } from '../measure/status.js';
import { HAPROXY_CFG, HAPROXY_STATS_SOCKET } from '../render/haproxy.js';
import { KEEPALIVED_CONF } from '../render/keepalived.js';
import { shellQuote } from '../remote/ssh.js';
import { clientGets } from './client-side.js';
import type { Session } from './session.js';

/**
 * `kubeha status`: what the cluster's HA pieces say right now. Per LB host over SSH: the units, keepalived's last
 * VRRP state (its journal), who holds the VIP (`ip -o addr`), HAProxy's view of every backend (its runtime API on the
 * unix stats socket); from the client side (a child process in `session.netns`: in a lab, the taskbox): `/readyz` through the endpoint and
 * on each master; etcd's members and health when etcd is installed.
 */

export interface StatusOptions {
  /** Per request and per remote command. @default 3000 */
  timeoutMs?: number;
}

/** Hosts that run keepalived or HAProxy (dedicated LBs, or masters in stacked mode). */
export function lbHostsOf(session: Session): string[] {
  return session.rendered.filter((h) => h.files.some((f) => f.path === KEEPALIVED_CONF || f.path === HAPROXY_CFG)).map((h) => h.host);
}

/** `show stat` through the stats socket: perl (in perl-base on every Debian) when socat is not installed. */
const SHOW_STAT = `if command -v socat >/dev/null; then echo 'show stat' | socat stdio UNIX-CONNECT:${HAPROXY_STATS_SOCKET}; else perl -MIO::Socket::UNIX -e '$s=IO::Socket::UNIX->new(Peer=>"${HAPROXY_STATS_SOCKET}") or die "$!\\n"; print $s "show stat\\n"; print while <$s>'; fi`;

const unitState = (s: string | undefined): LbStatus['keepalived'] => (s === 'active' || s === 'inactive' || s === 'failed' ? s : 'unknown');

async function lbStatus(session: Session, host: string, vip: string, timeoutMs: number): Promise<LbStatus> {
  const remote = session.remote(host);
  const base: LbStatus = { host, reachable: false, keepalived: 'unknown', haproxy: 'unknown', holdsVip: false };
  try {
    const sep = '@@kubeha@@';
    const script = [
      'systemctl is-active keepalived haproxy',
      `echo ${sep}`,
      'ip -o -4 addr show',
      `echo ${sep}`,
      "journalctl -u keepalived -b -o short-unix --no-pager -n 2000 | grep -E 'Entering (MASTER|BACKUP|FAULT) STATE' | tail -n 1",
      `echo ${sep}`,
      `${SHOW_STAT} 2>/dev/null`,
    ].join('; ');
    const r = await remote.exec(`sh -c ${shellQuote(script)}`, { timeoutMs, label: 'status' });
    const [units = '', addrs = '', journal = '', stat = ''] = r.stdout.split(`${sep}\n`);
    const [ka, hp] = units.trim().split('\n');
    const out: LbStatus = { ...base, reachable: true, keepalived: unitState(ka), haproxy: unitState(hp), holdsVip: addrs.includes(` ${vip}/`) };
    const last = parseVrrpTransitions(host, journal).at(-1);
    if (last && out.keepalived === 'active') out.vrrpState = last.state;
    if (out.haproxy === 'active' && session.spec.loadBalancer.stats === 'socket') out.servers = parseShowStat(stat);
    return out;
  } catch (e) {
    return { ...base, error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

/** etcd's health, from the first etcd host that has etcdctl (kubeadm's certificate paths); skipped when absent. */
async function etcdStatus(session: Session, timeoutMs: number): Promise<EtcdStatus> {
  if (session.spec.etcd.type === 'external') return { state: 'skipped', reason: 'external etcd: not kubeha\'s to watch' };
  const hosts = hostsWithRole(session.spec, 'etcd');
  if (hosts.length === 0) return { state: 'skipped', reason: 'no etcd host in the spec' };
  const pki = '/etc/kubernetes/pki/etcd';
  const cmd = `command -v etcdctl >/dev/null || { echo NO_ETCDCTL; exit 0; }; ETCDCTL_API=3 etcdctl --command-timeout=2s --endpoints=https://127.0.0.1:2379 --cacert=${pki}/ca.crt --cert=${pki}/healthcheck-client.crt --key=${pki}/healthcheck-client.key endpoint health --cluster -w json`;
  for (const h of hosts) {
    try {
      const r = await session.remote(h.name).exec(cmd, { timeoutMs, label: 'etcdctl endpoint health' });
      if (r.stdout.includes('NO_ETCDCTL')) continue;
      const list = JSON.parse(r.stdout || '[]') as { endpoint: string; health: boolean }[];
      const hostOf = (endpoint: string): string => {
        try {
          return new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
        } catch {
          return endpoint;
        }
      };
      // By exact address: 10.0.0.2 must not name the member at 10.0.0.21.
      // Sorted: etcdctl lists the members in the order they answered, which would make every look a change (--watch).
      const members = list
        .map((m) => ({ name: hosts.find((x) => hostOf(m.endpoint) === x.address)?.name ?? m.endpoint, endpoint: m.endpoint, healthy: m.health }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const bad = members.filter((m) => !m.healthy);
      return members.length === 0
        ? { state: 'unhealthy', reason: r.stderr.trim().split('\n')[0] ?? 'no member answered' }
        : { state: bad.length > 0 ? 'unhealthy' : 'healthy', members, ...(bad.length > 0 ? { reason: `${bad.map((m) => m.name).join(', ')} unhealthy` } : {}) };
    } catch {
      continue;
    }
  }
  return { state: 'skipped', reason: 'etcd is not installed yet (no etcdctl on the etcd hosts)' };
}

/** One look at the cluster. */
export async function clusterStatus(session: Session, options: StatusOptions = {}): Promise<ClusterStatus> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const spec = session.spec;
  const ep = spec.controlPlane.endpoint;
  const endpointHost = ep.address;
  const lbs = lbHostsOf(session);
  const masters = hostsWithRole(spec, 'control-plane');
  const url = (a: string, port: number): string => `https://${a.includes(':') ? `[${a}]` : a}:${port}/readyz`;
  const targets = [{ target: 'endpoint', url: url(endpointHost, ep.port) }, ...masters.map((m) => ({ target: m.name, url: url(m.address, spec.controlPlane.apiserverPort) }))];
  const [lbStates, gets, etcd] = await Promise.all([
    Promise.all(lbs.map((h) => lbStatus(session, h, spec.loadBalancer.vip, timeoutMs))),
    clientGets(session.netns, targets.map((t) => t.url), timeoutMs),
    etcdStatus(session, timeoutMs),
  ]);
  const readyz: ReadyzResult[] = targets.map((t, i) => ({ ...t, ...(gets[i] ?? { ok: false, detail: 'no answer', ms: 0 }) }));
  const partial = { cluster: spec.name, endpoint: `${endpointHost}:${ep.port}`, lbs: lbStates, readyz, etcd };
  return { at: new Date().toISOString(), ...partial, verdict: verdictOf(partial) };
}

export interface WatchOptions extends StatusOptions {
  /** Time between the starts of two looks (a look that takes longer is followed at once). */
  intervalMs: number;
  /** Stops the watch: the look under way finishes, no other starts. */
  signal: AbortSignal;
  /**
   * Every look, with whether it differs from the previous one (statusKey: the clock and timings ignored); the first
   * look counts as a change.
   */
  onStatus: (status: ClusterStatus, changed: boolean) => void;
}

/**
 * `status --watch` and the dashboard: one look every `intervalMs` until `signal` aborts, each handed to `onStatus`.
 * Returns the last look (undefined when aborted before the first one ended).
 */
export async function watchStatus(session: Session, options: WatchOptions, look: (session: Session, options: StatusOptions) => Promise<ClusterStatus> = clusterStatus): Promise<ClusterStatus | undefined> {
  const { signal } = options;
  let last: ClusterStatus | undefined;
  let lastKey: string | undefined;
  while (!signal.aborted) {
    const t0 = Date.now();
    const s = await look(session, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
    if (signal.aborted) break;
    last = s;
    const key = statusKey(s);
    options.onStatus(s, key !== lastKey);
    lastKey = key;
    if (signal.aborted) break; // an abort that came while onStatus ran: its event is gone
    await new Promise<void>((res) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        res();
      };
      const timer = setTimeout(done, Math.max(0, options.intervalMs - (Date.now() - t0)));
      signal.addEventListener('abort', done);
    });
  }
  return last;
}
