import type { DrillResult } from './drill.js';
import { benchCells } from './bench-cells.js';

/**
 * `npm run bench:ha`'s table: the same drills on several HA setups, one row per scenario × setup. Pure: the bench
 * runs the drills (src/ops/drill.ts) and hands their results here.
 */

/** A drill object of the bench: the drill's result and the setup it ran on. */
export type BenchDrill = DrillResult & { setup: string };

/** A scenario kind: the failure's text up to its first colon (`node-down`, `haproxy-down`, …). */
export const scenarioKind = (scenario: string): string => scenario.split(':')[0] ?? scenario;

const NOT_RUN_RULE = 'drill-not-run';

const predictedMove = (r: DrillResult): boolean => r.vipHoldersBefore.join() !== r.prediction.vipHolders.join();

function verdict(rs: readonly DrillResult[]): string {
  const all = rs.flatMap((r) => r.findings);
  if (all.some((f) => f.severity === 'error')) return `FAIL (${[...new Set(all.filter((f) => f.severity === 'error').map((f) => f.rule.replace(/^drill-/, '')))].join(', ')})`;
  if (all.length > 0) return `warn (${[...new Set(all.map((f) => f.rule.replace(/^drill-/, '')))].join(', ')})`;
  return 'ok';
}

/**
 * One Markdown table: for each scenario kind (in the order given), each setup (in the order given). A cell with
 * several runs shows the range. `notApplicable` (`setup|kind` → why) marks drills that do not apply to a setup; a
 * drill that could not run shows why.
 */
export function benchTable(results: readonly BenchDrill[], setups: readonly string[], kinds: readonly string[], notApplicable: Readonly<Record<string, string>> = {}): string {
  const rows = [
    '| scenario | setup | outage ms | predicted | failed probes | broken watches | VIP moved (predicted) | failback: failed / outage ms / broken watches | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of kinds)
    for (const setup of setups) {
      const mine = results.filter((r) => r.setup === setup && scenarioKind(r.scenario) === kind);
      const na = notApplicable[`${setup}|${kind}`];
      if (mine.length === 0) {
        rows.push(`| ${kind} | ${setup} | ${na !== undefined ? `n/a: ${na}` : 'not run'} | | | | | | |`);
        continue;
      }
      const notRun = mine.filter((r) => r.findings.some((f) => f.rule === NOT_RUN_RULE));
      const ran = mine.filter((r) => !notRun.includes(r));
      if (ran.length === 0) {
        const why = notRun[0]!.findings.find((f) => f.rule === NOT_RUN_RULE)!.message;
        rows.push(`| ${kind} | ${setup} | not run: ${why.replaceAll('|', '\\|')} | | | | | | |`);
        continue;
      }
      const pred = [...new Set(ran.map((r) => (r.prediction.apiReachable ? `${r.prediction.outageMs ?? '?'}` : 'API lost')))].join(', ');
      const c = benchCells(ran);
      const movedCount = c.moved;
      const predMoved = [...new Set(ran.map((r) => (predictedMove(r) ? 'yes' : 'no')))].join(', ');
      const movedText = ran.length === 1 ? (movedCount === 1 ? 'yes' : 'no') : `${movedCount}/${ran.length}`;
      const lost = ran.filter((r) => !r.reachable).length;
      const outage = `${c.outageMs}${lost > 0 ? (lost === ran.length ? ', API lost until undone' : `, ${lost}× API lost until undone`) : ''}`;
      rows.push(
        `| ${kind} | ${setup} | ${outage} | ${pred} | ${c.failed} | ${c.brokenWatches} | ${movedText} (${predMoved}) | ${c.failbackFailed} / ${c.failbackOutageMs} / ${c.failbackBrokenWatches} | ${verdict(ran)}${notRun.length > 0 ? `; ${notRun.length} not run` : ''} |`,
      );
    }
  return rows.join('\n');
}
