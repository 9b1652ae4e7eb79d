import type { Finding } from '../diag/problem.js';
import type { Transition } from './drill.js';
import type { ProbeEvent } from './probes.js';
import { summariseWindow } from './probes.js';

/**
 * The soak: stability under load. For each phase (both cores saturated inside the LB hosts; one LB's link delayed
 * and lossy) a client probes the endpoint all along: the target is 0 VIP moves and 0 failed probes. Pure.
 */

export interface SoakPhase {
  name: 'cpu' | 'link';
  /** What the phase did, in words. */
  what: string;
  from: number;
  to: number;
}

export interface SoakPhaseResult {
  name: SoakPhase['name'];
  what: string;
  seconds: number;
  probes: number;
  failed: number;
  outageMs: number;
  p99Ms: number | undefined;
  brokenWatches: number;
  /** MASTER transitions in the phase: each one moved the VIP (or re-took it). */
  vipMoves: number;
  transitions: Transition[];
}

export interface SoakResult {
  phases: SoakPhaseResult[];
  findings: Finding[];
  notes: string[];
}

/** `transitions` are timed from `origin` (epoch ms). */
export function summariseSoak(events: readonly ProbeEvent[], phases: readonly SoakPhase[], transitions: readonly Transition[], origin: number, notes: string[] = []): SoakResult {
  const out: SoakPhaseResult[] = phases.map((p) => {
    const w = summariseWindow(events, p.from, p.to);
    const inPhase = transitions.filter((t) => t.atMs + origin >= p.from && t.atMs + origin < p.to);
    return {
      name: p.name,
      what: p.what,
      seconds: Math.round((p.to - p.from) / 100) / 10,
      probes: w.probes,
      failed: w.failed,
      outageMs: w.outageMs,
      p99Ms: w.p99Ms,
      brokenWatches: w.brokenWatches,
      vipMoves: inPhase.filter((t) => t.state === 'MASTER').length,
      transitions: inPhase,
    };
  });
  const findings: Finding[] = [];
  for (const p of out) {
    if (p.vipMoves > 0) findings.push({ severity: 'error', rule: 'drill-soak-vip-moved', message: `soak ${p.name} (${p.what}): the VIP moved ${p.vipMoves} time(s)` });
    if (p.failed > 0) findings.push({ severity: 'error', rule: 'drill-soak-failed-probes', message: `soak ${p.name} (${p.what}): ${p.failed} of ${p.probes} probes failed (longest outage ${p.outageMs} ms)` });
    if (p.probes === 0) findings.push({ severity: 'error', rule: 'drill-not-run', message: `soak ${p.name}: no probe ran` });
  }
  return { phases: out, findings, notes };
}

export function soakText(r: SoakResult): string {
  return [
    ...r.phases.map((p) => `${p.failed === 0 && p.vipMoves === 0 ? 'ok  ' : 'FAIL'} soak ${p.name} (${p.what}, ${p.seconds} s): ${p.failed}/${p.probes} probes failed, ${p.vipMoves} VIP move(s), p99 ${p.p99Ms ?? '-'} ms, ${p.brokenWatches} watch(es) broken`),
    ...r.findings.map((f) => `     ${f.severity}[${f.rule}]: ${f.message}`),
    ...r.notes.map((n) => `     note: ${n}`),
  ].join('\n');
}
