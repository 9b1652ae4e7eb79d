import { analyzeSpec } from '../analyze/spec-analysis.js';
import type { Report } from '../analyze/types.js';
import { hostsWithRole } from '../cluster-spec/types.js';
import type { ClusterSpec } from '../cluster-spec/types.js';
import type { DashboardEvent, DashboardSource } from '../dashboard/server.js';
import type { DashboardView, DrillEntry, LabInfo } from '../dashboard/views.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import { hasErrors } from '../diag/diagnostic.js';
import { renderDiagnostics } from '../diag/render.js';
import { SecretScrubber } from '../diag/secrets.js';
import { isSameProcess, listLabs } from '../lab/state.js';
import type { LabState } from '../lab/state.js';
import { benchDate, benchRows } from '../measure/bench-table.js';
import type { BenchResult } from '../measure/bench-table.js';
import type { DrillResult } from '../measure/drill.js';
import type { ClusterStatus } from '../measure/status.js';
import type { Failure } from '../model/failure.js';
import { formatFailure, parseFailure } from '../model/failure.js';
import { checkReport, diagnosticToFinding } from './check.js';
import { describeInjection, runDrill } from './drill.js';
import type { Session } from './session.js';
import { labForSpec } from './session.js';
import { lbHostsOf, watchStatus } from './status.js';

/**
 * `kubeha dashboard`'s use case: what the pages show, kept up to date. The spec's check report; the hosts looked at
 * with `status --watch`'s loop (watchStatus), each change told to the subscribers (the SSE streams); drills run with
 * the drill use case (runDrill), one at a time, their probe events told as they come; past drills from JSON files.
 * Everything it hands out goes through one secret scrubber that knows the spec's text, the state's secrets and every
 * rendered file (VRRP passwords, private keys).
 */

export interface PastDrills {
  file: string;
  results: BenchResult[];
}

export interface DashboardOptions {
  specPath: string;
  /** The spec's text (its secrets are scrubbed from every response). */
  specText: string;
  spec: ClusterSpec | undefined;
  diagnostics: readonly Diagnostic[];
  /** Open when the spec is valid and its hosts are to be looked at. */
  session: Session | undefined;
  lab: LabInfo;
  past: readonly PastDrills[];
  /** The file whose drills make the benchmark table (bench-results/ha.json), if given. */
  benchFile?: string;
  /** @default 2000 */
  intervalMs?: number;
  /** Progress lines of drills (the terminal). */
  onProgress?: (line: string) => void;
}

export interface DashboardHub extends DashboardSource {
  /** Stops looking and any drill (its fault undone first), and closes the session. */
  close(): Promise<void>;
}

/**
 * The lab of the spec's hosts: up (its state says so and a host's container runs), known but not up (being created,
 * or its containers are gone, e.g. after a reboot), or none.
 */
export async function labInfoFor(spec: ClusterSpec): Promise<LabInfo> {
  const labs = await listLabs().catch(() => []);
  const mine = labs.filter((l) => spec.hosts.every((h) => (l.plan.hosts ?? []).some((lh) => lh.name === h.name && lh.address === h.address)));
  const running = (l: LabState): boolean => Object.values(l.processes ?? {}).some((p) => isSameProcess(p));
  const up = mine.find((l) => l.phase === 'up' && running(l));
  if (up && (await labForSpec(spec))) return { kind: 'up', name: up.plan.lab };
  const known = mine[0];
  if (!known) return { kind: 'none' };
  return { kind: 'down', name: known.plan.lab, phase: known.phase === 'up' ? 'its hosts are not running' : known.phase };
}

/** Drill objects from a file: a JSON array (bench-results/ha.json), one object, or one object per line (`drill --output json`). */
export function parseDrillFile(text: string): BenchResult[] | { error: string } {
  const isDrill = (x: unknown): x is BenchResult => typeof x === 'object' && x !== null && typeof (x as DrillResult).scenario === 'string' && typeof (x as DrillResult).faultAt === 'number' && typeof (x as DrillResult).prediction === 'object';
  const t = text.trim();
  let values: unknown[];
  try {
    if (t.startsWith('[')) values = JSON.parse(t) as unknown[];
    else
      values = t
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as unknown);
  } catch (e) {
    return { error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!Array.isArray(values)) return { error: 'neither a JSON array nor JSON lines' };
  const drills = values.filter(isDrill);
  if (drills.length === 0) return { error: 'no drill object in it (expected `kubeha drill --output json` lines or bench-results/ha.json)' };
  return drills;
}

/** The scenarios a drill can run: the analysis' single failures, and a degraded link on each LB (`drill --all`). */
export function drillableScenarios(spec: ClusterSpec, report: Report, lbs: readonly string[], lab: boolean): string[] {
  if (!lab) return [];
  const names = new Set(spec.hosts.map((h) => h.name));
  const fromAnalysis = report.scenarios.filter((s) => s.failure !== 'none').map((s) => s.failure);
  const all = [...fromAnalysis, ...lbs.map((h) => formatFailure({ kind: 'link-degraded', host: h }))];
  return [...new Set(all)].filter((s) => {
    const p = parseFailure(s);
    return p.ok && (p.failure.kind !== 'node-down' || names.has(p.failure.host));
  });
}

