import { EnvironmentError, RemoteCommandError } from '../diag/errors.js';
import { cleanTempFiles, clearPending, writeRemoteFileAtomic, writeRemoteFilesAtomic } from '../remote/files.js';
import type { WriteFileRequest } from '../remote/files.js';
import { installPackages, packageManagerFor, uploadBundle } from '../remote/packages.js';
import { waitHealthy } from '../remote/health.js';
import { bootstrapRbac } from '../remote/kube-bootstrap.js';
import { runKubeadm } from '../remote/kubeadm.js';
import { applySysctl, runServiceAction } from '../remote/services.js';
import type { RemoteHost } from '../remote/ssh.js';
import { shellQuote as q } from '../remote/ssh.js';
import type { ApplyEventInput, EventSink, HostSummary } from './events.js';
import type { HostPlan, Phase, Plan, Step } from './types.js';
import { isChange } from './types.js';

/** kubeadm init pulls images and waits up to 4 min for the control plane itself; join also adds an etcd member. */
const KUBEADM_RUN_TIMEOUT_MS = 900_000;

/**
 * The engine runs a plan: hosts in parallel (at most `parallel` at once), each host's phases in the plan's order, its
 * steps one by one. A failing step stops that host only; the others go on. Everything it does is an event.
 */

export interface EngineOptions {
  /** Hosts converged at once. @default 8 */
  parallel?: number;
  /** Gives the RemoteHost of a host name (connections come from an SshPool). */
  hostFor: (name: string) => RemoteHost;
  /** The offline bundle: a tar of the given files with their own index (or of the whole bundle), on first need. */
  bundle?: { tar: (files?: readonly string[]) => Promise<Buffer> };
  emit: EventSink;
  /** Turns an error into the text shown in events (the CLI passes its describeError). @default err.message */
  describe?: (err: unknown) => string;
  /** Stops starting new steps (SIGINT); the step under way finishes. */
  signal?: AbortSignal;
  /** When the command started (epoch ms): the `done` event's time counts from there. @default when runPlan starts */
  startedAt?: number;
  /** Time spent connecting to and observing the hosts before the plan, reported in the `plan` event. */
  observeMs?: number;
}

export interface ApplyResult {
  ok: boolean;
  interrupted: boolean;
  changes: number;
  hosts: HostSummary[];
}

/** Text of an error when no describer is given (the CLI passes its own, src/cli/report-error.ts). */
function defaultDescribe(err: unknown): string {
  if (err instanceof RemoteCommandError) return `\`${err.command}\` ${err.timedOut ? 'timed out' : `exited with ${err.exitCode ?? 'no code'}`}\n${err.stderrTail}`;
  return err instanceof Error ? err.message : String(err);
}

