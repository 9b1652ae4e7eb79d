import type { Phase, StepKind } from './types.js';

/**
 * The one event stream of an apply. The TTY view, plain lines, NDJSON (`--output json`), the journal and (later) the
 * dashboard all read these; the engine knows nothing about how they are shown.
 */

export interface HostSummary {
  host: string;
  status: 'ok' | 'failed' | 'unchanged';
  /** Steps that changed the host. */
  changes: number;
  /** `phase/step` where the host failed. */
  failedAt?: string;
  error?: string;
  ms: number;
}

export type ApplyEvent = { time: string } & (
  | { type: 'plan'; hosts: { host: string; changes: number; steps: number }[]; phases: Phase[]; parallel: number; observeMs?: number }
  | { type: 'host-start'; host: string }
  | { type: 'phase-start'; host: string; phase: Phase }
  | { type: 'step-start'; host: string; phase: Phase; step: string; kind: StepKind; title: string }
  | { type: 'step-done'; host: string; phase: Phase; step: string; kind: StepKind; title: string; changed: boolean; ms: number; detail?: string }
  | { type: 'step-failed'; host: string; phase: Phase; step: string; kind: StepKind; title: string; error: string; ms: number }
  | { type: 'phase-done'; host: string; phase: Phase; ms: number }
  | { type: 'host-done'; host: string; status: HostSummary['status']; changes: number; ms: number }
  | { type: 'done'; ok: boolean; changes: number; hosts: HostSummary[]; ms: number }
);

/** Distributive Omit, so each variant keeps its own fields. */
type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ApplyEventInput = DistOmit<ApplyEvent, 'time'>;

export type EventSink = (event: ApplyEvent) => void;

/** Fans one event out to several sinks; a sink that throws does not stop the others. */
export function fanOut(...sinks: EventSink[]): EventSink {
  return (e) => {
    for (const s of sinks) {
      try {
        s(e);
      } catch {
        /* a broken view must not break the apply */
      }
    }
  };
}
