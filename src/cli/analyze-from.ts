import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { analyzeModel } from '../analyze/index.js';
import { renderReport } from '../analyze/report.js';
import type { OutputFormat } from '../analyze/report.js';
import type { Finding } from '../analyze/types.js';
import { diffStat, unifiedDiff } from '../apply/diff.js';
import { observeHost } from '../apply/observe.js';
import { mergeManagedBlock } from '../apply/plan.js';
import type { ObservedHost } from '../apply/types.js';
import { hasErrors } from '../diag/diagnostic.js';
import { renderDiagnostics } from '../diag/render.js';
import { InputError } from '../diag/errors.js';
import { loadMirror } from '../parse/mirror.js';
import { MANIFEST_FILE, hostFileInMirror } from '../model/mirror-layout.js';
import { renderMirrorManifest } from '../render/index.js';
import type { RenderedHost } from '../render/types.js';
import { hopIfNeeded, openReach } from './apply.js';
import type { ReachOptions } from './apply.js';
import { dirFileSource } from './dir-source.js';
import { ExitCode } from './exit-codes.js';
import { describeError } from './report-error.js';
import { mkdirp } from '../state/mkdirp.js';

/**
 * `kubeha analyze --from cluster.yaml`: collect the files the hosts actually run (over SSH, read-only) into a mirror
 * directory (`DIR/hosts.yaml` + `DIR/<host>/<path>`), analyse it like `kubeha analyze DIR`, and add a finding for every
 * file that drifted from what the spec renders.
 */

export interface AnalyzeFromOptions extends ReachOptions {
  output: OutputFormat;
  /** Keep the collected mirror here (default: a temporary directory, removed afterwards). */
  mirror?: string;
}

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

export async function runAnalyzeFrom(specPath: string, opts: AnalyzeFromOptions): Promise<number> {
  const hop = await hopIfNeeded(specPath, opts);
  if (hop !== undefined) return hop;
  const reach = await openReach(specPath, opts);
  const dir = opts.mirror ?? (await mkdtemp(join(tmpdir(), 'kubeha-running-')));
  const findings: Finding[] = [];
  try {
    mkdirp(dir);
    await writeFile(join(dir, MANIFEST_FILE), renderMirrorManifest(reach.spec));
    await Promise.all(
      reach.rendered.map(async (r) => {
        const target = reach.targets.get(r.host);
        if (!target) return;
        let seen: ObservedHost;
        try {
          seen = await observeHost(reach.pool.host(target), r);
        } catch (err) {
          findings.push({ severity: 'error', rule: 'collect-failed', host: r.host, message: `cannot collect the running files of ${r.host}: ${describeError(err).text.replace(/^error: /, '')}` });
          return;
        }
        for (const [path, f] of Object.entries(seen.files)) {
          if (!f) continue;
          const target = join(dir, hostFileInMirror(r.host, path));
          mkdirp(dirname(target));
          await writeFile(target, f.content);
          await chmod(target, f.mode & 0o777);
        }
        findings.push(...driftFindings(r, seen));
      }),
    );
    const loaded = loadMirror(dirFileSource(dir));
    if (!loaded.model || hasErrors(loaded.diagnostics)) {
      // The running configs do not parse: that is what the hosts run, so show it as such.
      throw new InputError(loaded.diagnostics.filter((d) => d.severity !== 'info').map((d) => ({ ...d, file: d.file ? `${dir}${d.file.startsWith('/') ? '' : '/'}${d.file}` : d.file })));
    }
    const warnings = loaded.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length) process.stderr.write(renderDiagnostics(warnings) + '\n');
    const report = analyzeModel(loaded.model);
    report.findings.unshift(...findings.sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || (a.file ?? '').localeCompare(b.file ?? '')));
    process.stdout.write(renderReport(report, opts.output) + '\n');
    if (opts.mirror) process.stderr.write(`running files collected under ${dir}\n`);
    return report.findings.some((f) => f.severity === 'error') ? ExitCode.Findings : ExitCode.Ok;
  } finally {
    await reach.pool.close();
    if (!opts.mirror) await rm(dir, { recursive: true, force: true });
  }
}
