import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/analyze/simulate/index.js';
import { analyzeModel } from '../../src/analyze/index.js';
import { expectMatches } from '../../src/analyze/reach.js';
import type { Scenario } from '../../src/analyze/types.js';
import type { HaModel, HealthCheckKind } from '../../src/model/types.js';
import { bothLbs, clone, goodModel } from './build.js';

function scenario(model: HaModel, failure: string): Scenario {
  const s = simulate(model).find((x) => x.failure === failure);
  assert.ok(s, failure);
  return s;
}

function withCheck(hc: HealthCheckKind, checkSsl: boolean): HaModel {
  const m = clone(goodModel());
  bothLbs(m, (h) =>
    h.haproxy?.backends.forEach((b) => {
      b.healthCheck = hc;
      b.servers.forEach((s) => (s.checkSsl = checkSsl));
    }),
  );
  return m;
}

function mutate(f: (m: HaModel) => void): HaModel {
  const m = clone(goodModel());
  f(m);
  return m;
}

describe('reachability through HAProxy health checks', () => {
  it('httpchk without check-ssl marks every live apiserver DOWN (HTTP 400): unreachable with nothing broken', () => {
    const s = scenario(withCheck({ type: 'http', method: 'GET', path: '/healthz', ssl: false }, false), 'none');
    assert.equal(s.apiReachable, false);
    assert.match(s.note, /check-ssl/);
  });
  it('bare httpchk (OPTIONS /) with check-ssl gets 403: unreachable', () => {
    const s = scenario(withCheck({ type: 'http', method: 'OPTIONS', path: '/', ssl: false }, true), 'none');
    assert.equal(s.apiReachable, false);
    assert.match(s.note, /403/);
  });
  it('GET /readyz with check-ssl passes', () => {
    assert.equal(scenario(withCheck({ type: 'http', method: 'GET', path: '/readyz', ssl: false }, true), 'none').apiReachable, true);
  });
  it('an expect the apiserver does not return marks the servers DOWN', () => {
    assert.equal(scenario(withCheck({ type: 'http', method: 'GET', path: '/healthz', ssl: false, expect: 'status 204' }, true), 'none').apiReachable, false);
    assert.equal(expectMatches('status 200', 200, 'ok'), true);
    assert.equal(expectMatches('! status 200', 200, 'ok'), false);
    assert.equal(expectMatches('rstatus ^2', 204, ''), true);
    assert.equal(expectMatches('string ok', 200, 'ok'), true);
    assert.equal(expectMatches(undefined, 302, ''), true);
    assert.equal(expectMatches(undefined, 403, ''), false);
  });
  it('a dead server without `check` stays in rotation: unreachable without redispatch, reachable with it', () => {
    const noCheck = (redispatch: boolean): HaModel =>
      mutate((m) =>
        bothLbs(m, (h) =>
          h.haproxy?.backends.forEach((b) => {
            b.redispatch = redispatch;
            b.servers.forEach((s) => (s.check = false));
          }),
        ),
      );
    assert.equal(scenario(noCheck(false), 'apiserver-down:10.0.0.21:6443').apiReachable, false);
    assert.equal(scenario(noCheck(true), 'apiserver-down:10.0.0.21:6443').apiReachable, true);
  });
  it('a check on another port where kubeha knows of no listener (kubelet 10248: 127.0.0.1 only by default) is predicted to fail, with an error that says so', () => {
    const m = mutate((x) => bothLbs(x, (h) => h.haproxy?.backends.forEach((b) => b.servers.forEach((s) => (s.checkPort = 10248)))));
    assert.equal(scenario(m, 'none').apiReachable, false);
    assert.ok(analyzeModel(m).findings.some((f) => f.rule === 'haproxy-check-target-all-unknown' && f.severity === 'error'));
  });
  it('a check on another host\'s apiserver keeps a dead apiserver in rotation: unreachable without redispatch', () => {
    const m = mutate((x) =>
      bothLbs(x, (h) =>
        h.haproxy?.backends.forEach((b) => {
          b.redispatch = false;
          b.servers.forEach((s) => Object.assign(s, { checkPort: 6443, checkAddr: '10.0.0.21' }));
        }),
      ),
    );
    assert.equal(scenario(m, 'none').apiReachable, true);
    assert.equal(scenario(m, 'apiserver-down:10.0.0.22:6443').apiReachable, false);
    const rules = analyzeModel(m).findings.map((f) => f.rule);
    assert.ok(!rules.includes('haproxy-check-target-unknown') && !rules.includes('haproxy-check-target-all-unknown'), 'a known target: silent');
  });
  it('a check sent to another host\'s apiserver is judged on what it sends there (plain httpchk to the TLS port: 400, DOWN)', () => {
    const m = mutate((x) =>
      bothLbs(x, (h) =>
        h.haproxy?.backends.forEach((b) => {
          b.healthCheck = { type: 'http', method: 'GET', path: '/readyz', ssl: false };
          b.servers.forEach((s) => Object.assign(s, { checkPort: 6443, checkAddr: '10.0.0.21', checkSsl: false }));
        }),
      ),
    );
    assert.equal(scenario(m, 'none').apiReachable, false);
  });
  it('a sync group track_script acts on its member instances', () => {
    const m = mutate((x) =>
      bothLbs(x, (h) => {
        const k = h.keepalived;
        const i = k?.instances[0];
        if (!k || !i) return;
        k.syncGroups = [{ name: 'G', instances: [i.name], trackScripts: i.trackScripts }];
        i.trackScripts = [];
      }),
    );
    assert.deepEqual(scenario(m, 'haproxy-down:lb1').vipHolders, ['lb0']);
  });
  it('a dead checked server without redispatch: new connections to it fail for inter + (fall − 1) × fastinter', () => {
    const m = mutate((x) =>
      bothLbs(x, (h) =>
        h.haproxy?.backends.forEach((b) => {
          b.redispatch = false;
          b.servers.forEach((s) => Object.assign(s, { interMs: 3000, fastinterMs: 1000, fall: 3 }));
        }),
      ),
    );
    const s = scenario(m, 'node-down:m2');
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, 5000);
    assert.equal(scenario(goodModel(), 'node-down:m2').predictedOutageMs, 0);
  });
});

