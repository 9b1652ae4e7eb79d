import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchCells, span } from '../../src/measure/bench-cells.js';
import type { DrillResult } from '../../src/measure/drill.js';

const drill = (outageMs: number, failed: number, before: string, after: string, fbFailed: number): DrillResult => ({
  scenario: 'node-down:lb0',
  startedAt: '2026-12-03T10:00:00Z',
  faultAt: 1000,
  restoreAt: 2000,
  endAt: 3000,
  probes: 50,
  failed,
  outageMs,
  p99Ms: undefined,
  brokenWatches: 1,
  vipHoldersBefore: [before],
  vipHoldersAfter: [after],
  reachable: true,
  transitions: [],
  recovered: true,
  failback: { failed: fbFailed, outageMs: fbFailed * 10, brokenWatches: 0, vipHolders: [after] },
  baseline: { probes: 10, failed: 0 },
  prediction: { vipHolders: [after], apiReachable: true, outageMs: 700, note: '' },
  findings: [],
  notes: [],
});

describe('bench cells', () => {
  it('span is one value when all runs agree, min–max otherwise, empty for none', () => {
    assert.equal(span([5, 5]), '5');
    assert.equal(span([9, 3, 6]), '3–9');
    assert.equal(span([]), '');
  });

  it('computes every cell over the runs and counts the VIP moves', () => {
    const c = benchCells([drill(900, 4, 'lb0', 'lb1', 2), drill(700, 3, 'lb0', 'lb0', 0)]);
    assert.equal(c.runs, 2);
    assert.equal(c.outageMs, '700–900');
    assert.equal(c.failed, '3–4');
    assert.equal(c.brokenWatches, '1');
    assert.equal(c.moved, 1);
    assert.equal(c.failbackFailed, '0–2');
    assert.equal(c.failbackOutageMs, '0–20');
    assert.equal(c.failbackBrokenWatches, '0');
  });
});
