import type { DiagnosticSink, Token } from '../sink.js';

/**
 * HAProxy's line lexer (configuration manual 2.6, §2.2 "Quoting and escaping", §2.3 "Environment variables"):
 * words are separated by blanks; `#` outside quotes starts a comment; `'…'` is taken literally; `"…"` interprets
 * backslash escapes and expands `$VAR` / `${VAR}`; outside quotes a backslash escapes the next character.
 * There is no line continuation. Never throws: an unterminated quote is reported and the word ends at the line end.
 */
export interface LexedLine {
  line: number;
  tokens: Token[];
}

export interface HaproxyLexOptions {
  env: Readonly<Record<string, string>>;
}

const ESCAPES: Record<string, string> = { ' ': ' ', '\t': '\t', '#': '#', '\\': '\\', "'": "'", '"': '"', $: '$', r: '\r', n: '\n', t: '\t' };

export function lexHaproxy(text: string, file: string, sink: DiagnosticSink, opts: HaproxyLexOptions): LexedLine[] {
  const out: LexedLine[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] ?? '').replace(/\r$/, '');
    const tokens = lexLine(raw, n + 1, file, sink, opts);
    if (tokens.length > 0) out.push({ line: n + 1, tokens });
  }
  return out;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f' || c === '\v';
}

function lexLine(s: string, line: number, file: string, sink: DiagnosticSink, opts: HaproxyLexOptions): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && isBlank(s[i])) i++;
    if (i >= s.length || s[i] === '#') break;
    const start = i;
    let value = '';
    let quoted = false;
    while (i < s.length && !isBlank(s[i])) {
      const c = s[i] as string;
      if (c === '#') break;
      let part: Part;
      if (c === '\\') part = escaped(s, i);
      else if (c === "'") part = singleQuoted(s, i, line, file, sink);
      else if (c === '"') part = doubleQuoted(s, i, line, file, sink, opts);
      else part = { text: c, end: i + 1 };
      if (c === "'" || c === '"') quoted = true;
      value += part.text;
      i = part.end;
    }
    tokens.push({ value, line, col: start + 1, length: Math.max(1, i - start), quoted });
  }
  return tokens;
}

/** A piece of a word: its text once unquoted and unescaped, and the index just after it in the line. */
interface Part {
  text: string;
  end: number;
}

/** A backslash outside quotes at s[i]: escapes the next character (`\xHH` is a byte). */
function escaped(s: string, i: number): Part {
  const nx = s[i + 1];
  // A trailing backslash: HAProxy has no line continuation, keep it literally.
  if (nx === undefined) return { text: '\\', end: i + 1 };
  if (nx === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) return { text: String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16)), end: i + 4 };
  return { text: ESCAPES[nx] ?? `\\${nx}`, end: i + 2 };
}

/** `'…'` at s[i], taken literally; unterminated, it runs to the end of the line. */
function singleQuoted(s: string, i: number, line: number, file: string, sink: DiagnosticSink): Part {
  const end = s.indexOf("'", i + 1);
  if (end < 0) {
    sink.error('HAP_UNTERMINATED_QUOTE', 'unterminated single quote', file, { line, col: i + 1, length: s.length - i }, "close the quote with ' on the same line");
    return { text: s.slice(i + 1), end: s.length };
  }
  return { text: s.slice(i + 1, end), end: end + 1 };
}

/** `"…"` at s[qStart]: backslash escapes and `$VAR`/`${VAR}` expansion; unterminated, it runs to the end of the line. */
function doubleQuoted(s: string, qStart: number, line: number, file: string, sink: DiagnosticSink, opts: HaproxyLexOptions): Part {
  let value = '';
  let i = qStart + 1;
  let closed = false;
  while (i < s.length) {
    const d = s[i] as string;
    if (d === '"') {
      closed = true;
      i++;
      break;
    }
    if (d === '\\' && i + 1 < s.length) {
      const nx = s[i + 1] as string;
      value += ESCAPES[nx] ?? `\\${nx}`;
      i += 2;
      continue;
    }
    if (d === '$') {
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(\[\*\])?\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(s.slice(i));
      if (m) {
        const name = (m[1] ?? m[3]) as string;
        const val = opts.env[name];
        if (val === undefined) {
          sink.info(
            'HAP_ENV_UNDEFINED',
            `environment variable ${name} is not known here; kept as written`,
            file,
            { line, col: i + 1, length: m[0].length },
            'HAProxy expands it from its environment at start-up (an unset variable becomes an empty string)',
          );
          value += m[0];
        } else value += val;
        i += m[0].length;
        continue;
      }
    }
    value += d;
    i++;
  }
  if (!closed) {
    sink.error('HAP_UNTERMINATED_QUOTE', 'unterminated double quote', file, { line, col: qStart + 1, length: s.length - qStart }, 'close the quote with " on the same line');
  }
  return { text: value, end: i };
}
