import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { parseHaproxy } from '../../src/parse/haproxy/index.js';
import { loadMirror } from '../../src/parse/mirror.js';

const cfg = (defaults: string, frontend = ''): string => `defaults
    mode tcp
    timeout connect 5s
${defaults}
frontend api
    bind *:6443
${frontend}    default_backend api
backend api
    server m1 10.0.0.21:6443 check
`;

function unitless(text: string): string[] {
  const { model } = loadMirror(memoryFileSource({ '/hosts.yaml': 'endpoint: 10.0.0.2:6443\nhosts:\n  - {name: lb0, address: 10.0.0.2}\n  - {name: m1, address: 10.0.0.21}\n', '/lb0/etc/haproxy/haproxy.cfg': text }));
  assert.ok(model);
  return analyzeModel(model).findings.filter((f) => f.rule === 'haproxy-timeout-unitless').map((f) => f.message);
}

describe('timeouts without a unit (HAProxy reads milliseconds)', () => {
  test('the model keeps the text of unitless timeouts; a later value with a unit clears it', () => {
    const { config } = parseHaproxy(memoryFileSource({ '/h.cfg': cfg('    timeout client 50\n    timeout server 5000\n    timeout client-fin 30', '    timeout client 50s\n') }), '/h.cfg');
    assert.deepEqual(config.frontends[0]?.timeouts, { connectMs: 5000, clientMs: 50_000, serverMs: 5000, other: { 'client-fin': 30 }, unitless: { server: '5000', 'client-fin': '30' } });
    assert.deepEqual(config.backends[0]?.timeouts.unitless, { client: '50', server: '5000', 'client-fin': '30' });
  });

  test('positive: `timeout client 50` meant as seconds is 50 ms; `5000` is reported too, whatever its size', () => {
    const msgs = unitless(cfg('    timeout client 50\n    timeout server 5000'));
    assert.equal(msgs.length, 2, msgs.join('\n'));
    assert.match(msgs[0] ?? '', /^api on lb0 has timeouts without a unit, read as milliseconds: timeout client 50 \(50ms; 50 s if seconds were meant\), timeout server 5000 \(5s\)$/);
  });

  test('negative: explicit units (s, ms, m) are not reported, sub-second ones included', () => {
    assert.deepEqual(unitless(cfg('    timeout client 50s\n    timeout server 500ms\n    timeout tunnel 1h')), []);
  });
});
