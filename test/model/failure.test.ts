import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FAILURE_KINDS,
  LAB_FAULTS,
  LAB_FAULT_UNDO,
  failureHosts,
  failureOfLabFault,
  formatFailure,
  injectionOf,
  parseFailure,
  parseLinkFault,
  type Failure,
} from '../../src/model/failure.js';

const EXAMPLES: [string, Failure][] = [
  ['none', { kind: 'none' }],
  ['haproxy-down:lb0', { kind: 'haproxy-down', host: 'lb0' }],
  ['keepalived-down:lb1', { kind: 'keepalived-down', host: 'lb1' }],
  ['node-down:master2', { kind: 'node-down', host: 'master2' }],
  ['apiserver-down:10.0.0.21:6443', { kind: 'apiserver-down', address: '10.0.0.21', port: 6443 }],
  ['apiserver-down:master0:8443', { kind: 'apiserver-down', address: 'master0', port: 8443 }],
  ['apiserver-down:fd00::21:6443', { kind: 'apiserver-down', address: 'fd00::21', port: 6443 }],
  ['partition:lb0|lb1', { kind: 'partition', hosts: ['lb0', 'lb1'] }],
  ['link-degraded:lb0', { kind: 'link-degraded', host: 'lb0' }],
];

function parsed(text: string): Failure {
  const p = parseFailure(text);
  assert.ok(p.ok, `${text}: ${p.ok ? '' : p.problem.message}`);
  return p.failure;
}

describe('failures: text form', () => {
  it('every kind parses to its typed value and formats back to the same text', () => {
    for (const [text, failure] of EXAMPLES) {
      assert.deepEqual(parsed(text), failure, text);
      assert.equal(formatFailure(failure), text);
      assert.equal(formatFailure(parsed(text)), text);
    }
  });

  it('the examples cover every kind', () => {
    assert.deepEqual(new Set(EXAMPLES.map(([, f]) => f.kind)), new Set(FAILURE_KINDS));
  });

  it('bad text gives a FAILURE_SYNTAX error that quotes it and says what to write', () => {
    const cases: [string, RegExp, RegExp][] = [
      ['', /unknown kind ""/, /none, haproxy-down:<host>/],
      ['node-up:lb0', /unknown kind "node-up"/, /node-down:<host>/],
      ['NONE', /unknown kind "NONE"/, /none/],
      ['none:lb0', /`none` takes no argument/, /write `none`/],
      ['node-down', /node-down needs a host name/, /node-down:<host>, e\.g\. node-down:lb0/],
      ['haproxy-down:', /haproxy-down needs a host name/, /haproxy-down:<host>/],
      ['keepalived-down:lb 0', /needs a host name without spaces/, /keepalived-down:<host>/],
      ['link-degraded:a|b', /link-degraded needs a host name/, /link-degraded:<host>/],
      ['apiserver-down:10.0.0.21', /address and a port/, /apiserver-down:<address>:<port>/],
      ['apiserver-down:10.0.0.21:', /address and a port/, /apiserver-down:<address>:<port>/],
      ['apiserver-down::6443', /address and a port/, /apiserver-down:<address>:<port>/],
      ['apiserver-down:10.0.0.21:https', /address and a port/, /apiserver-down:<address>:<port>/],
      ['apiserver-down:10.0.0.21:70000', /port from 1 to 65535/, /apiserver-down:<address>:<port>/],
      ['apiserver-down:10.0.0.21:0', /port from 1 to 65535/, /apiserver-down:<address>:<port>/],
      ['partition:lb0', /two host names separated by "\|"/, /partition:<host>\|<host>/],
      ['partition:lb0|lb1|lb2', /two host names/, /partition:<host>\|<host>/],
      ['partition:lb0|', /two host names/, /partition:<host>\|<host>/],
      ['partition:lb0|lb0', /two different hosts/, /<other host>/],
    ];
    for (const [text, message, hint] of cases) {
      const p = parseFailure(text);
      assert.equal(p.ok, false, text);
      if (p.ok) continue;
      assert.equal(p.problem.code, 'FAILURE_SYNTAX');
      assert.equal(p.problem.severity, 'error');
      assert.ok(p.problem.message.startsWith(`failure "${text}": `), p.problem.message);
      assert.match(p.problem.message, message, text);
      assert.match(p.problem.hint ?? '', hint, text);
    }
  });

  it('the hosts a failure names', () => {
    assert.deepEqual(failureHosts(parsed('none')), []);
    assert.deepEqual(failureHosts(parsed('node-down:lb0')), ['lb0']);
    assert.deepEqual(failureHosts(parsed('partition:lb0|lb1')), ['lb0', 'lb1']);
    assert.deepEqual(failureHosts(parsed('apiserver-down:10.0.0.21:6443')), []);
  });
});

