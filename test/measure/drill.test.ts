import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario } from '../../src/analyze/types.js';
import type { DrillResult } from '../../src/measure/drill.js';
import { judge, predictionFor } from '../../src/measure/drill.js';
import type { ProbeEvent } from '../../src/measure/probes.js';
import { classifyProbe, longestOutage, openWatches, parseProbeLines, percentile, steady, summariseWindow } from '../../src/measure/probes.js';
import { drillReport } from '../../src/measure/report.js';
import { holderSegments, timelineSvg } from '../../src/measure/timeline-svg.js';
import { parseFailure, type Failure } from '../../src/model/failure.js';

/** Probes every 20 ms from t=0; `fail(i)` says which fail. */
function probes(n: number, fail: (i: number) => boolean, ms = 5): ProbeEvent[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'probe' as const, start: i * 20, ms, ok: !fail(i) }));
}
const failure = (t: string): Failure => {
  const p = parseFailure(t);
  assert.ok(p.ok);
  return p.failure;
};

describe('probe summary', () => {
  it('NDJSON lines into events; junk lines are skipped', () => {
    const text = '{"type":"probe","start":1,"ms":2,"ok":true}\nnot json\n{"type":"watch","id":0,"event":"open","at":3}\n{"type":"other"}\n{broken\n';
    assert.deepEqual(parseProbeLines(text), [
      { type: 'probe', start: 1, ms: 2, ok: true },
      { type: 'watch', id: 0, event: 'open', at: 3 },
    ]);
  });

  it('the outage is the longest failure run: first failure to the next success, as a client sees it', () => {
    // Failures at 10-14 (5 probes) and 20-21 (2 probes): the first run is the longest, 100 ms.
    const ev = probes(50, (i) => (i >= 10 && i <= 14) || i === 20 || i === 21);
    const s = summariseWindow(ev, 0, 1000);
    assert.equal(s.probes, 50);
    assert.equal(s.failed, 7);
    assert.equal(s.outageMs, 100);
    assert.deepEqual(s.outage, { from: 200, to: 300 });
    assert.equal(s.recovered, true);
  });

  it('a run that lasts to the end: to the end of its last probe, and not recovered', () => {
    const ev = probes(20, (i) => i >= 15, 1000);
    const run = longestOutage(ev.filter((e): e is Extract<ProbeEvent, { type: 'probe' }> => e.type === 'probe'));
    assert.deepEqual(run, { from: 300, to: 1380, ms: 1080, recovered: false });
    assert.equal(summariseWindow(ev, 0, 1000).recovered, false);
  });

  it('no failure: outage 0, no outage span; windows split by start time', () => {
    const ev = probes(100, () => false);
    const a = summariseWindow(ev, 0, 1000);
    const b = summariseWindow(ev, 1000, 5000);
    assert.equal(a.outageMs, 0);
    assert.equal(a.outage, undefined);
    assert.equal(a.probes + b.probes, 100);
    assert.equal(a.probes, 50);
  });

  it('p99 of successful probes only (nearest rank)', () => {
    assert.equal(percentile([], 99), undefined);
    assert.equal(percentile([5], 99), 5);
    assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
    const ev: ProbeEvent[] = [...probes(99, () => false, 10), { type: 'probe', start: 2000, ms: 900, ok: false }, { type: 'probe', start: 2020, ms: 50, ok: true }];
    assert.equal(summariseWindow(ev, 0, 5000).p99Ms, 10);
  });

  it('broken watches are counted in their window; open watches are those not broken since', () => {
    const ev: ProbeEvent[] = [
      { type: 'watch', id: 0, event: 'open', at: 0 },
      { type: 'watch', id: 1, event: 'open', at: 0 },
      { type: 'watch', id: 0, event: 'broken', at: 500 },
      { type: 'watch', id: 1, event: 'broken', at: 1500 },
      { type: 'watch', id: 1, event: 'open', at: 1600 },
    ];
    assert.equal(summariseWindow(ev, 0, 1000).brokenWatches, 1);
    assert.equal(summariseWindow(ev, 1000, 2000).brokenWatches, 1);
    assert.equal(openWatches(ev), 1);
  });

  it('failedNew: failures of probes started at or after newFrom; without it, every failure of the window', () => {
    // Failures at 10 (started 200, in flight when the fault struck at 210) and at 30 and 31 (started 600, 620).
    const ev = probes(50, (i) => i === 10 || i === 30 || i === 31);
    const s = summariseWindow(ev, 100, 1000, { newFrom: 210 });
    assert.equal(s.failed, 3);
    assert.equal(s.failedNew, 2);
    assert.equal(summariseWindow(ev, 100, 1000, { newFrom: 620 }).failedNew, 1, 'a probe started exactly at newFrom is new');
    assert.equal(summariseWindow(ev, 100, 1000).failedNew, 3);
  });

  it('classifyProbe: an error or an answer over the budget fails; over slowMs is slow; otherwise ok', () => {
    const p = (ms: number, ok = true, err?: string): Extract<ProbeEvent, { type: 'probe' }> => ({ type: 'probe', start: 0, ms, ok, ...(err ? { err } : {}) });
    assert.deepEqual(classifyProbe(p(10, false, 'ECONNRESET'), 5000, 1000), { verdict: 'failed', why: 'ECONNRESET' });
    assert.deepEqual(classifyProbe(p(10, false), 5000, 1000), { verdict: 'failed', why: 'error' });
    assert.deepEqual(classifyProbe(p(5001), 5000, 1000), { verdict: 'failed', why: 'over budget' });
    assert.deepEqual(classifyProbe(p(5000), 5000, 1000), { verdict: 'slow' });
    assert.deepEqual(classifyProbe(p(1000), 5000, 1000), { verdict: 'ok' });
    assert.deepEqual(classifyProbe(p(9999)), { verdict: 'ok' }, 'no budget, no slow limit');
  });

  it('a budget turns late answers into failures (outage included); slow, p50, max and errors by reason', () => {
    const ev: ProbeEvent[] = [
      { type: 'probe', start: 0, ms: 10, ok: true },
      { type: 'probe', start: 20, ms: 30, ok: true },
      { type: 'probe', start: 40, ms: 1500, ok: true },
      { type: 'probe', start: 60, ms: 6000, ok: true },
      { type: 'probe', start: 80, ms: 5000, ok: false, err: 'timeout' },
      { type: 'probe', start: 100, ms: 3, ok: false, err: 'ECONNRESET' },
      { type: 'probe', start: 120, ms: 20, ok: true },
    ];
    const s = summariseWindow(ev, 0, 1000, { budgetMs: 5000, slowMs: 1000 });
    assert.equal(s.failed, 3);
    assert.deepEqual(s.errors, { 'over budget': 1, timeout: 1, ECONNRESET: 1 });
    assert.equal(s.outageMs, 60, 'from the late probe (60) to the next answer in budget (120)');
    assert.equal(s.slow, 1);
    assert.equal(s.p50Ms, 20);
    assert.equal(s.maxMs, 1500);
    const loose = summariseWindow(ev, 0, 1000);
    assert.equal(loose.failed, 2);
    assert.equal(loose.maxMs, 6000);
    assert.equal(loose.slow, 0);
  });

  it('steady: enough finished probes in the tail, all ok', () => {
    const ev = probes(100, (i) => i === 80);
    assert.equal(steady(ev, 2000, 300), true);
    assert.equal(steady(ev, 1700, 300), false);
    assert.equal(steady(probes(3, () => false), 60, 1000), false, 'too few probes');
  });
});

