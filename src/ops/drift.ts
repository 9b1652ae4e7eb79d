import type { Finding } from '../analyze/types.js';
import { diffStat, unifiedDiff } from '../apply/diff.js';
import { mergeManagedBlock } from '../apply/plan.js';
import type { ObservedHost } from '../apply/types.js';
import type { RenderedHost } from '../render/types.js';

/** Drift findings of one host: files absent or different from the rendered ones (secret contents never shown). */
export function driftFindings(want: RenderedHost, seen: ObservedHost): Finding[] {
  const out: Finding[] = [];
  for (const f of want.files) {
    const cur = seen.files[f.path] ?? undefined;
    const wanted = f.managedBlock ? mergeManagedBlock(cur?.content, f.content, f.managedBlock) : f.content;
    if (cur === undefined) {
      out.push({ severity: 'warning', rule: 'drift-missing', host: want.host, file: f.path, message: `${f.path} is not on ${want.host}; the spec renders it`, hint: 'run `kubeha plan` to see it, `kubeha apply` to install it' });
    } else if (cur.content !== wanted) {
      const stat = diffStat(unifiedDiff(f.path, cur.content, wanted));
      out.push({
        severity: 'warning',
        rule: 'drift',
        host: want.host,
        file: f.path,
        message: `${f.path} on ${want.host} differs from the rendered file${f.secret ? ' (secret: not shown)' : ` (${stat.added} line(s) to add, ${stat.removed} to remove)`}; this analysis is of the RUNNING file`,
        hint: 'someone edited it by hand, or the spec changed: `kubeha plan` shows the diff',
      });
    } else if (cur.mode !== f.mode) {
      out.push({ severity: 'info', rule: 'drift-mode', host: want.host, file: f.path, message: `${f.path} on ${want.host} has mode ${cur.mode.toString(8)}, the spec wants ${f.mode.toString(8)}` });
    }
  }
  return out;
}
