import type { Finding, Report } from '../analyze/types.js';
import { analyzeSpec } from '../analyze/spec-analysis.js';
import type { ClusterSpec } from '../cluster-spec/types.js';
import type { Diagnostic } from '../diag/diagnostic.js';

/**
 * `kubeha check`: a spec's findings come from two places: the spec rules (src/cluster-spec/rules.ts, with
 * file:line:col) and `analyzeSpec`, the HA analysis of what the spec renders to.
 */

/** A spec diagnostic as a finding of check's JSON output. */
export function diagnosticToFinding(d: Diagnostic): Finding {
  const f: Finding = { severity: d.severity, rule: d.code, message: d.message };
  if (d.host !== undefined) f.host = d.host;
  if (d.file !== undefined) f.file = d.file;
  if (d.line !== undefined) f.line = d.line;
  if (d.col !== undefined) f.col = d.col;
  if (d.hint !== undefined) f.hint = d.hint;
  return f;
}

/** The report of `check` for a spec that loaded: spec-rule findings, then the analysis. */
export function checkReport(spec: ClusterSpec, specDiagnostics: readonly Diagnostic[], analyze: (s: ClusterSpec) => Report = analyzeSpec): Report {
  const analysis = analyze(spec);
  return { findings: [...specDiagnostics.map(diagnosticToFinding), ...analysis.findings], scenarios: analysis.scenarios };
}
