import { spawn } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../analyze/types.js';
import { EnvironmentError, InputError } from '../diag/errors.js';
import { applyFault, applyLinkFault, cutVrrp, hostOf } from '../lab/faults.js';
import type { LabState } from '../lab/state.js';
import { waitForSsh } from '../lab/ssh.js';
import type { DrillResult, Prediction, Transition } from '../measure/drill.js';
import { judge, predictionFor } from '../measure/drill.js';
import { parseVrrpTransitions } from '../measure/keepalived-log.js';
import type { ProbeEvent } from '../measure/probes.js';
import { openWatches, parseProbeLines, steady, summariseWindow } from '../measure/probes.js';
import type { Failure, FaultStep, LabFault, LabService } from '../model/failure.js';
import { failureHosts, formatFailure, injectionOf, parseLinkFault } from '../model/failure.js';
import { shellQuote } from '../remote/ssh.js';
import { pkiNeeded } from '../pki/files.js';
import { clientArgv, clientGets } from './client-side.js';
import type { ProberConfig, ProberCredentials } from './prober.js';
import type { Session } from './session.js';
import { lbHostsOf } from './status.js';

/**
 * `kubeha drill`: one failure made real while a client probes the endpoint, then undone. Per drill: probes from
 * the client side (src/ops/prober.ts, its own process), healthy start checked, the fault injected (lab faults for
 * power and links, the service killed or stopped over SSH for the others), convergence awaited, the fault undone,
 * recovery awaited; then the probes summarised per window and held against the analyser's prediction
 * (src/measure/drill.ts).
 */

export interface DrillOptions {
  /** The analyser's scenarios for this spec (`analyzeSpec(spec).scenarios`). */
  scenarios: readonly Scenario[];
  /** @default 20 */
  probeIntervalMs?: number;
  /** @default 5 */
  watches?: number;
  /** Path of the long-lived streams. @default a watch of configmaps in `default` ({@link watchPathFor}) */
  watchPath?: string;
  /** How long a watch may be silent before it counts as cut; 0: never (a quiet watch is silent). @default 0 */
  watchStallMs?: number;
  /** Progress lines (stderr). */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * The drill as it goes, about every `liveEveryMs` and at each phase (the dashboard draws its timeline live from it):
   * the probe and watch events so far, the holders before the fault, the fault's and the restore's times once known.
   */
  onLive?: (live: DrillLive) => void;
  /** @default 500 */
  liveEveryMs?: number;
  /**
   * What the drill probes and watches when the load balancers running are not the spec's rendered ones (a mirror's
   * setup applied to the same hosts, as `npm run bench:ha` does). @default the spec's endpoint, VIP and LB hosts
   */
  target?: DrillTarget;
}

/** The load-balancing setup a drill runs against. */
export interface DrillTarget {
  /** Where clients connect. */
  endpoint: { address: string; port: number };
  /** The VIP the LBs hold; undefined when there is none (a local load balancer on every node). */
  vip: string | undefined;
  /** Hosts running the LB services (keepalived, HAProxy). */
  lbs: string[];
  /** The LB units that must be active again after an undo. */
  services: string[];
}

/** The spec's own setup: its endpoint, VIP and rendered LB hosts. */
export function specTarget(session: Session): DrillTarget {
  const ep = session.spec.controlPlane.endpoint;
  return { endpoint: { address: ep.address, port: ep.port }, vip: session.spec.loadBalancer.vip, lbs: lbHostsOf(session), services: ['keepalived', 'haproxy'] };
}

export interface DrillLive {
  scenario: string;
  phase: 'probing' | 'fault' | 'restore';
  events: readonly ProbeEvent[];
  vipHoldersBefore: string[];
  faultAt?: number;
  restoreAt?: number;
  prediction?: Prediction;
}

