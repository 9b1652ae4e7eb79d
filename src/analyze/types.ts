import type { Severity } from '../diag/diagnostic.js';
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
  /** `none`, `haproxy-down:<lb>`, `keepalived-down:<lb>`, `node-down:<host>`, `apiserver-down:<ip>:<port>`, `partition:<a>|<b>` */
  failure: string;
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
