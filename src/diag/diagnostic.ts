/**
 * Diagnostics: every problem kubeha reports about input (spec, imported files, parsed configs)
 * is a value of this shape, never a thrown exception. Rendering to text lives in ./render.ts.
 */
export type Severity = 'error' | 'warning' | 'info';

/** A 1-based position in a source file. */
export interface Position {
  line: number;
  col: number;
}

export interface Diagnostic {
  /** Stable machine-readable code, e.g. `E_YAML_SYNTAX`, `SPEC_DUPLICATE_ADDRESS`. */
  code: string;
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
  /** The source line, filled by `attachExcerpt` when the text is known. */
  excerpt?: string;
  /** Host the diagnostic concerns, when it concerns one. */
  host?: string;
}

/** Maps byte offsets to 1-based line/col, like eemeli/yaml's LineCounter. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (this.starts[lo] ?? 0) + 1 };
  }
  lineText(line: number): string | undefined {
    const start = this.starts[line - 1];
    if (start === undefined) return undefined;
    const end = this.starts[line] ?? this.text.length + 1;
    return this.text.slice(start, end - 1).replace(/\r$/, '');
  }
  get lineCount(): number {
    return this.starts.length;
  }
}

/** Fills `excerpt` from the source text when a line is known. */
export function attachExcerpt(d: Diagnostic, index: LineIndex | undefined): Diagnostic {
  if (!index || d.line === undefined || d.excerpt !== undefined) return d;
  const text = index.lineText(d.line);
  return text === undefined ? d : { ...d, excerpt: text };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDist <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] ?? 0;
      prev[j] = Math.min((prev[j] ?? 0) + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] ?? 0;
}
