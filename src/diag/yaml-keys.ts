import type { Document, DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';
import { yamlLib } from './yaml-lib.js';

/**
 * eemeli/yaml checks duplicate keys by comparing each new key with every earlier key of its mapping: 20 000 keys
 * cost 200 million comparisons. kubeha parses with that check off and runs this one, a set per mapping: the same
 * errors (DUPLICATE_KEY at the second key, the same equality: scalars with the same value), in linear time.
 */
export function addDuplicateKeyErrors(doc: Document): void {
  const { isCollection, isMap, isPair, isScalar, YAMLParseError } = yamlLib();
  const stack: unknown[] = [doc.contents];
  for (let n = stack.pop(); n !== undefined || stack.length > 0; n = stack.pop()) {
    if (isPair(n)) {
      stack.push(n.key, n.value);
      continue;
    }
    if (!isCollection(n)) continue;
    const map = isMap(n);
    const seen = new Set<unknown>();
    for (const it of n.items) {
      stack.push(it);
      if (!map || !isPair(it) || !isScalar(it.key)) continue;
      const v = it.key.value;
      if (typeof v === 'number' && Number.isNaN(v)) continue;
      if (seen.has(v)) {
        const at = it.key.range?.[0] ?? 0;
        doc.errors.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
      } else seen.add(v);
    }
  }
}

/** parseAllDocuments with the linear duplicate-key check. */
export function parseYamlDocuments(text: string, options: ParseOptions & DocumentOptions & SchemaOptions = {}): Document.Parsed[] {
  const parsed = yamlLib().parseAllDocuments(text, { ...options, uniqueKeys: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  if (options.uniqueKeys !== false) for (const d of docs) addDuplicateKeyErrors(d);
  return docs;
}
