import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPlan } from '../apply/engine.js';
import type { ApplyResult } from '../apply/engine.js';
import type { ApplyEvent, EventSink } from '../apply/events.js';
import { fanOut } from '../apply/events.js';
import type { LocalBundle } from '../apply/bundle.js';
import { acquireApplyLock } from '../apply/lock.js';
import type { Plan } from '../apply/types.js';
import { mkdirp } from '../state/mkdirp.js';
import type { Session } from './session.js';

/** The second half of `kubeha apply`: run a plan over the session's hosts, one apply per state directory at a time. */

export interface ApplyRequest {
  plan: Plan;
  /** The offline bundle the plan's uploads come from. */
  bundle?: LocalBundle;
  /** Where the events go (a view); they are also appended to `<stateDir>/journal.ndjson`. */
  emit: EventSink;
  /** Turns a step's error into the text of its event. @default err.message */
  describe?: (err: unknown) => string;
  /** Stops starting new steps; the step under way finishes. */
  signal?: AbortSignal;
  /** When the command started (epoch ms): the summary counts the whole command, connecting and observing included. */
  startedAt?: number;
  /** Milliseconds spent connecting and observing before the plan (carried by the `plan` event). */
  observeMs?: number;
}

export async function applySession(session: Session, request: ApplyRequest): Promise<ApplyResult> {
  mkdirp(session.stateDir, 0o700);
  const lock = acquireApplyLock(session.stateDir);
  try {
    const journal = join(session.stateDir, 'journal.ndjson');
    // Appended synchronously, event by event: what was done survives a SIGKILL of kubeha.
    const journalSink = (e: ApplyEvent): void => appendFileSync(journal, JSON.stringify({ cluster: session.spec.name, pid: process.pid, ...e }) + '\n', { mode: 0o600 });
    const bundle = request.bundle;
    return await runPlan(request.plan, {
      parallel: session.parallel,
      hostFor: (name) => session.remote(name),
      ...(bundle ? { bundle: { tar: bundle.tar } } : {}),
      emit: fanOut(request.emit, journalSink),
      ...(request.describe ? { describe: request.describe } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.startedAt !== undefined ? { startedAt: request.startedAt } : {}),
      ...(request.observeMs !== undefined ? { observeMs: request.observeMs } : {}),
    });
  } finally {
    lock.release();
  }
}
