/**
 * Problems: everything kubeha reports about input (a spec, an imported file, parsed configs) and every finding of
 * the HA analysis is a value of this shape, never a thrown exception. Its code is one of the catalog (./catalog.ts);
 * excerpts are attached by ./collector.ts and rendered to text by ./render.ts.
 */
import type { Code } from './catalog.js';

export type Severity = 'error' | 'warning' | 'info';

/** A 1-based position in a source file. */
export interface Position {
  line: number;
  col: number;
}

export interface Problem {
  /** Stable machine-readable code from the catalog, e.g. `SPEC_DUPLICATE_ADDRESS`, `vrrp-auth-mismatch`. */
  code: Code;
  severity: Severity;
  message: string;
  /** Path of the file as the user named it (relative paths stay relative). */
  file?: string;
  /** 1-based; absent when the problem concerns the file as a whole. */
  line?: number;
  col?: number;
  /** Length of the offending token for the caret excerpt. @default 1 */
  length?: number;
  /** One sentence telling the user how to fix it. */
  hint?: string;
  /** The source line with its secrets masked, filled by `attachExcerpt` (./collector.ts) when the text is known. */
  excerpt?: string;
  /** Host the problem concerns, when it concerns one. */
  host?: string;
}

/**
 * A problem as the JSON reports of `check` and `analyze` print it:
 * `{severity, rule, message, host?, file?, line?, col?, hint?}` (`rule` is the problem's code).
 */
export interface Finding {
  severity: Severity;
  rule: Code;
  message: string;
  host?: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
}

/** The report view of a problem (its excerpt and caret length are for text only). */
export function findingOf(p: Problem): Finding {
  const f: Finding = { severity: p.severity, rule: p.code, message: p.message };
  if (p.host !== undefined) f.host = p.host;
  if (p.file !== undefined) f.file = p.file;
  if (p.line !== undefined) f.line = p.line;
  if (p.col !== undefined) f.col = p.col;
  if (p.hint !== undefined) f.hint = p.hint;
  return f;
}

export function hasErrors(ps: readonly { severity: Severity }[]): boolean {
  return ps.some((p) => p.severity === 'error');
}