const SCENARIOS: Scenario[] = [
  { failure: 'none', vipHolders: ['lb1'], apiReachable: true, note: 'start', predictedOutageMs: 0 },
  { failure: 'node-down:lb1', vipHolders: ['lb0'], apiReachable: true, note: 'moves', predictedOutageMs: 722 },
  { failure: 'node-down:lb0', vipHolders: ['lb1'], apiReachable: true, note: 'stays', predictedOutageMs: 0 },
  { failure: 'haproxy-down:lb1', vipHolders: ['lb1'], apiReachable: false, note: 'lost' },
];

describe('prediction against measurement', () => {
  it("the analyser's scenario, as is when the start holder matches", () => {
    const p = predictionFor(SCENARIOS, failure('node-down:lb1'), ['lb1']);
    assert.deepEqual(p, { vipHolders: ['lb0'], apiReachable: true, note: 'moves', outageMs: 722 });
  });

  it('mirrored when the other LB won the start-up: names swapped both ways', () => {
    const p = predictionFor(SCENARIOS, failure('node-down:lb0'), ['lb0']);
    assert.deepEqual(p, { vipHolders: ['lb1'], apiReachable: true, note: 'moves', outageMs: 722, mirrored: ['lb1', 'lb0'] });
  });

  it('a failure without a scenario (link-degraded) predicts the start state and no outage', () => {
    const p = predictionFor(SCENARIOS, failure('link-degraded:lb0'), ['lb1']);
    assert.deepEqual(p.vipHolders, ['lb1']);
    assert.equal(p.outageMs, 0);
    assert.equal(p.apiReachable, true);
  });

  const measured = { scenario: 'node-down:lb1' as const, vipHoldersAfter: ['lb0'], reachable: true, outageMs: 800, recovered: true };
  const pred = predictionFor(SCENARIOS, failure('node-down:lb1'), ['lb1']);

  it('matching holders and reachability, outage within 2x: no finding', () => {
    assert.deepEqual(judge(measured, pred, 20), []);
  });
  it('other holders = error; other reachability = error; no recovery = error', () => {
    const f = judge({ ...measured, vipHoldersAfter: ['lb1'], reachable: false, recovered: false }, pred, 20);
    assert.deepEqual(
      f.map((x) => [x.severity, x.rule]),
      [
        ['error', 'drill-holders-mismatch'],
        ['error', 'drill-reachability-mismatch'],
        ['error', 'drill-not-recovered'],
      ],
    );
  });
  it('failed probes after the undo = warning (failback outage)', () => {
    assert.deepEqual(judge({ ...measured, failback: { failed: 0, outageMs: 0 } }, pred, 20), []);
    const f = judge({ ...measured, failback: { failed: 3, outageMs: 60 } }, pred, 20);
    assert.deepEqual(f.map((x) => [x.severity, x.rule]), [['warning', 'drill-failback-outage']]);
  });
  it('new requests failed where no outage is predicted = warning; in-flight failures alone are not', () => {
    const one = predictionFor(SCENARIOS, failure('node-down:lb0'), ['lb1']);
    assert.equal(one.outageMs, 0);
    const base = { scenario: 'node-down:lb0' as const, vipHoldersAfter: ['lb1'], reachable: true, outageMs: 20, recovered: true };
    assert.deepEqual(judge({ ...base, failedNew: 0 }, one, 20), []);
    assert.deepEqual(judge(base, one, 20), [], 'an object without failedNew (saved before it existed)');
    assert.deepEqual(judge({ ...base, failedNew: 1 }, one, 20).map((x) => [x.severity, x.rule]), [['warning', 'drill-new-requests-failed']]);
    assert.deepEqual(judge({ ...measured, failedNew: 30 }, pred, 20), [], 'a predicted outage: new requests fail during it');
  });
  it('outage above 2x the prediction plus one probe interval = warning; at the bound it is not', () => {
    assert.deepEqual(judge({ ...measured, outageMs: 2 * 722 + 20 }, pred, 20), []);
    const f = judge({ ...measured, outageMs: 2 * 722 + 21 }, pred, 20);
    assert.deepEqual(f.map((x) => [x.severity, x.rule]), [['warning', 'drill-outage-over-prediction']]);
  });
});

