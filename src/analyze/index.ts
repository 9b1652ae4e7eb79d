/**
 * The analysis: every rule over the model plus the failure simulator. Pure.
 * A scenario in which the API is unreachable, or two hosts hold the VIP, is an error finding too.
 */
import type { AnalysisCode } from '../diag/catalog.js';
import type { HaModel } from '../model/types.js';
import type { Finding, Report, Scenario } from './types.js';
import { allRules } from './rules/index.js';
import { simulate } from './simulate/index.js';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Codes of the scenario findings, listed by `kubeha explain` with the rules. */
export const scenarioCodes = ['scenario-api-unreachable', 'scenario-split-brain'] as const satisfies readonly AnalysisCode[];

export function analyzeModel(model: HaModel): Report {
  const findings: Finding[] = [];
  for (const r of allRules) {
    try {
      findings.push(...r.check(model));
    } catch (err) {
      // A rule bug must not hide the others' findings.
      findings.push({ severity: 'warning', rule: r.id, message: `rule failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  const scenarios = simulate(model);
  findings.push(...scenarioFindings(scenarios));
  return { findings: sortFindings(dedupe(findings)), scenarios };
}

export function scenarioFindings(scenarios: readonly Scenario[]): Finding[] {
  const out: Finding[] = [];
  for (const s of scenarios) {
    const host = s.vipHolders.length === 1 && !s.vipHolders[0]?.startsWith('external:') ? { host: s.vipHolders[0] as string } : {};
    if (!s.apiReachable) out.push({ severity: 'error', rule: 'scenario-api-unreachable', message: `${s.failure}: the API is unreachable (${s.note})`, ...host });
    if (s.vipHolders.length > 1) {
      const partition = s.failure.startsWith('partition:');
      out.push({
        severity: partition ? 'warning' : 'error',
        rule: 'scenario-split-brain',
        message: `${s.failure}: ${s.vipHolders.join(' and ')} both hold the VIP`,
      });
    }
  }
  return out;
}

function dedupe(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.rule}|${f.host ?? ''}|${f.file ?? ''}|${f.line ?? ''}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function sortFindings(fs: Finding[]): Finding[] {
  return fs
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

export { simulate } from './simulate/index.js';
export { allRules } from './rules/index.js';
