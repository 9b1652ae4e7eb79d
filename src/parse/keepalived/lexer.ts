import type { DiagnosticSink, Token } from '../sink.js';
import type { Substituted } from './substitution.js';

/**
 * The words of one substituted line: `#`/`!` comments at a word start, `"…"` strings, `{` and `}` as words of their
 * own. Positions are those of the line as written (`sub` maps every character back to it).
 */
export function lexLine(raw: string, sub: Substituted, file: string, line: number, sink: DiagnosticSink): Token[] {
  const s = sub.text;
  /** Column and length in the original line of the characters [a, b) of the substituted one. */
  const span = (a: number, b: number): { col: number; length: number } => {
    const start = sub.from[a] ?? raw.length;
    const end = sub.to[Math.max(a, b - 1)] ?? raw.length;
    return { col: start + 1, length: Math.max(1, end - start) };
  };
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#' || c === '!') break;
    const start = i;
    if (c === '{' || c === '}') {
      tokens.push({ value: c, line, ...span(i, i + 1), quoted: false });
      i++;
      continue;
    }
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) {
        sink.error('KA_UNTERMINATED_QUOTE', 'unterminated double quote', file, { line, ...span(i, s.length) }, 'close the string with " on the same line');
        tokens.push({ value: s.slice(i + 1), line, ...span(i, s.length), quoted: true });
        break;
      }
      tokens.push({ value: s.slice(i + 1, end), line, ...span(start, end + 1), quoted: true });
      i = end + 1;
      continue;
    }
    while (i < s.length && !/[\s{}"]/.test(s[i] as string) && s[i] !== '#' && s[i] !== '!') i++;
    // `!` inside a word (e.g. a password) is kept: keepalived only treats `!`/`#` as comments at a word start.
    while (i < s.length && (s[i] === '!' || s[i] === '#')) {
      i++;
      while (i < s.length && !/[\s{}"]/.test(s[i] as string)) i++;
    }
    // Never loop in place, whatever the character.
    if (i === start) i++;
    tokens.push({ value: s.slice(start, i), line, ...span(start, i), quoted: false });
  }
  return tokens;
}
