import type { Code } from './catalog.js';
import { LineIndex } from './line-index.js';
import type { Problem, Severity } from './problem.js';
import { SecretScrubber, maskExcerpt } from './secrets.js';

/** Where a problem is: a 1-based line and column in a file, and the length of the token for the caret. */
export interface At {
  line: number;
  col: number;
  length?: number;
}

/**
 * The one place a problem gets its caret excerpt: the source line, with its secrets masked. A problem that
 * already has an excerpt is masked again (masking is idempotent), so no excerpt reaches the user unmasked.
 */
export function attachExcerpt(p: Problem, index: LineIndex | undefined): Problem {
  if (p.excerpt !== undefined) return { ...p, excerpt: maskExcerpt(p.excerpt) };
  if (!index || p.line === undefined) return p;
  const text = index.lineText(p.line);
  return text === undefined ? p : { ...p, excerpt: maskExcerpt(text) };
}

/**
 * Collects the problems of one run over one or more source files; each file gets its LineIndex so that every
 * problem carries file:line:col and the masked caret excerpt (eemeli/yaml keeps errors as data the same way).
 */
/** Problems of one code kept per run; the rest become one summary problem of that code. */
export const MAX_PROBLEMS_PER_CODE = 20;
const SUMMARY_HINT = 'fix the ones shown first; the others are most likely the same mistake repeated';

/**
 * At most MAX_PROBLEMS_PER_CODE problems of each code, in the given order; the rest become one summary problem of
 * that code at the first one left out (for lists built outside a collector, such as the spec loader's).
 */
export function capPerCode<T extends Problem>(ps: readonly T[]): T[] {
  const count = new Map<string, number>();
  const summary = new Map<string, T>();
  const out: T[] = [];
  for (const p of ps) {
    const n = (count.get(p.code) ?? 0) + 1;
    count.set(p.code, n);
    if (n <= MAX_PROBLEMS_PER_CODE) {
      out.push(p);
      continue;
    }
    let s = summary.get(p.code);
    if (!s) {
      s = { ...p, hint: SUMMARY_HINT };
      delete s.excerpt;
      summary.set(p.code, s);
      out.push(s);
    }
    s.message = `${n - MAX_PROBLEMS_PER_CODE} more ${p.code} problem(s) like the ones above are not shown (kubeha shows ${MAX_PROBLEMS_PER_CODE} per code)`;
  }
  return out;
}

export class ProblemCollector {
  readonly problems: Problem[] = [];
  private readonly indexes = new Map<string, LineIndex>();
  /** Files whose secrets are not yet in `scrubber`: read only when a problem is reported (most files have none). */
  private readonly unscanned: string[] = [];
  private readonly scrubber = new SecretScrubber();
  private readonly perCode = new Map<Code, { count: number; summary?: Problem }>();

  addFile(file: string, text: string): LineIndex {
    const index = new LineIndex(text);
    this.indexes.set(file, index);
    this.unscanned.push(text);
    return index;
  }

  /** A message or hint built from parsed values (a token, a quoted word) with every secret of the files masked. */
  private scrub(s: string): string {
    for (let text = this.unscanned.pop(); text !== undefined; text = this.unscanned.pop()) this.scrubber.addText(text);
    return this.scrubber.scrub(s);
  }

  lineCount(file: string): number {
    return this.indexes.get(file)?.lineCount ?? 0;
  }

  add(severity: Severity, code: Code, message: string, file: string | undefined, at?: At, hint?: string): Problem {
    const seen = this.perCode.get(code) ?? { count: 0 };
    seen.count += 1;
    this.perCode.set(code, seen);
    if (seen.count > MAX_PROBLEMS_PER_CODE) {
      // One line says how many more there are, at the first one left out; the caller's work stays linear.
      const more = seen.count - MAX_PROBLEMS_PER_CODE;
      if (!seen.summary) {
        seen.summary = { code, severity, message: '', hint: SUMMARY_HINT };
        if (file !== undefined) seen.summary.file = file;
        if (at) {
          seen.summary.line = at.line;
          seen.summary.col = at.col;
        }
        this.problems.push(seen.summary);
      }
      seen.summary.message = `${more} more ${code} problem(s) like the ones above are not shown (kubeha shows ${MAX_PROBLEMS_PER_CODE} per code)`;
      return seen.summary;
    }
    let p: Problem = { code, severity, message: this.scrub(message) };
    if (file !== undefined) p.file = file;
    if (at) {
      p.line = at.line;
      p.col = at.col;
      p.length = Math.max(1, at.length ?? 1);
      p = attachExcerpt(p, file === undefined ? undefined : this.indexes.get(file));
    }
    if (hint !== undefined) p.hint = this.scrub(hint);
    this.problems.push(p);
    return p;
  }

  error(code: Code, message: string, file: string, at?: At, hint?: string): void {
    this.add('error', code, message, file, at, hint);
  }
  warning(code: Code, message: string, file: string, at?: At, hint?: string): void {
    this.add('warning', code, message, file, at, hint);
  }
  info(code: Code, message: string, file: string, at?: At, hint?: string): void {
    this.add('info', code, message, file, at, hint);
  }
}
