import type { ServerState } from './haproxy-stat.js';
import { serverUp } from './haproxy-stat.js';

/**
 * What `kubeha status` saw on a live cluster, and its one-line verdict. Collected by src/ops/status.ts; judged here,
 * purely, so that every verdict has a test.
 */

export interface ReadyzResult {
  /** What was asked: `endpoint` or a master's name. */
  target: string;
  url: string;
  ok: boolean;
  /** HTTP status, or the connection error. */
  detail: string;
  ms: number;
}

export interface LbStatus {
  host: string;
  reachable: boolean;
  /** Why the host could not be read (SSH). */
  error?: string;
  keepalived: 'active' | 'inactive' | 'failed' | 'unknown';
  haproxy: 'active' | 'inactive' | 'failed' | 'unknown';
  /** keepalived's last VRRP state (its journal), when it runs. */
  vrrpState?: 'MASTER' | 'BACKUP' | 'FAULT';
  holdsVip: boolean;
  /** HAProxy's view of every backend server (runtime API), when HAProxy runs and the stats socket is on. */
  servers?: ServerState[];
}

export interface EtcdStatus {
  /** `skipped`: no etcd in the spec or not installed yet; the reason says which. */
  state: 'healthy' | 'unhealthy' | 'skipped';
  reason?: string;
  members?: { name: string; endpoint: string; healthy: boolean }[];
}

export interface ClusterStatus {
  at: string;
  cluster: string;
  endpoint: string;
  verdict: Verdict;
  lbs: LbStatus[];
  readyz: ReadyzResult[];
  etcd: EtcdStatus;
}

export interface Verdict {
  state: 'healthy' | 'degraded' | 'down';
  /** Every reason, most severe first; empty when healthy. */
  why: string[];
}

/** down: clients cannot use the API through the endpoint; degraded: they can, but redundancy is lost; else healthy. */
export function verdictOf(s: Omit<ClusterStatus, 'verdict' | 'at'>): Verdict {
  const down: string[] = [];
  const degraded: string[] = [];
  const ep = s.readyz.find((r) => r.target === 'endpoint');
  const holders = s.lbs.filter((l) => l.holdsVip).map((l) => l.host);
  if (s.lbs.length > 0 && holders.length === 0) down.push(`nobody holds the VIP ${s.endpoint.replace(/:\d+$/, '')}`);
  if (ep && !ep.ok) down.push(`${s.endpoint}/readyz fails (${ep.detail})`);
  if (holders.length > 1) degraded.push(`split brain: ${holders.join(' and ')} both hold the VIP`);
  for (const l of s.lbs) {
    if (!l.reachable) {
      degraded.push(`${l.host} unreachable${l.error ? ` (${l.error})` : ''}`);
      continue;
    }
    if (l.keepalived !== 'active') degraded.push(`keepalived ${l.keepalived} on ${l.host}`);
    else if (l.vrrpState === 'FAULT') degraded.push(`keepalived in FAULT on ${l.host}`);
    if (l.haproxy !== 'active') degraded.push(`haproxy ${l.haproxy} on ${l.host}`);
    for (const sv of l.servers ?? []) if (!serverUp(sv)) degraded.push(`${l.host} sees ${sv.server} ${sv.status}${sv.checkStatus ? ` (${sv.checkStatus})` : ''}`);
  }
  for (const r of s.readyz) if (r.target !== 'endpoint' && !r.ok) degraded.push(`${r.target} /readyz fails (${r.detail})`);
  if (s.etcd.state === 'unhealthy') degraded.push(`etcd unhealthy${s.etcd.reason ? `: ${s.etcd.reason}` : ''}`);
  if (down.length > 0) return { state: 'down', why: [...down, ...degraded] };
  if (degraded.length > 0) return { state: 'degraded', why: degraded };
  return { state: 'healthy', why: [] };
}

/** The first line of the text view: `healthy`, `degraded: why`, `down: why`. */
export function verdictLine(v: Verdict): string {
  return v.state === 'healthy' ? 'healthy' : `${v.state}: ${v.why.join('; ')}`;
}

/** The whole text view. */
export function statusText(s: ClusterStatus): string {
  const lines = [verdictLine(s.verdict), '', `cluster ${s.cluster}, endpoint ${s.endpoint} (${s.at})`];
  for (const l of s.lbs) {
    if (!l.reachable) {
      lines.push(`  ${l.host}: unreachable${l.error ? ` (${l.error})` : ''}`);
      continue;
    }
    lines.push(`  ${l.host}: keepalived ${l.keepalived}${l.vrrpState ? ` ${l.vrrpState}` : ''}${l.holdsVip ? ', holds the VIP' : ''}; haproxy ${l.haproxy}`);
    for (const sv of l.servers ?? []) lines.push(`    ${sv.proxy}/${sv.server} ${sv.address} ${sv.status}${sv.checkStatus ? ` ${sv.checkStatus}` : ''}`);
  }
  for (const r of s.readyz) lines.push(`  readyz ${r.target.padEnd(10)} ${r.ok ? 'ok' : 'FAIL'} ${r.detail} (${Math.round(r.ms)} ms) ${r.url}`);
  if (s.etcd.state === 'skipped') lines.push(`  etcd: skipped (${s.etcd.reason ?? ''})`);
  else {
    lines.push(`  etcd: ${s.etcd.state}${s.etcd.reason ? ` (${s.etcd.reason})` : ''}`);
    for (const m of s.etcd.members ?? []) lines.push(`    ${m.name} ${m.endpoint} ${m.healthy ? 'healthy' : 'UNHEALTHY'}`);
  }
  return lines.join('\n');
}

/** What changed between two refreshes, ignoring the clock and timings: `--watch` redraws only then. */
export function statusKey(s: ClusterStatus): string {
  return JSON.stringify({ ...s, at: undefined, readyz: s.readyz.map((r) => ({ ...r, ms: undefined })), lbs: s.lbs.map((l) => ({ ...l, servers: l.servers?.map((x) => ({ ...x, lastChangeS: undefined })) })) });
}