describe('reachability: how the connection gets to HAProxy', () => {
  it('vrrp_strict (no_accept) drops TCP to the VIP on the holder', () => {
    const m = mutate((x) => bothLbs(x, (h) => h.keepalived && (h.keepalived.vrrpStrict = true)));
    assert.equal(scenario(m, 'none').apiReachable, false);
  });
  it('a bind on the VIP without ip_nonlocal_bind works on the start-up holder only: after failover nothing listens', () => {
    const m = mutate((x) =>
      bothLbs(x, (h) => {
        h.sysctl = {};
        h.haproxy?.frontends.forEach((f) => (f.binds = [{ address: '10.0.0.100', port: 6443 }]));
      }),
    );
    assert.equal(scenario(m, 'none').apiReachable, true);
    const s = scenario(m, 'node-down:lb1');
    assert.deepEqual(s.vipHolders, ['lb0']);
    assert.equal(s.apiReachable, false);
    assert.match(s.note, /ip_nonlocal_bind/);
  });
  it('a mode http frontend answers TLS clients with 400', () => {
    const m = mutate((x) => bothLbs(x, (h) => h.haproxy?.frontends.forEach((f) => (f.mode = 'http'))));
    assert.equal(scenario(m, 'none').apiReachable, false);
  });
  it('HAProxy on another port than the endpoint, on dedicated LBs: nothing listens, unreachable', () => {
    const m = mutate((x) => bothLbs(x, (h) => h.haproxy?.frontends.forEach((f) => (f.binds = [{ address: '*', port: 16443 }]))));
    const s = scenario(m, 'none');
    assert.equal(s.apiReachable, false);
    assert.match(s.note, /nothing on lb1 listens/);
  });
  it('an external LB without health checks keeps sending connections to a dead apiserver', () => {
    const m: HaModel = {
      endpoint: { address: '10.0.0.5', port: 6443 },
      hosts: goodModel().hosts.filter((h) => h.apiserver),
      externalLb: { address: '10.0.0.5', port: 6443, hairpin: true, healthCheck: false, backends: [{ address: '10.0.0.21', port: 6443 }, { address: '10.0.0.22', port: 6443 }, { address: '10.0.0.23', port: 6443 }] },
    };
    assert.equal(scenario(m, 'none').apiReachable, true);
    assert.equal(scenario(m, 'apiserver-down:10.0.0.21:6443').apiReachable, false);
    assert.deepEqual(scenario(m, 'none').vipHolders, ['external:10.0.0.5']);
  });
  it('an ingress frontend on the LBs (80 → workers) adds no apiserver-down scenario and no finding', () => {
    const m = mutate((x) =>
      bothLbs(x, (h) => {
        h.haproxy?.frontends.push({ name: 'ingress', kind: 'frontend', mode: 'tcp', binds: [{ address: '*', port: 80 }], defaultBackend: 'ingress', useBackends: [], timeouts: { clientMs: 30_000 } });
        h.haproxy?.backends.push({ name: 'ingress', mode: 'tcp', servers: [{ name: 'w1', address: '10.0.0.31', port: 80, check: false, checkSsl: false, ssl: false, interMs: 2000, fall: 3, rise: 2, backup: false, disabled: false }], healthCheck: { type: 'tcp' }, redispatch: false, timeouts: {} });
      }),
    );
    assert.ok(!simulate(m).some((s) => s.failure.includes('10.0.0.31')));
    assert.deepEqual(analyzeModel(m).findings.map((f) => f.rule), ['scenario-split-brain']);
  });
  it('every failure the setup admits, with the exact names and no duplicate', () => {
    const names = simulate(goodModel()).map((s) => s.failure);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(names, [
      'none',
      'haproxy-down:lb0',
      'keepalived-down:lb0',
      'node-down:lb0',
      'haproxy-down:lb1',
      'keepalived-down:lb1',
      'node-down:lb1',
      'apiserver-down:10.0.0.21:6443',
      'apiserver-down:10.0.0.22:6443',
      'apiserver-down:10.0.0.23:6443',
      'node-down:m1',
      'node-down:m2',
      'node-down:m3',
      'partition:lb0|lb1',
    ]);
  });
});

describe('tcp-check with a hand-written TLS hello', () => {
  const hello = (ver: string): HaModel =>
    withCheck({ type: 'tcp-check', steps: ['connect', `send-binary 16030100a5010000a1${ver}`, 'expect binary 16'] }, false);
  it('an SSLv3 / TLS 1.0 hello gets a protocol_version alert (0x15): the expect on 16 fails', () => {
    assert.equal(scenario(hello('0300'), 'none').apiReachable, false);
    assert.equal(scenario(hello('0301'), 'none').apiReachable, false);
  });
  it('a TLS 1.2 hello is not judged (cipher suites are not modelled): assumed to pass and said so', () => {
    const m = hello('0303');
    assert.equal(scenario(m, 'none').apiReachable, true);
    assert.ok(analyzeModel(m).findings.some((f) => f.rule === 'haproxy-check-unknown' && /ClientHello/.test(f.message)));
  });
});