function result(over: Partial<DrillResult> = {}): DrillResult {
  const pred = predictionFor(SCENARIOS, failure('node-down:lb1'), ['lb1']);
  return {
    scenario: 'node-down:lb1',
    startedAt: '2026-12-02T00:00:00Z',
    faultAt: 1000,
    restoreAt: 3000,
    endAt: 5000,
    probes: 100,
    failed: 5,
    outageMs: 100,
    p99Ms: 12,
    brokenWatches: 2,
    vipHoldersBefore: ['lb1'],
    vipHoldersAfter: ['lb0'],
    reachable: true,
    transitions: [
      { host: 'lb0', state: 'MASTER', atMs: 700 },
      { host: 'lb1', state: 'BACKUP', atMs: 3500 },
    ],
    recovered: true,
    failback: { failed: 0, outageMs: 0, brokenWatches: 0, vipHolders: ['lb0'] },
    baseline: { probes: 20, failed: 0 },
    prediction: pred,
    findings: [],
    notes: [],
    ...over,
  };
}

/** A strict well-formedness check: every tag closed in order, attributes quoted, entities known. */
function assertWellFormed(xml: string): { tags: string[]; classes: string[]; kinds: string[] } {
  const stack: string[] = [];
  const tags: string[] = [];
  const classes: string[] = [];
  const kinds: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos);)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    assert.ok(m[2] !== undefined, `stray "${m[0]}" at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    const [, close, name, attrs = '', self] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else {
      tags.push(name);
      const cls = /\sclass="([^"]*)"/.exec(attrs)?.[1];
      if (cls) classes.push(cls);
      const kind = /\sdata-kind="([^"]*)"/.exec(attrs)?.[1];
      if (kind) kinds.push(kind);
      if (!self) stack.push(name);
    }
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  return { tags, classes, kinds };
}

describe('SVG timeline', () => {
  const events: ProbeEvent[] = [
    ...probes(250, (i) => i >= 100 && i < 105).map((e) => (e.type === 'probe' ? { ...e, start: e.start + 0 } : e)),
    { type: 'watch', id: 0, event: 'open', at: 10 },
    { type: 'watch', id: 0, event: 'broken', at: 2050 },
    { type: 'watch', id: 1, event: 'broken', at: 2060 },
  ];
  it('is well-formed XML with one mark per event: fault, restore, each transition, each broken watch', () => {
    const svg = timelineSvg(result(), events);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    const { tags, kinds } = assertWellFormed(svg);
    assert.equal(tags[0], 'svg');
    assert.deepEqual(kinds.sort(), ['fault', 'restore', 'transition', 'transition', 'watch-broken', 'watch-broken'].sort());
  });
  it('probe runs: one red rectangle per failure run, and the prediction band', () => {
    const { classes } = assertWellFormed(timelineSvg(result(), events));
    assert.equal(classes.filter((c) => c === 'probe-fail').length, 1);
    assert.equal(classes.filter((c) => c === 'probe-ok').length, 2);
    assert.equal(classes.filter((c) => c === 'prediction').length, 1);
  });
  it('text is escaped: a scenario with < & > stays well-formed', () => {
    const svg = timelineSvg(result({ scenario: 'partition:a<b|c&d' as DrillResult['scenario'], prediction: { ...result().prediction, note: '<x>' } }), events);
    assertWellFormed(svg);
    assert.match(svg, /partition:a&lt;b\|c&amp;d/);
  });
  it('the VIP holder lane follows the transitions', () => {
    assert.deepEqual(
      holderSegments(result(), -500, 5000).map((s) => [s.holder, s.from, s.to]),
      [
        ['lb1', -500, 700],
        ['lb0', 700, 5000],
      ],
    );
    // The holder entering BACKUP with nobody taking over: nobody holds it.
    assert.deepEqual(
      holderSegments(result({ transitions: [{ host: 'lb1', state: 'FAULT', atMs: 100 }] }), 0, 1000).map((s) => [s.holder, s.from, s.to]),
      [
        ['lb1', 0, 100],
        [undefined, 100, 1000],
      ],
    );
  });
  it('the Markdown report: a table row and one SVG per drill', () => {
    const md = drillReport([{ result: result(), events }, { result: result({ scenario: 'haproxy-down:lb0' }), events }], { cluster: 'c', at: 'now' });
    assert.equal(md.match(/<svg /g)?.length, 2);
    assert.equal(md.match(/^\| node-down:lb1 \|/gm)?.length, 1);
    assert.match(md, /^## haproxy-down:lb0$/m);
    for (const svg of md.match(/<svg [\s\S]*?<\/svg>/g) ?? []) assertWellFormed(svg);
  });
});
