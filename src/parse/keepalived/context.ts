import type { Code } from '../../diag/catalog.js';
import { didYouMean } from '../../diag/diagnostic.js';
import type { KeepalivedConfig, TrackRef } from '../../model/types.js';
import { parseDecimal, parseIntStrict, refOf, type DiagnosticSink, type Token } from '../sink.js';
import type { KaNode } from './structure.js';

/**
 * What every compose step of one keepalived.conf shares: the diagnostics and the model being built, and the
 * readers of arguments every block uses (names, numbers, weights, list blocks, tracker references).
 */
export class KeepalivedContext {
  constructor(
    readonly sink: DiagnosticSink,
    readonly config: KeepalivedConfig,
  ) {}

  err(code: Code, msg: string, n: { file: string }, t: Token, hint?: string): void {
    this.sink.error(code, msg, n.file, t, hint);
  }

  unmodeled(n: KaNode, section: string): void {
    this.config.unknown.push({ keyword: n.key.value, section, at: refOf(n.file, n.key) });
    this.sink.info('KA_UNMODELED', `'${n.key.value}' in ${section} is not modelled by kubeha; kept as written`, n.file, n.key);
  }

  unknownKeyword(n: KaNode, section: string, candidates: Iterable<string>): void {
    this.config.unknown.push({ keyword: n.key.value, section, at: refOf(n.file, n.key) });
    const near = didYouMean(n.key.value, [...candidates]);
    this.sink.warning('KA_UNKNOWN_KEYWORD', `unknown keyword '${n.key.value}' in ${section}`, n.file, n.key, near ? `did you mean '${near}'?` : 'keepalived ignores it with a warning; check the spelling');
  }

  blockOf(n: KaNode, what: string): KaNode[] {
    if (!n.children) {
      this.err('KA_MISSING_BLOCK', `'${n.key.value}' needs a { } block`, n, n.key, `write '${what} { ... }'`);
      return [];
    }
    return n.children;
  }

  nameOf(n: KaNode): Token | undefined {
    const name = n.args[0];
    if (!name) this.err('KA_MISSING_NAME', `'${n.key.value}' needs a name`, n, n.key, `write '${n.key.value} <name> { ... }'`);
    return name;
  }

  arg(n: KaNode, i = 0): Token | undefined {
    const t = n.args[i];
    if (!t) this.err('KA_MISSING_ARG', `'${n.key.value}' needs a value`, n, n.key);
    return t;
  }

  int(n: KaNode, min: number, max: number, i = 0): number | undefined {
    const t = this.arg(n, i);
    if (!t) return undefined;
    const v = parseIntStrict(t.value);
    if (v === undefined || v < min || v > max) {
      this.err('KA_BAD_NUMBER', `'${t.value}' is not a valid value for '${n.key.value}'`, n, t, `expected a whole number from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  decimal(n: KaNode, min: number, max: number): number | undefined {
    const t = this.arg(n);
    if (!t) return undefined;
    const v = parseDecimal(t.value);
    if (v === undefined || v < min || v > max) {
      this.err('KA_BAD_NUMBER', `'${t.value}' is not a valid value for '${n.key.value}'`, n, t, `expected a number (seconds, fractions allowed) from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  /** `N [reverse|noreverse]` from args[from]: a weight within [min, max]. */
  weightArgs(n: KaNode, from: number, min: number, max: number): { weight?: number; reverse: boolean } {
    const out: { weight?: number; reverse: boolean } = { reverse: false };
    const t = n.args[from];
    if (!t) return out;
    const v = parseIntStrict(t.value);
    if (v === undefined || v < min || v > max) {
      this.err('KA_BAD_NUMBER', `'${t.value}' is not a valid weight`, n, t, `expected a whole number from ${min} to ${max}`);
    } else out.weight = v;
    const r = n.args[from + 1];
    if (r) {
      if (r.value === 'reverse') out.reverse = true;
      else if (r.value !== 'noreverse' && r.value !== 'no_reverse') this.err('KA_BAD_VALUE', `unexpected '${r.value}' after the weight`, n, r, "only 'reverse' or 'noreverse' may follow a weight");
    }
    return out;
  }

  /** The entries of a list block (`unicast_peer { … }`, `track_script { … }`), one per line. */
  listItems(n: KaNode): KaNode[] {
    const items = this.blockOf(n, n.key.value);
    for (const i of items) if (i.children) this.err('KA_UNEXPECTED_BLOCK', `unexpected block in '${n.key.value}'`, i, i.key);
    // Items written on the keyword's own line (`group VI_1 VI_2`) are not valid keepalived syntax but are common; accept them.
    return items;
  }

  /** `track_* { NAME [weight N [reverse]] … }`: the references of an instance or sync group to its trackers. */
  trackRefs(n: KaNode, min: number, max: number): TrackRef[] {
    const out: TrackRef[] = [];
    for (const i of this.listItems(n)) {
      const ref: TrackRef = { name: i.key.value, at: refOf(i.file, i.key) };
      if (i.args[0]) {
        if (i.args[0].value !== 'weight') this.err('KA_BAD_VALUE', `expected 'weight' after '${i.key.value}', got '${i.args[0].value}'`, i, i.args[0], 'write `<name> weight <N> [reverse]`');
        else if (!i.args[1]) this.err('KA_MISSING_ARG', "'weight' needs a number", i, i.args[0]);
        else {
          const w = this.weightArgs(i, 1, min, max);
          if (w.weight !== undefined) ref.weight = w.weight;
          if (w.reverse) ref.weightReverse = true;
        }
      }
      out.push(ref);
    }
    return out;
  }

}
