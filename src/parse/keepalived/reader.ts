import type { FileSource } from '../file-source.js';
import { dirname, resolvePath, type DiagnosticSink, type Token } from '../sink.js';
import { expandGlob, globBudget, type GlobBudget } from './glob.js';
import { lexLine } from './lexer.js';
import { MAX_SUBST_CHARS, substitute, type SubstitutionBudget } from './substitution.js';

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

/** The bounds of `include` over one keepalived.conf (docs/security.md). */
export const INCLUDE_LIMITS = {
  depth: 32,
  /** Files read through include, counting a file each time it is included. */
  files: 1000,
  /** Bytes read through include, in total. */
  bytes: 16 * 1024 * 1024,
  /** Length of an include's argument (PATH_MAX). */
  patternLength: 4096,
} as const;

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
  private readonly glob: GlobBudget = globBudget();
  private readonly subst: SubstitutionBudget = { chars: MAX_SUBST_CHARS, exhausted: false };
  private includedFiles = 0;
  private includedBytes = 0;
  /**
   * Files read while globbing and including, each read once: a glob matches the same files again and again (every
   * file of a directory including the directory), and only the first read of each costs, counted in `readBytes`.
   */
  private readonly texts = new Map<string, string | undefined>();
  private readBytes = 0;
  private readonly cached: FileSource = {
    readFile: (p) => {
      if (this.texts.has(p)) return this.texts.get(p);
      const t = this.readBytes > INCLUDE_LIMITS.bytes ? undefined : this.fs.readFile(p);
      this.readBytes += t?.length ?? 0;
      this.texts.set(p, t);
      return t;
    },
    listDir: (p) => this.fs.listDir(p),
  };
  /** Set once a bound of INCLUDE_LIMITS or the glob budget is reached: every later include is skipped. */
  private stopped = false;

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
    if (this.stopped) return;
    if (pattern.length > INCLUDE_LIMITS.patternLength) {
      this.limit(file, at, `this include's argument is ${pattern.length} characters long; kubeha reads include patterns up to ${INCLUDE_LIMITS.patternLength} (PATH_MAX)`);
      return;
    }
    if (stack.length >= INCLUDE_LIMITS.depth) {
      this.sink.error('KA_INCLUDE_DEPTH', `includes nested deeper than ${INCLUDE_LIMITS.depth}`, file, at);
      return;
    }
    const abs = pattern.startsWith('/') ? resolvePath(this.opts.root ?? '/', pattern.slice(1)) : resolvePath(dirname(file), pattern);
    const r = expandGlob(this.cached, abs, this.glob);
    if ('tooMany' in r) {
      const what = { patterns: 'brace alternatives', paths: 'matching paths', entries: 'directory entries examined' }[r.tooMany];
      this.limit(file, at, `include '${pattern}' goes past kubeha's bound of ${r.limit} ${what}`);
      return;
    }
    const files = r.files;
    if (this.readBytes > INCLUDE_LIMITS.bytes) {
      this.limit(file, at, `included and globbed files add up to more than ${INCLUDE_LIMITS.bytes} bytes`);
      return;
    }
    if (files.length === 0) {
      this.sink.warning('KA_INCLUDE_NOT_FOUND', `include '${pattern}' matches no file`, file, at, 'keepalived ignores it silently; check the path (relative paths are relative to this file)');
      return;
    }
    for (const f of files) {
      if (this.stopped) return;
      if (f === file || stack.includes(f)) {
        this.sink.error('KA_INCLUDE_CYCLE', `include cycle: ${[...stack, file, f].join(' → ')}`, file, at, 'remove the include that points back to an including file');
        continue;
      }
      const text = this.cached.readFile(f);
      if (this.readBytes > INCLUDE_LIMITS.bytes) {
        this.limit(file, at, `included and globbed files add up to more than ${INCLUDE_LIMITS.bytes} bytes`);
        return;
      }
      if (text === undefined) {
        this.sink.warning('KA_INCLUDE_UNREADABLE', `cannot read included file ${f}`, file, at);
        continue;
      }
      this.includedFiles += 1;
      this.includedBytes += text.length;
      if (this.includedFiles > INCLUDE_LIMITS.files) {
        this.limit(file, at, `includes read more than ${INCLUDE_LIMITS.files} files (a file included twice counts twice)`);
        return;
      }
      if (this.includedBytes > INCLUDE_LIMITS.bytes) {
        this.limit(file, at, `included files add up to more than ${INCLUDE_LIMITS.bytes} bytes`);
        return;
      }
      this.readFile(f, text, [...stack, file]);
    }
  }

  /** A bound is reached: one error, and no include is followed after it. */
  private limit(file: string, at: { line: number; col: number; length: number }, message: string): void {
    this.stopped = true;
    this.sink.error('KA_INCLUDE_LIMIT', `${message}; later includes are not read`, file, at, 'flatten the includes: keepalived reads them, but kubeha bounds its work for any input (docs/security.md)');
  }

  /** Words of one line, after substitution; positions are those of the line as written. */
  private lex(raw: string, file: string, line: number): Token[] {
    return lexLine(raw, substitute(this.vars, raw, file, line, this.sink, this.subst), file, line, this.sink);
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
