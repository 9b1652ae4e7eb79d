import type { FileSource } from '../file-source.js';

/**
 * Expands a shell-style glob (`*`, `?`, `[…]`, csh braces `{a,b}`) against a FileSource, segment by segment
 * through listDir, as keepalived's `include` does with glob(3). Bounded for any pattern: brace alternatives are
 * counted before any is built and spent from a budget, so are the directory entries examined; matching simulates
 * the pattern's automaton (no backtracking), and no more than MAX_GLOB_PATHS paths are kept at any step.
 */

/**
 * What globbing may still cost, shared by every include of one keepalived.conf and spent as it goes: brace
 * alternatives produced and directory entries examined.
 */
export interface GlobBudget {
  patterns: number;
  entries: number;
}

/** Paths one include may match (and candidate paths kept between segments). */
export const MAX_GLOB_PATHS = 1024;

export const GLOB_BUDGET: Readonly<GlobBudget> = { patterns: 4096, entries: 262_144 };

export function globBudget(): GlobBudget {
  return { ...GLOB_BUDGET };
}

export type GlobResult = { files: string[] } | { tooMany: 'patterns' | 'paths' | 'entries'; limit: number };

export function expandGlob(fs: FileSource, pattern: string, budget: GlobBudget = globBudget()): GlobResult {
  const count = braceCount(pattern, budget.patterns);
  if (count > budget.patterns) return { tooMany: 'patterns', limit: GLOB_BUDGET.patterns };
  budget.patterns -= count;
  const out = new Set<string>();
  for (const p of expandBraces(pattern)) {
    const files = expandOne(fs, p, budget);
    if (typeof files === 'string') return { tooMany: files, limit: files === 'paths' ? MAX_GLOB_PATHS : GLOB_BUDGET.entries };
    for (const f of files) {
      out.add(f);
      if (out.size > MAX_GLOB_PATHS) return { tooMany: 'paths', limit: MAX_GLOB_PATHS };
    }
  }
  return { files: [...out].sort() };
}

/** The outermost `{…}` group at or after `from`: its open/close and top-level comma offsets, or undefined. */
function braceGroup(p: string, from: number): { open: number; close: number; commas: number[] } | undefined {
  for (let open = p.indexOf('{', from); open >= 0; open = p.indexOf('{', open + 1)) {
    let level = 0;
    const commas: number[] = [];
    for (let i = open; i < p.length; i++) {
      if (p[i] === '{') level++;
      else if (p[i] === '}') {
        level--;
        if (level === 0) return { open, close: i, commas };
      } else if (p[i] === ',' && level === 1) commas.push(i);
    }
    return undefined; // an unclosed brace is a literal, and so is everything after it
  }
  return undefined;
}

/**
 * How many alternatives expandBraces would produce, computed without producing them (saturating just above `cap`):
 * the product over consecutive groups of the sum over each group's alternatives.
 */
function braceCount(p: string, cap: number): number {
  const g = braceGroup(p, 0);
  if (!g) return 1;
  let sum = 0;
  let last = g.open + 1;
  for (const c of [...g.commas, g.close]) {
    sum += braceCount(p.slice(last, c), cap);
    if (sum > cap) return cap + 1;
    last = c + 1;
  }
  const rest = braceCount(p.slice(g.close + 1), cap);
  return Math.min(cap + 1, sum * rest);
}

/** csh brace expansion, left to right; only called once braceCount has bounded the result. */
function expandBraces(p: string): string[] {
  const g = braceGroup(p, 0);
  if (!g) return [p];
  const head = p.slice(0, g.open);
  const tails = expandBraces(p.slice(g.close + 1));
  const out: string[] = [];
  let last = g.open + 1;
  for (const c of [...g.commas, g.close]) {
    for (const mid of expandBraces(p.slice(last, c))) for (const t of tails) out.push(head + mid + t);
    last = c + 1;
  }
  return out;
}

function hasMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

