/** The single failures a setup admits, in the order the scenarios list them. */
import { formatFailure, type Failure } from '../../model/failure.js';
import { apiservers, vipMembers } from '../../model/queries.js';
import type { HaModel } from '../../model/types.js';
import { whyNotPeers } from '../vrrp.js';

/**
 * `none`; for each LB host its HAProxy, keepalived and the host itself; each apiserver; each apiserver host; a
 * partition between each pair of VRRP peers that hear each other (with `partitionsWith`, only the pairs that include
 * one of those hosts: the simulator's choice when many routers share the VIP).
 */
export function failuresOf(model: HaModel, opts: { partitionsWith?: ReadonlySet<string> } = {}): Failure[] {
  const out: Failure[] = [{ kind: 'none' }];
  // The same failure can come twice (an LB that also runs an apiserver): the text form tells.
  const seen = new Set<string>(['none']);
  const add = (f: Failure): void => {
    const key = formatFailure(f);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  const lbs = model.hosts.filter((h) => h.haproxy || h.keepalived);
  for (const h of lbs) {
    if (h.haproxy) add({ kind: 'haproxy-down', host: h.name });
    if (h.keepalived) add({ kind: 'keepalived-down', host: h.name });
    add({ kind: 'node-down', host: h.name });
  }
  for (const a of apiservers(model)) add({ kind: 'apiserver-down', address: a.address, port: a.port });
  for (const h of model.hosts) if (h.apiserver) add({ kind: 'node-down', host: h.name });
  const members = vipMembers(model);
  const only = opts.partitionsWith;
  // With `partitionsWith`, the outer loop runs over the few members on those hosts: n × holders pairs, not n².
  const firsts = only ? members.flatMap((m, i) => (only.has(m.host.name) ? [i] : [])) : members.map((_, i) => i);
  const pairs: [number, number][] = [];
  for (const i of firsts)
    for (let j = only ? 0 : i + 1; j < members.length; j++) {
      if (only && (j === i || (only.has(members[j]?.host.name ?? '') && j < i))) continue;
      pairs.push(i < j ? [i, j] : [j, i]);
    }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [i, j] of pairs) {
    const a = members[i];
    const b = members[j];
    if (!a || !b || a.host === b.host || whyNotPeers(a, b) !== undefined) continue;
    add({ kind: 'partition', hosts: [a.host.name, b.host.name] });
  }
  return out;
}