export async function runPlan(plan: Plan, options: EngineOptions): Promise<ApplyResult> {
  const t0 = options.startedAt ?? Date.now();
  const emit = (e: ApplyEventInput): void => options.emit({ time: new Date().toISOString(), ...e });
  const describe = options.describe ?? defaultDescribe;
  const parallel = options.parallel ?? 8;
  emit({
    type: 'plan',
    hosts: plan.hosts.map((h) => ({ host: h.host, changes: h.changes, steps: h.steps.length })),
    phases: plan.phases.filter((p) => plan.hosts.some((h) => h.steps.some((s) => s.phase === p))),
    parallel,
    ...(options.observeMs !== undefined ? { observeMs: options.observeMs } : {}),
  });
  // One tar per distinct share of the bundle (all workers share one), made on first need.
  const tars = new Map<string, Promise<Buffer>>();
  const getBundle = async (want: UploadBundle): Promise<{ id: string; tar: Buffer }> => {
    const b = options.bundle;
    if (!b) throw new EnvironmentError('the plan needs the offline bundle but none was given', 'pass --bundle DIR');
    let tar = tars.get(want.id);
    if (!tar) {
      tar = b.tar(want.files);
      tars.set(want.id, tar);
    }
    return { id: want.id, tar: await tar };
  };

  // Restarts roll: at most one host restarts units at a time, and holds its turn until its verify passed (or until it
  // waits at a barrier), so two load balancers never restart keepalived or HAProxy together (that would leave the VIP
  // with no holder), and two masters never restart etcd or an apiserver together.
  const restarts = new RollingTurn();
  // Hosts run `parallel` at once; a host waiting at a barrier gives its slot (and its turn) up, so that the hosts it
  // waits for can run even with --parallel 1.
  const slots = new Slots(parallel);
  const barriers = new Map((plan.together ?? []).map((phase) => [phase, new Barrier(plan.hosts.filter((h) => h.steps.some((s) => s.phase === phase)).map((h) => h.host))]));
  const summaries = await Promise.all(
    plan.hosts.map(async (hp): Promise<HostSummary> => {
      let releaseTurn: (() => void) | undefined;
      const giveBackTurn = (): void => {
        releaseTurn?.();
        releaseTurn = undefined;
      };
      await slots.acquire();
      try {
        return await convergeHost(hp, {
          // Taken once per host, by its first phase that restarts a unit (a second take would wait for itself).
          takeRestartTurn: async () => (releaseTurn ??= await restarts.take()),
          // Waiting for a health check is not work: the slot goes to another host meanwhile (with --parallel 1, the
          // first etcd member waits for peers that could otherwise never start). The turn is kept.
          idle: async <T>(fn: () => Promise<T>): Promise<T> => {
            slots.release();
            try {
              return await fn();
            } finally {
              await slots.acquire();
            }
          },
          atBarrier: async (phase) => {
            const barrier = barriers.get(phase);
            if (!barrier) return;
            giveBackTurn();
            barrier.arrive(hp.host);
            slots.release();
            try {
              await barrier.opened;
            } finally {
              await slots.acquire();
            }
          },
        });
      } finally {
        giveBackTurn();
        // A host that stopped (failed, interrupted) or is done will never reach its remaining barriers: count it as there.
        for (const b of barriers.values()) b.arrive(hp.host);
        slots.release();
      }
    }),
  );

  async function convergeHost(hp: HostPlan, turns: { takeRestartTurn: () => Promise<unknown>; atBarrier: (phase: Phase) => Promise<void>; idle: <T>(fn: () => Promise<T>) => Promise<T> }): Promise<HostSummary> {
    const h0 = Date.now();
    emit({ type: 'host-start', host: hp.host });
    const remote = options.hostFor(hp.host);
    let changes = 0;
    for (const phase of plan.phases) {
      const steps = hp.steps.filter((s) => s.phase === phase);
      if (steps.length === 0) continue;
      await turns.atBarrier(phase);
      // A restart, or a control-plane host joining (kubeadm adds an etcd member: one at a time, as kubeadm requires).
      // Waiting for the turn is not work: the slot goes to another host meanwhile (the turn's holder may be waiting for
      // a host that has no slot yet, e.g. a joining master for the one running kubeadm init, with --parallel 1).
      if (steps.some((s) => (s.kind === 'service' && s.action === 'restart') || (s.kind === 'kubeadm' && s.action === 'join'))) await turns.idle(turns.takeRestartTurn);
      const p0 = Date.now();
      emit({ type: 'phase-start', host: hp.host, phase });
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        if (options.signal?.aborted) {
          const ms = Date.now() - h0;
          emit({ type: 'host-done', host: hp.host, status: 'failed', changes, ms });
          return { host: hp.host, status: 'failed', changes, failedAt: `${phase}/${step.id}`, error: 'interrupted', ms };
        }
        const s0 = Date.now();
        if (step.kind === 'write-file') {
          // Consecutive file writes go in one round trip; each file is still replaced atomically and reported alone.
          const batch: WriteStep[] = [];
          for (let j = i; j < steps.length && steps[j]!.kind === 'write-file'; j++) batch.push(steps[j] as WriteStep);
          for (const w of batch) emit({ type: 'step-start', host: hp.host, phase, step: w.id, kind: w.kind, title: w.title });
          let result: { completed: number; error?: unknown };
          try {
            result = await writeRemoteFilesAtomic(remote, batch.map(writeRequest));
          } catch (err) {
            result = { completed: 0, error: err };
          }
          const each = Math.round((Date.now() - s0) / batch.length);
          batch.slice(0, result.completed).forEach((w) => {
            changes++;
            emit({ type: 'step-done', host: hp.host, phase, step: w.id, kind: w.kind, title: w.title, changed: true, ms: each, detail: w.change });
          });
          if (result.error !== undefined) {
            const w = batch[Math.min(result.completed, batch.length - 1)]!;
            const error = describe(result.error);
            emit({ type: 'step-failed', host: hp.host, phase, step: w.id, kind: w.kind, title: w.title, error, ms: each });
            const ms = Date.now() - h0;
            emit({ type: 'host-done', host: hp.host, status: 'failed', changes, ms });
            return { host: hp.host, status: 'failed', changes, failedAt: `${phase}/${w.id}`, error, ms };
          }
          i += batch.length - 1;
          continue;
        }
        emit({ type: 'step-start', host: hp.host, phase, step: step.id, kind: step.kind, title: step.title });
        try {
          const detail = step.kind === 'wait' ? await turns.idle(() => executeStep(remote, hp, step, getBundle)) : await executeStep(remote, hp, step, getBundle);
          if (isChange(step)) changes++;
          emit({ type: 'step-done', host: hp.host, phase, step: step.id, kind: step.kind, title: step.title, changed: isChange(step), ms: Date.now() - s0, ...(detail ? { detail } : {}) });
        } catch (err) {
          const error = describe(err);
          emit({ type: 'step-failed', host: hp.host, phase, step: step.id, kind: step.kind, title: step.title, error, ms: Date.now() - s0 });
          const ms = Date.now() - h0;
          emit({ type: 'host-done', host: hp.host, status: 'failed', changes, ms });
          return { host: hp.host, status: 'failed', changes, failedAt: `${phase}/${step.id}`, error, ms };
        }
      }
      emit({ type: 'phase-done', host: hp.host, phase, ms: Date.now() - p0 });
    }
    const ms = Date.now() - h0;
    const status = changes > 0 ? 'ok' : 'unchanged';
    emit({ type: 'host-done', host: hp.host, status, changes, ms });
    return { host: hp.host, status, changes, ms };
  }
  const ok = summaries.every((s) => s.status !== 'failed');
  const changes = summaries.reduce((n, s) => n + s.changes, 0);
  emit({ type: 'done', ok, changes, hosts: summaries, ms: Date.now() - t0 });
  return { ok, interrupted: options.signal?.aborted ?? false, changes, hosts: summaries };
}

