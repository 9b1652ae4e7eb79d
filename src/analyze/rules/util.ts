/** Small helpers shared by the rules: where things are, and how a finding is made. */
import type { AnalysisCode } from '../../diag/catalog.js';
// The analysis group only, not the whole catalog (every command's codes): what `kubeha analyze` loads.
import { ANALYSIS_CODES } from '../../diag/catalog/analysis.js';
import { explanationOf } from '../../diag/catalog/entry.js';
import { findingOf, type Problem } from '../../diag/problem.js';
import type { Finding, Rule } from '../types.js';
import type { HaModel, KeepalivedConfig, ModelHost, SourceRef, VrrpInstance } from '../../model/types.js';
import { vipMembers, type Member } from '../../model/queries.js';

/**
 * A rule without its check's boilerplate: `report` fills code, severity and location. Its severity, title and
 * explanation are the catalog's entry for its id (src/diag/catalog/analysis.ts).
 */
export interface RuleSpec {
  id: AnalysisCode;
  run(model: HaModel, report: Reporter): void;
}

export type Reporter = (message: string, where?: { host?: ModelHost | string; at?: SourceRef | undefined }, hint?: string) => void;

export function rule(spec: RuleSpec): Rule {
  const entry = ANALYSIS_CODES[spec.id];
  const { severity, title } = entry;
  return {
    id: spec.id,
    severity,
    title,
    explain: explanationOf(entry),
    check(model) {
      const out: Finding[] = [];
      spec.run(model, (message, where, hint) => {
        const p: Problem = { code: spec.id, severity, message };
        const host = where?.host;
        if (host !== undefined) p.host = typeof host === 'string' ? host : host.name;
        const at = where?.at;
        if (at) {
          p.file = at.file;
          p.line = at.line;
          if (at.col !== undefined) p.col = at.col;
        }
        if (hint) p.hint = hint;
        out.push(findingOf(p));
      });
      return out;
    },
  };
}

/** The hosts that have an HAProxy or keepalived config (the load balancers as configured, whatever the spec meant). */
export function hostsWithLbConfig(model: HaModel): ModelHost[] {
  return model.hosts.filter((h) => h.haproxy || h.keepalived);
}

/** Every VRRP instance of every host. */
export function allInstances(model: HaModel): { host: ModelHost; ka: KeepalivedConfig; inst: VrrpInstance }[] {
  const out: { host: ModelHost; ka: KeepalivedConfig; inst: VrrpInstance }[] = [];
  for (const host of model.hosts) for (const inst of host.keepalived?.instances ?? []) out.push({ host, ka: host.keepalived as KeepalivedConfig, inst });
  return out;
}

/** The instances carrying the endpoint VIP (or, when none does, every instance). */
export function vrrpMembers(model: HaModel): Member[] {
  const m = vipMembers(model);
  return m.length > 0 ? m : allInstances(model);
}

/** Unordered pairs of members on different hosts. */
export function pairs<T extends { host: ModelHost }>(xs: T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < xs.length; i++)
    for (let j = i + 1; j < xs.length; j++) {
      const a = xs[i] as T;
      const b = xs[j] as T;
      if (a.host !== b.host) out.push([a, b]);
    }
  return out;
}

/** Milliseconds as HAProxy writes a time: 2m, 30s, 150ms. */
export function formatHaproxyTime(ms: number): string {
  return ms % 60000 === 0 && ms >= 60000 ? `${ms / 60000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
