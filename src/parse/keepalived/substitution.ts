import type { DiagnosticSink } from '../sink.js';

const MAX_SUBST_DEPTH = 16;
const MAX_SUBST_LENGTH = 65_536;

/** A line after parameter substitution; `from[i]`/`to[i]`: the span of the original line character i came from. */
export interface Substituted {
  text: string;
  from: number[];
  to: number[];
}

/**
 * Parameter substitution (`$NAME`, `${NAME}`, repeated while values contain parameters), keeping for every
 * character of the result the span of the original line it came from (a substituted value maps to its `$NAME`), so
 * that columns stay true to the file.
 */
/** Characters substitution may still produce over one keepalived.conf and its includes, spent as it goes. */
export interface SubstitutionBudget {
  chars: number;
  exhausted: boolean;
}

export const MAX_SUBST_CHARS = 4 * 1024 * 1024;

export function substitute(vars: ReadonlyMap<string, string>, s: string, file: string, lineNo: number, sink: DiagnosticSink, budget: SubstitutionBudget = { chars: MAX_SUBST_CHARS, exhausted: false }): Substituted {
  const identity = (): Substituted => ({ text: s, from: [...s].map((_, k) => k), to: [...s].map((_, k) => k + 1) });
  if (vars.size === 0 || !s.includes('$') || budget.exhausted) return identity();
  let cur = identity();
  const re = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g;
  for (let depth = 0; depth < MAX_SUBST_DEPTH; depth++) {
    let changed = false;
    let text = '';
    const from: number[] = [];
    const to: number[] = [];
    let last = 0;
    const copy = (a: number, b: number): void => {
      text += cur.text.slice(a, b);
      for (let k = a; k < b; k++) {
        from.push(cur.from[k] ?? 0);
        to.push(cur.to[k] ?? 0);
      }
    };
    for (const m of cur.text.matchAll(re)) {
      const v = vars.get((m[1] ?? m[2]) as string);
      if (v === undefined) continue;
      changed = true;
      const a = m.index;
      const b = a + m[0].length;
      copy(last, a);
      text += v;
      for (let k = 0; k < v.length; k++) {
        from.push(cur.from[a] ?? 0);
        to.push(cur.to[b - 1] ?? 0);
      }
      last = b;
      // A value that contains its own name grows with every round: stop before it eats the memory.
      if (text.length > MAX_SUBST_LENGTH) {
        sink.error('KA_SUBSTITUTION_TOO_LONG', `parameter substitution makes this line longer than ${MAX_SUBST_LENGTH} characters`, file, { line: lineNo, col: 1, length: s.length }, 'a parameter probably refers to itself');
        return identity();
      }
    }
    if (!changed) return cur;
    copy(last, cur.text.length);
    budget.chars -= text.length;
    if (budget.chars < 0) {
      budget.exhausted = true;
      sink.error('KA_SUBSTITUTION_TOO_LONG', `parameter substitution produces more than ${MAX_SUBST_CHARS} characters in this configuration; the remaining lines are read without substitution`, file, { line: lineNo, col: 1, length: s.length }, 'parameters probably refer to each other: fix their definitions');
      return identity();
    }
    cur = { text, from, to };
  }
  sink.error('KA_SUBSTITUTION_LOOP', 'parameter substitution does not terminate', file, { line: lineNo, col: 1, length: s.length });
  return cur;
}
