import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeFor } from '../../src/model/routing.js';
import type { Frontend } from '../../src/model/types.js';

const fe = (o: Partial<Frontend>): Frontend => ({ name: 'f', kind: 'frontend', mode: 'tcp', binds: [], useBackends: [], timeouts: {}, ...o });
const client = { address: '10.0.0.100', port: 6443 };
const r = (cond: string, o: Partial<Frontend> = {}): ReturnType<typeof routeFor> => routeFor(fe({ routes: [{ backend: 'k8s', cond: cond ? cond.split(' ') : [] }], defaultBackend: 'other', ...o }), client);

describe('use_backend for a client that connects to the endpoint by address', () => {
  it('SNI rules never match (no SNI sent), negated ones do', () => {
    assert.equal(r('if { req.ssl_sni -i kubernetes }', { inspectDelayMs: 5000 }).backend, 'other');
    assert.equal(r('if { req_ssl_sni -m found }', { inspectDelayMs: 5000 }).backend, 'other');
    assert.equal(r('unless { req.ssl_sni -m found }').backend, 'k8s');
    assert.equal(r('if !{ req.ssl_sni -m found }').backend, 'k8s');
  });
  it('dst_port and dst against the endpoint, ranges and CIDRs', () => {
    assert.equal(r('if { dst_port 6443 }').backend, 'k8s');
    assert.equal(r('if { dst_port 6000:7000 }').backend, 'k8s');
    assert.equal(r('if { dst_port 8443 }').backend, 'other');
    assert.equal(r('if { dst 10.0.0.0/24 }').backend, 'k8s');
    assert.equal(r('if { dst 10.1.0.0/24 }').backend, 'other');
  });
  it('named ACLs (lines OR\'ed), AND, || and unless', () => {
    const acls = { sni: [['req.ssl_sni', 'kubernetes']], port: [['dst_port', '1'], ['dst_port', '6443']] };
    assert.equal(r('if port', { acls }).backend, 'k8s');
    assert.equal(r('if sni port', { acls }).backend, 'other');
    assert.equal(r('if sni || port', { acls }).backend, 'k8s');
    assert.equal(r('unless sni', { acls }).backend, 'k8s');
  });
  it('req.ssl_hello_type: true with inspect-delay, unknown (assumed, reported) without', () => {
    assert.equal(r('if { req_ssl_hello_type 1 }', { inspectDelayMs: 5000 }).unknown, undefined);
    assert.equal(r('if { req_ssl_hello_type 1 }', { inspectDelayMs: 5000 }).backend, 'k8s');
    const u = r('if { req_ssl_hello_type 1 }');
    assert.equal(u.backend, 'k8s');
    assert.ok(u.unknown);
  });
  it('src is unknown: assumed to match and said so', () => {
    const u = r('if { src 10.0.0.0/8 }');
    assert.equal(u.backend, 'k8s');
    assert.match(u.unknown ?? '', /src/);
  });
  it('no match and no default_backend: no backend; listen is its own default', () => {
    assert.equal(routeFor(fe({ routes: [{ backend: 'k8s', cond: ['if', '{', 'req.ssl_sni', 'x', '}'] }] }), client).backend, undefined);
    assert.equal(routeFor(fe({ kind: 'listen', name: 'api' }), client).backend, 'api');
    assert.equal(routeFor(fe({ routes: [{ backend: 'k8s', cond: [] }] }), client).backend, 'k8s');
  });
});

describe('tcp-request rules for a client that connects to the endpoint by address', () => {
  const gate = (rules: string[], o: Partial<Frontend> = {}): ReturnType<typeof routeFor> =>
    routeFor(
      fe({
        defaultBackend: 'k8s',
        tcpRequests: rules.map((line) => {
          const [layer, action, ...rest] = line.split(' ');
          const c = rest.findIndex((w) => w === 'if' || w === 'unless');
          return { layer: layer as 'connection', action: action as string, args: c < 0 ? rest : rest.slice(0, c), cond: c < 0 ? [] : rest.slice(c) };
        }),
        ...o,
      }),
      client,
    );
  it('a reject whose condition holds closes the connection: no backend, and why', () => {
    const r = gate(['content accept if { req.ssl_sni -m found }', 'content reject'], { inspectDelayMs: 5000 });
    assert.equal(r.backend, undefined);
    assert.match(r.refused?.why ?? '', /tcp-request content reject/);
  });
  it('a reject that does not hold, or a reject after an accept that holds, lets the client through', () => {
    assert.equal(gate(['content reject unless { req.ssl_hello_type 1 }'], { inspectDelayMs: 5000 }).backend, 'k8s');
    assert.equal(gate(['content reject if { dst_port 8443 }']).backend, 'k8s');
    assert.equal(gate(['content accept if { dst_port 6443 }', 'content reject']).backend, 'k8s');
  });
  it('an accept ends only its own layer: a connection accept does not skip the content rules', () => {
    assert.ok(gate(['connection accept', 'content reject']).refused);
    assert.equal(gate(['content accept', 'connection reject']).refused?.rule.layer, 'connection', 'connection rules run first');
  });
  it('silent-drop refuses; expect-proxy refuses in the connection layer only; other actions go on', () => {
    assert.ok(gate(['content silent-drop']).refused);
    assert.match(gate(['connection expect-proxy layer4 if { dst_port 6443 }']).refused?.why ?? '', /PROXY protocol/);
    assert.equal(gate(['connection track-sc0 src', 'content set-var(txn.x) int(1)']).backend, 'k8s');
  });
  it("a named defaults section's rules: content ones without request contents apply, connection ones and those on the request are taken as not applying, and said so", () => {
    const dflt = (line: string): ReturnType<typeof routeFor> => {
      const r = gate([line], { inspectDelayMs: 5000 });
      return r;
    };
    const withDefaults = (line: string): ReturnType<typeof routeFor> => {
      const [layer, action, ...rest] = line.split(' ');
      const c = rest.findIndex((w) => w === 'if' || w === 'unless');
      const rule = { fromDefaults: true, layer: layer as 'content', action: action as string, args: c < 0 ? rest : rest.slice(0, c), cond: c < 0 ? [] : rest.slice(c) };
      return routeFor(fe({ defaultBackend: 'k8s', inspectDelayMs: 5000, tcpRequests: [rule] }), client);
    };
    assert.ok(withDefaults('content reject').refused);
    assert.ok(withDefaults('content reject if { dst_port 6443 }').refused);
    for (const line of ['connection reject if { dst_port 6443 }', 'content reject unless { req.ssl_sni -m found }']) {
      const r = withDefaults(line);
      assert.equal(r.backend, 'k8s', line);
      assert.match(r.unknown ?? '', /from a defaults section/, line);
      assert.ok(dflt(line).refused, `the same rule in the frontend itself refuses: ${line}`);
    }
  });
  it('a condition kubeha cannot evaluate lets the client through and says so', () => {
    const r = gate(['connection reject if !{ src 10.0.0.0/8 }']);
    assert.equal(r.backend, 'k8s');
    assert.equal(r.refused, undefined);
    assert.match(r.unknown ?? '', /src/);
    assert.match(r.why, /assumed to let the client through/);
  });
});

