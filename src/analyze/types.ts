import type { AnalysisCode } from '../diag/catalog.js';
import type { Finding, Severity } from '../diag/problem.js';
import type { FailureText } from '../model/failure.js';
import type { HaModel } from '../model/types.js';

/** A problem as the JSON reports of `check` and `analyze` print it (made by `findingOf`). */
export type { Finding } from '../diag/problem.js';

export interface Scenario {
  /**
   * The failure in its text form (`formatFailure`: `none`, `haproxy-down:lb0`, `partition:lb0|lb1`, …); `parseFailure`
   * gives the typed value back. Text, not the typed value, so that JSON output and its readers stay as they were.
   */
  failure: FailureText;
  vipHolders: string[];
  /**
   * When the holder after the failure is decided by a race between equal backups (see the note): every host that may
   * end up holding the VIP, `vipHolders` among them. Absent when the outcome is determined.
   */
  vipHolderCandidates?: string[];
  apiReachable: boolean;
  /** Why, and the predicted client-visible outage. */
  note: string;
  /** Predicted client-visible outage in milliseconds (0 when nothing is interrupted). */
  predictedOutageMs?: number;
}

export interface Report {
  findings: Finding[];
  scenarios: Scenario[];
}

/** A named rule: a small pure function over the model; its texts are its catalog entry. */
export interface Rule {
  id: AnalysisCode;
  severity: Severity;
  /** One line: what the rule catches. */
  title: string;
  /** Why it matters, where the fact comes from (doc or source), and the fix; printed by `kubeha explain`. */
  explain: string;
  check(model: HaModel): Finding[];
}