type Atom = { kind: 'star' } | { kind: 'one' } | { kind: 'lit'; c: string } | { kind: 'set'; negate: boolean; ranges: [number, number][] };

/** One path segment's pattern as atoms; a `[` without its `]` is a literal. */
function compile(seg: string): Atom[] {
  const atoms: Atom[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') {
      if (atoms[atoms.length - 1]?.kind !== 'star') atoms.push({ kind: 'star' });
    } else if (c === '?') atoms.push({ kind: 'one' });
    else if (c === '[') {
      let j = i + 1;
      const negate = seg[j] === '!' || seg[j] === '^';
      if (negate) j++;
      // A `]` right after `[` or `[!` is a member, not the end.
      const end = seg.indexOf(']', j + 1);
      if (end < 0) {
        atoms.push({ kind: 'lit', c });
        continue;
      }
      const ranges: [number, number][] = [];
      for (let k = j; k < end; k++) {
        const lo = seg.codePointAt(k) ?? 0;
        if (seg[k + 1] === '-' && k + 2 < end) {
          ranges.push([lo, seg.codePointAt(k + 2) ?? 0]);
          k += 2;
        } else ranges.push([lo, lo]);
      }
      atoms.push({ kind: 'set', negate, ranges });
      i = end;
    } else if (c === '\\' && i + 1 < seg.length) {
      atoms.push({ kind: 'lit', c: seg[i + 1] as string });
      i++;
    } else atoms.push({ kind: 'lit', c });
  }
  return atoms;
}

function atomMatches(a: Atom, c: string): boolean {
  if (a.kind === 'one') return true;
  if (a.kind === 'lit') return a.c === c;
  if (a.kind === 'set') {
    const cp = c.codePointAt(0) ?? 0;
    const inSet = a.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
    return inSet !== a.negate;
  }
  return false;
}

/**
 * Whether `name` matches the atoms: a simulation of the pattern's automaton over the set of reachable pattern
 * positions (Thompson's construction), O(name × pattern) whatever the stars, never backtracking.
 */
export function globMatch(atoms: readonly Atom[], name: string): boolean {
  const n = atoms.length;
  let cur = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  const close = (set: Uint8Array): void => {
    // A star may match nothing: reaching it reaches the position after it.
    for (let i = 0; i < n; i++) if (set[i] && atoms[i]?.kind === 'star') set[i + 1] = 1;
  };
  cur[0] = 1;
  close(cur);
  for (const c of name) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!cur[i]) continue;
      const a = atoms[i] as Atom;
      if (a.kind === 'star') {
        next[i] = 1;
        any = true;
      } else if (atomMatches(a, c)) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    [cur, next] = [next, cur];
  }
  return cur[n] === 1;
}

/** Whether a whole file name matches a one-segment glob (exported for tests and the fuzzers). */
export function matchSegment(pattern: string, name: string): boolean {
  return globMatch(compile(pattern), name);
}

/** Matching files, or which bound stopped the walk. */
function expandOne(fs: FileSource, pattern: string, budget: GlobBudget): string[] | 'paths' | 'entries' {
  const segs = pattern.split('/').filter((s) => s !== '');
  let bases = ['/'];
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k] as string;
    const next: string[] = [];
    const magic = hasMagic(seg);
    const atoms = magic ? compile(seg) : [];
    for (const base of bases) {
      const join = (name: string): string => (base === '/' ? `/${name}` : `${base}/${name}`);
      if (!magic) {
        next.push(join(seg));
        continue;
      }
      const names = fs.listDir(base) ?? [];
      budget.entries -= names.length;
      if (budget.entries < 0) return 'entries';
      // Like glob(3): wildcards do not match names starting with a dot.
      for (const name of names) {
        if (!name.startsWith('.') && globMatch(atoms, name)) {
          next.push(join(name));
          if (next.length > MAX_GLOB_PATHS) return 'paths';
        }
      }
    }
    bases = next;
  }
  return bases.filter((f) => fs.readFile(f) !== undefined);
}