type WriteStep = Extract<Step, { kind: 'write-file' }>;

/** Counting semaphore: at most `n` holders. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = Math.max(1, n);
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Opens once every member host has arrived (reached the phase, or stopped before it). */
class Barrier {
  private readonly missing: Set<string>;
  private open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  constructor(members: readonly string[]) {
    this.missing = new Set(members);
    if (this.missing.size === 0) this.open();
  }
  arrive(host: string): void {
    if (this.missing.delete(host) && this.missing.size === 0) this.open();
  }
}

/** A FIFO of turns: `take()` resolves when every earlier taker has released its turn. */
class RollingTurn {
  private tail: Promise<void> = Promise.resolve();
  async take(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    return release;
  }
}

function writeRequest(step: WriteStep): WriteFileRequest {
  return { path: step.path, content: step.content, mode: step.mode, owner: step.owner, ...(step.validate ? { validate: step.validate } : {}), pending: step.pending };
}

type UploadBundle = Extract<Step, { kind: 'upload-bundle' }>['bundle'];

/** Runs one step; returns an optional detail line for the views. */
export async function executeStep(remote: RemoteHost, hp: HostPlan, step: Step, bundle: (want: UploadBundle) => Promise<{ id: string; tar: Buffer }>): Promise<string | undefined> {
  switch (step.kind) {
    case 'fail':
      throw new EnvironmentError(step.message, step.hint, hp.host);
    case 'clean-temp': {
      const dirs = [...new Set(step.files.map((f) => f.slice(0, f.lastIndexOf('/')) || '/'))];
      const removed = await cleanTempFiles(remote, dirs);
      return `removed ${removed.length}`;
    }
    case 'upload-bundle': {
      const b = await bundle(step.bundle);
      await uploadBundle(remote, b.tar, b.id);
      // A host's share already says its size in the title.
      return step.bundle.files ? undefined : `${(b.tar.length / 1048576).toFixed(1)} MiB`;
    }
    case 'install':
      await installPackages(remote, packageManagerFor(hp.packageManager, hp.host), step.packages, step.source);
      return undefined;
    case 'write-file':
      await writeRemoteFileAtomic(remote, writeRequest(step));
      return step.change;
    case 'daemon-reload':
      await remote.run('systemctl daemon-reload');
      await clearPending(remote, step.clears);
      return undefined;
    case 'sysctl':
      await applySysctl(remote, step.files);
      await clearPending(remote, step.clears);
      return undefined;
    case 'service':
      await runServiceAction(remote, step.unit, step.action, step.noBlock === true);
      await clearPending(remote, step.clears);
      return step.noBlock ? 'queued' : undefined;
    case 'wait':
      return waitHealthy(remote, step.check, step.timeoutMs, step.units);
    case 'bootstrap-rbac':
      return bootstrapRbac(remote, step.kubeconfig, step.apiserver);
    case 'kubeadm':
      return runKubeadm(remote, step.action, step.config, KUBEADM_RUN_TIMEOUT_MS);
    case 'verify':
      return verify(remote, hp.host, step);
  }
}

