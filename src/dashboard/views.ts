import type { Finding, Report } from '../analyze/types.js';
import type { BenchRow } from '../measure/bench-table.js';
import type { FailureText } from '../model/failure.js';
import type { DrillResult, Prediction, Transition } from '../measure/drill.js';
import type { ProbeEvent } from '../measure/probes.js';
import type { ClusterStatus } from '../measure/status.js';
import { escapeXml as esc, timelineSvg } from '../measure/timeline-svg.js';
import { holderText, topologySvg } from './topology.js';
import type { TopologyHost } from './topology.js';

/**
 * The dashboard's pages, server-rendered: values in, HTML out (no I/O, no clock: every time shown is in the
 * values). They work without JavaScript; /app.js only replaces the `data-live` fragments with the ones the server
 * sends over server-sent events (the same functions render them).
 */

export type LabInfo = { kind: 'up'; name: string } | { kind: 'down'; name: string; phase: string } | { kind: 'none' };

/** A drill while it runs (src/ops/drill.ts DrillLive) plus the progress lines it printed. */
export interface LiveDrill {
  scenario: string;
  phase: 'starting' | 'probing' | 'fault' | 'restore';
  events: readonly ProbeEvent[];
  vipHoldersBefore: string[];
  faultAt?: number;
  restoreAt?: number;
  prediction?: Prediction;
  /** Epoch ms of this snapshot. */
  now: number;
  /** Who held the VIP at each look of the dashboard that changed it, while the drill runs (epoch ms). */
  seen?: { at: number; holders: string[] }[];
}

export interface DrillEntry {
  id: string;
  /** Where it comes from: `run here at …`, or the file it was read from. */
  source: string;
  result?: DrillResult;
  /** Probe and watch events (drills run here; JSON files do not keep them). */
  events?: readonly ProbeEvent[];
  live?: LiveDrill;
  progress: string[];
  /** Why the drill could not run (an environment error). */
  error?: string;
}

export interface DashboardView {
  cluster: string;
  specFile: string;
  /** The spec's problems as `kubeha check` prints them (secrets masked); errors mean no hosts are looked at. */
  specProblems: string[];
  specValid: boolean;
  endpoint?: { vip: string; port: number };
  hosts?: { lbs: TopologyHost[]; masters: TopologyHost[]; workers: TopologyHost[] };
  analysis: Report;
  lab: LabInfo;
  /** Whether the dashboard looks at the hosts (status every few seconds). */
  watching: boolean;
  status?: ClusterStatus;
  /** ISO time of the last look that differed from the one before. */
  lastChange?: string;
  /** Scenarios a drill can run here (a lab is up); empty otherwise. */
  drillable: string[];
  drills: DrillEntry[];
  bench?: { file: string; date: string | undefined; rows: BenchRow[] };
}

const NAV = [
  ['/', 'Topology'],
  ['/predictions', 'Predictions'],
  ['/drills', 'Drills'],
] as const;

export function layout(title: string, path: string, body: string, view: Pick<DashboardView, 'cluster'>): string {
  const nav = NAV.map(([href, label]) => `<a href="${href}"${href === path ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${title} · ${view.cluster} · kubeha`)}</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">kubeha</span> <span class="cluster">${esc(view.cluster)}</span><nav aria-label="Views">${nav}</nav><span id="live-note" class="live-note" role="status" aria-live="polite"></span></header>
<main id="main" tabindex="-1">
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function labBanner(v: DashboardView): string {
  if (v.lab.kind === 'up') return `<p class="note">Lab <strong>${esc(v.lab.name)}</strong> is up: drills can run from this page.</p>`;
  const start = `<code>sudo kubeha lab up ${esc(v.specFile)}</code>, then <code>sudo kubeha apply ${esc(v.specFile)} --yes</code>`;
  if (v.lab.kind === 'down')
    return `<div class="banner bad" role="alert"><strong>Lab ${esc(v.lab.name)} is not up</strong> (${esc(v.lab.phase)}): its hosts are not looked at. Start it with ${start}; this page updates once it answers.</div>`;
  return `<p class="note">No lab is up for this spec: its hosts are reached over SSH as <code>kubeha status</code> does. If the spec is meant for a lab, start it with ${start}.</p>`;
}

