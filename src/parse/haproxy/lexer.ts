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
      if (c === '\\') {
        const nx = s[i + 1];
        if (nx === undefined) {
          // A trailing backslash: HAProxy has no line continuation, keep it literally.
          value += c;
          i++;
        } else if (nx === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
          value += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
          i += 4;
        } else {
          value += ESCAPES[nx] ?? `\\${nx}`;
          i += 2;
        }
        continue;
      }
      if (c === "'") {
        quoted = true;
        const end = s.indexOf("'", i + 1);
        if (end < 0) {
          sink.error('HAP_UNTERMINATED_QUOTE', 'unterminated single quote', file, { line, col: i + 1, length: s.length - i }, "close the quote with ' on the same line");
          value += s.slice(i + 1);
          i = s.length;
        } else {
          value += s.slice(i + 1, end);
          i = end + 1;
        }
        continue;
      }
      if (c === '"') {
        quoted = true;
        const qStart = i;
        i++;
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
        continue;
      }
      value += c;
      i++;
    }
    tokens.push({ value, line, col: start + 1, length: Math.max(1, i - start), quoted });
  }
  return tokens;
}
