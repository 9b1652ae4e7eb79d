import type { DrillResult } from './drill.js';
import type { ProbeEvent } from './probes.js';
import { escapeXml, timelineSvg } from './timeline-svg.js';

/** `kubeha drill --report FILE.md`: a table of every drill, then per drill its figures and SVG timeline. Pure. */

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function drillReport(runs: readonly { result: DrillResult; events: readonly ProbeEvent[] }[], meta: { cluster: string; at: string; machine?: string }): string {
  const lines: string[] = [
    `# Drills of cluster ${meta.cluster}`,
    '',
    `Run ${meta.at}${meta.machine ? ` on ${meta.machine}` : ''}. Outage: the longest run of failed probes as a client saw it (a new TLS connection and GET /readyz every probe interval). Prediction: \`kubeha check\`'s scenario.`,
    '',
    '| scenario | outage ms (predicted) | failed / probes | p99 ms | broken watches | VIP before → during → after | failback: failed, ms, broken | recovered | findings |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { result: r } of runs) {
    const pred = r.prediction.apiReachable ? `${r.prediction.outageMs ?? '?'}` : 'API lost';
    const findings = r.findings.map((f) => `${f.severity} ${f.rule}`).join('; ') || 'none';
    lines.push(
      `| ${cell(r.scenario)} | ${r.outageMs} (${pred}) | ${r.failed} / ${r.probes} | ${r.p99Ms ?? '-'} | ${r.brokenWatches} | ${r.vipHoldersBefore.join(',') || '-'} → ${r.vipHoldersAfter.join(',') || '-'} → ${r.failback.vipHolders.join(',') || '-'} | ${r.failback.failed}, ${r.failback.outageMs}, ${r.failback.brokenWatches} | ${r.recovered ? 'yes' : 'NO'} | ${cell(findings)} |`,
    );
  }
  for (const { result: r, events } of runs) {
    lines.push('', `## ${r.scenario}`, '');
    lines.push(`- predicted: VIP on ${r.prediction.vipHolders.join(', ') || 'nobody'}, API ${r.prediction.apiReachable ? `reachable, ~${r.prediction.outageMs ?? '?'} ms outage` : 'lost'}${r.prediction.mirrored ? ` (mirrored: ${r.prediction.mirrored.join(' ↔ ')})` : ''}`);
    lines.push(`- measured: VIP on ${r.vipHoldersAfter.join(', ') || 'nobody'}, API ${r.reachable ? 'reachable' : 'NOT reachable'}, ${r.outageMs} ms outage, ${r.failed} of ${r.probes} probes failed, ${r.brokenWatches} watch(es) cut`);
    lines.push(`- VRRP: ${r.transitions.map((t) => `${t.host} ${t.state} ${t.atMs >= 0 ? '+' : ''}${t.atMs} ms`).join(', ') || 'no transition'}`);
    for (const f of r.findings) lines.push(`- **${f.severity}** \`${f.rule}\`: ${f.message}`);
    for (const n of r.notes) lines.push(`- note: ${n}`);
    lines.push('', `<details><summary>analyser note</summary>\n\n${escapeXml(r.prediction.note)}\n\n</details>`, '');
    lines.push(timelineSvg(r, events), '');
  }
  return lines.join('\n') + '\n';
}
