import { isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { LineIndex } from '../diag/diagnostic.js';

/** A path into the spec as zod reports it: keys and list indexes. */
export type SpecPath = readonly (string | number)[];

/** Where a diagnostic points: 1-based line/col and the length of the caret. */
export interface Span {
  line: number;
  col: number;
  length: number;
}

/**
 * Maps a path in the parsed YAML back to its source position (eemeli/yaml keeps `range` on every node).
 * A path that does not exist (a missing field) resolves to the deepest node that does, preferring the key
 * that introduced it, so that "missing field address" points at the host entry.
 */
export class YamlLocator {
  constructor(
    private readonly doc: Document.Parsed | undefined,
    private readonly index: LineIndex,
  ) {}

  /** The value at `path` (or its deepest existing ancestor). */
  value(path: SpecPath): Span {
    const found = this.walk(path);
    if (!found.node) return { line: 1, col: 1, length: 1 };
    const { node, key, complete } = found;
    // A block collection spans many lines: point at the key that introduced it instead.
    const block = (isMap(node) || isSeq(node)) && !node.flow;
    if (key && (block || !complete)) return this.span(key);
    if (block) return this.collectionStart(node);
    return this.span(node);
  }

  /** The key `last` of the map at `path` (for unknown keys); falls back to the map itself. */
  key(path: SpecPath, last: string): Span {
    const found = this.walk(path);
    if (found.complete && isMap(found.node)) {
      const pair = pairOf(found.node, last);
      if (pair && isNodeLike(pair.key)) return this.span(pair.key);
    }
    return this.value(path);
  }

  /** The source text of the value at `path` as the user wrote it (first line only), e.g. `1.30` that YAML read as 1.3. */
  sourceText(path: SpecPath): string | undefined {
    if (!this.walk(path).complete) return undefined;
    const span = this.value(path);
    return this.index.lineText(span.line)?.slice(span.col - 1, span.col - 1 + span.length);
  }

  /** Whether the path exists in the source (a value the user wrote, not a default). */
  has(path: SpecPath): boolean {
    return this.walk(path).complete;
  }

  private walk(path: SpecPath): { node?: Node; key?: Node; complete: boolean } {
    let node: Node | undefined = this.doc?.contents ?? undefined;
    let key: Node | undefined;
    for (const seg of path) {
      if (!node) return { complete: false };
      if (isMap(node) && typeof seg === 'string') {
        const pair = pairOf(node, seg);
        if (!pair) return { node, ...(key ? { key } : {}), complete: false };
        key = isNodeLike(pair.key) ? pair.key : undefined;
        // `vip:` with nothing after it: point at the key.
        const empty = !isNodeLike(pair.value) || (isScalar(pair.value) && pair.value.value === null && pair.value.range?.[0] === pair.value.range?.[1]);
        if (empty) return { ...(key ? { node: key, key } : {}), complete: true };
        node = pair.value as Node;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (!isNodeLike(item)) return { node, ...(key ? { key } : {}), complete: false };
        node = item;
        key = undefined;
      } else {
        return { node, ...(key ? { key } : {}), complete: false };
      }
    }
    return node ? { node, ...(key ? { key } : {}), complete: true } : { complete: false };
  }

  /** A block map or list: the first key (or `-`), not the many lines it spans. */
  private collectionStart(node: Node): Span {
    if (isMap(node)) {
      const first = node.items[0]?.key;
      if (isNodeLike(first)) return this.span(first);
    }
    const pos = this.index.position(node.range?.[0] ?? 0);
    return { ...pos, length: 1 };
  }

  private span(node: Node): Span {
    const [start, valueEnd] = node.range ?? [0, 1, 1];
    const pos = this.index.position(start);
    const lineText = this.index.lineText(pos.line) ?? '';
    const length = Math.max(1, Math.min(valueEnd - start, lineText.length - pos.col + 1));
    return { line: pos.line, col: pos.col, length };
  }
}

/** Each map's first pair per key, built once: a spec with 20 000 keys is looked up 20 000 times. */
const pairIndex = new WeakMap<object, Map<string, Pair>>();

function pairOf(map: { items: Pair[] }, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      const k = keyText(p);
      if (k !== undefined && !index.has(k)) index.set(k, p);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function isNodeLike(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'range' in v && Array.isArray((v as { range?: unknown }).range);
}

function keyText(p: Pair): string | undefined {
  const k = p.key;
  if (isScalar(k)) return String(k.value);
  return typeof k === 'string' ? k : undefined;
}
