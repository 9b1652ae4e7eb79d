import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchDate, benchRows } from '../../src/measure/bench-table.js';
import type { BenchResult } from '../../src/measure/bench-table.js';
import type { FailureText } from '../../src/model/failure.js';

const drill = (scenario: FailureText, outageMs: number, before: string, after: string, startedAt: string): BenchResult => ({
  setup: 'kubeha',
  scenario,
  startedAt,
  faultAt: 1000,
  restoreAt: 2000,
  endAt: 3000,
  probes: 50,
  failed: 3,
  outageMs,
  p99Ms: undefined,
  brokenWatches: 1,
  vipHoldersBefore: [before],
  vipHoldersAfter: [after],
  reachable: true,
  transitions: [],
  recovered: true,
  failback: { failed: 0, outageMs: 0, brokenWatches: 0, vipHolders: [after] },
  baseline: { probes: 10, failed: 0 },
  prediction: { vipHolders: [after], apiReachable: true, outageMs: 700, note: '' },
  findings: [],
  notes: [],
});

describe('bench table', () => {
  const results = [drill('node-down:lb0', 900, 'lb0', 'lb1', '2026-12-02T16:30:00Z'), drill('node-down:lb1', 800, 'lb1', 'lb0', '2026-12-02T16:21:00Z')];

  it('spans the runs of a scenario and counts the VIP moves; setups without a run say so', () => {
    const rows = benchRows(results, ['other', 'kubeha'], ['node-down', 'haproxy-down']);
    assert.equal(rows.length, 4);
    const mine = rows.find((r) => r.setup === 'kubeha' && r.scenario === 'node-down')!;
    assert.equal(mine.runs, 2);
    assert.equal(mine.outageMs, '800–900');
    assert.equal(mine.predicted, '700');
    assert.equal(mine.vipMoved, '2/2');
    assert.equal(rows.find((r) => r.setup === 'other')!.runs, 0);
  });

  it('dates the table by its earliest drill', () => {
    assert.equal(benchDate(results), '2026-12-02T16:21:00Z');
    assert.equal(benchDate([]), undefined);
  });
});
