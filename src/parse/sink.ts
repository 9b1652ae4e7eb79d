import { LineIndex, type Diagnostic, type Severity } from '../diag/diagnostic.js';
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

/**
 * Collects the diagnostics of one parse; each file gets its LineIndex so that every diagnostic
 * carries file:line:col and the caret excerpt (eemeli/yaml keeps errors as data the same way).
 */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private readonly indexes = new Map<string, LineIndex>();

  addFile(file: string, text: string): void {
    this.indexes.set(file, new LineIndex(text));
  }

  lineCount(file: string): number {
    return this.indexes.get(file)?.lineCount ?? 0;
  }

  add(
    severity: Severity,
    code: string,
    message: string,
    file: string,
    at?: { line: number; col: number; length?: number },
    hint?: string,
  ): void {
    const d: Diagnostic = { code, severity, message, file };
    if (at) {
      d.line = at.line;
      d.col = at.col;
      d.length = Math.max(1, at.length ?? 1);
      const text = this.indexes.get(file)?.lineText(at.line);
      if (text !== undefined) d.excerpt = text;
    }
    if (hint !== undefined) d.hint = hint;
    this.diagnostics.push(d);
  }

  error(code: string, message: string, file: string, at?: Token | { line: number; col: number; length?: number }, hint?: string): void {
    this.add('error', code, message, file, at, hint);
  }
  warning(code: string, message: string, file: string, at?: Token | { line: number; col: number; length?: number }, hint?: string): void {
    this.add('warning', code, message, file, at, hint);
  }
  info(code: string, message: string, file: string, at?: Token | { line: number; col: number; length?: number }, hint?: string): void {
    this.add('info', code, message, file, at, hint);
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
