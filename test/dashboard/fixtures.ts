import type { DrillResult } from '../../src/measure/drill.js';
import type { ClusterStatus, LbStatus } from '../../src/measure/status.js';
import type { DashboardView } from '../../src/dashboard/views.js';

/** Values the dashboard's view tests share: two LBs, three masters, one worker. */

export const HOSTS = {
  lbs: [
    { name: 'lb0', address: '10.1.0.11' },
    { name: 'lb1', address: '10.1.0.12' },
  ],
  masters: [
    { name: 'm0', address: '10.1.0.21' },
    { name: 'm1', address: '10.1.0.22' },
    { name: 'm2', address: '10.1.0.23' },
  ],
  workers: [{ name: 'w0', address: '10.1.0.31' }],
};

const servers = (down: readonly string[]): LbStatus['servers'] =>
  HOSTS.masters.map((m) => ({ proxy: 'kube-apiserver', server: m.name, status: down.includes(m.name) ? 'DOWN' : 'UP', checkStatus: down.includes(m.name) ? 'L4CON' : 'L7OK', address: `${m.address}:6443`, lastChangeS: 5 }));

export function status(holder: string | undefined, opts: { down?: string[]; unreachable?: string } = {}): ClusterStatus {
  const lbs: LbStatus[] = HOSTS.lbs.map((l) =>
    l.name === opts.unreachable
      ? { host: l.name, reachable: false, error: 'connect ECONNREFUSED', keepalived: 'unknown', haproxy: 'unknown', holdsVip: false }
      : { host: l.name, reachable: true, keepalived: 'active', haproxy: 'active', vrrpState: l.name === holder ? 'MASTER' : 'BACKUP', holdsVip: l.name === holder, servers: servers(opts.down ?? []) },
  );
  return {
    at: '2026-12-03T07:00:00.000Z',
    cluster: 'demo',
    endpoint: '10.1.0.10:6443',
    verdict: holder ? { state: 'healthy', why: [] } : { state: 'down', why: ['nobody holds the VIP 10.1.0.10'] },
    lbs,
    readyz: [{ target: 'endpoint', url: 'https://10.1.0.10:6443/readyz', ok: true, detail: '200', ms: 3 }, ...HOSTS.masters.map((m) => ({ target: m.name, url: `https://${m.address}:6443/readyz`, ok: !(opts.down ?? []).includes(m.name), detail: '200', ms: 2 }))],
    etcd: { state: 'healthy', members: HOSTS.masters.map((m) => ({ name: m.name, endpoint: `https://${m.address}:2379`, healthy: true })) },
  };
}

export function drillResult(over: Partial<DrillResult> = {}): DrillResult {
  return {
    scenario: 'node-down:lb0',
    startedAt: '2026-12-03T07:01:00.000Z',
    faultAt: 1_000_000,
    restoreAt: 1_010_000,
    endAt: 1_015_000,
    probes: 500,
    failed: 37,
    outageMs: 812,
    p99Ms: 120.5,
    brokenWatches: 5,
    vipHoldersBefore: ['lb0'],
    vipHoldersAfter: ['lb1'],
    reachable: true,
    transitions: [{ host: 'lb1', state: 'MASTER', atMs: 700 }],
    recovered: true,
    failback: { failed: 0, outageMs: 0, brokenWatches: 0, vipHolders: ['lb1'] },
    baseline: { probes: 20, failed: 0 },
    prediction: { vipHolders: ['lb1'], apiReachable: true, outageMs: 722, note: 'VIP moves lb0 → lb1' },
    findings: [],
    notes: [],
    ...over,
  };
}

export function view(over: Partial<DashboardView> = {}): DashboardView {
  return {
    cluster: 'demo',
    specFile: 'cluster.yaml',
    specProblems: [],
    specValid: true,
    endpoint: { vip: '10.1.0.10', port: 6443 },
    hosts: HOSTS,
    analysis: {
      findings: [{ severity: 'warning', rule: 'vrrp-positive-weight-below-gap', message: 'a weight below the gap', host: 'lb0' }],
      scenarios: [
        { failure: 'none', vipHolders: ['lb0'], apiReachable: true, note: 'start', predictedOutageMs: 0 },
        { failure: 'node-down:lb0', vipHolders: ['lb1'], apiReachable: true, note: 'VIP moves', predictedOutageMs: 722 },
        { failure: 'partition:lb0|lb1', vipHolders: ['lb0', 'lb1'], apiReachable: false, note: 'split brain' },
      ],
    },
    lab: { kind: 'up', name: 'demo' },
    watching: true,
    status: status('lb0'),
    lastChange: '2026-12-03T06:59:00.000Z',
    drillable: ['node-down:lb0', 'haproxy-down:lb0'],
    drills: [],
    ...over,
  };
}