/** What the report's timeline needs besides the result: every probe and watch event. */
export interface DrillRun {
  result: DrillResult;
  events: ProbeEvent[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const PROBE_TIMEOUT_MS = 1000;
/** A watch's own timeoutSeconds: longer than any drill (its prober stops after 300 s). */
export const WATCH_SECONDS = 600;
/** Upper bounds: a drill that does not converge or recover within these is reported as such, never waited on forever. */
const CONVERGE_MAX_MS = 30_000;
/** A setup predicted to fail over slowly (seed 002: `fall 10` × `interval 3`) gets twice its prediction, up to this. */
const CONVERGE_CEILING_MS = 120_000;
/** How long a drill waits for a VIP move the analyser predicts once the API answers steadily. */
const MOVE_WAIT_MS = 15_000;
const sameHolders = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
const RECOVER_MAX_MS = 90_000;
const HEALTHY_MAX_MS = 60_000;

/** Whether the failure needs the lab (power, links, VRRP cut): on other hosts kubeha does not do these. */
export function labOnly(f: Failure): boolean {
  return f.kind === 'node-down' || f.kind === 'partition' || f.kind === 'link-degraded';
}

/** What a drill will break, in words, for the confirmation on hosts that are not a lab. */
export function describeInjection(session: Session, f: Failure): string {
  const inj = injectionOf(f, (a) => hostAtAddress(session, a));
  if (!inj.ok) return `${formatFailure(f)}: cannot be injected (${inj.why})`;
  return `${formatFailure(f)}: ${inj.inject.map(stepText).join(', ')}; then ${inj.undo.map(stepText).join(', ')}`;
}

function stepText(s: FaultStep): string {
  switch (s.kind) {
    case 'lab-fault':
      return `${s.fault} ${s.host}`;
    case 'service':
      return `${s.action === 'kill' ? 'SIGKILL' : s.action} ${s.service} on ${s.host}`;
    case 'link':
      return s.fault.kind === 'clear' ? `clear ${s.host}'s link` : s.fault.kind === 'delay' ? `delay ${s.host}'s link by ${s.fault.ms} ms` : `drop ${s.fault.percent}% on ${s.host}'s link`;
    case 'vrrp-cut':
      return `${s.action} VRRP between ${s.hosts[0]} and ${s.hosts[1]}`;
  }
}

export function hostAtAddress(session: Session, address: string): string | undefined {
  return session.spec.hosts.find((h) => h.address === address)?.name;
}

// ---------- the client-side prober ----------

export interface Prober {
  events: () => ProbeEvent[];
  stop: () => Promise<ProbeEvent[]>;
}

/** The watch the prober keeps open: configmaps in `default` (a real Kubernetes watch), ending after `seconds`. */
export function watchPathFor(seconds: number): string {
  return `/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=${seconds}`;
}

/** The prober's argv (pure): in `netns` when set, so that its traffic leaves from the client side. */
export function proberArgv(netns: string | undefined, cfg: ProberConfig, node = process.execPath, execArgv: readonly string[] = process.execArgv): string[] {
  // Beside this module: src/ops/prober.ts (tsx), dist/ops/prober.js, or the bundle's dist/cjs/prober.cjs.
  const here = fileURLToPath(import.meta.url);
  const script = join(dirname(here), `prober${extname(here)}`);
  return clientArgv(netns, [node, ...execArgv, script, JSON.stringify(cfg)]);
}

/** The watches' credentials: the admin client certificate and the cluster CA from the session's PKI (none without one). */
export async function proberCredentials(session: Session): Promise<ProberCredentials> {
  if (!pkiNeeded(session.spec)) return {};
  const { pki } = await session.pki();
  const admin = pki.certs['users/admin'];
  const ca = pki.certs.ca?.cert;
  return { ...(ca ? { ca } : {}), ...(admin ? { cert: admin.cert, key: admin.key } : {}) };
}

/**
 * Starts the prober on the client side (`session.netns`). The credentials go through its stdin (first line), never
 * argv; stdin then stays open: the prober stops when it closes.
 */
export function startProber(cfg: ProberConfig, where: { netns: string | undefined; credentials: ProberCredentials }): Prober {
  const [cmd, ...args] = proberArgv(where.netns, cfg);
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => undefined);
  child.stdin.write(JSON.stringify(where.credentials) + '\n');
  let buf = '';
  const events: ProbeEvent[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const cut = buf.lastIndexOf('\n');
    if (cut < 0) return;
    events.push(...parseProbeLines(buf.slice(0, cut)));
    buf = buf.slice(cut + 1);
  });
  const exited = new Promise<void>((res) => child.on('close', () => res()));
  return {
    events: () => events,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      events.push(...parseProbeLines(buf));
      return events;
    },
  };
}

