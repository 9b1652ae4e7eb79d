import type { Finding, Report } from '../analyze/types.js';
import { analyzeSpec } from '../analyze/spec-analysis.js';
import type { ClusterSpec } from '../cluster-spec/types.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import { findingOf } from '../diag/problem.js';

/**
 * `kubeha check`: a spec's findings come from two places: the spec rules (src/cluster-spec/rules.ts, with
 * file:line:col) and `analyzeSpec`, the HA analysis of what the spec renders to.
 */

/** A spec diagnostic as a finding of check's JSON output. */
export function diagnosticToFinding(d: Diagnostic): Finding {
  return findingOf(d);
}

/** The report of `check` for a spec that loaded: spec-rule findings, then the analysis. */
export function checkReport(spec: ClusterSpec, specDiagnostics: readonly Diagnostic[], analyze: (s: ClusterSpec) => Report = analyzeSpec): Report {
  const analysis = analyze(spec);
  return { findings: [...specDiagnostics.map(diagnosticToFinding), ...analysis.findings], scenarios: analysis.scenarios };
}
