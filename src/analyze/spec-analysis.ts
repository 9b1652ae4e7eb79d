import { memoryFileSource } from '../parse/file-source.js';
import { loadMirror } from '../parse/mirror.js';
import { MANIFEST_PATH, hostFileInMirror } from '../model/mirror-layout.js';
import { placeholderSecrets, renderCluster, renderMirrorManifest } from '../render/index.js';
import type { ClusterSpec, Secrets } from '../cluster-spec/types.js';
import { analyzeModel } from './index.js';
import type { Finding, Report } from './types.js';

/**
 * `kubeha check`'s analysis: the spec is rendered, the rendered files are parsed back with the same parsers that
 * read brownfield configs, and the resulting model is analysed. One model, one analysis, both directions.
 * Secrets do not change what the analysis sees, as long as every peer gets the same value: a placeholder stands in.
 */
export function analyzeSpec(full: ClusterSpec): Report {
  // Hosts that are only workers run no HAProxy, keepalived or apiserver: they cannot change the analysis,
  // and leaving them out keeps `check` fast on clusters of thousands of workers.
  const spec: ClusterSpec = { ...full, hosts: full.hosts.filter((h) => h.roles.some((r) => r !== 'worker')) };
  const secrets: Secrets = placeholderSecrets(spec);
  const files: Record<string, string> = { [MANIFEST_PATH]: renderMirrorManifest(spec) };
  for (const h of renderCluster(spec, secrets)) for (const f of h.files) files[`/${hostFileInMirror(h.host, f.path)}`] = f.content;
  const { model, diagnostics } = loadMirror(memoryFileSource(files));
  // The rendered files failing our own parser is a kubeha bug, reported as such rather than hidden.
  const renderBugs: Finding[] = diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({
      severity: 'error' as const,
      rule: 'render-parse-roundtrip',
      message: `kubeha rendered a file its own parser rejects (${d.code}: ${d.message}); please report this bug`,
      ...(d.file !== undefined ? { file: d.file } : {}),
      ...(d.line !== undefined ? { line: d.line } : {}),
    }));
  if (!model) return { findings: renderBugs, scenarios: [] };
  const report = analyzeModel(model);
  return { findings: [...renderBugs, ...report.findings], scenarios: report.scenarios };
}
