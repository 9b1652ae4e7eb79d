import { didYouMean } from '../../diag/diagnostic.js';
import type { Token } from '../sink.js';
import type { HaproxyContext } from './context.js';
import { GLOBAL_KNOWN, GLOBAL_REMOVED, SECTIONS } from './keywords.js';

/** One line of the `global` section: the run-as user, maxconn and the stats sockets are modelled. */
export function globalLine(ctx: HaproxyContext, toks: Token[]): void {
  const kw = toks[0] as Token;
  const g = ctx.config.global;
  switch (kw.value) {
    case 'user':
    case 'uid':
      if (toks[1]) g.user = toks[1].value;
      else ctx.err('HAP_MISSING_ARG', `'${kw.value}' needs a value`, kw);
      return;
    case 'maxconn': {
      const n = ctx.intArg(toks, 1, kw);
      if (n !== undefined) g.maxconn = n;
      return;
    }
    case 'ssl-server-verify': {
      const v = toks[1]?.value;
      if (v === 'none' || v === 'required') g.sslServerVerify = v;
      else ctx.err('HAP_BAD_VALUE', "'ssl-server-verify' expects none or required", toks[1] ?? kw);
      return;
    }
    case 'stats':
      if (toks[1]?.value === 'socket') {
        if (toks[2]) g.statsSockets.push(toks[2].value);
        else ctx.err('HAP_MISSING_ARG', "'stats socket' needs an address or path", toks[1]);
        return;
      }
      if (toks[1] && ['timeout', 'maxconn', 'bind-process'].includes(toks[1].value)) return ctx.keepUnknown(`stats ${toks[1].value}`, kw, 'global');
      ctx.err('HAP_BAD_VALUE', `'stats ${toks[1]?.value ?? ''}' is not valid in global`, toks[1] ?? kw, 'in global, use `stats socket`, `stats timeout` or `stats maxconn`');
      return;
    default:
      if (GLOBAL_REMOVED[kw.value]) ctx.err('HAP_REMOVED_KEYWORD', `'${kw.value}' was removed from HAProxy (2.5)`, kw, GLOBAL_REMOVED[kw.value]);
      else if (GLOBAL_KNOWN.has(kw.value) || kw.value.startsWith('tune.') || kw.value.startsWith('ssl-') || kw.value.startsWith('lua-')) {
        ctx.keepUnknown(kw.value, kw, 'global');
      } else {
        const near = didYouMean(kw.value, [...GLOBAL_KNOWN, ...SECTIONS]);
        ctx.keepUnknown(kw.value, kw, 'global', 'error', near ? `did you mean '${near}'?` : 'HAProxy rejects unknown keywords; check the spelling');
      }
  }
}
