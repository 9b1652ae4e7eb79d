import type { Document } from 'yaml';
import { aliasProblem } from '../diag/yaml-aliases.js';
import type { FileDiagnostics } from './import-common.js';

/**
 * Refuses the documents of an imported file whose aliases are unsafe to expand (a cycle, no anchor, an alias bomb):
 * IMPORT_YAML_ALIAS at the alias. Returns false when one was reported; the importer then stops before walking the tree.
 */
export function aliasesAreSafe(docs: readonly Document[], d: FileDiagnostics): boolean {
  let ok = true;
  for (const doc of docs) {
    const p = aliasProblem(doc);
    if (!p) continue;
    ok = false;
    d.error('IMPORT_YAML_ALIAS', p.message, d.at(p.offset, p.length), 'define each &anchor before its *alias, never inside the anchored node, and do not nest aliases to blow up the file');
  }
  return ok;
}