export function openDashboard(o: DashboardOptions): DashboardHub {
  const spec = o.spec;
  const valid = spec !== undefined && !hasErrors(o.diagnostics);
  const scrubber = new SecretScrubber();
  scrubber.addText(o.specText);
  for (const h of o.session?.cluster ?? []) for (const f of h.files) scrubber.addText(f.content);
  const analysis: Report = valid ? checkReport(spec, o.diagnostics) : { findings: o.diagnostics.map(diagnosticToFinding), scenarios: [] };
  const scenarios = valid ? analyzeSpec(spec).scenarios : [];
  const session = o.session;
  const lbs = session ? lbHostsOf(session) : [];
  const drillable = valid && session ? drillableScenarios(spec, analysis, lbs, session.lab !== undefined) : [];
  const host = (h: { name: string; address: string }): { name: string; address: string } => ({ name: h.name, address: h.address });

  const listeners = new Set<(e: DashboardEvent) => void>();
  const tell = (e: DashboardEvent): void => {
    for (const l of listeners) l(e);
  };
  const drills: DrillEntry[] = [];
  for (const [i, p] of o.past.entries()) p.results.forEach((r, j) => drills.push({ id: `f${i + 1}-${j + 1}`, source: `file ${p.file}`, result: r, progress: [] }));
  const benchSource = o.past.find((p) => p.file === o.benchFile);
  const bench = benchSource ? { file: benchSource.file, date: benchDate(benchSource.results), rows: benchRows(benchSource.results) } : undefined;

  let status: ClusterStatus | undefined;
  let lastChange: string | undefined;
  let running: string | undefined;
  let runs = 0;
  /** The VIP holders of the looks that changed something while the drill under way runs. */
  let seen: { at: number; holders: string[] }[] = [];
  const stop = new AbortController();
  const watching = session !== undefined;
  const watcher = session
    ? watchStatus(session, {
        intervalMs: o.intervalMs ?? 2000,
        signal: stop.signal,
        onStatus: (s, changed) => {
          status = s;
          if (!changed) return;
          lastChange = s.at;
          const live = running ? drills.find((d) => d.id === running)?.live : undefined;
          if (live) seen.push({ at: Date.parse(s.at), holders: s.lbs.filter((l) => l.holdsVip).map((l) => l.host) });
          tell({ kind: 'status' });
        },
      }).catch(() => undefined)
    : Promise.resolve(undefined);
  const drillRuns: Promise<void>[] = [];

  const view = (): DashboardView => ({
    cluster: spec?.name ?? o.specPath,
    specFile: o.specPath,
    specProblems: o.diagnostics.length > 0 ? [renderDiagnostics(o.diagnostics)] : [],
    specValid: valid,
    ...(spec ? { endpoint: { vip: spec.loadBalancer.vip || spec.controlPlane.endpoint.address, port: spec.controlPlane.endpoint.port } } : {}),
    ...(spec
      ? {
          hosts: {
            lbs: (lbs.length > 0 ? lbs.map((n) => spec.hosts.find((h) => h.name === n)!) : hostsWithRole(spec, 'loadbalancer')).map(host),
            masters: hostsWithRole(spec, 'control-plane').map(host),
            workers: hostsWithRole(spec, 'worker').map(host),
          },
        }
      : {}),
    analysis,
    lab: o.lab,
    watching,
    ...(status ? { status } : {}),
    ...(lastChange ? { lastChange } : {}),
    drillable,
    drills,
    ...(bench ? { bench } : {}),
  });

  const check = (scenario: string): { ok: true; failure: Failure } | { ok: false; why: string } => {
    if (!session?.lab) return { ok: false, why: 'drills run from the dashboard in a lab only: start one with `sudo kubeha lab up SPEC`' };
    if (!drillable.includes(scenario)) return { ok: false, why: `"${scenario}" is not a scenario of this spec (${drillable.join(', ')})` };
    const p = parseFailure(scenario);
    if (!p.ok) return { ok: false, why: p.problem.message };
    return { ok: true, failure: p.failure };
  };

  return {
    view,
    status: () => status,
    analysis: () => analysis,
    drill: (id) => drills.find((d) => d.id === id),
    running: () => running,
    describe: (scenario) => {
      const c = check(scenario);
      if (!c.ok) return c;
      return { ok: true, what: describeInjection(session!, c.failure), lab: session!.lab!.plan.lab };
    },
    startDrill: (scenario) => {
      const c = check(scenario);
      if (!c.ok) return c;
      if (running) return { ok: false, why: `drill ${running} is running: one drill at a time` };
      const id = `d${++runs}`;
      const entry: DrillEntry = { id, source: `run here`, progress: [], live: { scenario, phase: 'starting', events: [], vipHoldersBefore: [], now: Date.now() } };
      drills.push(entry);
      running = id;
      seen = [];
      const say = (line: string): void => {
        entry.progress.push(line);
        o.onProgress?.(line);
        tell({ kind: 'drill', id });
      };
      const run = runDrill(session!, c.failure, {
        scenarios,
        signal: stop.signal,
        onProgress: say,
        onLive: (l) => {
          entry.live = { ...l, events: [...l.events], now: Date.now(), seen: [...seen] };
          tell({ kind: 'drill', id });
        },
      })
        .then((r) => {
          entry.result = r.result;
          entry.events = r.events;
          delete entry.live;
        })
        .catch((e: unknown) => {
          entry.error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
        })
        .finally(() => {
          running = undefined;
          tell({ kind: 'drill', id });
          tell({ kind: 'status' });
        });
      drillRuns.push(run);
      return { ok: true, id };
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    scrub: (t) => scrubber.scrub(t),
    close: async () => {
      stop.abort();
      await Promise.all([watcher, ...drillRuns]);
      await session?.close();
    },
  };
}