async function verify(remote: RemoteHost, host: string, step: Extract<Step, { kind: 'verify' }>): Promise<string> {
  const checked = `${step.units.length} unit(s) active, ${step.files.length} file(s) match`;
  const script = [
    // A unit just reloaded or started may still be `reloading`/`activating` (Type=notify): wait up to 10 s for it to settle.
    ...step.units.map(
      (u) =>
        `i=0; while s=$(systemctl is-active ${q(u)} 2>/dev/null); [ "$s" = reloading ] || [ "$s" = activating ]; do i=$((i+1)); [ $i -ge 50 ] && break; sleep 0.2; done; printf 'unit %s %s\\n' ${q(u)} "$s"`,
    ),
    ...step.files.map((f) => `printf 'file %s %s\\n' ${q(f.path)} "$(sha256sum ${q(f.path)} 2>/dev/null | cut -d' ' -f1)"`),
  ].join('\n');
  if (!script) return 'nothing to check';
  if (step.observed) return checked;
  const out = await remote.run(script, { label: `systemctl is-active ${step.units.join(' ')}; sha256sum …` });
  const problems: string[] = [];
  for (const line of out.split('\n')) {
    const [what, name = '', value = ''] = line.split(' ');
    if (what === 'unit' && value !== 'active') problems.push(`${name} is ${value || 'unknown'}`);
    if (what === 'file') {
      const want = step.files.find((f) => f.path === name);
      if (want && want.sha256 !== value) problems.push(`${name} ${value ? 'differs from the rendered file' : 'is missing'}`);
    }
  }
  if (problems.length > 0) {
    throw new EnvironmentError(`verify failed: ${problems.join('; ')}`, `see \`journalctl -u <unit>\` on ${host}; \`kubeha plan\` shows what differs`, host);
  }
  return checked;
}

export type { Phase };
