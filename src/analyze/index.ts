/**
 * The analysis: every rule over the model plus the failure simulator. Pure.
 * A scenario in which the API is unreachable, or two hosts hold the VIP, is an error finding too.
 */
import type { HaModel } from '../model/types.js';
import type { Finding, Report, Rule, Scenario } from './types.js';
import { allRules } from './rules/index.js';
import { simulate } from './simulate/index.js';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Rules of the scenario findings, listed by `kubeha explain` like the others. */
export const scenarioRules: readonly Omit<Rule, 'check'>[] = [
  {
    id: 'scenario-api-unreachable',
    severity: 'error',
    title: 'A single failure leaves clients without a live apiserver',
    explain: `The simulator applied one failure (HAProxy, keepalived, a node or an apiserver down) to the converged state and found that new TCP connections to the endpoint do not all reach a live apiserver: the VIP stayed on a host whose path is broken, nobody holds it, or the health checks mark every server down.
Source: kubeha's simulator (docs/analysis.md), from keepalived's and HAProxy's documented behaviour.
Fix: read the scenario's note, then the rule findings it points at (weights vs priority gap, tracker, health check, endpoint port).`,
  },
  {
    id: 'scenario-split-brain',
    severity: 'error',
    title: 'Two hosts hold the VIP at once',
    explain: `Routers that cannot hear each other each become MASTER: both answer ARP for the VIP, switches flip between them and connections reset. In \`partition:a|b\` scenarios this is expected VRRP behaviour and reported as a warning; in any other scenario it is a configuration error (vrid/version/auth/unicast peers).
Source: RFC 5798 §6.4; keepalived vrrp.c vrrp_check_packet.
Fix: make every peer hear every other (see vrrp-* rules); for partitions, keep VRRP on a reliable link.`,
  },
];

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
