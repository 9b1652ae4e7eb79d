import type { RenderedFile } from '../../render/types.js';
import { diffStat, unifiedDiff } from '../diff.js';
import type { Step } from '../types.js';
import type { PhaseDefinition } from './phase.js';

/** Writes every file whose content, mode or owner differ; each marks the reloads its change needs. */
export const filesPhase: PhaseDefinition = {
  name: 'files',
  plan({ want, seen }) {
    const steps: Step[] = [];
    for (const f of [...want.files].sort((a, b) => fileOrder(a) - fileOrder(b) || (a.path < b.path ? -1 : 1))) {
      const step = fileStep(f, seen.files[f.path] ?? undefined);
      if (step) steps.push(step);
    }
    return steps;
  },
};

/** Replaces (or appends) a managed block in a shared file such as /etc/hosts, keeping everything else. */
export function mergeManagedBlock(current: string | undefined, block: string, markers: { begin: string; end: string }): string {
  const base = current ?? '';
  const lines = base.split('\n');
  const b = lines.findIndex((l) => l.trim() === markers.begin);
  const e = b >= 0 ? lines.findIndex((l, i) => i > b && l.trim() === markers.end) : -1;
  const blockText = block.endsWith('\n') ? block : block + '\n';
  if (b >= 0 && e > b) {
    const before = lines.slice(0, b).join('\n');
    const after = lines.slice(e + 1).join('\n');
    return (before ? before + '\n' : '') + blockText + after.replace(/^\n/, '');
  }
  if (base === '') return blockText;
  return (base.endsWith('\n') ? base : base + '\n') + blockText;
}

/** Files without a validator first (check scripts that keepalived -t needs), then HAProxy, then keepalived. */
function fileOrder(f: RenderedFile): number {
  return f.validate === undefined ? 0 : f.validate === 'haproxy' ? 1 : 2;
}

function modeText(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The write of one file, or nothing when the host has it as rendered. */
function fileStep(f: RenderedFile, current: { content: string; mode: number; owner: string } | undefined): Step | undefined {
  const content = f.managedBlock ? mergeManagedBlock(current?.content, f.content, f.managedBlock) : f.content;
  const owner = f.owner ?? 'root';
  const contentChanged = current === undefined || current.content !== content;
  const attrsChanged = current !== undefined && (current.mode !== f.mode || current.owner !== owner);
  if (!contentChanged && !attrsChanged) return undefined;
  const pending: string[] = [];
  if (contentChanged) {
    if (f.reloads) pending.push(`${f.reloads.unit}.${f.reloads.action}`);
    if (f.daemonReload) pending.push('daemon-reload');
    if (f.appliesSysctl) pending.push('sysctl');
  }
  const secret = f.secret === true;
  const diff = !contentChanged ? '' : secret ? `--- a${f.path}\n+++ b${f.path}\n@@ secret content changed (${current === undefined ? 'new file' : 'masked'}) @@\n` : unifiedDiff(f.path, current?.content, content);
  const change = current === undefined ? 'create' : contentChanged ? 'update' : 'mode';
  const stat = diffStat(diff);
  const why =
    change === 'create'
      ? 'absent on the host'
      : change === 'mode'
        ? `mode/owner ${modeText(current!.mode)} ${current!.owner} → ${modeText(f.mode)} ${owner}`
        : secret
          ? 'content differs (secret, not shown)'
          : `content differs (+${stat.added} -${stat.removed} lines)`;
  return {
    id: `files:${f.path}`,
    phase: 'files',
    kind: 'write-file',
    path: f.path,
    content,
    mode: f.mode,
    owner,
    ...(f.validate ? { validate: f.validate } : {}),
    change,
    diff,
    secret,
    pending,
    title: `${change === 'create' ? 'create' : 'update'} ${f.path}${f.validate ? ` (validated by ${f.validate})` : ''}`,
    reason: why,
  };
}