function specBanner(v: DashboardView): string {
  if (v.specProblems.length === 0) return '';
  return `<div class="banner ${v.specValid ? 'warn' : 'bad'}" role="alert"><strong>${v.specValid ? 'The spec has warnings' : 'The spec fails check: nothing is looked at until it is fixed'}</strong><pre>${esc(v.specProblems.join('\n'))}</pre></div>`;
}

export function verdictHtml(v: Pick<DashboardView, 'status' | 'lastChange' | 'watching'>): string {
  const s = v.status;
  if (!s) return `<p class="verdict unknown" data-verdict="unknown">${v.watching ? 'Looking at the hosts…' : 'Not looking at the hosts (see above).'}</p>`;
  const why = s.verdict.why.length > 0 ? `<ul class="why">${s.verdict.why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  return `<p class="verdict ${s.verdict.state}" data-verdict="${s.verdict.state}"><strong>${s.verdict.state.toUpperCase()}</strong> · VIP on <span data-vip-holder="${esc(s.lbs.filter((l) => l.holdsVip).map((l) => l.host).join(','))}">${esc(holderText(s))}</span></p>${why}<p class="times">Last look <time datetime="${esc(s.at)}">${esc(s.at)}</time>; last change <time datetime="${esc(v.lastChange ?? s.at)}" data-last-change>${esc(v.lastChange ?? s.at)}</time></p>`;
}

/** A table with what the SVG shows, for screen readers and text browsers. */
export function statusTable(s: ClusterStatus | undefined): string {
  if (!s) return '';
  const rows: string[] = [];
  for (const l of s.lbs) {
    const state = !l.reachable ? `unreachable${l.error ? ` (${l.error})` : ''}` : `keepalived ${l.keepalived}${l.vrrpState ? ` ${l.vrrpState}` : ''}, haproxy ${l.haproxy}${l.holdsVip ? ', holds the VIP' : ''}`;
    rows.push(`<tr><th scope="row">${esc(l.host)}</th><td>load balancer</td><td>${esc(state)}</td></tr>`);
    for (const sv of l.servers ?? []) rows.push(`<tr><th scope="row">${esc(l.host)} → ${esc(sv.server)}</th><td>HAProxy backend ${esc(sv.proxy)}</td><td>${esc(`${sv.status}${sv.checkStatus ? ` (${sv.checkStatus})` : ''} ${sv.address}`)}</td></tr>`);
  }
  for (const r of s.readyz) rows.push(`<tr><th scope="row">${esc(r.target)}</th><td>/readyz</td><td>${esc(`${r.ok ? 'ok' : 'FAIL'} ${r.detail} (${Math.round(r.ms)} ms)`)}</td></tr>`);
  rows.push(`<tr><th scope="row">etcd</th><td>cluster</td><td>${esc(`${s.etcd.state}${s.etcd.reason ? ` (${s.etcd.reason})` : ''}`)}</td></tr>`);
  return `<details><summary>The same as a table</summary><table><thead><tr><th scope="col">What</th><th scope="col">Kind</th><th scope="col">State</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

/** The live part of the topology page (replaced on each `status` event). */
export function statusFragment(v: DashboardView): string {
  const svg = v.hosts && v.endpoint ? topologySvg({ vip: v.endpoint.vip, port: v.endpoint.port, ...v.hosts, status: v.status }) : '';
  return `${verdictHtml(v)}<figure class="topo" tabindex="0" aria-label="Topology (scrolls sideways on narrow screens)">${svg}<figcaption>Lines from the VIP: who holds it (solid). Lines from each LB: HAProxy's view of each apiserver (green UP, red dashed DOWN, grey unknown).</figcaption></figure>${statusTable(v.status)}`;
}

export function overviewPage(v: DashboardView): string {
  return layout('Topology', '/', `${specBanner(v)}${labBanner(v)}<section id="status-live" data-live="status" aria-live="polite">${statusFragment(v)}</section>`, v);
}

const explainLink = (code: string): string => `<a href="/explain/${encodeURIComponent(code)}"><code>${esc(code)}</code></a>`;

function findingRow(f: Finding): string {
  const where = f.file ? `${f.file}${f.line !== undefined ? `:${f.line}${f.col !== undefined ? `:${f.col}` : ''}` : ''}` : (f.host ?? '');
  return `<tr class="${f.severity}"><td>${esc(f.severity)}</td><td>${explainLink(f.rule)}</td><td>${esc(f.message)}${f.hint ? `<br><span class="hint">${esc(f.hint)}</span>` : ''}</td><td>${esc(where)}</td></tr>`;
}

export function predictionsPage(v: DashboardView): string {
  const sc = v.analysis.scenarios
    .map(
      (s) =>
        `<tr><th scope="row"><code>${esc(s.failure)}</code></th><td>${esc(s.vipHolders.join(', ') || 'nobody')}</td><td class="${s.apiReachable ? 'ok' : 'bad'}">${s.apiReachable ? 'yes' : 'NO'}</td><td>${s.apiReachable ? `${s.predictedOutageMs ?? 0} ms` : 'API lost'}</td><td>${esc(s.note)}</td></tr>`,
    )
    .join('');
  const scenarios =
    v.analysis.scenarios.length > 0
      ? `<div class="scroll"><table class="scenarios"><caption>Every single failure: who holds the VIP, whether the API stays reachable, the predicted client-visible outage</caption><thead><tr><th scope="col">Failure</th><th scope="col">VIP holder</th><th scope="col">API reachable</th><th scope="col">Predicted outage</th><th scope="col">Why</th></tr></thead><tbody>${sc}</tbody></table></div>`
      : '<p>No scenarios: the spec does not load.</p>';
  const findings =
    v.analysis.findings.length > 0
      ? `<div class="scroll"><table class="findings"><caption>Findings (each code links to its explanation)</caption><thead><tr><th scope="col">Severity</th><th scope="col">Code</th><th scope="col">Message</th><th scope="col">Where</th></tr></thead><tbody>${v.analysis.findings.map(findingRow).join('')}</tbody></table></div>`
      : '<p>No findings.</p>';
  return layout('Predictions', '/predictions', `${specBanner(v)}<h2>Scenarios</h2>${scenarios}<h2>Findings</h2>${findings}<p><a href="/api/analysis">JSON</a> (as <code>kubeha check --output json</code> prints it)</p>`, v);
}

export function explainPage(code: string, text: string | undefined, v: Pick<DashboardView, 'cluster'>): string {
  return layout(code, '/predictions', text ? `<pre class="explain">${esc(text)}</pre><p><a href="/predictions">Back to the predictions</a></p>` : `<p>No such code. <a href="/predictions">Back</a></p>`, v);
}

/** A drill not yet done as a provisional result the timeline can draw. */
export function provisionalResult(l: LiveDrill): DrillResult {
  const faultAt = l.faultAt ?? l.now;
  // The VIP lane from the dashboard's looks (keepalived's journal is read once the drill ends).
  const transitions: Transition[] = [];
  let holder = l.vipHoldersBefore[0];
  for (const s of l.seen ?? []) {
    const next = s.holders.length === 1 ? s.holders[0] : undefined;
    if (next === holder) continue;
    if (next) transitions.push({ host: next, state: 'MASTER', atMs: s.at - faultAt });
    else if (holder) transitions.push({ host: holder, state: 'BACKUP', atMs: s.at - faultAt });
    holder = next;
  }
  return {
    scenario: l.scenario as FailureText,
    startedAt: '',
    faultAt,
    restoreAt: l.restoreAt ?? Math.max(l.now, faultAt),
    endAt: l.now,
    probes: 0,
    failed: 0,
    outageMs: 0,
    p99Ms: undefined,
    brokenWatches: 0,
    vipHoldersBefore: l.vipHoldersBefore,
    vipHoldersAfter: [],
    reachable: true,
    transitions,
    recovered: false,
    failback: { failed: 0, outageMs: 0, brokenWatches: 0, vipHolders: [] },
    baseline: { probes: 0, failed: 0 },
    prediction: l.prediction ?? { vipHolders: [], apiReachable: true, outageMs: 0, note: '' },
    findings: [],
    notes: [],
  };
}

/** Measured beside predicted, one row per figure; each measured cell carries `data-field` (the JSON's name). */
export function comparisonTable(r: DrillResult): string {
  const pred = r.prediction;
  const row = (label: string, field: string, measured: string, predicted: string, ok: boolean | undefined): string =>
    `<tr><th scope="row">${esc(label)}</th><td data-field="${field}"${ok === false ? ' class="bad"' : ''}>${esc(measured)}</td><td>${esc(predicted)}</td></tr>`;
  const same = (a: readonly string[], b: readonly string[]): boolean => [...a].sort().join() === [...b].sort().join();
  return `<table class="compare"><caption>Measured beside predicted</caption><thead><tr><th scope="col">Figure</th><th scope="col">Measured</th><th scope="col">Predicted</th></tr></thead><tbody>${[
    row('outage (ms)', 'outageMs', `${r.outageMs}`, pred.apiReachable ? `${pred.outageMs ?? 0}` : 'API lost', undefined),
    row('VIP holder after', 'vipHoldersAfter', r.vipHoldersAfter.join(', ') || 'nobody', pred.vipHolders.join(', ') || 'nobody', same(r.vipHoldersAfter, pred.vipHolders)),
    row('API reachable', 'reachable', r.reachable ? 'yes' : 'no', pred.apiReachable ? 'yes' : 'no', r.reachable === pred.apiReachable),
    row('failed probes', 'failed', `${r.failed}/${r.probes}`, '', undefined),
    row('p99 (ms)', 'p99Ms', `${r.p99Ms ?? '-'}`, '', undefined),
    row('broken watches', 'brokenWatches', `${r.brokenWatches}`, '', undefined),
    row('recovered', 'recovered', r.recovered ? 'yes' : 'NO', 'yes', r.recovered),
    row('failback', 'failback', `${r.failback.failed} failed, ${r.failback.outageMs} ms, VIP on ${r.failback.vipHolders.join(', ') || 'nobody'}`, '', undefined),
  ].join('')}</tbody></table>`;
}

/** One drill: its timeline (live or done), progress, and, once done, the measured figures beside the prediction. */
export function drillFragment(d: DrillEntry): string {
  const parts: string[] = [];
  if (d.result) {
    const r = d.result;
    const worst = r.findings.some((f) => f.severity === 'error') ? 'bad' : r.findings.length > 0 ? 'warn' : 'ok';
    parts.push(`<p class="drill-state ${worst}" data-drill-state="done"><strong>${esc(r.scenario)}</strong>: done${r.startedAt ? `, started <time datetime="${esc(r.startedAt)}">${esc(r.startedAt)}</time>` : ''}</p>`);
    parts.push(`<div class="timeline scroll">${timelineSvg(r, d.events ?? [])}</div>`);
    if (!d.events) parts.push('<p class="hint">The JSON keeps no probe events: the timeline shows the VIP holder, the fault and the restore.</p>');
    parts.push(comparisonTable(r));
    if (r.findings.length > 0) parts.push(`<ul class="findings">${r.findings.map((f) => `<li class="${f.severity}">${esc(f.severity)} ${explainLink(f.rule)}: ${esc(f.message)}</li>`).join('')}</ul>`);
    if (r.notes.length > 0) parts.push(`<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  } else if (d.error) {
    parts.push(`<p class="drill-state bad" data-drill-state="error"><strong>could not run</strong>: ${esc(d.error)}</p>`);
  } else if (d.live) {
    const l = d.live;
    const probes = l.events.filter((e) => e.type === 'probe');
    const failed = probes.filter((e) => e.type === 'probe' && !e.ok).length;
    parts.push(`<p class="drill-state running" data-drill-state="${l.phase}"><strong>${esc(l.scenario)}</strong>: ${esc(l.phase)}; ${probes.length} probes, ${failed} failed</p>`);
    parts.push(`<div class="timeline scroll">${timelineSvg(provisionalResult(l), l.events, { fault: l.faultAt !== undefined, restore: l.restoreAt !== undefined })}</div>`);
  }
  if (d.progress.length > 0) parts.push(`<details${d.result ? '' : ' open'}><summary>Progress</summary><pre class="progress">${esc(d.progress.join('\n'))}</pre></details>`);
  return parts.join('\n');
}

export function drillPage(d: DrillEntry, v: Pick<DashboardView, 'cluster'>): string {
  return layout(`Drill ${d.result?.scenario ?? d.live?.scenario ?? d.id}`, '/drills', `<p class="hint">${esc(d.source)} · <a href="/api/drills/${encodeURIComponent(d.id)}">JSON</a></p><section id="drill-${esc(d.id)}" data-live="drill" data-drill-id="${esc(d.id)}" aria-live="polite">${drillFragment(d)}</section><p><a href="/drills">All drills</a></p>`, v);
}

export function benchTable(b: NonNullable<DashboardView['bench']>): string {
  const rows = b.rows
    .map((r) =>
      r.runs === 0
        ? `<tr><th scope="row">${esc(r.scenario)}</th><td>${esc(r.setup)}</td><td colspan="5">not run yet</td></tr>`
        : `<tr><th scope="row">${esc(r.scenario)}</th><td>${esc(r.setup)}</td><td>${esc(`${r.outageMs} (${r.predicted})`)}</td><td>${esc(r.failed)}</td><td>${esc(r.brokenWatches)}</td><td>${esc(r.vipMoved)}</td><td>${esc(r.failbackFailed)}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table class="bench"><caption>${esc(`${b.file}${b.date ? `, drills of ${b.date}` : ''}`)}</caption><thead><tr><th scope="col">Scenario</th><th scope="col">Setup</th><th scope="col">Outage ms (predicted)</th><th scope="col">Failed probes</th><th scope="col">Broken watches</th><th scope="col">VIP moved</th><th scope="col">Failback failed</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function drillsPage(v: DashboardView, running: string | undefined): string {
  const parts: string[] = [specBanner(v), labBanner(v)];
  if (v.drillable.length > 0) {
    parts.push('<h2>Run a drill</h2>');
    if (running) parts.push(`<p class="note">A drill is running: <a href="/drills/${encodeURIComponent(running)}">watch it</a>. One drill at a time.</p>`);
    parts.push(
      `<ul class="drill-buttons">${v.drillable.map((s) => `<li><form method="get" action="/drills/confirm"><input type="hidden" name="scenario" value="${esc(s)}"><button type="submit"${running ? ' disabled' : ''}>Drill <code>${esc(s)}</code>…</button></form></li>`).join('')}</ul>`,
    );
  } else if (v.specValid) {
    parts.push(`<p class="note">Drills run from this page in a lab only. Elsewhere: <code>sudo kubeha drill ${esc(v.specFile)} --scenario NAME</code> (it says what it will break and asks).</p>`);
  }
  const here = v.drills.filter((d) => !d.source.startsWith('file '));
  const past = v.drills.filter((d) => d.source.startsWith('file '));
  const item = (d: DrillEntry): string => {
    const r = d.result;
    const summary = r ? `${r.scenario}: outage ${r.outageMs} ms (predicted ${r.prediction.apiReachable ? `${r.prediction.outageMs ?? 0} ms` : 'API lost'}), ${r.failed}/${r.probes} probes failed` : d.error ? `${d.live?.scenario ?? d.id}: could not run` : `${d.live?.scenario ?? d.id}: running`;
    return `<li><a href="/drills/${encodeURIComponent(d.id)}">${esc(summary)}</a> <span class="hint">${esc(d.source)}</span></li>`;
  };
  parts.push('<h2>Drills run here</h2>', here.length > 0 ? `<ul>${here.map(item).join('')}</ul>` : '<p>None yet.</p>');
  parts.push('<h2>Past drills</h2>', past.length > 0 ? `<ul>${past.map(item).join('')}</ul>` : '<p>None (pass <code>--drills FILE</code>: <code>kubeha drill --output json</code> output or bench-results/ha.json).</p>');
  if (v.bench) parts.push('<h2>Benchmark</h2>', benchTable(v.bench));
  parts.push('<p><a href="/api/drills">JSON</a> (each drill as <code>kubeha drill --output json</code> prints it)</p>');
  return layout('Drills', '/drills', parts.join('\n'), v);
}

export function confirmPage(scenario: string, what: string, lab: string, csrf: string, v: Pick<DashboardView, 'cluster'>): string {
  return layout(
    `Drill ${scenario}?`,
    '/drills',
    `<p>In lab <strong>${esc(lab)}</strong>, this drill will break, then restore:</p><pre>${esc(what)}</pre><p>A client probes the endpoint meanwhile; the timeline draws as it goes.</p><form method="post" action="/drills"><input type="hidden" name="scenario" value="${esc(scenario)}"><input type="hidden" name="csrf" value="${esc(csrf)}"><button type="submit" class="danger" autofocus>Run the drill</button> <a href="/drills">Cancel</a></form>`,
    v,
  );
}

export function messagePage(title: string, text: string, v: Pick<DashboardView, 'cluster'>): string {
  return layout(title, '', `<p>${esc(text)}</p><p><a href="/">Back</a></p>`, v);
}

export const APP_CSS = `
:root { color-scheme: light; --fg: #202124; --muted: #3c4043; --ok: #1b7f3b; --bad: #b3261e; --warn: #8a5a00; --focus: #0b57d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: #fff; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; background: #f1f3f4; border-bottom: 1px solid #c4c7c5; }
.brand { font-weight: 700; } .cluster { color: var(--muted); }
nav { display: flex; gap: .25rem; flex-wrap: wrap; }
nav a { padding: .35rem .7rem; border-radius: 4px; color: #0b57d0; text-decoration: none; }
nav a[aria-current="page"] { background: #d3e3fd; color: #041e49; font-weight: 600; }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .2rem 0 1rem; }
a { color: #0b57d0; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem; z-index: 2; }
.banner { padding: .6rem .8rem; border-radius: 6px; margin: 0 0 1rem; border: 2px solid; }
.banner.bad { border-color: var(--bad); background: #fce8e6; } .banner.warn { border-color: var(--warn); background: #fef7e0; }
.banner pre { white-space: pre-wrap; margin: .4rem 0 0; }
.note { background: #f1f3f4; padding: .5rem .8rem; border-radius: 6px; }
.verdict { font-size: 1.2rem; padding: .5rem .8rem; border-left: 6px solid #5f6368; background: #f1f3f4; margin: 0 0 .3rem; }
.verdict.healthy { border-color: var(--ok); } .verdict.degraded { border-color: var(--warn); } .verdict.down { border-color: var(--bad); background: #fce8e6; }
.why { margin: .2rem 0 .4rem; } .times { color: var(--muted); font-size: .9rem; margin: 0 0 .5rem; }
figure { margin: 0 0 1rem; } figcaption, .hint { color: var(--muted); font-size: .9rem; }
svg.topology { max-width: 100%; height: auto; border: 1px solid #dadce0; border-radius: 6px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #dadce0; padding: .3rem .5rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
td.bad, tr.error td:first-child, li.error, .drill-state.bad { color: var(--bad); font-weight: 600; }
td.ok, .drill-state.ok { color: var(--ok); } tr.warning td:first-child, .drill-state.warn { color: var(--warn); }
.drill-buttons { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
button { font: inherit; padding: .45rem .8rem; border-radius: 6px; border: 2px solid #0b57d0; background: #fff; color: #0b57d0; cursor: pointer; min-height: 44px; }
button:hover { background: #d3e3fd; } button[disabled] { border-color: #9aa0a6; color: #5f6368; cursor: not-allowed; }
button.danger { border-color: var(--bad); background: var(--bad); color: #fff; }
pre { background: #f8f9fa; padding: .5rem; border-radius: 4px; overflow-x: auto; }
.timeline svg { max-width: 100%; height: auto; }
.live-note { color: var(--muted); font-size: .85rem; margin-left: auto; }
figure.topo { overflow-x: auto; }
@media (max-width: 600px) { svg.topology { min-width: 680px; } body { font-size: 15px; } main { padding: .6rem; } th, td { padding: .25rem .3rem; } .verdict { font-size: 1.05rem; } }
`;

/** The page's script: server-sent events replace the live fragments; nothing else runs in the page. */
export const APP_JS = `
(() => {
  if (!('EventSource' in window)) return;
  const note = document.getElementById('live-note');
  const es = new EventSource('/events');
  es.addEventListener('open', () => { if (note) note.textContent = 'live'; });
  es.addEventListener('error', () => { if (note) note.textContent = 'live updates lost; reconnecting…'; });
  es.addEventListener('status', (e) => {
    const el = document.getElementById('status-live');
    if (el) el.innerHTML = JSON.parse(e.data).html;
  });
  es.addEventListener('drill', (e) => {
    const d = JSON.parse(e.data);
    const el = document.getElementById('drill-' + d.id);
    if (el) el.innerHTML = d.html;
  });
})();
`;
