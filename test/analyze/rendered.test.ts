import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../../src/analyze/index.js';
import type { Report } from '../../src/analyze/types.js';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { MANIFEST_PATH, hostFileInMirror } from '../../src/model/mirror-layout.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';
import type { RenderedHost } from '../../src/render/types.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/dedicated-lb/', import.meta.url));

/** Rendered files (kubeha render) → an in-memory mirror → the parsers → analyzeModel. */
function analyzeRendered(hosts: readonly RenderedHost[], manifest: string): { report?: Report; diagnostics: Diagnostic[] } {
  const files: Record<string, string> = { [MANIFEST_PATH]: manifest };
  for (const h of hosts) for (const f of h.files) files[`/${hostFileInMirror(h.host, f.path)}`] = f.content;
  const { model, diagnostics } = loadMirror(memoryFileSource(files));
  return model ? { report: analyzeModel(model), diagnostics } : { diagnostics };
}

function walk(dir: string, base = ''): { path: string; content: string }[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, `${base}/${n}`) : [{ path: `${base}/${n}`, content: readFileSync(p, 'utf8') }];
  });
}

describe('analyzeRendered', () => {
  it('analyses rendered hosts through an in-memory mirror like kubeha analyze does', () => {
    const hosts: RenderedHost[] = readdirSync(GOLDEN)
      .filter((n) => statSync(join(GOLDEN, n)).isDirectory())
      .map((n) => ({ host: n, address: '', packages: [], services: [], files: walk(join(GOLDEN, n)).map((f) => ({ ...f, mode: 0o644 })) }));
    const { report, diagnostics } = analyzeRendered(hosts, readFileSync(join(GOLDEN, 'hosts.yaml'), 'utf8'));
    assert.ok(report, diagnostics.map((d) => d.message).join('; '));
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), []);
    assert.ok(report.scenarios.some((s) => s.failure === 'haproxy-down:lb0'));
    assert.ok(report.scenarios.every((s) => s.apiReachable));
  });
  it('an unusable manifest gives diagnostics and no report', () => {
    const r = analyzeRendered([], 'endpoint: [');
    assert.equal(r.report, undefined);
    assert.ok(r.diagnostics.length > 0);
  });
});
