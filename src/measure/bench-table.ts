import type { DrillResult } from './drill.js';

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
      const span = (f: (r: DrillResult) => number): string => {
        const v = mine.map(f).sort((a, b) => a - b);
        return v[0] === v.at(-1) ? `${v[0]}` : `${v[0]}–${v.at(-1)}`;
      };
      const moved = mine.filter((r) => r.vipHoldersBefore.join() !== r.vipHoldersAfter.join()).length;
      const first = mine[0]!;
      rows.push({
        scenario: s,
        setup,
        runs: mine.length,
        outageMs: span((r) => r.outageMs),
        predicted: first.prediction.apiReachable ? `${first.prediction.outageMs ?? 0}` : 'lost',
        failed: span((r) => r.failed),
        brokenWatches: span((r) => r.brokenWatches),
        vipMoved: `${moved}/${mine.length}`,
        failbackFailed: span((r) => r.failback.failed),
      });
    }
  return rows;
}

/** When the drills ran: the earliest `startedAt` (an ISO time), if any. */
export function benchDate(results: readonly Pick<DrillResult, 'startedAt'>[]): string | undefined {
  return results.map((r) => r.startedAt).filter((s) => typeof s === 'string' && s !== '').sort()[0];
}
