import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';

// The configuration of kubeadm's HA guide (kubernetes/kubeadm docs/ha-considerations.md), filled in for two LBs.
const guideHaproxy = `global
    log stdout format raw local0
    daemon
defaults
    mode                    http
    log                     global
    option                  httplog
    option                  dontlognull
    option http-server-close
    option forwardfor       except 127.0.0.0/8
    option                  redispatch
    retries                 1
    timeout http-request    10s
    timeout queue           20s
    timeout connect         5s
    timeout client          35s
    timeout server          35s
    timeout http-keep-alive 10s
    timeout check           10s
frontend apiserver
    bind *:8443
    mode tcp
    option tcplog
    default_backend apiserverbackend
backend apiserverbackend
    option httpchk
    http-check connect ssl
    http-check send meth GET uri /healthz
    http-check expect status 200
    mode tcp
    balance     roundrobin
    server m1 10.0.0.21:6443 check verify none
    server m2 10.0.0.22:6443 check verify none
    server m3 10.0.0.23:6443 check verify none
`;

// Same meaning, TLS for the check said on the server lines (what the parser models today).
const haproxy = guideHaproxy.replace('    http-check connect ssl\n', '').replace(/check verify none/g, 'check check-ssl verify none');

const keepalived = (state: string, prio: number): string => `global_defs {
    router_id LVS_DEVEL
}
vrrp_script check_apiserver {
  script "/etc/keepalived/check_apiserver.sh"
  interval 3
  weight -2
  fall 10
  rise 2
}
vrrp_instance VI_1 {
    state ${state}
    interface eth0
    virtual_router_id 42
    priority ${prio}
    authentication {
        auth_type PASS
        auth_pass 42
    }
    virtual_ipaddress {
        10.0.0.100
    }
    track_script {
        check_apiserver
    }
}
`;

const check = `#!/bin/sh
errorExit() {
    echo "*** $*" 1>&2
    exit 1
}
APISERVER_DEST_PORT=8443
curl -sfk --max-time 2 https://localhost:\${APISERVER_DEST_PORT}/healthz -o /dev/null || errorExit "Error GET https://localhost:\${APISERVER_DEST_PORT}/healthz"
`;

function mirror(hap: string): Record<string, string> {
  const files: Record<string, string> = {
    '/hosts.yaml': `endpoint: 10.0.0.100:8443
hosts:
  - { name: lb0, address: 10.0.0.10 }
  - { name: lb1, address: 10.0.0.11 }
  - { name: m1, address: 10.0.0.21 }
  - { name: m2, address: 10.0.0.22 }
  - { name: m3, address: 10.0.0.23 }
`,
  };
  for (const [h, state, prio] of [
    ['lb0', 'MASTER', 101],
    ['lb1', 'BACKUP', 100],
  ] as const) {
    files[`/${h}/etc/haproxy/haproxy.cfg`] = hap;
    files[`/${h}/etc/keepalived/keepalived.conf`] = keepalived(state, prio);
    files[`/${h}/etc/keepalived/check_apiserver.sh`] = check;
  }
  return files;
}

describe("kubeadm's HA guide (keepalived + HAProxy on dedicated LBs)", () => {
  const { model, diagnostics } = loadMirror(memoryFileSource(mirror(haproxy)));
  it('parses', () => assert.ok(model, diagnostics.map((d) => d.message).join('; ')));
  const r = model ? analyzeModel(model) : { findings: [], scenarios: [] };
  it('reads check_apiserver.sh as a GET /healthz through the local HAProxy frontend', () => {
    assert.match(r.scenarios[0]?.note ?? '', /lb0 MASTER/);
    const s = r.scenarios.find((x) => x.failure === 'haproxy-down:lb0');
    assert.deepEqual(s?.vipHolders, ['lb1']);
    assert.equal(s?.apiReachable, true);
    // 3 s × fall 10, then lb1's master-down interval
    assert.equal(s?.predictedOutageMs, Math.round(30_000 + 3000 + (156 * 1000) / 256));
  });
  it('has no error finding; it warns about the slow tracker and the 35 s idle timeouts', () => {
    assert.deepEqual(r.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`), []);
    const rules = new Set(r.findings.map((f) => f.rule));
    assert.ok(rules.has('track-slow-detection'));
    assert.ok(rules.has('haproxy-timeout-idle-short'));
    assert.ok(!rules.has('haproxy-httpchk-no-ssl'));
    assert.ok(!rules.has('track-not-haproxy'));
  });
  it("the guide's literal `http-check connect ssl` is a TLS check: no httpchk-without-ssl error, servers in rotation", () => {
    const lit = loadMirror(memoryFileSource(mirror(guideHaproxy))).model;
    assert.ok(lit);
    const be = lit.hosts[0]?.haproxy?.backends[0];
    assert.equal(be?.healthCheck.type === 'http' && be.healthCheck.ssl, true);
    const report = analyzeModel(lit);
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`), []);
    assert.ok(report.scenarios.every((s) => s.apiReachable));
  });
  it('control: the same backend without `http-check connect ssl` (and no check-ssl) is the httpchk-without-ssl error', () => {
    const plain = loadMirror(memoryFileSource(mirror(guideHaproxy.replace('    http-check connect ssl\n', '')))).model;
    assert.ok(plain);
    assert.ok(analyzeModel(plain).findings.some((f) => f.rule === 'haproxy-httpchk-no-ssl' && f.severity === 'error'));
  });
});
