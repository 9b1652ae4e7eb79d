import type { DrillResult } from './drill.js';

/**
 * The cell values both side-by-side tables show (the bench's Markdown, measure/ha-bench.ts, and the dashboard's
 * rows, measure/bench-table.ts), computed once from the drill objects of one scenario × setup. Pure.
 */

/** The range of values, as `a` or `a–b` (empty for no values). */
export function span(values: readonly number[]): string {
  if (values.length === 0) return '';
  const v = [...values].sort((a, b) => a - b);
  return v[0] === v.at(-1) ? `${v[0]}` : `${v[0]}–${v.at(-1)}`;
}

/** Whether the drill saw the VIP's holders change. */
export const vipMoved = (r: DrillResult): boolean => r.vipHoldersBefore.join() !== r.vipHoldersAfter.join();

export interface BenchCells {
  runs: number;
  outageMs: string;
  failed: string;
  brokenWatches: string;
  /** How many of the runs saw the VIP move. */
  moved: number;
  failbackFailed: string;
  failbackOutageMs: string;
  failbackBrokenWatches: string;
}

export function benchCells(rs: readonly DrillResult[]): BenchCells {
  return {
    runs: rs.length,
    outageMs: span(rs.map((r) => r.outageMs)),
    failed: span(rs.map((r) => r.failed)),
    brokenWatches: span(rs.map((r) => r.brokenWatches)),
    moved: rs.filter(vipMoved).length,
    failbackFailed: span(rs.map((r) => r.failback.failed)),
    failbackOutageMs: span(rs.map((r) => r.failback.outageMs)),
    failbackBrokenWatches: span(rs.map((r) => r.failback.brokenWatches)),
  };
}
