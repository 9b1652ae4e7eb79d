import type { DrillResult } from './drill.js';
import type { ProbeEvent } from './probes.js';

/**
 * One drill as an SVG timeline, readable without kubeha: probe results over time (runs of successes green, runs of
 * failures red), the VIP holder lane, the fault and restore marks, each VRRP transition and each broken watch as a
 * mark, and the predicted outage as a band after the fault. Pure: values in, text out. Every event mark is a
 * `<g class="event" data-kind="…">`, so that readers (and the test) can count them.
 */

const W = 860;
const LEFT = 90;
const RIGHT = 20;
const PLOT = W - LEFT - RIGHT;
const H = 190;
const PROBE_Y = 40;
const PROBE_H = 26;
const VIP_Y = 96;
const VIP_H = 18;
const WATCH_Y = 130;
const AXIS_Y = 160;
// Dark enough for the white holder names on them (contrast ≥ 4.5:1, WCAG AA).
const PALETTE = ['#1f4e79', '#8a4b08', '#1b6b63', '#665500', '#6a3d7c', '#5c4033'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const f1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Who held the VIP over time, from the holders before the fault and the MASTER/BACKUP/FAULT transitions. */
export function holderSegments(r: Pick<DrillResult, 'vipHoldersBefore' | 'transitions'>, fromMs: number, toMs: number): { holder: string | undefined; from: number; to: number }[] {
  const segs: { holder: string | undefined; from: number; to: number }[] = [];
  let holder = r.vipHoldersBefore[0];
  let from = fromMs;
  for (const t of [...r.transitions].sort((a, b) => a.atMs - b.atMs)) {
    const next = t.state === 'MASTER' ? t.host : t.host === holder ? undefined : holder;
    if (next === holder || t.atMs < fromMs) {
      if (t.atMs < fromMs) holder = next;
      continue;
    }
    segs.push({ holder, from, to: t.atMs });
    holder = next;
    from = t.atMs;
  }
  segs.push({ holder, from, to: toMs });
  return segs.filter((s) => s.to > s.from);
}

export interface TimelineOptions {
  /** Draw the fault mark (false while a live drill has not injected it yet). @default true */
  fault?: boolean;
  /** Draw the restore mark (false while a live drill's fault lasts). @default true */
  restore?: boolean;
}

export function timelineSvg(r: DrillResult, events: readonly ProbeEvent[], options: TimelineOptions = {}): string {
  const showFault = options.fault !== false;
  const showRestore = showFault && options.restore !== false;
  const probes = events.filter((e): e is Extract<ProbeEvent, { type: 'probe' }> => e.type === 'probe').sort((a, b) => a.start - b.start);
  const rel = (t: number): number => t - r.faultAt;
  const t0 = Math.min(probes.length > 0 ? rel(probes[0]!.start) : -1000, -500);
  const t1 = Math.max(probes.length > 0 ? rel(probes.at(-1)!.start) : 0, rel(r.endAt), rel(r.restoreAt) + 500);
  const x = (ms: number): number => LEFT + ((ms - t0) / (t1 - t0 || 1)) * PLOT;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>${escapeXml(`${r.scenario}: outage ${r.outageMs} ms, ${r.failed}/${r.probes} probes failed`)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="8" y="16" font-weight="bold">${escapeXml(r.scenario)}</text>`);
  // Prediction band: from the fault for the predicted outage (the whole fault when the API is predicted lost).
  const predTo = r.prediction.apiReachable ? (r.prediction.outageMs ?? 0) : rel(r.restoreAt);
  if (showFault) out.push(`<rect class="prediction" x="${f1(x(0))}" y="${PROBE_Y - 6}" width="${f1(Math.max(1, x(predTo) - x(0)))}" height="${PROBE_H + 12}" fill="#bab0ac" fill-opacity="0.35"><title>${escapeXml(`predicted outage: ${r.prediction.apiReachable ? `${r.prediction.outageMs ?? 0} ms` : 'API lost'}`)}</title></rect>`);
  // Probe lane: runs of equal results as one rectangle each.
  out.push(`<text x="8" y="${PROBE_Y + 17}">probes</text>`);
  for (let i = 0; i < probes.length; ) {
    let j = i;
    while (j < probes.length && probes[j]!.ok === probes[i]!.ok) j++;
    const from = rel(probes[i]!.start);
    const to = j < probes.length ? rel(probes[j]!.start) : rel(probes[j - 1]!.start) + Math.max(probes[j - 1]!.ms, 1);
    const ok = probes[i]!.ok;
    out.push(`<rect class="${ok ? 'probe-ok' : 'probe-fail'}" x="${f1(x(from))}" y="${ok ? PROBE_Y + 8 : PROBE_Y}" width="${f1(Math.max(1, x(to) - x(from)))}" height="${ok ? PROBE_H - 16 : PROBE_H}" fill="${ok ? '#59a14f' : '#e15759'}"><title>${escapeXml(`${j - i} probe(s) ${ok ? 'ok' : 'failed'} from ${Math.round(from)} ms`)}</title></rect>`);
    i = j;
  }
  // VIP holder lane.
  out.push(`<text x="8" y="${VIP_Y + 13}">VIP holder</text>`);
  const hosts = [...new Set([...r.vipHoldersBefore, ...r.vipHoldersAfter, ...r.transitions.map((t) => t.host)])].sort();
  for (const s of holderSegments(r, t0, t1)) {
    const color = s.holder ? (PALETTE[hosts.indexOf(s.holder) % PALETTE.length] ?? '#888') : '#dddddd';
    out.push(`<rect class="holder" x="${f1(x(s.from))}" y="${VIP_Y}" width="${f1(Math.max(1, x(s.to) - x(s.from)))}" height="${VIP_H}" fill="${color}"><title>${escapeXml(s.holder ?? 'nobody')}</title></rect>`);
    if (x(s.to) - x(s.from) > 40) out.push(`<text x="${f1(x(s.from) + 4)}" y="${VIP_Y + 13}" fill="${s.holder ? '#ffffff' : '#222222'}">${escapeXml(s.holder ?? 'nobody')}</text>`);
  }
  out.push(`<text x="8" y="${WATCH_Y + 4}">watches</text>`);
  out.push(`<line x1="${LEFT}" y1="${WATCH_Y}" x2="${W - RIGHT}" y2="${WATCH_Y}" stroke="#cccccc"/>`);
  // Event marks.
  const mark = (kind: string, at: number, label: string, y1: number, y2: number, color: string): void => {
    out.push(`<g class="event" data-kind="${kind}"><line x1="${f1(x(at))}" y1="${y1}" x2="${f1(x(at))}" y2="${y2}" stroke="${color}" stroke-width="2"/><title>${escapeXml(label)}</title></g>`);
  };
  if (showFault) mark('fault', 0, `fault injected (0 ms)`, 24, AXIS_Y, '#000000');
  if (showRestore) mark('restore', rel(r.restoreAt), `fault undone (+${Math.round(rel(r.restoreAt))} ms)`, 24, AXIS_Y, '#555555');
  for (const t of r.transitions) mark('transition', t.atMs, `${t.host} entered ${t.state} at ${t.atMs >= 0 ? '+' : ''}${t.atMs} ms`, VIP_Y - 4, VIP_Y + VIP_H + 4, '#000000');
  for (const e of events) if (e.type === 'watch' && e.event === 'broken') mark('watch-broken', rel(e.at), `watch ${e.id} cut at ${Math.round(rel(e.at))} ms`, WATCH_Y - 7, WATCH_Y + 7, '#e15759');
  if (showFault) out.push(`<text x="${f1(x(0) + 3)}" y="32">fault</text>`);
  if (showRestore) out.push(`<text x="${f1(x(rel(r.restoreAt)) + 3)}" y="32">restore</text>`);
  // Time axis, in seconds from the fault.
  out.push(`<line x1="${LEFT}" y1="${AXIS_Y}" x2="${W - RIGHT}" y2="${AXIS_Y}" stroke="#333333"/>`);
  const span = t1 - t0;
  const step = [250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000].find((s) => span / s <= 12) ?? 120_000;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    out.push(`<line x1="${f1(x(t))}" y1="${AXIS_Y}" x2="${f1(x(t))}" y2="${AXIS_Y + 4}" stroke="#333333"/><text x="${f1(x(t))}" y="${AXIS_Y + 16}" text-anchor="middle">${escapeXml(`${t / 1000}s`)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
