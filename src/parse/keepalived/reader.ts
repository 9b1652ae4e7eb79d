import type { FileSource } from '../file-source.js';
import { dirname, resolvePath, type DiagnosticSink, type Token } from '../sink.js';
import { expandGlob } from './glob.js';
import { lexLine } from './lexer.js';
import { substitute } from './substitution.js';

/** What the reader must know about the host a keepalived.conf comes from. */
export interface ParseKeepalivedOptions {
  /**
   * keepalived's config-id (its `-i` option; by default the host name up to the first dot). Lines starting
   * with `@id` are kept only when id equals it, `@^id` only when it differs. When unknown, `@id` lines are
   * dropped and `@^id` lines kept (as keepalived would do with a config-id that matches none of them).
   */
  configId?: string;
  /**
   * Where the host's `/` is inside the FileSource, for absolute `include` paths (a mirror passes `/<host>`).
   * @default '/'
   */
  root?: string;
}

const MAX_INCLUDE_DEPTH = 32;

/** The words of one line as written, after includes, conditional prefixes and substitution. */
export interface Line {
  file: string;
  tokens: Token[];
}

/**
 * Stage 1 of keepalived.conf: `include` (globs, relative to the including file, cycles reported), then `@id`/`@^id`
 * conditional lines, `$NAME=value` definitions and `$NAME`/`${NAME}` substitution, then words (lexer.ts).
 */
export class Reader {
  private readonly vars = new Map<string, string>();

  constructor(
    private readonly fs: FileSource,
    private readonly sink: DiagnosticSink,
    private readonly opts: ParseKeepalivedOptions,
    private readonly out: Line[],
  ) {}

  /** Reads one file into the output lines; `stack` holds the files that include it, for cycle detection. */
  readFile(file: string, text: string, stack: string[]): void {
    this.sink.addFile(file, text);
    const raw = text.split('\n');
    for (let n = 0; n < raw.length; n++) {
      const lineNo = n + 1;
      let s = (raw[n] ?? '').replace(/\r$/, '');
      // Multiline `$NAME= \` definitions are not supported: skip their continuation lines.
      const ml = /^\s*(@\^?\S+\s+)?\$([A-Za-z_][A-Za-z0-9_]*)=\s*\\$/.exec(s);
      if (ml) {
        this.sink.info('KA_MULTILINE_DEFINITION', `multiline definition of $${ml[2] ?? ''} is not supported; it is skipped`, file, { line: lineNo, col: 1, length: s.length });
        while (n + 1 < raw.length && /\\\s*$/.test(raw[n] ?? '')) n++;
        continue;
      }
      const words = /^\s*(include[rmwba]?)\s+(.*)$/.exec(stripComment(s));
      if (words) {
        this.include(file, lineNo, s, words[2]?.trim() ?? '', stack);
        continue;
      }
      // Conditional configuration: `@id line` or `@^id line`.
      const cond = /^(\s*)@(\^?)(\S*)(\s*)/.exec(s);
      if (cond) {
        const negative = cond[2] === '^';
        const id = cond[3] ?? '';
        const id0 = this.opts.configId;
        const matches = id0 !== undefined && id === id0;
        const keep = negative ? !matches : matches;
        if (id0 === undefined && !negative) {
          this.sink.info('KA_CONDITIONAL_SKIPPED', `line for config-id '${id}' skipped: the config-id of this host is not known`, file, { line: lineNo, col: cond[1]!.length + 1, length: id.length + 1 });
        }
        if (!keep) continue;
        // Blank out the prefix so that columns stay true to the file.
        s = ' '.repeat(cond[0].length) + s.slice(cond[0].length);
      }
      const def = /^(\s*)\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(s);
      if (def) {
        this.vars.set(def[2] as string, (def[3] ?? '').trim());
        continue;
      }
      const tokens = this.lex(s, file, lineNo);
      if (tokens.length > 0) this.out.push({ file, tokens });
    }
  }

  private include(file: string, lineNo: number, raw: string, arg: string, stack: string[]): void {
    const col = raw.indexOf(arg) + 1;
    const at = { line: lineNo, col: Math.max(1, col), length: Math.max(1, arg.length) };
    const pattern = arg.replace(/^"(.*)"$/, '$1');
    if (pattern === '') {
      this.sink.error('KA_INCLUDE_MISSING_ARG', "'include' needs a file name", file, { line: lineNo, col: 1, length: raw.length });
      return;
    }
    if (stack.length >= MAX_INCLUDE_DEPTH) {
      this.sink.error('KA_INCLUDE_DEPTH', `includes nested deeper than ${MAX_INCLUDE_DEPTH}`, file, at);
      return;
    }
    const abs = pattern.startsWith('/') ? resolvePath(this.opts.root ?? '/', pattern.slice(1)) : resolvePath(dirname(file), pattern);
    const files = expandGlob(this.fs, abs);
    if (files.length === 0) {
      this.sink.warning('KA_INCLUDE_NOT_FOUND', `include '${pattern}' matches no file`, file, at, 'keepalived ignores it silently; check the path (relative paths are relative to this file)');
      return;
    }
    for (const f of files) {
      if (f === file || stack.includes(f)) {
        this.sink.error('KA_INCLUDE_CYCLE', `include cycle: ${[...stack, file, f].join(' → ')}`, file, at, 'remove the include that points back to an including file');
        continue;
      }
      const text = this.fs.readFile(f);
      if (text === undefined) {
        this.sink.warning('KA_INCLUDE_UNREADABLE', `cannot read included file ${f}`, file, at);
        continue;
      }
      this.readFile(f, text, [...stack, file]);
    }
  }

  /** Words of one line, after substitution; positions are those of the line as written. */
  private lex(raw: string, file: string, line: number): Token[] {
    return lexLine(raw, substitute(this.vars, raw, file, line, this.sink), file, line, this.sink);
  }
}

/** The line without its comment: `#` or `!` at a word start, outside double quotes. */
function stripComment(s: string): string {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') q = !q;
    else if (!q && (c === '#' || c === '!') && (i === 0 || /\s/.test(s[i - 1] as string))) return s.slice(0, i);
  }
  return s;
}
