import { spawn } from 'node:child_process';
import { EnvironmentError } from '../diag/errors.js';
import { hostOf } from '../lab/faults.js';
import type { LabState } from '../lab/state.js';
import { DEGRADED_LINK } from '../model/failure.js';
import type { HolderSample, SoakPhase, SoakResult } from '../measure/soak.js';
import { parseHolderSamples, SOAK_PROBE_BUDGET_MS, summariseSoak } from '../measure/soak.js';
import { openWatches, steady } from '../measure/probes.js';
import { shellQuote } from '../remote/ssh.js';
import type { ProberConfig } from './prober.js';
import { labFault, proberCredentials, startProber, transitionsSince, vipHolders, WATCH_SECONDS, watchPathFor } from './drill.js';
import type { Session } from './session.js';
import { lbHostsOf } from './status.js';

/**
 * The soak: a client probes the endpoint while (1) every LB host's CPUs are saturated (busy loops, one per CPU the
 * host sees, in a transient systemd unit that `timeout` bounds), then (2) the VIP holder's link is delayed and lossy
 * (the link-degraded values). Stability target: 0 VIP moves, 0 failed probes (an error or no answer within
 * SOAK_PROBE_BUDGET_MS: src/measure/soak.ts says why that budget). VIP moves are counted by sampling who holds the
 * VIP every 100 ms (`ip -o -4 addr` in each LB's network namespace, from this process: no SSH, no LB CPU needed) and
 * cross-checked with keepalived's journal, which on lab hosts is small and may have lost the lines.
 */

/** Samples `ip -o -4 addr` in every LB's namespace every `everyMs` (bounded by `timeout`): lines `S <ms> holder…`. */
export function holderSamplerScript(lbs: readonly { name: string; netns: string }[], vip: string, everyMs: number): string {
  const probe = lbs.map((h) => `if ip -n ${shellQuote(h.netns)} -o -4 addr show | grep -qF ${shellQuote(` ${vip}/`)}; then l="$l ${h.name}"; fi`).join('; ');
  return `while :; do l="S $(date +%s%3N)"; ${probe}; echo "$l"; sleep ${(everyMs / 1000).toFixed(3)}; done`;
}

interface Sampler {
  stop: () => Promise<HolderSample[]>;
}

function startHolderSampler(lab: LabState, lbs: readonly string[], vip: string, seconds: number): Sampler {
  const script = holderSamplerScript(
    lbs.map((h) => ({ name: h, netns: hostOf(lab, h).netns })),
    vip,
    100,
  );
  const child = spawn('timeout', [String(Math.ceil(seconds)), 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  child.on('error', () => undefined);
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return parseHolderSamples(text);
    },
  };
}

export interface SoakOptions {
  /** Seconds per phase. @default 300 */
  seconds?: number;
  probeIntervalMs?: number;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((r) => {
    const t = setTimeout(r, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

const BURN_UNIT = 'kubeha-soak-burn';

export async function runSoak(session: Session, options: SoakOptions = {}): Promise<SoakResult> {
  const lab = session.lab;
  if (!lab) throw new EnvironmentError('the soak saturates CPUs and degrades links: it runs in a lab only', 'run it in a lab (kubeha lab up SPEC)');
  const seconds = options.seconds ?? 300;
  const interval = options.probeIntervalMs ?? 20;
  const say = (l: string): void => options.onProgress?.(`soak: ${l}`);
  const lbs = lbHostsOf(session);
  const ep = session.spec.controlPlane.endpoint;
  const cfg: ProberConfig = { host: ep.address, port: ep.port, path: '/readyz', watchPath: watchPathFor(WATCH_SECONDS), watchSeconds: WATCH_SECONDS, intervalMs: interval, timeoutMs: SOAK_PROBE_BUDGET_MS, watches: 5, stallMs: 0, maxSeconds: 2 * seconds + 120, maxProbes: Math.ceil(((2 * seconds + 120) * 1000) / interval) };
  const prober = startProber(cfg, { netns: session.netns, credentials: await proberCredentials(session) });
  const vip = session.spec.loadBalancer.vip;
  const sampler = vip === undefined ? undefined : startHolderSampler(lab, lbs, vip, 2 * seconds + 180);
  const t0 = Date.now();
  let samples: HolderSample[] | undefined;
  const phases: SoakPhase[] = [];
  const notes: string[] = [];
  let holder: string | undefined;
  try {
    for (;;) {
      const h = await vipHolders(session, lbs);
      if (h.length === 1 && steady(prober.events(), Date.now(), 1000) && openWatches(prober.events()) >= cfg.watches) {
        holder = h[0];
        break;
      }
      if (Date.now() - t0 > 60_000) throw new EnvironmentError('the cluster was not healthy before the soak', 'run kubeha status');
      await sleep(250);
    }
    // Phase 1: every CPU busy inside each LB host (they share this machine's cores), bounded by timeout.
    say(`${seconds} s with the CPUs saturated inside ${lbs.join(', ')}`);
    const burn = `systemd-run --unit=${BURN_UNIT} --collect -q timeout ${seconds + 5} sh -c 'for i in $(seq $(nproc)); do (while :; do :; done) & done; wait'`;
    const cpuFrom = Date.now();
    await Promise.all(lbs.map((h) => session.remote(h).run(burn, { timeoutMs: 30_000 })));
    await sleep(seconds * 1000, options.signal);
    const cpuTo = Date.now();
    await Promise.all(lbs.map((h) => session.remote(h).exec(`systemctl stop ${BURN_UNIT} 2>/dev/null; true`, { timeoutMs: 30_000 })));
    phases.push({ name: 'cpu', what: `CPUs saturated inside ${lbs.join(', ')}`, from: cpuFrom, to: cpuTo });
    if (!options.signal?.aborted && holder) {
      await sleep(2000, options.signal);
      // Phase 2: the holder's link delayed and lossy.
      const what: string[] = [];
      const linkFrom = Date.now();
      for (const f of DEGRADED_LINK) {
        const value = f.kind === 'delay' ? `${f.ms}ms` : f.kind === 'loss' ? `${f.percent}%` : undefined;
        try {
          await labFault(lab, holder, f.kind, value);
          what.push(`${f.kind} ${value ?? ''}`.trim());
        } catch (e) {
          if (!(e instanceof EnvironmentError)) throw e;
          notes.push(`not injected: ${f.kind} ${value ?? ''} on ${holder} (${e.message})`);
        }
      }
      say(`${seconds} s with ${holder}'s link degraded (${what.join(', ') || 'nothing could be injected'})`);
      try {
        await sleep(seconds * 1000, options.signal);
      } finally {
        await labFault(lab, holder, 'clear');
      }
      phases.push({ name: 'link', what: `${holder}'s link: ${what.join(', ') || 'nothing'}`, from: linkFrom, to: Date.now() });
    }
  } finally {
    await prober.stop();
    samples = await sampler?.stop();
  }
  if (!samples || samples.length === 0) notes.push('the VIP holder could not be sampled: moves come from keepalived\'s journal only');
  const transitions = await transitionsSince(session, lbs, t0, t0);
  return summariseSoak({ events: prober.events(), phases, transitions, origin: t0, ...(samples && samples.length > 0 ? { samples } : {}), notes });
}