// ---------- reading and changing hosts ----------

export async function vipHolders(session: Session, lbs: readonly string[], vip: string | undefined = session.spec.loadBalancer.vip): Promise<string[]> {
  if (vip === undefined) return [];
  const held = await Promise.all(
    lbs.map(async (h) => {
      try {
        const r = await session.remote(h).exec('ip -o -4 addr show', { timeoutMs: 3000, label: 'ip addr' });
        return r.stdout.includes(` ${vip}/`);
      } catch {
        return false;
      }
    }),
  );
  return lbs.filter((_, i) => held[i]);
}

const DRILL_DROPIN = (unit: string): string => `/run/systemd/system/${unit}.service.d/zz-kubeha-drill.conf`;

/**
 * A crash that stays down until the drill undoes it: systemd would restart the service (Restart=always), so a
 * runtime drop-in turns restarts off before the kill and is removed by the undo.
 */
async function serviceStep(session: Session, host: string, service: LabService, action: 'kill' | 'stop' | 'start', port: number): Promise<number | undefined> {
  const remote = session.remote(host);
  const unit = `${service}.service`;
  const hasUnit = (await remote.exec(`systemctl cat ${unit} >/dev/null 2>&1`, { timeoutMs: 10_000 })).exitCode === 0;
  if (action === 'stop') {
    await remote.run(`systemctl stop ${unit}`, { timeoutMs: 30_000 });
    return;
  }
  if (action === 'start') {
    if (!hasUnit) return; // a static pod: the kubelet restarts it by itself
    await remote.run(`rm -f ${DRILL_DROPIN(service)}; systemctl daemon-reload; systemctl reset-failed ${unit} 2>/dev/null; systemctl start ${unit}`, { timeoutMs: 60_000 });
    return;
  }
  // A SIGKILL takes effect over a while: the kernel tears the process down (a kube-apiserver's heap: tens of ms here)
  // before it closes its sockets, and until then the listening socket still completes handshakes that the close then
  // resets. So the step returns once the process is gone (reaped: its main PID is 0, or it no longer exists; bounded),
  // and the drill counts new requests (`failedNew`) from then on. It prints the host's clock at that moment (a lab
  // host shares this machine's clock; elsewhere the drill uses the time the command returned).
  const gone = (out: string): number | undefined => {
    const t = Number(/(\d{13})\s*$/.exec(out)?.[1]);
    return Number.isFinite(t) && t > 0 ? t : undefined;
  };
  if (hasUnit) {
    const k = await remote.run(`systemctl kill --signal=SIGKILL ${unit}; i=0; while [ "$(systemctl show -p MainPID --value ${unit})" != 0 ] && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.01; done; date +%s%3N`, { timeoutMs: 20_000 });
    return gone(k);
  }
  // No unit (a static pod): SIGKILL whatever listens on the apiserver port; the kubelet restarts it.
  const r = await remote.exec(`pids=$(ss -Hltnp ${shellQuote(`sport = :${port}`)} | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); [ -n "$pids" ] || exit 3; kill -9 $pids; i=0; while kill -0 $pids 2>/dev/null && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.01; done; date +%s%3N`, { timeoutMs: 20_000 });
  if (r.exitCode === 3) throw new EnvironmentError(`no ${service} process listens on port ${port} on ${host}`, 'is the control plane installed on that host?', host);
  if (r.exitCode !== 0) throw new EnvironmentError(`could not kill ${service} on ${host}: ${r.stderr.trim()}`, undefined, host);
  return gone(r.stdout);
}

