import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeModel } from '../../src/analyze/index.js';
import type { HaModel } from '../../src/model/types.js';
import { clone, goodModel } from './build.js';

/** Small random edits of the good model: the analysis must never throw and its invariants must hold. */
const edit = fc.oneof(
  fc.record({ k: fc.constant('prio'), host: fc.constantFrom('lb0', 'lb1'), v: fc.integer({ min: 0, max: 260 }) }),
  fc.record({ k: fc.constant('weight'), host: fc.constantFrom('lb0', 'lb1'), v: fc.integer({ min: -260, max: 260 }) }),
  fc.record({ k: fc.constant('state'), host: fc.constantFrom('lb0', 'lb1'), v: fc.constantFrom('MASTER', 'BACKUP') }),
  fc.record({ k: fc.constant('vrid'), host: fc.constantFrom('lb0', 'lb1'), v: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ k: fc.constant('nopreempt'), host: fc.constantFrom('lb0', 'lb1'), v: fc.boolean() }),
  fc.record({ k: fc.constant('port'), host: fc.constantFrom('lb0', 'lb1'), v: fc.integer({ min: 0, max: 70000 }) }),
  fc.record({ k: fc.constant('check'), host: fc.constantFrom('lb0', 'lb1'), v: fc.boolean() }),
  fc.record({ k: fc.constant('script'), host: fc.constantFrom('lb0', 'lb1'), v: fc.string({ maxLength: 40 }) }),
  fc.record({ k: fc.constant('drop'), host: fc.constantFrom('lb0', 'lb1', 'm1', 'm2', 'm3'), v: fc.constant(0) }),
  fc.record({ k: fc.constant('advert'), host: fc.constantFrom('lb0', 'lb1'), v: fc.double({ min: 0, max: 300, noNaN: true }) }),
  fc.record({ k: fc.constant('endpoint'), host: fc.constant(''), v: fc.constantFrom('10.0.0.100', '10.0.0.10', '10.0.0.21', '1.2.3.4', '') }),
);

function apply(m: HaModel, e: { k: string; host: string; v: unknown }): void {
  const h = m.hosts.find((x) => x.name === e.host);
  const i = h?.keepalived?.instances[0];
  switch (e.k) {
    case 'prio':
      if (i) i.priority = e.v as number;
      break;
    case 'weight':
      for (const s of Object.values(h?.keepalived?.scripts ?? {})) s.weight = e.v as number;
      break;
    case 'state':
      if (i) i.state = e.v as 'MASTER' | 'BACKUP';
      break;
    case 'vrid':
      if (i) i.virtualRouterId = e.v as number;
      break;
    case 'nopreempt':
      if (i) i.nopreempt = e.v as boolean;
      break;
    case 'port':
      h?.haproxy?.frontends.forEach((f) => f.binds.forEach((b) => (b.port = e.v as number)));
      break;
    case 'check':
      h?.haproxy?.backends.forEach((b) => b.servers.forEach((s) => (s.check = e.v as boolean)));
      break;
    case 'script':
      for (const s of Object.values(h?.keepalived?.scripts ?? {})) s.script = e.v as string;
      break;
    case 'drop':
      m.hosts = m.hosts.filter((x) => x.name !== e.host);
      break;
    case 'advert':
      if (i) i.advertIntS = e.v as number;
      break;
    case 'endpoint':
      m.endpoint.address = e.v as string;
      break;
  }
}

describe('analyzeModel on randomly edited models', () => {
  it('never throws; scenario names are unique; unreachable ⇒ no outage figure and an error finding; findings sorted', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 6 }), (edits) => {
        const m = clone(goodModel());
        for (const e of edits) apply(m, e);
        const r = analyzeModel(m);
        const names = r.scenarios.map((s) => s.failure);
        assert.equal(new Set(names).size, names.length);
        assert.equal(names[0], 'none');
        for (const s of r.scenarios) {
          if (!s.apiReachable) {
            assert.equal(s.predictedOutageMs, undefined);
            assert.ok(r.findings.some((f) => f.rule === 'scenario-api-unreachable' && f.message.startsWith(`${s.failure}:`)));
          } else assert.ok(Number.isFinite(s.predictedOutageMs ?? 0) && (s.predictedOutageMs ?? 0) >= 0);
        }
        const order = r.findings.map((f) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
        assert.deepEqual(order, [...order].sort((a, b) => a - b));
        assert.ok(!r.findings.some((f) => f.message.startsWith('rule failed')), 'no rule crashed');
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
