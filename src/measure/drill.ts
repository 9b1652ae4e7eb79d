import type { Scenario } from '../analyze/types.js';
import type { Finding } from '../diag/problem.js';
import type { Failure, FailureText } from '../model/failure.js';
import { formatFailure } from '../model/failure.js';
import type { VrrpState } from './keepalived-log.js';

/**
 * A drill's result, and the analyser's prediction held against it. Pure: src/ops/drill.ts measures, this judges.
 */

export interface Prediction {
  vipHolders: string[];
  /** A race between equal backups decides the holder: any one of these is as predicted (Scenario.vipHolderCandidates). */
  vipHolderCandidates?: string[];
  apiReachable: boolean;
  /** Predicted client-visible outage; absent when the analyser predicts the API lost. */
  outageMs?: number;
  note: string;
  /**
   * Host names swapped to match the measured start: the analyser assumes which of two equal-priority LBs wins at
   * start-up; when the other one did, the scenarios mirror (its note says so).
   */
  mirrored?: [string, string];
}

export interface Transition {
  host: string;
  state: VrrpState;
  /** Milliseconds from the fault (negative: before it). */
  atMs: number;
}

export interface DrillResult {
  scenario: FailureText;
  startedAt: string;
  /** Epoch ms of the fault, its undo, and the end of the drill. */
  faultAt: number;
  /** Epoch ms by which the fault had certainly taken effect (its commands had returned): `failedNew` counts from here. */
  newFrom?: number;
  restoreAt: number;
  endAt: number;
  /** Probes started between the fault and its undo. */
  probes: number;
  failed: number;
  /**
   * Of `failed`, the probes that started once the fault had certainly taken effect (its command had returned): new
   * requests. The rest were in flight when it struck (a SIGKILLed apiserver's kernel resets them). Absent in drill
   * objects saved before it existed.
   */
  failedNew?: number;
  outageMs: number;
  p99Ms: number | undefined;
  brokenWatches: number;
  vipHoldersBefore: string[];
  /** Once the state had converged, before the fault was undone. */
  vipHoldersAfter: string[];
  /** The API answered steadily once converged, while the fault lasted. */
  reachable: boolean;
  transitions: Transition[];
  /** The API answers steadily after the undo. */
  recovered: boolean;
  /** From the undo to the end; `failedNew`: failed probes started once the undo's steps had returned. */
  failback: { failed: number; failedNew?: number; outageMs: number; brokenWatches: number; vipHolders: string[] };
  baseline: { probes: number; failed: number };
  prediction: Prediction;
  findings: Finding[];
  /** What the drill did and anything it could not (e.g. a delay the kernel cannot make). */
  notes: string[];
}

/**
 * The analyser's scenario for a failure. `startHolders` is who held the VIP when the drill began: when the
 * analyser's start-up holder differs from it (equal priorities: start order decides), host names are swapped
 * and the mirrored scenario is used. A failure the analyser lists no scenario for (link-degraded: the converged
 * state must not change) predicts the start state and no outage.
 */
export function predictionFor(scenarios: readonly Scenario[], failure: Failure, startHolders: readonly string[]): Prediction {
  const none = scenarios.find((s) => s.failure === 'none');
  let swap: [string, string] | undefined;
  const predictedStart = none?.vipHolders ?? [];
  if (predictedStart.length === 1 && startHolders.length === 1 && predictedStart[0] !== startHolders[0]) swap = [predictedStart[0]!, startHolders[0]!];
  const rename = (h: string): string => (swap ? (h === swap[0] ? swap[1] : h === swap[1] ? swap[0] : h) : h);
  // The failure as the analyser would name it in the mirrored world.
  const asAnalysed = swap ? renameFailure(failure, rename) : failure;
  const text = formatFailure(asAnalysed);
  const s = scenarios.find((x) => x.failure === text);
  if (!s) {
    const holders = [...startHolders];
    return { vipHolders: holders, apiReachable: none?.apiReachable ?? true, outageMs: 0, note: `no scenario ${formatFailure(failure)} in the analysis: the converged state must not change (VIP stays on ${holders.join(', ') || 'nobody'}, no outage)`, ...(swap ? { mirrored: swap } : {}) };
  }
  const p: Prediction = { vipHolders: s.vipHolders.map(rename), apiReachable: s.apiReachable, note: s.note };
  if (s.vipHolderCandidates) p.vipHolderCandidates = s.vipHolderCandidates.map(rename);
  if (s.predictedOutageMs !== undefined) p.outageMs = s.predictedOutageMs;
  if (swap) p.mirrored = swap;
  return p;
}

