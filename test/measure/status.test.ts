import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseShowStat, serverUp } from '../../src/measure/haproxy-stat.js';
import { parseVrrpTransitions } from '../../src/measure/keepalived-log.js';
import type { ClusterStatus, LbStatus } from '../../src/measure/status.js';
import { statusKey, verdictLine, verdictOf } from '../../src/measure/status.js';

const SHOW_STAT = `# pxname,svname,qcur,status,check_status,lastchg,addr
kube-apiserver,FRONTEND,,OPEN,,,
kube-apiserver,master1,0,UP,L7OK,17,10.0.0.21:6443
kube-apiserver,master2,0,DOWN,L4CON,3,10.0.0.22:6443
kube-apiserver,master3,0,UP 1/2,L7STS,1,10.0.0.23:6443
kube-apiserver,BACKEND,0,UP,,17,
`;

describe('HAProxy show stat', () => {
  it('reads the server rows by header name, not by position, and skips FRONTEND/BACKEND', () => {
    const s = parseShowStat(SHOW_STAT);
    assert.deepEqual(
      s.map((x) => [x.server, x.status, x.checkStatus, x.address, x.lastChangeS]),
      [
        ['master1', 'UP', 'L7OK', '10.0.0.21:6443', 17],
        ['master2', 'DOWN', 'L4CON', '10.0.0.22:6443', 3],
        ['master3', 'UP 1/2', 'L7STS', '10.0.0.23:6443', 1],
      ],
    );
    assert.deepEqual(s.map(serverUp), [true, false, true]);
  });
  it('no header (socket refused, empty output): no servers', () => {
    assert.deepEqual(parseShowStat(''), []);
    assert.deepEqual(parseShowStat('Permission denied\n'), []);
  });
});

describe('keepalived journal', () => {
  it('every state change with its time in ms and its instance; other lines ignored', () => {
    const j = [
      '1796224285.444602 lb0 Keepalived_vrrp[589]: (demo-apiserver) Entering BACKUP STATE (init)',
      '1796224285.500000 lb0 Keepalived_vrrp[589]: VRRP_Script(chk) succeeded',
      '1796224286.016975 lb0 Keepalived_vrrp[589]: (demo-apiserver) Entering MASTER STATE',
      '1796224290.2 lb0 Keepalived_vrrp[589]: (demo-apiserver) Entering FAULT STATE',
    ].join('\n');
    assert.deepEqual(parseVrrpTransitions('lb0', j), [
      { at: 1796224285445, host: 'lb0', instance: 'demo-apiserver', state: 'BACKUP' },
      { at: 1796224286017, host: 'lb0', instance: 'demo-apiserver', state: 'MASTER' },
      { at: 1796224290200, host: 'lb0', instance: 'demo-apiserver', state: 'FAULT' },
    ]);
  });
});

const lb = (host: string, over: Partial<LbStatus> = {}): LbStatus => ({ host, reachable: true, keepalived: 'active', haproxy: 'active', vrrpState: 'BACKUP', holdsVip: false, servers: parseShowStat(SHOW_STAT).slice(0, 1), ...over });
const ok = (target: string): ClusterStatus['readyz'][number] => ({ target, url: `https://x/${target}`, ok: true, detail: 'HTTP 200', ms: 3 });
const base = (): Omit<ClusterStatus, 'verdict' | 'at'> => ({
  cluster: 'c',
  endpoint: '10.0.0.10:6443',
  lbs: [lb('lb0', { holdsVip: true, vrrpState: 'MASTER' }), lb('lb1')],
  readyz: [ok('endpoint'), ok('m0')],
  etcd: { state: 'skipped', reason: 'not installed' },
});

describe('status verdict', () => {
  it('healthy when every piece is fine', () => {
    assert.deepEqual(verdictOf(base()), { state: 'healthy', why: [] });
    assert.equal(verdictLine(verdictOf(base())), 'healthy');
  });
  it('degraded: the API answers but redundancy is lost, each reason named', () => {
    const s = base();
    s.lbs[1] = lb('lb1', { keepalived: 'inactive', servers: parseShowStat(SHOW_STAT) });
    s.readyz[1] = { ...ok('m0'), ok: false, detail: 'ECONNREFUSED' };
    const v = verdictOf(s);
    assert.equal(v.state, 'degraded');
    assert.deepEqual(v.why, ['keepalived inactive on lb1', 'lb1 sees master2 DOWN (L4CON)', 'm0 /readyz fails (ECONNREFUSED)']);
    assert.match(verdictLine(v), /^degraded: keepalived inactive on lb1; /);
  });
  it('split brain is named; an unreachable LB too', () => {
    const s = base();
    s.lbs[1] = lb('lb1', { holdsVip: true });
    assert.deepEqual(verdictOf(s).why, ['split brain: lb0 and lb1 both hold the VIP']);
    s.lbs[1] = { host: 'lb1', reachable: false, error: 'timeout', keepalived: 'unknown', haproxy: 'unknown', holdsVip: false };
    assert.deepEqual(verdictOf(s), { state: 'degraded', why: ['lb1 unreachable (timeout)'] });
  });
  it('down: nobody holds the VIP, or /readyz through the endpoint fails', () => {
    const s = base();
    s.lbs[0] = lb('lb0', { holdsVip: false });
    assert.deepEqual(verdictOf(s), { state: 'down', why: ['nobody holds the VIP 10.0.0.10'] });
    const t = base();
    t.readyz[0] = { ...ok('endpoint'), ok: false, detail: 'ETIMEDOUT' };
    assert.equal(verdictLine(verdictOf(t)), 'down: 10.0.0.10:6443/readyz fails (ETIMEDOUT)');
  });
  it('the watch key ignores the clock and timings but not states', () => {
    const a: ClusterStatus = { ...base(), at: '1', verdict: verdictOf(base()) };
    const b: ClusterStatus = { ...a, at: '2', readyz: a.readyz.map((r) => ({ ...r, ms: 99 })) };
    assert.equal(statusKey(a), statusKey(b));
    assert.notEqual(statusKey(a), statusKey({ ...a, lbs: [lb('lb0', { holdsVip: false }), a.lbs[1]!] }));
  });
});
