import type { DiagnosticSink, Token } from '../sink.js';
import type { Line } from './reader.js';

/** A statement of keepalived.conf: its keyword, its arguments on the same line and, for a block, its statements. */
export interface KaNode {
  key: Token;
  args: Token[];
  file: string;
  /** Present when the statement opens a `{ }` block. */
  children?: KaNode[];
}

/** Stage 2: statements nested by `{ }` (a brace may open on the keyword's line or the next one). */
export function structure(lines: Line[], sink: DiagnosticSink): KaNode[] {
  const root: KaNode[] = [];
  const stack: { children: KaNode[]; open?: { tok: Token; file: string } }[] = [{ children: root }];
  const top = (): { children: KaNode[] } => stack[stack.length - 1] as { children: KaNode[] };
  for (const l of lines) {
    let cur: Token[] = [];
    const flush = (): KaNode | undefined => {
      if (cur.length === 0) return undefined;
      const node: KaNode = { key: cur[0] as Token, args: cur.slice(1), file: l.file };
      top().children.push(node);
      cur = [];
      return node;
    };
    for (const t of l.tokens) {
      if (t.value === '{' && !t.quoted) {
        let node = flush();
        if (!node) {
          // A brace alone on its line opens the block of the statement just before it.
          const prev = top().children[top().children.length - 1];
          if (prev && !prev.children) node = prev;
        }
        if (!node || node.children) {
          sink.error('KA_STRAY_BRACE', "'{' does not follow a keyword", l.file, t, 'put the brace after the keyword it opens');
          // A detached node: its block is read (to keep braces balanced) and then dropped.
          node = { key: t, args: [], file: l.file };
        }
        node.children = [];
        stack.push({ children: node.children, open: { tok: node.key, file: node.file } });
      } else if (t.value === '}' && !t.quoted) {
        flush();
        if (stack.length === 1) sink.error('KA_UNBALANCED_BRACE', "'}' closes no block", l.file, t, 'remove it or add the missing opening brace');
        else stack.pop();
      } else cur.push(t);
    }
    flush();
  }
  for (let i = stack.length - 1; i >= 1; i--) {
    const o = stack[i]?.open;
    if (o) sink.error('KA_UNCLOSED_BRACE', `block '${o.tok.value}' is never closed`, o.file, o.tok, "add the missing '}'");
  }
  return root;
}