function renameFailure(f: Failure, rename: (h: string) => string): Failure {
  switch (f.kind) {
    case 'none':
    case 'apiserver-down':
      return f;
    case 'partition':
      return { kind: 'partition', hosts: [rename(f.hosts[0]), rename(f.hosts[1])] };
    default:
      return { ...f, host: rename(f.host) };
  }
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Findings: holders or reachability other than predicted = error; a measured outage above twice the prediction
 * plus one probe interval (the measurement's own granularity) = warning; new requests failed where no outage is
 * predicted = warning; failed probes after the undo (the failback) = warning; no recovery after the undo = error.
 */
export function judge(m: Pick<DrillResult, 'scenario' | 'vipHoldersAfter' | 'reachable' | 'outageMs' | 'recovered' | 'failedNew'> & { failback?: { failed: number; outageMs: number } }, p: Prediction, probeIntervalMs: number): Finding[] {
  const out: Finding[] = [];
  const list = (h: readonly string[]): string => h.join(', ') || 'nobody';
  const race = p.vipHolderCandidates;
  const asPredicted = race ? m.vipHoldersAfter.length === 1 && race.includes(m.vipHoldersAfter[0]!) : sameSet(m.vipHoldersAfter, p.vipHolders);
  if (!asPredicted)
    out.push({ severity: 'error', rule: 'drill-holders-mismatch', message: `${m.scenario}: the VIP was on ${list(m.vipHoldersAfter)}, predicted ${race ? `one of ${list(race)} (a race)` : list(p.vipHolders)}` });
  if (m.reachable !== p.apiReachable)
    out.push({ severity: 'error', rule: 'drill-reachability-mismatch', message: `${m.scenario}: the API was ${m.reachable ? 'reachable' : 'unreachable'} once converged, predicted ${p.apiReachable ? 'reachable' : 'unreachable'}` });
  if (p.apiReachable && m.reachable && p.outageMs !== undefined && m.outageMs > 2 * p.outageMs + probeIntervalMs)
    out.push({ severity: 'warning', rule: 'drill-outage-over-prediction', message: `${m.scenario}: a client saw ${m.outageMs} ms of outage, more than twice the predicted ${p.outageMs} ms` });
  // A fault predicted to cost nothing (one apiserver of several): requests in flight on it may be cut, new ones must not fail.
  if (p.apiReachable && p.outageMs === 0 && m.failedNew !== undefined && m.failedNew > 0)
    out.push({ severity: 'warning', rule: 'drill-new-requests-failed', message: `${m.scenario}: ${m.failedNew} probe(s) started after the fault had taken effect failed; the analyser predicts no outage (the target is 0 failed new requests)` });
  if (m.failback && m.failback.failed > 0)
    out.push({ severity: 'warning', rule: 'drill-failback-outage', message: `${m.scenario}: undoing the fault cost ${m.failback.failed} failed probe(s), ${m.failback.outageMs} ms at worst (the target is none)` });
  if (!m.recovered) out.push({ severity: 'error', rule: 'drill-not-recovered', message: `${m.scenario}: the API did not answer steadily again after the fault was undone` });
  return out;
}

/** One line per drill for the text view. */
export function drillLine(r: DrillResult): string {
  const notRun = r.findings.find((f) => f.rule === 'drill-not-run');
  if (notRun) return `SKIP ${r.scenario}: not run\n     ${notRun.severity}[${notRun.rule}]: ${notRun.message}`;
  const pred = r.prediction.outageMs !== undefined ? `~${r.prediction.outageMs} ms` : 'API lost';
  const worst = r.findings.some((f) => f.severity === 'error') ? 'FAIL' : r.findings.length > 0 ? 'warn' : 'ok';
  return [
    `${worst.padEnd(4)} ${r.scenario}: outage ${r.outageMs} ms (predicted ${pred}), ${r.failed}/${r.probes} probes failed (${r.failedNew ?? '?'} new), p99 ${r.p99Ms ?? '-'} ms, ${r.brokenWatches} watch(es) broken`,
    `     VIP ${r.vipHoldersBefore.join(',') || 'nobody'} → ${r.vipHoldersAfter.join(',') || 'nobody'} (predicted ${r.prediction.vipHolders.join(',') || 'nobody'}); failback: ${r.failback.failed} failed, ${r.failback.outageMs} ms, ${r.failback.brokenWatches} broken, VIP on ${r.failback.vipHolders.join(',') || 'nobody'}; ${r.recovered ? 'recovered' : 'NOT RECOVERED'}`,
    ...r.transitions.map((t) => `     ${t.atMs >= 0 ? '+' : ''}${t.atMs} ms ${t.host} ${t.state}`),
    ...r.findings.map((f) => `     ${f.severity}[${f.rule}]: ${f.message}`),
    ...r.notes.map((n) => `     note: ${n}`),
  ].join('\n');
}
