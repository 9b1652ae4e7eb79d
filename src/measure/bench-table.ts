import type { DrillResult } from './drill.js';
import { benchCells } from './bench-cells.js';

/**
 * The rows of `npm run bench:ha`'s side-by-side table as the dashboard shows them: per scenario and HA setup, the
 * measured outage beside the prediction, failed probes, broken watches, how often the VIP moved and the failback's
 * failed probes. The benchmark's own Markdown (with not-applicable cells and verdicts) is measure/ha-bench.ts.
 */

export const BENCH_SETUPS = ['seed-000', 'seed-003', 'seed-002', 'kubekey-internal', 'kubeha'] as const;
export const BENCH_SCENARIOS = ['node-down', 'haproxy-down', 'keepalived-down', 'apiserver-down'] as const;

/** A drill object of bench-results/ha.json: the drill's JSON with the setup it ran on. */
export type BenchResult = DrillResult & { setup?: string };

export interface BenchRow {
  scenario: string;
  setup: string;
  /** 0: not run yet (the other cells are empty). */
  runs: number;
  /** `min` or `min–max` over the runs. */
  outageMs: string;
  /** The first run's predicted outage in ms, or `lost` when the API is predicted unreachable. */
  predicted: string;
  failed: string;
  brokenWatches: string;
  /** `moved/runs`. */
  vipMoved: string;
  failbackFailed: string;
}

export function benchRows(results: readonly BenchResult[], setups: readonly string[] = BENCH_SETUPS, scenarios: readonly string[] = BENCH_SCENARIOS): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const s of scenarios)
    for (const setup of setups) {
      const mine = results.filter((r) => (r.setup ?? 'kubeha') === setup && r.scenario.startsWith(`${s}:`));
      if (mine.length === 0) {
        rows.push({ scenario: s, setup, runs: 0, outageMs: '', predicted: '', failed: '', brokenWatches: '', vipMoved: '', failbackFailed: '' });
        continue;
      }
      const c = benchCells(mine);
      const first = mine[0]!;
      rows.push({
        scenario: s,
        setup,
        runs: c.runs,
        outageMs: c.outageMs,
        predicted: first.prediction.apiReachable ? `${first.prediction.outageMs ?? 0}` : 'lost',
        failed: c.failed,
        brokenWatches: c.brokenWatches,
        vipMoved: `${c.moved}/${c.runs}`,
        failbackFailed: c.failbackFailed,
      });
    }
  return rows;
}

/** When the drills ran: the earliest `startedAt` (an ISO time), if any. */
export function benchDate(results: readonly Pick<DrillResult, 'startedAt'>[]): string | undefined {
  return results.map((r) => r.startedAt).filter((s) => typeof s === 'string' && s !== '').sort()[0];
}
