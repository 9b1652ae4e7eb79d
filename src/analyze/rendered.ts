/**
 * The round trip in one pure call: rendered files (kubeha render) → an in-memory mirror → the parsers →
 * analyzeModel. `kubeha check` uses it to analyse a spec the same way `kubeha analyze` analyses running configs.
 */
import type { Diagnostic } from '../diag/diagnostic.js';
import { memoryFileSource } from '../parse/file-source.js';
import { loadMirror } from '../parse/mirror.js';
import type { RenderedHost } from '../render/types.js';
import { analyzeModel } from './index.js';
import type { Report } from './types.js';

export function analyzeRendered(hosts: readonly RenderedHost[], manifest: string): { report?: Report; diagnostics: Diagnostic[] } {
  const files: Record<string, string> = { '/hosts.yaml': manifest };
  for (const h of hosts) for (const f of h.files) files[`/${h.host}${f.path.startsWith('/') ? '' : '/'}${f.path}`] = f.content;
  const { model, diagnostics } = loadMirror(memoryFileSource(files));
  return model ? { report: analyzeModel(model), diagnostics } : { diagnostics };
}