describe('failures: lab faults', () => {
  it('each breaking lab fault has an undo, and the undo faults are the rest', () => {
    const breaking = Object.keys(LAB_FAULT_UNDO);
    const undoing = Object.values(LAB_FAULT_UNDO);
    assert.deepEqual(new Set([...breaking, ...undoing]), new Set(LAB_FAULTS));
    assert.equal(breaking.length + undoing.length, LAB_FAULTS.length);
    assert.deepEqual(LAB_FAULT_UNDO, { 'power-off': 'power-on', 'link-down': 'link-up', freeze: 'thaw' });
  });

  it('node-down is a power cut, undone by power-on', () => {
    assert.deepEqual(injectionOf(parsed('node-down:lb0')), {
      ok: true,
      inject: [{ kind: 'lab-fault', host: 'lb0', fault: 'power-off' }],
      undo: [{ kind: 'lab-fault', host: 'lb0', fault: 'power-on' }],
    });
  });

  it('process failures are injected over SSH: HAProxy killed, keepalived stopped, each started again', () => {
    assert.deepEqual(injectionOf(parsed('haproxy-down:lb1')), {
      ok: true,
      inject: [{ kind: 'service', host: 'lb1', service: 'haproxy', action: 'kill' }],
      undo: [{ kind: 'service', host: 'lb1', service: 'haproxy', action: 'start' }],
    });
    assert.deepEqual(injectionOf(parsed('keepalived-down:lb0')), {
      ok: true,
      inject: [{ kind: 'service', host: 'lb0', service: 'keepalived', action: 'stop' }],
      undo: [{ kind: 'service', host: 'lb0', service: 'keepalived', action: 'start' }],
    });
  });

  it('apiserver-down finds its host by address, or says it cannot', () => {
    const hostAt = (address: string): string | undefined => ({ '10.0.0.21': 'master1' })[address];
    assert.deepEqual(injectionOf(parsed('apiserver-down:10.0.0.21:6443'), hostAt), {
      ok: true,
      inject: [{ kind: 'service', host: 'master1', service: 'kube-apiserver', action: 'kill' }],
      undo: [{ kind: 'service', host: 'master1', service: 'kube-apiserver', action: 'start' }],
    });
    const missing = injectionOf(parsed('apiserver-down:10.0.0.99:6443'), hostAt);
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.why, /10\.0\.0\.99/);
  });

  it('none needs nothing; a partition cuts VRRP both ways and heals it; link-degraded delays and drops, then clears', () => {
    assert.deepEqual(injectionOf(parsed('none')), { ok: true, inject: [], undo: [] });
    assert.deepEqual(injectionOf(parsed('partition:lb0|lb1')), {
      ok: true,
      inject: [{ kind: 'vrrp-cut', hosts: ['lb0', 'lb1'], action: 'cut' }],
      undo: [{ kind: 'vrrp-cut', hosts: ['lb0', 'lb1'], action: 'heal' }],
    });
    assert.deepEqual(injectionOf(parsed('link-degraded:lb1')), {
      ok: true,
      inject: [
        { kind: 'link', host: 'lb1', fault: { kind: 'delay', ms: 50 } },
        { kind: 'link', host: 'lb1', fault: { kind: 'loss', percent: 2 } },
      ],
      undo: [{ kind: 'link', host: 'lb1', fault: { kind: 'clear' } }],
    });
  });

  it('link faults: delay in ms or s, loss in percent, clear; anything else is LAB_LINK_FAULT', () => {
    assert.deepEqual(parseLinkFault('delay', '50ms'), { ok: true, fault: { kind: 'delay', ms: 50 } });
    assert.deepEqual(parseLinkFault('delay', '0.25s'), { ok: true, fault: { kind: 'delay', ms: 250 } });
    assert.deepEqual(parseLinkFault('loss', '2.5%'), { ok: true, fault: { kind: 'loss', percent: 2.5 } });
    assert.deepEqual(parseLinkFault('clear', undefined), { ok: true, fault: { kind: 'clear' } });
    for (const [kind, value] of [['delay', '50'], ['delay', undefined], ['delay', '0ms'], ['delay', '-5ms'], ['loss', '5'], ['loss', '0%'], ['loss', '101%'], ['clear', 'now'], ['jitter', '5ms']] as const) {
      const p = parseLinkFault(kind, value);
      assert.equal(p.ok, false, `${kind} ${value}`);
      assert.equal(p.ok ? '' : p.problem.code, 'LAB_LINK_FAULT');
    }
  });

  it('while a breaking lab fault lasts, the simulator predicts node-down of that host; undoing faults predict none', () => {
    const expected = { 'power-off': 'node-down:lb0', 'power-on': 'none', 'link-down': 'node-down:lb0', 'link-up': 'none', freeze: 'node-down:lb0', thaw: 'none' };
    for (const fault of LAB_FAULTS) assert.equal(formatFailure(failureOfLabFault('lb0', fault)), expected[fault], fault);
  });
});
