import type { Finding } from '../diag/problem.js';
import type { Transition } from './drill.js';
import type { ProbeEvent } from './probes.js';
import { summariseWindow } from './probes.js';

/**
 * The soak: stability under load. For each phase (both cores saturated inside the LB hosts; one LB's link delayed
 * and lossy) a client probes the endpoint all along: the target is 0 VIP moves and 0 failed probes. Pure.
 *
 * What counts as failed differs from a failover drill on purpose. A drill measures an outage as a client sees it, so
 * its probe gives up after 1 s. A soak asks whether a client is served at all under a slow or lossy link, so its probe
 * is a client with a realistic patience: failed = an error (reset, refused, TLS, HTTP ≠ 200) or no answer within
 * {@link SOAK_PROBE_BUDGET_MS}. How slow the answers were is reported beside it (p50, p99, max, and how many took
 * longer than the drill's 1 s), not hidden.
 */

/**
 * A soak probe's budget: the patience of a Kubernetes client with client-go's defaults, taken strictly. client-go
 * dials with a 30 s timeout and gives the TLS handshake 10 s (client-go transport/cache.go; kubectl sets no request
 * timeout), and the controllers' leader election renews within 10 s (component-base config defaults, RenewDeadline):
 * one 10 s budget for the whole probe (dial, handshake, request) is stricter than all of them.
 * What a lossy link costs: Linux retransmits a lost SYN (or its lost SYN-ACK) after its initial RTO of 1 s, then
 * doubles it (RFC 6298 §2 and §5.7; `tcp_syn_retries`): the connection is made at +1 s, +3 s, +7 s, +15 s… A 5 s
 * budget failed a probe on three lost handshake packets in a row (≈ 1 in 15 000 probes at 2 % loss each way, measured),
 * which no client-go client would have noticed; 10 s fails it on four, where a real client starts to feel it.
 * Answers slower than the drills' 1 s are still counted and reported (`slow`, p99, max).
 */
export const SOAK_PROBE_BUDGET_MS = 10_000;
/** The failover drills' probe budget: answers slower than this are reported as `slow` in a soak. */
export const SOAK_SLOW_MS = 1000;

export interface SoakPhase {
  name: 'cpu' | 'link';
  /** What the phase did, in words. */
  what: string;
  from: number;
  to: number;
}

/** Who held the VIP at one moment (epoch ms), read from every LB at once. */
export interface HolderSample {
  at: number;
  holders: string[];
}

export interface VipMoveCount {
  /** The sole holder changed (A → B, directly or through a moment with none or both). */
  moves: number;
  /** Times nobody held the VIP (a run of samples without a holder). */
  drops: number;
  /** Times two or more LBs held it at once. */
  splits: number;
  samples: number;
  /** The longest time between two samples (the sampling's resolution); undefined below two samples. */
  maxGapMs: number | undefined;
}

export interface SoakPhaseResult {
  name: SoakPhase['name'];
  what: string;
  seconds: number;
  probes: number;
  /** Probes with an error or no answer within `budgetMs`. */
  failed: number;
  /** Failed probes by reason. */
  errors: Record<string, number>;
  budgetMs: number;
  outageMs: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
  /** Answered, but after more than {@link SOAK_SLOW_MS} (a failover drill's probe would have given up). */
  slow: number;
  brokenWatches: number;
  /** VIP moves (and drops, splits) from sampling the holder of the VIP; without samples, from the journal. */
  vipMoves: number;
  vipDrops: number;
  vipSplits: number;
  holderSamples: number;
  sampleGapMaxMs: number | undefined;
  /** keepalived's journal: MASTER transitions in the phase (each moved the VIP or re-took it). */
  journalMasterTransitions: number;
  transitions: Transition[];
}

export interface SoakResult {
  phases: SoakPhaseResult[];
  findings: Finding[];
  notes: string[];
}

/** The sampler's lines, `S <epoch ms> [holder…]`, into samples; other lines are skipped. */
export function parseHolderSamples(text: string): HolderSample[] {
  const out: HolderSample[] = [];
  for (const line of text.split('\n')) {
    const [tag, at, ...holders] = line.trim().split(/\s+/);
    if (tag !== 'S' || at === undefined || !/^\d+$/.test(at)) continue;
    out.push({ at: Number(at), holders: holders.filter((h) => h.length > 0).sort() });
  }
  return out;
}

/**
 * VIP moves in [from, to) from holder samples (any order). The sole holder before `from` (the last sample before it
 * with exactly one holder) is the reference, so a move at the phase's first moment counts.
 */
export function countVipMoves(samples: readonly HolderSample[], from: number, to: number): VipMoveCount {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const before = sorted.filter((s) => s.at < from);
  const inside = sorted.filter((s) => s.at >= from && s.at < to);
  let sole = before.filter((s) => s.holders.length === 1).at(-1)?.holders[0];
  let prevCount = before.at(-1)?.holders.length ?? 1;
  let moves = 0;
  let drops = 0;
  let splits = 0;
  let maxGapMs: number | undefined;
  for (let i = 0; i < inside.length; i++) {
    const s = inside[i]!;
    if (i > 0) maxGapMs = Math.max(maxGapMs ?? 0, s.at - inside[i - 1]!.at);
    const n = s.holders.length;
    if (n === 0 && prevCount !== 0) drops++;
    if (n >= 2 && prevCount < 2) splits++;
    if (n === 1) {
      if (sole !== undefined && s.holders[0] !== sole) moves++;
      sole = s.holders[0];
    }
    prevCount = n;
  }
  return { moves, drops, splits, samples: inside.length, maxGapMs };
}

