import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderDiagnostics } from '../../src/diag/render.js';
import type { ImportResult } from '../../src/interop/import-common.js';
import { importedSpecYaml } from '../../src/interop/import-yaml.js';

/** Helpers shared by the importer and export tests. */

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url)), 'utf8');
}

/** Everything a user could see of an import: the YAML and JSON spec, and the rendered diagnostics. */
export function everythingShown(r: ImportResult): string {
  const yaml = r.spec ? importedSpecYaml(r.spec, r.source, r.diagnostics) : '';
  return [yaml, JSON.stringify(r.spec ?? {}), renderDiagnostics(r.diagnostics), JSON.stringify(r.diagnostics)].join('\n');
}