/** Before the fault: what a kill needs so that the crash lasts (restarts off). */
async function prepare(session: Session, steps: readonly FaultStep[]): Promise<void> {
  for (const s of steps) {
    if (s.kind !== 'service' || s.action !== 'kill') continue;
    const remote = session.remote(s.host);
    if ((await remote.exec(`systemctl cat ${s.service}.service >/dev/null 2>&1`, { timeoutMs: 10_000 })).exitCode !== 0) continue;
    const file = DRILL_DROPIN(s.service);
    await remote.run(`mkdir -p ${file.replace(/\/[^/]+$/, '')} && printf '[Service]\\nRestart=no\\n' > ${file} && systemctl daemon-reload`, { timeoutMs: 30_000 });
  }
}

/** A lab fault, done from this process (it runs in the root namespaces; lab hosts are reached through a relay). */
export async function labFault(lab: LabState, host: string, fault: string, value?: string): Promise<number> {
  const link = fault === 'delay' || fault === 'loss' || fault === 'clear' ? parseLinkFault(fault, value) : undefined;
  let at = 0;
  if (link) {
    if (!link.ok) throw new InputError([link.problem]);
    await applyLinkFault(lab, host, link.fault);
  } else await applyFault(lab, host, fault as LabFault, (t) => (at = t));
  return at || Date.now();
}

/**
 * Runs fault steps in order; returns notes (what could not be done but does not stop the drill), `at` (when the fault
 * took effect, as near as known: the timeline's origin) and `doneBy` (a time by which every step had certainly taken
 * effect: a service step's command had returned; a probe started after it is a new request, not one in flight).
 */
async function runSteps(session: Session, steps: readonly FaultStep[], onProgress: (l: string) => void): Promise<{ notes: string[]; at: number; doneBy: number }> {
  const notes: string[] = [];
  let at = Date.now();
  let doneBy = at;
  const lab = session.lab;
  const port = session.spec.controlPlane.apiserverPort;
  for (const s of steps) {
    onProgress(stepText(s));
    switch (s.kind) {
      case 'lab-fault': {
        if (!lab) throw new EnvironmentError(`${s.fault} needs a lab`, 'run the drill in a lab');
        at = await labFault(lab, s.host, s.fault);
        doneBy = Math.max(doneBy, at);
        if (s.fault === 'power-on') {
          session.forget(s.host);
          if (!(await waitForSsh(lab.plan, hostOf(lab, s.host), 120_000))) throw new EnvironmentError(`${s.host} did not answer SSH within 120 s after power-on`, undefined, s.host);
          session.forget(s.host);
        }
        break;
      }
      case 'service': {
        // The command acts as it arrives (a stop's priority-0 advert goes out first; the stop itself then takes a
        // while): the time it was sent is nearer the fault than the time it returned.
        const sent = Date.now();
        const gone = await serviceStep(session, s.host, s.service, s.action, port);
        at = sent;
        // The host's clock is this machine's in a lab (same kernel); elsewhere only the return time is safe.
        doneBy = lab && gone !== undefined && gone >= sent ? Math.min(gone, Date.now()) : Date.now();
        break;
      }
      case 'link':
        if (!lab) throw new EnvironmentError('link faults need a lab', 'run the drill in a lab');
        try {
          at = await labFault(lab, s.host, s.fault.kind, s.fault.kind === 'delay' ? `${s.fault.ms}ms` : s.fault.kind === 'loss' ? `${s.fault.percent}%` : undefined);
        } catch (e) {
          // Without netem, and without iptables or Go for the packet delayer, there is no delay: the drill goes on with what it can inject, and says so.
          if (s.fault.kind !== 'delay' || !(e instanceof EnvironmentError)) throw e;
          notes.push(`not injected: ${stepText(s)} (${e.message})`);
        }
        doneBy = Date.now();
        break;
      case 'vrrp-cut':
        if (!lab) throw new EnvironmentError('a VRRP cut needs a lab', 'run the drill in a lab');
        await cutVrrp(lab, s.hosts, s.action);
        at = Date.now();
        doneBy = at;
        break;
    }
  }
  return { notes, at, doneBy };
}

