import type { Severity } from '../diag/diagnostic.js';
import type { FailureText } from '../model/failure.js';
import type { HaModel } from '../model/types.js';

/** The JSON contract of `check` and `analyze` (DESIGN.md). */
export interface Finding {
  severity: Severity;
  rule: string;
  message: string;
  host?: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
}

export interface Scenario {
  /**
   * The failure in its text form (`formatFailure`: `none`, `haproxy-down:lb0`, `partition:lb0|lb1`, …); `parseFailure`
   * gives the typed value back. Text, not the typed value, so that JSON output and its readers stay as they were.
   */
  failure: FailureText;
  vipHolders: string[];
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

/** A named rule: a small pure function over the model. */
export interface Rule {
  id: string;
  severity: Severity;
  /** One line: what the rule catches. */
  title: string;
  /** Why it matters, where the fact comes from (doc or source), and the fix; printed by `kubeha explain`. */
  explain: string;
  check(model: HaModel): Finding[];
}
