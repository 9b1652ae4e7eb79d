/**
 * What the drill's prober saw (NDJSON events from src/ops/prober.ts), summarised per window. Pure.
 * A probe belongs to the window its start falls in. The outage is the longest run of consecutive failed probes, as a
 * client sees it: from the start of the run's first failure to the start of the next successful probe (or, when
 * none succeeds before the window ends, to the end of the run's last probe: the window then did not recover).
 */

export type ProbeEvent =
  | { type: 'start'; at: number }
  | { type: 'probe'; start: number; ms: number; ok: boolean; err?: string }
  | { type: 'watch'; id: number; event: 'open' | 'broken'; at: number; err?: string }
  | { type: 'end'; at: number };

export type Probe = Extract<ProbeEvent, { type: 'probe' }>;

/** Lines of NDJSON into events; lines that are not events are skipped. */
export function parseProbeLines(text: string): ProbeEvent[] {
  const out: ProbeEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line) as ProbeEvent;
      if (e.type === 'probe' || e.type === 'watch' || e.type === 'start' || e.type === 'end') out.push(e);
    } catch {
      continue;
    }
  }
  return out;
}

export interface WindowSummary {
  probes: number;
  /** Probes that failed: an error, or no answer within the budget ({@link classifyProbe}). */
  failed: number;
  /**
   * Failed probes that started at or after `newFrom` (default: the window's start): new requests, whose connection
   * began once the fault had taken effect. The others were already in flight when it struck.
   */
  failedNew: number;
  outageMs: number;
  /** 99th percentile of successful probes' durations (nearest rank); undefined without successes. */
  p99Ms: number | undefined;
  /** Median and longest successful probe (ms); undefined without successes. */
  p50Ms: number | undefined;
  maxMs: number | undefined;
  /** Successful probes slower than `slowMs` (0 without that option): answered, but slowly. */
  slow: number;
  /** Failed probes by reason (the prober's error code, `timeout`, `HTTP 500`, `over budget`). */
  errors: Record<string, number>;
  brokenWatches: number;
  /** The last probe of the window succeeded (and so did every probe of its last `tailMs`). */
  recovered: boolean;
  /** Start and end (epoch ms) of the longest failure run, when there was one. */
  outage?: { from: number; to: number };
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The longest run of failures among probes sorted by start. */
export function longestOutage(probes: readonly Probe[]): { from: number; to: number; ms: number; recovered: boolean } | undefined {
  let best: { from: number; to: number; ms: number; recovered: boolean } | undefined;
  let i = 0;
  while (i < probes.length) {
    if (probes[i]!.ok) {
      i++;
      continue;
    }
    let j = i;
    while (j < probes.length && !probes[j]!.ok) j++;
    const first = probes[i]!;
    const next = probes[j];
    const last = probes[j - 1]!;
    const to = next ? next.start : last.start + last.ms;
    const run = { from: first.start, to, ms: to - first.start, recovered: next !== undefined };
    if (!best || run.ms > best.ms) best = run;
    i = j;
  }
  return best;
}

export interface WindowOptions {
  /** How much of the window's end must be all successes to call it recovered. @default 500 */
  tailMs?: number;
  /** Failures of probes started from here on are `failedNew`. @default the window's start */
  newFrom?: number;
  /** A probe that answered later than this counts as failed (a client gave up). @default no limit beyond the prober's timeout */
  budgetMs?: number;
  /** A successful probe slower than this counts as `slow`. @default none */
  slowMs?: number;
}

/** A probe as a client with `budgetMs` of patience sees it: an error or a late answer is a failure. */
export function classifyProbe(p: Probe, budgetMs = Infinity, slowMs = Infinity): { verdict: 'ok' | 'slow' | 'failed'; why?: string } {
  if (!p.ok) return { verdict: 'failed', why: p.err ?? 'error' };
  if (p.ms > budgetMs) return { verdict: 'failed', why: 'over budget' };
  return { verdict: p.ms > slowMs ? 'slow' : 'ok' };
}

/** Probes and watch breaks in [from, to). */
export function summariseWindow(events: readonly ProbeEvent[], from: number, to: number, options: WindowOptions = {}): WindowSummary {
  const { tailMs = 500, newFrom = from, budgetMs = Infinity, slowMs = Infinity } = options;
  // Judged with the budget: a late answer is a failure from here on (the outage and recovery see it so too).
  const probes = events
    .filter((e): e is Probe => e.type === 'probe' && e.start >= from && e.start < to)
    .sort((a, b) => a.start - b.start)
    .map((p) => ({ p, c: classifyProbe(p, budgetMs, slowMs) }));
  const failures = probes.filter((x) => x.c.verdict === 'failed');
  const judged: Probe[] = probes.map(({ p, c }) => (c.verdict === 'failed' && p.ok ? { ...p, ok: false, err: c.why } : p));
  const run = longestOutage(judged);
  const last = judged.at(-1);
  const tail = judged.filter((p) => last !== undefined && p.start >= last.start - tailMs);
  const okMs = judged.filter((p) => p.ok).map((p) => p.ms);
  const errors: Record<string, number> = {};
  for (const f of failures) errors[f.c.why ?? 'error'] = (errors[f.c.why ?? 'error'] ?? 0) + 1;
  const s: WindowSummary = {
    probes: probes.length,
    failed: failures.length,
    failedNew: failures.filter((f) => f.p.start >= newFrom).length,
    outageMs: run ? Math.round(run.ms) : 0,
    p99Ms: roundOrUndefined(percentile(okMs, 99)),
    p50Ms: roundOrUndefined(percentile(okMs, 50)),
    maxMs: roundOrUndefined(okMs.length > 0 ? Math.max(...okMs) : undefined),
    slow: probes.filter((x) => x.c.verdict === 'slow').length,
    errors,
    brokenWatches: events.filter((e) => e.type === 'watch' && e.event === 'broken' && e.at >= from && e.at < to).length,
    recovered: last !== undefined && tail.every((p) => p.ok),
  };
  if (run) s.outage = { from: run.from, to: run.to };
  return s;
}

const roundOrUndefined = (n: number | undefined): number | undefined => (n === undefined ? undefined : Math.round(n * 10) / 10);

/** Whether the probes in [to - tailMs, to) all succeeded (at least `min` of them): the API answers steadily. */
export function steady(events: readonly ProbeEvent[], to: number, tailMs: number, min = 5): boolean {
  const tail = events.filter((e): e is Probe => e.type === 'probe' && e.start >= to - tailMs && e.start < to && e.start + e.ms <= to + 1);
  return tail.length >= min && tail.every((p) => p.ok);
}

/** Watches open now: opened and not broken since. */
export function openWatches(events: readonly ProbeEvent[]): number {
  const state = new Map<number, boolean>();
  for (const e of events) if (e.type === 'watch') state.set(e.id, e.event === 'open');
  return [...state.values()].filter(Boolean).length;
}