/** Waits until the hosts' LB services are active again (after a power-on or a restart); bounded. */
async function servicesBack(session: Session, hosts: readonly string[], lbs: readonly string[], services: readonly string[], untilMs: number): Promise<boolean> {
  const mine = hosts.filter((h) => lbs.includes(h));
  for (const h of mine) {
    let ok = false;
    while (!ok && Date.now() < untilMs) {
      try {
        const r = await session.remote(h).exec(`systemctl is-active ${services.join(' ')}`, { timeoutMs: 3000 });
        ok = r.stdout.trim().split('\n').every((l) => l === 'active');
      } catch {
        session.forget(h);
      }
      if (!ok) await sleep(250);
    }
    if (!ok) return false;
  }
  return true;
}

/** Waits until the restarted apiserver answers its own `/readyz` (from the client side), so the failback sees it; bounded. */
async function apiserverBack(session: Session, address: string, port: number, untilMs: number): Promise<boolean> {
  const url = `https://${address.includes(':') ? `[${address}]` : address}:${port}/readyz`;
  while (Date.now() < untilMs) {
    const [r] = await clientGets(session.netns, [url], 2000);
    if (r?.ok) return true;
    await sleep(500);
  }
  return false;
}

export async function transitionsSince(session: Session, lbs: readonly string[], sinceMs: number, faultAt: number): Promise<Transition[]> {
  const all = await Promise.all(
    lbs.map(async (h) => {
      try {
        const r = await session.remote(h).exec(`journalctl -u keepalived -o short-unix --no-pager --since @${Math.floor(sinceMs / 1000)}`, { timeoutMs: 10_000 });
        return parseVrrpTransitions(h, r.stdout).filter((t) => t.at >= sinceMs);
      } catch {
        return [];
      }
    }),
  );
  return all
    .flat()
    .sort((a, b) => a.at - b.at)
    .map((t) => ({ host: t.host, state: t.state, atMs: t.at - faultAt }));
}

// ---------- one drill ----------

