import type { Document, Node } from 'yaml';
import { yamlLib } from './yaml-lib.js';

/**
 * The alias budget shared by the spec loader and the importers: a YAML document whose aliases would expand beyond
 * this (a "billion laughs" document), refer to a node that contains them (a cycle), or name no anchor is refused
 * at the alias, before any code walks the expanded tree.
 */

/** eemeli/yaml's maxAliasCount for every document kubeha reads. */
export const MAX_YAML_ALIAS_COUNT = 100;

export interface AliasProblem {
  kind: 'cycle' | 'unresolved' | 'excessive';
  /** Offset of the alias in the text. */
  offset: number;
  length: number;
  message: string;
}

/** The first alias problem of a parsed document, or undefined when its aliases are safe to expand. */
export function aliasProblem(doc: Document): AliasProblem | undefined {
  const { isAlias, isCollection, isPair } = yamlLib();
  const aliases: { node: Node & { source: string }; target: Node | undefined }[] = [];
  // Iterative walk: a document nested thousands deep must not overflow the stack here.
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isAlias(n)) {
      aliases.push({ node: n, target: n.resolve(doc) });
    } else if (isPair(n)) {
      stack.push(n.value, n.key);
    } else if (isCollection(n)) {
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
    }
  }
  if (aliases.length === 0) return undefined;
  aliases.sort((a, b) => (a.node.range?.[0] ?? 0) - (b.node.range?.[0] ?? 0));
  for (const { node, target } of aliases) {
    const at = node.range?.[0] ?? 0;
    const length = Math.max(1, (node.range?.[1] ?? at + 1) - at);
    if (target === undefined) {
      return { kind: 'unresolved', offset: at, length, message: `alias *${node.source} names no anchor defined before it` };
    }
    // An anchor is defined before its aliases and nodes nest, so every cycle has an alias inside its own target.
    const r = target.range;
    if (r && r[0] <= at && at < r[1]) {
      return { kind: 'cycle', offset: at, length, message: `alias *${node.source} refers to the node that contains it (a cycle)` };
    }
  }
  try {
    doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch {
    const first = aliases[0]?.node;
    const at = first?.range?.[0] ?? 0;
    return {
      kind: 'excessive',
      offset: at,
      length: Math.max(1, (first?.range?.[1] ?? at + 1) - at),
      message: `the aliases of this document expand beyond kubeha's budget (${MAX_YAML_ALIAS_COUNT}, eemeli/yaml's maxAliasCount): an alias bomb?`,
    };
  }
  return undefined;
}
