import { ProblemCollector } from '../diag/collector.js';
import type { Problem } from '../diag/problem.js';
import type { SourceRef } from '../model/types.js';

/** A word of a config line, with where it was written (1-based line/col, length in the source). */
export interface Token {
  /** The word after unquoting, unescaping and variable expansion. */
  value: string;
  line: number;
  col: number;
  length: number;
  /** True when any part of the word was quoted. */
  quoted: boolean;
}

/** The parsers' collector: diag's, under the name the parsers use (its problems are `diagnostics`). */
export class DiagnosticSink extends ProblemCollector {
  get diagnostics(): Problem[] {
    return this.problems;
  }
}

export function refOf(file: string, t: { line: number; col: number }): SourceRef {
  return { file, line: t.line, col: t.col };
}

/** Strict unsigned/signed integer: no trailing garbage (`10s` is not an integer). */
export function parseIntStrict(s: string): number | undefined {
  return /^[+-]?\d{1,15}$/.test(s) ? Number(s) : undefined;
}

/** A decimal number such as keepalived's TIMER (`0.5`, `3`). */
export function parseDecimal(s: string): number | undefined {
  return /^[+-]?(\d{1,15}(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : undefined;
}

/** Directory part of an absolute path (`/a/b/c` → `/a/b`). */
export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Joins and normalises `.`/`..` segments of an absolute path. */
export function resolvePath(base: string, rel: string): string {
  const parts = (rel.startsWith('/') ? rel : `${base}/${rel}`).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return `/${out.join('/')}`;
}
