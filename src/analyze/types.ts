import type { AnalysisCode } from '../diag/catalog.js';
import type { Finding, Severity } from '../diag/problem.js';
import type { HaModel } from '../model/types.js';

/** A problem as the JSON reports of `check` and `analyze` print it (made by `findingOf`). */
export type { Finding } from '../diag/problem.js';

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
