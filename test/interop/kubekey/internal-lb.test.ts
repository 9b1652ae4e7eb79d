import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderKubekeyInternalLb } from '../../../src/interop/kubekey/internal-lb.js';
import { memoryFileSource } from '../../../src/parse/file-source.js';
import { loadMirror } from '../../../src/parse/mirror.js';

const masters = [
  { hostname: 'm0', address: '10.95.0.21' },
  { hostname: 'm1', address: '10.95.0.22' },
];

describe("KubeKey's internal load balancer", () => {
  it('parses back with the settings of its template: leastconn, httpchk GET /healthz over TLS, inter 15s fall 2', () => {
    const cfg = renderKubekeyInternalLb({ controlPlane: masters, bindAddress: '10.95.0.11', apiserverPort: 6443 });
    const loaded = loadMirror(memoryFileSource({ '/hosts.yaml': 'endpoint: 10.95.0.11:6443\nhosts:\n  - { name: w0, address: 10.95.0.11 }\n  - { name: m0, address: 10.95.0.21 }\n  - { name: m1, address: 10.95.0.22 }\n', '/w0/etc/haproxy/haproxy.cfg': cfg }));
    assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error'), []);
    const w0 = loaded.model?.hosts.find((h) => h.name === 'w0');
    const backend = w0?.haproxy?.backends.find((b) => b.name === 'kube_api_backend');
    assert.ok(backend, 'kube_api_backend parsed');
    assert.equal(backend.mode, 'tcp');
    assert.equal(backend.balance, 'leastconn');
    assert.equal(backend.redispatch, true);
    assert.equal(backend.retries, 5);
    assert.equal(backend.healthCheck.type, 'http');
    assert.deepEqual(backend.servers.map((s) => [s.name, s.address, s.port, s.check, s.checkSsl, s.interMs, s.fall, s.rise]), [
      ['m0', '10.95.0.21', 6443, true, true, 15000, 2, 2],
      ['m1', '10.95.0.22', 6443, true, true, 15000, 2, 2],
    ]);
  });
  it('binds loopback unless told otherwise, on the endpoint port; health frontend on 8081', () => {
    const cfg = renderKubekeyInternalLb({ controlPlane: masters, port: 7443 });
    assert.match(cfg, /^ {2}bind 127\.0\.0\.1:7443$/m);
    assert.match(cfg, /^ {2}bind \*:8081$/m);
    assert.match(cfg, /^ {2}option httpchk GET \/healthz$/m);
  });
});
