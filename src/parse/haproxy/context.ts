import type { Code } from '../../diag/catalog.js';
import { didYouMean } from '../../diag/diagnostic.js';
import type { HaproxyConfig } from '../../model/types.js';
import { parseIntStrict, refOf, type DiagnosticSink, type Token } from '../sink.js';

/** What every compose step of one haproxy.cfg shares: the file, the diagnostics and the model being built. */
export class HaproxyContext {
  /** Servers that speak TLS to their server or its checks and verify by default: judged once `global` is known. */
  readonly tlsVerifyPending: { server: string; proxy: string; verify?: string; caFile?: string; tok: Token }[] = [];

  constructor(
    readonly file: string,
    readonly sink: DiagnosticSink,
    readonly config: HaproxyConfig,
  ) {}

  err(code: Code, msg: string, t: Token, hint?: string): void {
    this.sink.error(code, msg, this.file, t, hint);
  }

  /**
   * Keeps a keyword the model does not describe. Known HAProxy keywords are an info; words HAProxy 2.6 does not
   * know are an error, as `haproxy -c` rejects them (the lists were checked against haproxy 2.6.12 itself).
   */
  keepUnknown(keyword: string, t: Token, section: string, severity: 'info' | 'error' = 'info', hint?: string): void {
    this.config.unknown.push({ keyword, section, at: refOf(this.file, t) });
    if (severity === 'info') this.sink.info('HAP_UNMODELED', `'${keyword}' in ${section} is not modelled by kubeha; kept as written`, this.file, t);
    else this.sink.error('HAP_UNKNOWN_KEYWORD', `unknown keyword '${keyword}' in ${section}`, this.file, t, hint);
  }

  intArg(toks: Token[], i: number, kw: Token, min = 0): number | undefined {
    const t = toks[i];
    if (!t) {
      this.err('HAP_MISSING_ARG', `'${kw.value}' needs a number`, kw);
      return undefined;
    }
    const n = parseIntStrict(t.value);
    if (n === undefined || n < min) {
      this.err('HAP_BAD_NUMBER', `'${t.value}' is not a valid number for '${kw.value}'`, t, 'write a whole number');
      return undefined;
    }
    return n;
  }
}

export function didYouMeanHint(word: string, candidates: string[]): string | undefined {
  const near = didYouMean(word, candidates);
  return near ? `did you mean '${near}'?` : undefined;
}