/** Runs one drill. Throws only for the environment (no lab for a lab fault, a step that failed). */
export async function runDrill(session: Session, failure: Failure, options: DrillOptions): Promise<DrillRun> {
  const progress = (l: string): void => options.onProgress?.(`${formatFailure(failure)}: ${l}`);
  const interval = options.probeIntervalMs ?? 20;
  const target = options.target ?? specTarget(session);
  const { lbs, endpoint: ep } = target;
  const holders = (): Promise<string[]> => vipHolders(session, lbs, target.vip);
  const scenario = formatFailure(failure);
  const startedAt = new Date().toISOString();
  const inj = injectionOf(failure, (a) => hostAtAddress(session, a));
  const notRun = (why: string, prediction: Prediction, vipHoldersBefore: string[] = []): DrillRun => {
    const now = Date.now();
    return {
      events: [],
      result: {
        scenario,
        startedAt,
        faultAt: now,
        restoreAt: now,
        endAt: now,
        probes: 0,
        failed: 0,
        failedNew: 0,
        outageMs: 0,
        p99Ms: undefined,
        brokenWatches: 0,
        vipHoldersBefore,
        vipHoldersAfter: [],
        reachable: false,
        transitions: [],
        recovered: false,
        failback: { failed: 0, failedNew: 0, outageMs: 0, brokenWatches: 0, vipHolders: [] },
        baseline: { probes: 0, failed: 0 },
        prediction,
        findings: [{ severity: 'error', rule: 'drill-not-run', message: `${scenario}: ${why}` }],
        notes: [],
      },
    };
  };
  if (!inj.ok) return notRun(inj.why, predictionFor(options.scenarios, failure, []));

  const cfg: ProberConfig = {
    host: ep.address,
    port: ep.port,
    path: '/readyz',
    watchPath: options.watchPath ?? watchPathFor(WATCH_SECONDS),
    watchSeconds: WATCH_SECONDS,
    intervalMs: interval,
    timeoutMs: PROBE_TIMEOUT_MS,
    watches: options.watches ?? 5,
    stallMs: options.watchStallMs ?? 0,
    maxSeconds: 300,
    maxProbes: Math.ceil(300_000 / interval),
  };
  progress(`probing https://${ep.address}:${ep.port}/readyz every ${interval} ms, ${cfg.watches} watches`);
  const prober = startProber(cfg, { netns: session.netns, credentials: await proberCredentials(session) });
  const t0 = Date.now();
  let notes: string[] = [];
  const live: Omit<DrillLive, 'events'> = { scenario, phase: 'probing', vipHoldersBefore: [] };
  const tell = (): void => options.onLive?.({ ...live, events: prober.events() });
  const ticker = options.onLive ? setInterval(tell, options.liveEveryMs ?? 500) : undefined;
  try {
    // A healthy start: the API answers steadily, every watch is open, exactly one LB holds the VIP.
    let before: string[] = [];
    for (;;) {
      before = await holders();
      const now = Date.now();
      if (before.length === (target.vip === undefined ? 0 : 1) && steady(prober.events(), now, 1000) && openWatches(prober.events()) >= cfg.watches) break;
      if (now - t0 > HEALTHY_MAX_MS || options.signal?.aborted) {
        await prober.stop();
        return notRun(`the cluster was not healthy before the drill (VIP on ${before.join(', ') || 'nobody'}, API ${steady(prober.events(), now, 1000) ? 'answering' : 'not answering steadily'}, ${openWatches(prober.events())}/${cfg.watches} watches open)`, predictionFor(options.scenarios, failure, before), before);
      }
      await sleep(250);
    }
    const prediction = predictionFor(options.scenarios, failure, before);
    Object.assign(live, { vipHoldersBefore: before, prediction });
    await prepare(session, inj.inject);
    await sleep(500);

    // The fault. Whatever happens from here on, the undo runs (a failed step, an interruption). The fault's time is
    // when it took effect (a power-off's kill), not when the command started.
    const injectAt = Date.now();
    let faultAt: number;
    let faultDoneBy: number;
    try {
      ({ notes, at: faultAt, doneBy: faultDoneBy } = await runSteps(session, inj.inject, progress));
    } catch (e) {
      await runSteps(session, inj.undo, progress).catch(() => undefined);
      // A fault this setup cannot take (no such process, no netem, …): this drill is not run, the others go on.
      if (!(e instanceof EnvironmentError)) throw e;
      await prober.stop();
      return notRun(`the fault could not be injected: ${e.message}`, prediction, before);
    }
    Object.assign(live, { phase: 'fault', faultAt });
    tell();
    const minHold = prediction.apiReachable ? Math.min(15_000, Math.max(2000, 2 * (prediction.outageMs ?? 0) + 1500)) : 5000;
    // At least 30 s; longer when the analyser predicts a slower failover, so that a late one is seen as a failover.
    const convergeMax = Math.min(CONVERGE_CEILING_MS, Math.max(CONVERGE_MAX_MS, prediction.apiReachable ? 2 * (prediction.outageMs ?? 0) + 5000 : 0));
    // When the VIP is predicted to move, the state has converged once it did (or MOVE_WAIT_MS went by): a failover
    // that costs clients nothing (an endpoint that does not go through the LB) is not over when the API answers.
    const moveExpected = !sameHolders(before, prediction.vipHolders);
    let lastLook = 0;
    while (Date.now() - faultAt < convergeMax && !options.signal?.aborted) {
      const now = Date.now();
      if (now - faultAt >= minHold && steady(prober.events(), now, 1000)) {
        if (!moveExpected || now - faultAt >= MOVE_WAIT_MS) break;
        if (now - lastLook >= 500) {
          lastLook = now;
          if (sameHolders(await holders(), prediction.vipHolders)) break;
        }
      }
      await sleep(100);
    }
    const reachable = steady(prober.events(), Date.now(), 1000);
    const after = await holders();
    progress(`converged after ${Date.now() - faultAt} ms: VIP on ${after.join(', ') || 'nobody'}, API ${reachable ? 'answering' : 'NOT answering'}`);

    // The undo, then recovery: the affected LBs' services back, the API steady, and time for a failback.
    const restoreAt = Date.now();
    Object.assign(live, { phase: 'restore', restoreAt });
    tell();
    const undone = await runSteps(session, inj.undo, progress);
    notes.push(...undone.notes);
    const back = await servicesBack(session, failureHosts(failure), lbs, target.services, restoreAt + RECOVER_MAX_MS);
    if (failure.kind === 'apiserver-down' && !(await apiserverBack(session, failure.address, failure.port, restoreAt + RECOVER_MAX_MS))) {
      notes.push(`the apiserver at ${failure.address}:${failure.port} did not answer /readyz again within ${RECOVER_MAX_MS / 1000} s`);
    }
    const restored = Date.now();
    while (Date.now() - restoreAt < RECOVER_MAX_MS && !options.signal?.aborted) {
      if (Date.now() - restored >= 3000 && steady(prober.events(), Date.now(), 1000)) break;
      await sleep(100);
    }
    if (!back) notes.push(`the services of ${failureHosts(failure).join(', ')} were not active again within ${RECOVER_MAX_MS / 1000} s`);
    const endAt = Date.now();
    const recovered = steady(prober.events(), endAt, 1000);
    const failbackHolders = await holders();
    const events = await prober.stop();
    const transitions = await transitionsSince(session, lbs, t0, faultAt);

    const baseline = summariseWindow(events, 0, injectAt);
    const fault = summariseWindow(events, injectAt, restoreAt, { newFrom: faultDoneBy });
    const failback = summariseWindow(events, restoreAt, endAt + PROBE_TIMEOUT_MS, { newFrom: undone.doneBy });
    const measured = { scenario, vipHoldersAfter: after, reachable, outageMs: fault.outageMs, failedNew: fault.failedNew, recovered, failback: { failed: failback.failed, outageMs: failback.outageMs } };
    const result: DrillResult = {
      scenario,
      startedAt,
      faultAt,
      newFrom: faultDoneBy,
      restoreAt,
      endAt,
      probes: fault.probes,
      failed: fault.failed,
      failedNew: fault.failedNew,
      outageMs: fault.outageMs,
      p99Ms: fault.p99Ms,
      brokenWatches: fault.brokenWatches,
      vipHoldersBefore: before,
      vipHoldersAfter: after,
      reachable,
      transitions,
      recovered,
      failback: { failed: failback.failed, failedNew: failback.failedNew, outageMs: failback.outageMs, brokenWatches: failback.brokenWatches, vipHolders: failbackHolders },
      baseline: { probes: baseline.probes, failed: baseline.failed },
      prediction,
      findings: judge(measured, prediction, interval),
      notes,
    };
    return { result, events };
  } finally {
    if (ticker) clearInterval(ticker);
    await prober.stop();
  }
}
