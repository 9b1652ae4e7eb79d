/** Report → text / markdown / JSON. Pure: returns strings; the CLI prints them. */
import type { Finding, Report, Scenario } from './types.js';

export type OutputFormat = 'text' | 'json' | 'md';

export function renderReport(r: Report, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(r, null, 2);
  if (format === 'md') return renderMarkdown(r);
  return renderText(r);
}

function where(f: Finding): string {
  if (f.file) return `${f.file}${f.line !== undefined ? `:${f.line}` : ''}${f.col !== undefined && f.line !== undefined ? `:${f.col}` : ''}`;
  return f.host ? `${f.host}` : '<model>';
}

export function outageText(s: Scenario): string {
  if (!s.apiReachable) return 'until repaired';
  return s.predictedOutageMs === undefined ? '?' : `${s.predictedOutageMs} ms`;
}

export function summary(r: Report): string {
  const n = (sev: Finding['severity']): number => r.findings.filter((f) => f.severity === sev).length;
  const bad = r.scenarios.filter((s) => !s.apiReachable).length;
  return `${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} info; ${r.scenarios.length} scenario(s), ${bad} with the API unreachable`;
}

function renderText(r: Report): string {
  const out: string[] = [];
  for (const f of r.findings) {
    out.push(`${where(f)}: ${f.severity}[${f.rule}]: ${f.message}`);
    if (f.hint) out.push(`  = hint: ${f.hint}`);
  }
  if (r.findings.length > 0) out.push('');
  const rows = r.scenarios.map((s) => [s.failure, s.vipHolders.join(',') || '-', s.apiReachable ? 'ok' : 'DOWN', outageText(s)]);
  const head = ['FAILURE', 'VIP HOLDERS', 'API', 'OUTAGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  out.push(line(head) + '  NOTE');
  r.scenarios.forEach((s, i) => out.push(line(rows[i] ?? []) + '  ' + s.note));
  out.push('');
  out.push(summary(r));
  return out.join('\n');
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function renderMarkdown(r: Report): string {
  const out: string[] = ['# kubeha analysis', '', summary(r), '', '## Findings', ''];
  if (r.findings.length === 0) out.push('None.');
  else {
    out.push('| Severity | Rule | Where | Message |', '|---|---|---|---|');
    for (const f of r.findings) out.push(`| ${f.severity} | \`${f.rule}\` | ${mdCell(where(f))} | ${mdCell(f.message)}${f.hint ? ` (hint: ${mdCell(f.hint)})` : ''} |`);
  }
  out.push('', '## Failure scenarios', '', '| Failure | VIP holders | API | Outage | Note |', '|---|---|---|---|---|');
  for (const s of r.scenarios)
    out.push(`| \`${mdCell(s.failure)}\` | ${mdCell(s.vipHolders.join(', ') || '-')} | ${s.apiReachable ? 'ok' : '**DOWN**'} | ${outageText(s)} | ${mdCell(s.note)} |`);
  return out.join('\n') + '\n';
}
