import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeEvent } from '../../src/measure/probes.js';
import type { HolderSample } from '../../src/measure/soak.js';
import { countVipMoves, parseHolderSamples, SOAK_PROBE_BUDGET_MS, SOAK_SLOW_MS, soakText, summariseSoak } from '../../src/measure/soak.js';

const probes = (from: number, n: number, fail: (i: number) => boolean, ms: (i: number) => number = () => 5): ProbeEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'probe' as const, start: from + i * 20, ms: ms(i), ok: !fail(i) }));
/** One sample every 100 ms over [from, to), holder `who(t)`. */
const sampled = (from: number, to: number, who: (t: number) => string[]): HolderSample[] => {
  const out: HolderSample[] = [];
  for (let t = from; t < to; t += 100) out.push({ at: t, holders: who(t) });
  return out;
};

describe('soak summary', () => {
  const phases = [
    { name: 'cpu' as const, what: 'CPUs saturated', from: 1000, to: 3000 },
    { name: 'link' as const, what: 'lb0 loss 2%', from: 4000, to: 6000 },
  ];
  const steadyHolder = sampled(0, 7000, () => ['lb0']);

  it('clean phases: no finding; probes counted per phase; moves from the samples', () => {
    const r = summariseSoak({ events: [...probes(1000, 100, () => false), ...probes(4000, 100, () => false)], phases, transitions: [], origin: 0, samples: steadyHolder });
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.notes, []);
    assert.deepEqual(
      r.phases.map((p) => [p.name, p.probes, p.failed, p.vipMoves, p.seconds, p.holderSamples]),
      [
        ['cpu', 100, 0, 0, 2, 20],
        ['link', 100, 0, 0, 2, 20],
      ],
    );
    assert.match(soakText(r), /^ok {3}soak cpu/);
  });

  it('a VIP move and failed probes are error findings of their phase; transitions are timed from the origin', () => {
    const moved = sampled(0, 7000, (t) => (t < 4500 ? ['lb0'] : ['lb1']));
    const r = summariseSoak({ events: [...probes(1000, 100, () => false), ...probes(4000, 100, (i) => i === 50)], phases, transitions: [{ host: 'lb1', state: 'MASTER', atMs: 4500 - 500 }], origin: 500, samples: moved });
    assert.deepEqual(
      r.findings.map((f) => [f.rule, f.message.slice(0, 9)]),
      [
        ['drill-soak-vip-moved', 'soak link'],
        ['drill-soak-failed-probes', 'soak link'],
      ],
    );
    assert.equal(r.phases[1]!.vipMoves, 1);
    assert.equal(r.phases[1]!.journalMasterTransitions, 1);
    assert.equal(r.phases[0]!.vipMoves, 0);
    assert.deepEqual(r.notes, [], 'samples and journal agree');
  });

  it("the soak's budget: slow answers within it are not failures but are reported; beyond it they are", () => {
    const ev = probes(1000, 100, () => false, (i) => (i === 10 ? 1800 : i === 20 ? SOAK_PROBE_BUDGET_MS + 1 : 40));
    const r = summariseSoak({ events: ev, phases: phases.slice(0, 1), transitions: [], origin: 0, samples: steadyHolder });
    const p = r.phases[0]!;
    assert.equal(p.failed, 1);
    assert.deepEqual(p.errors, { 'over budget': 1 });
    assert.equal(p.slow, 1, `one answer slower than ${SOAK_SLOW_MS} ms`);
    assert.equal(p.maxMs, 1800);
    assert.equal(p.p50Ms, 40);
    assert.equal(p.budgetMs, SOAK_PROBE_BUDGET_MS);
    assert.deepEqual(r.findings.map((f) => f.rule), ['drill-soak-failed-probes']);
    assert.match(r.findings[0]!.message, /1 over budget/);
  });

  it('a move the journal lost is still found by the samples, with a note on the disagreement', () => {
    const moved = sampled(0, 7000, (t) => (t < 2000 ? ['lb0'] : ['lb1']));
    const r = summariseSoak({ events: [...probes(1000, 100, () => false), ...probes(4000, 100, () => false)], phases, transitions: [], origin: 0, samples: moved });
    assert.equal(r.phases[0]!.vipMoves, 1);
    assert.deepEqual(r.findings.map((f) => f.rule), ['drill-soak-vip-moved']);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0]!, /soak cpu: the holder samples show 1 move/);
  });

  it('without samples the moves come from the journal', () => {
    const r = summariseSoak({ events: probes(1000, 100, () => false), phases: phases.slice(0, 1), transitions: [{ host: 'lb1', state: 'MASTER', atMs: 1500 }], origin: 0 });
    assert.equal(r.phases[0]!.vipMoves, 1);
    assert.equal(r.phases[0]!.holderSamples, 0);
    assert.deepEqual(r.findings.map((f) => f.rule), ['drill-soak-vip-moved']);
  });

  it('a phase without probes did not run', () => {
    const r = summariseSoak({ events: [], phases: phases.slice(0, 1), transitions: [], origin: 0 });
    assert.deepEqual(r.findings.map((f) => f.rule), ['drill-not-run']);
  });
});

describe('VIP moves from holder samples', () => {
  it('the sampler lines: holders sorted, junk and malformed lines skipped', () => {
    assert.deepEqual(parseHolderSamples('S 1000 lb1 lb0\nS 1100\nnoise\nS x lb0\nS 1200 lb0\n'), [
      { at: 1000, holders: ['lb0', 'lb1'] },
      { at: 1100, holders: [] },
      { at: 1200, holders: ['lb0'] },
    ]);
  });

  it('a steady holder: no move; the resolution is the largest gap between samples', () => {
    const s = [...sampled(0, 1000, () => ['lb0']), { at: 1450, holders: ['lb0'] }];
    assert.deepEqual(countVipMoves(s, 0, 2000), { moves: 0, drops: 0, splits: 0, samples: 11, maxGapMs: 550 });
  });

  it('A → nobody → B is one move and one drop; A → both → A is a split, not a move', () => {
    const s: HolderSample[] = [
      { at: 0, holders: ['lb0'] },
      { at: 100, holders: [] },
      { at: 200, holders: [] },
      { at: 300, holders: ['lb1'] },
      { at: 400, holders: ['lb0', 'lb1'] },
      { at: 500, holders: ['lb1'] },
    ];
    assert.deepEqual(countVipMoves(s, 0, 1000), { moves: 1, drops: 1, splits: 1, samples: 6, maxGapMs: 100 });
    // A drop and a re-take by the same LB: not a move, but a drop.
    assert.deepEqual(countVipMoves([{ at: 0, holders: ['lb0'] }, { at: 100, holders: [] }, { at: 200, holders: ['lb0'] }], 0, 1000).moves, 0);
  });

  it('the holder before the window is the reference (a move at its first sample counts); samples in any order', () => {
    const s: HolderSample[] = [
      { at: 1000, holders: ['lb1'] },
      { at: 900, holders: ['lb0'] },
      { at: 1100, holders: ['lb1'] },
    ];
    assert.equal(countVipMoves(s, 1000, 2000).moves, 1);
    assert.equal(countVipMoves(s, 1050, 2000).moves, 0, 'the move happened before this window');
    assert.deepEqual(countVipMoves([], 0, 1000), { moves: 0, drops: 0, splits: 0, samples: 0, maxGapMs: undefined });
  });

});
