import type { Token } from '../sink.js';
import type { HaproxyContext } from './context.js';

/** The HAProxy version `.if version_atleast()` is evaluated against (the one this project targets). */
export const HAPROXY_VERSION = '2.6.12';

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** One open `.if` block: whether lines are read now, whether a branch was taken, where it opened. */
interface OpenBlock {
  active: boolean;
  taken: boolean;
  sawElse: boolean;
  tok: Token;
}

/** Conditional blocks and messages (manual §2.4), evaluated against the start-up environment. */
export class Conditionals {
  private readonly conds: OpenBlock[] = [];

  constructor(
    private readonly ctx: HaproxyContext,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  /** Whether ordinary lines are read here (every enclosing `.if` branch is taken). */
  get active(): boolean {
    return this.conds.every((c) => c.active);
  }

  /** Reports the blocks still open at the end of the file. */
  closeAll(): void {
    for (const c of this.conds) this.ctx.err('HAP_BAD_CONDITIONAL', "'.if' without '.endif'", c.tok, "close the block with '.endif'");
  }

  /**
   * Reads one directive line: `.if/.elif/.else/.endif`, `.diag/.notice/.warning/.alert`.
   * Returns false for words that are not directives (then the line is an ordinary keyword line).
   */
  directive(toks: Token[]): boolean {
    const kw = toks[0] as Token;
    const outer = this.conds.slice(0, -1).every((c) => c.active);
    const top = this.conds[this.conds.length - 1];
    const cond = (): boolean => this.evalCondition(toks.slice(1), kw);
    switch (kw.value) {
      case '.if': {
        const live = this.conds.every((c) => c.active);
        const v = live ? cond() : false;
        this.conds.push({ active: live && v, taken: v, sawElse: false, tok: kw });
        return true;
      }
      case '.elif':
      case '.else':
        if (!top || top.sawElse) {
          this.ctx.err('HAP_BAD_CONDITIONAL', `'${kw.value}' without an open '.if'`, kw);
          return true;
        }
        if (kw.value === '.else') {
          top.sawElse = true;
          top.active = outer && !top.taken;
          top.taken = true;
        } else {
          const v = outer && !top.taken ? cond() : false;
          top.active = v;
          top.taken ||= v;
        }
        return true;
      case '.endif':
        if (!this.conds.pop()) this.ctx.err('HAP_BAD_CONDITIONAL', "'.endif' without an open '.if'", kw);
        return true;
      case '.diag':
      case '.notice':
      case '.warning':
      case '.alert': {
        if (!this.conds.every((c) => c.active)) return true;
        const msg = toks.slice(1).map((t) => t.value).join(' ');
        if (kw.value === '.alert') this.ctx.err('HAP_ALERT', `.alert: ${msg}`, kw, 'HAProxy refuses to start on an .alert line');
        else if (kw.value === '.warning') this.ctx.sink.warning('HAP_WARNING', `.warning: ${msg}`, this.ctx.file, kw);
        else this.ctx.sink.info('HAP_NOTICE', `${kw.value}: ${msg}`, this.ctx.file, kw);
        return true;
      }
      default:
        return false;
    }
  }

  /** `.if` conditions: `!`, `&&`, `||`, numbers, strings, defined(), feature(), streq(), strneq(), version_atleast(), version_before(). */
  private evalCondition(toks: Token[], at: Token): boolean {
    const text = toks.map((t) => t.value).join(' ').trim();
    if (text === '') {
      this.ctx.err('HAP_BAD_CONDITIONAL', `'${at.value}' needs a condition`, at);
      return false;
    }
    const term = (raw: string): boolean => {
      let t = raw.trim();
      let neg = false;
      while (t.startsWith('!')) {
        neg = !neg;
        t = t.slice(1).trim();
      }
      if (t.startsWith('(') && t.endsWith(')')) return neg !== expr(t.slice(1, -1));
      const m = /^([a-z_]+)\((.*)\)$/.exec(t);
      let v: boolean;
      if (!m) v = /^-?\d+$/.test(t) ? Number(t) !== 0 : t !== '';
      else {
        const args = (m[2] ?? '').split(',').map((a) => a.trim().replace(/^"(.*)"$/, '$1'));
        switch (m[1]) {
          case 'defined':
            v = args[0] !== undefined && this.env[args[0]] !== undefined;
            break;
          case 'streq':
            v = args[0] === args[1];
            break;
          case 'strneq':
            v = args[0] !== args[1];
            break;
          case 'version_atleast':
            v = compareVersions(HAPROXY_VERSION, args[0] ?? '') >= 0;
            break;
          case 'version_before':
            v = compareVersions(HAPROXY_VERSION, args[0] ?? '') < 0;
            break;
          default:
            this.ctx.sink.info('HAP_CONDITION_ASSUMED', `cannot evaluate '${t}' here; assumed true`, this.ctx.file, at);
            v = true;
        }
      }
      return neg !== v;
    };
    const expr = (e: string): boolean => e.split('||').some((alt) => alt.split('&&').every(term));
    return expr(text);
  }
}