export interface SoakInput {
  events: readonly ProbeEvent[];
  phases: readonly SoakPhase[];
  /** keepalived's transitions, timed from `origin` (epoch ms). */
  transitions: readonly Transition[];
  origin: number;
  /** The VIP holder sampled all along; undefined when the sampler could not run (moves then come from the journal). */
  samples?: readonly HolderSample[];
  notes?: string[];
  /** @default SOAK_PROBE_BUDGET_MS */
  budgetMs?: number;
}

export function summariseSoak(input: SoakInput): SoakResult {
  const { events, phases, transitions, origin, samples, budgetMs = SOAK_PROBE_BUDGET_MS } = input;
  const notes = [...(input.notes ?? [])];
  const out: SoakPhaseResult[] = phases.map((p) => {
    const w = summariseWindow(events, p.from, p.to, { budgetMs, slowMs: SOAK_SLOW_MS });
    const inPhase = transitions.filter((t) => t.atMs + origin >= p.from && t.atMs + origin < p.to);
    const journal = inPhase.filter((t) => t.state === 'MASTER').length;
    const sampled = samples ? countVipMoves(samples, p.from, p.to) : undefined;
    if (sampled && sampled.moves + sampled.drops + sampled.splits !== journal)
      notes.push(`soak ${p.name}: the holder samples show ${sampled.moves} move(s), ${sampled.drops} drop(s), ${sampled.splits} split(s); keepalived's journal ${journal} MASTER transition(s) (the journal may have lost lines; a change shorter than ${sampled.maxGapMs ?? '?'} ms falls between samples)`);
    return {
      name: p.name,
      what: p.what,
      seconds: Math.round((p.to - p.from) / 100) / 10,
      probes: w.probes,
      failed: w.failed,
      errors: w.errors,
      budgetMs,
      outageMs: w.outageMs,
      p50Ms: w.p50Ms,
      p99Ms: w.p99Ms,
      maxMs: w.maxMs,
      slow: w.slow,
      brokenWatches: w.brokenWatches,
      vipMoves: sampled ? sampled.moves : journal,
      vipDrops: sampled?.drops ?? 0,
      vipSplits: sampled?.splits ?? 0,
      holderSamples: sampled?.samples ?? 0,
      sampleGapMaxMs: sampled?.maxGapMs,
      journalMasterTransitions: journal,
      transitions: inPhase,
    };
  });
  const findings: Finding[] = [];
  for (const p of out) {
    const unstable = p.vipMoves + p.vipDrops + p.vipSplits;
    if (unstable > 0 || p.journalMasterTransitions > 0)
      findings.push({ severity: 'error', rule: 'drill-soak-vip-moved', message: `soak ${p.name} (${p.what}): the VIP moved ${p.vipMoves} time(s), was held by nobody ${p.vipDrops} time(s), by two LBs ${p.vipSplits} time(s) (holder samples); keepalived logged ${p.journalMasterTransitions} MASTER transition(s)` });
    if (p.failed > 0) findings.push({ severity: 'error', rule: 'drill-soak-failed-probes', message: `soak ${p.name} (${p.what}): ${p.failed} of ${p.probes} probes failed (an error or no answer within ${p.budgetMs} ms: ${errorsText(p.errors)}; longest outage ${p.outageMs} ms)` });
    if (p.probes === 0) findings.push({ severity: 'error', rule: 'drill-not-run', message: `soak ${p.name}: no probe ran` });
  }
  return { phases: out, findings, notes };
}

const errorsText = (e: Record<string, number>): string =>
  Object.entries(e)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ') || 'none';

export function soakText(r: SoakResult): string {
  return [
    ...r.phases.map(
      (p) =>
        `${p.failed === 0 && p.vipMoves + p.vipDrops + p.vipSplits + p.journalMasterTransitions === 0 ? 'ok  ' : 'FAIL'} soak ${p.name} (${p.what}, ${p.seconds} s): ${p.failed}/${p.probes} probes failed (error or no answer in ${p.budgetMs / 1000} s), latency p50 ${p.p50Ms ?? '-'} / p99 ${p.p99Ms ?? '-'} / max ${p.maxMs ?? '-'} ms, ${p.slow} slower than ${SOAK_SLOW_MS / 1000} s, ` +
        `${p.vipMoves} VIP move(s) (${p.holderSamples} holder samples, largest gap ${p.sampleGapMaxMs ?? '-'} ms; journal: ${p.journalMasterTransitions} MASTER), ${p.brokenWatches} watch(es) broken`,
    ),
    ...r.findings.map((f) => `     ${f.severity}[${f.rule}]: ${f.message}`),
    ...r.notes.map((n) => `     note: ${n}`),
  ].join('\n');
}
