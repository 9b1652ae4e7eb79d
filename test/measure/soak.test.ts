import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeEvent } from '../../src/measure/probes.js';
import { soakText, summariseSoak } from '../../src/measure/soak.js';

const probes = (from: number, n: number, fail: (i: number) => boolean): ProbeEvent[] => Array.from({ length: n }, (_, i) => ({ type: 'probe' as const, start: from + i * 20, ms: 5, ok: !fail(i) }));

describe('soak summary', () => {
  const phases = [
    { name: 'cpu' as const, what: 'CPUs saturated', from: 1000, to: 3000 },
    { name: 'link' as const, what: 'lb0 loss 2%', from: 4000, to: 6000 },
  ];
  it('clean phases: no finding; probes counted per phase', () => {
    const r = summariseSoak([...probes(1000, 100, () => false), ...probes(4000, 100, () => false)], phases, [], 0);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.phases.map((p) => [p.name, p.probes, p.failed, p.vipMoves, p.seconds]), [
      ['cpu', 100, 0, 0, 2],
      ['link', 100, 0, 0, 2],
    ]);
    assert.match(soakText(r), /^ok {3}soak cpu/);
  });
  it('a VIP move and failed probes are error findings of their phase; transitions are timed from the origin', () => {
    const r = summariseSoak([...probes(1000, 100, () => false), ...probes(4000, 100, (i) => i === 50)], phases, [{ host: 'lb1', state: 'MASTER', atMs: 4500 - 500 }], 500);
    assert.deepEqual(r.findings.map((f) => [f.rule, f.message.slice(0, 9)]), [
      ['drill-soak-vip-moved', 'soak link'],
      ['drill-soak-failed-probes', 'soak link'],
    ]);
    assert.equal(r.phases[1]!.vipMoves, 1);
    assert.equal(r.phases[0]!.vipMoves, 0);
  });
  it('a phase without probes did not run', () => {
    const r = summariseSoak([], phases.slice(0, 1), [], 0);
    assert.deepEqual(r.findings.map((f) => f.rule), ['drill-not-run']);
  });
});
