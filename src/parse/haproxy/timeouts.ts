import { didYouMean } from '../../diag/diagnostic.js';
import type { Token } from '../sink.js';
import type { HaproxyContext } from './context.js';
import type { Settings } from './settings.js';

/** `5000`, `10s`, `1m`, `100ms`, `1h`, `1d`, `500us` → milliseconds; the default unit is ms (manual §2.5). */
export function parseHaproxyTime(s: string): number | undefined {
  const m = /^(\d{1,12})(us|ms|s|m|h|d)?$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'us':
      return n / 1000;
    case 's':
      return n * 1000;
    case 'm':
      return n * 60_000;
    case 'h':
      return n * 3_600_000;
    case 'd':
      return n * 86_400_000;
    default:
      return n;
  }
}

/** A time argument in ms, or undefined (reported) when it is missing or malformed. */
export function timeArg(ctx: HaproxyContext, t: Token | undefined, kw: Token): number | undefined {
  if (!t) {
    ctx.err('HAP_MISSING_ARG', `'${kw.value}' needs a time`, kw, 'e.g. 5000 (ms), 10s, 1m');
    return undefined;
  }
  const ms = parseHaproxyTime(t.value);
  if (ms === undefined) ctx.err('HAP_BAD_TIME', `'${t.value}' is not a valid time`, t, 'a number with an optional unit: us, ms (default), s, m, h, d');
  return ms;
}

/** `timeout NAME TIME`: connect, client, server, tunnel and check are modelled, the other known ones kept under `other`. */
export function timeoutLine(ctx: HaproxyContext, toks: Token[], s: Settings): void {
  const kw = toks[0] as Token;
  const which = toks[1];
  if (!which) return ctx.err('HAP_MISSING_ARG', "'timeout' needs a name and a time", kw, 'e.g. timeout client 1h');
  const ms = timeArg(ctx, toks[2], which);
  if (ms === undefined) return;
  const t = s.timeouts;
  // Keep whether the time had a unit: `timeout client 5000` and `timeout client 5s` are both 5000 ms, only one says so.
  if (['connect', 'client', 'server', 'tunnel', 'check', 'queue', 'http-request', 'http-keep-alive', 'client-fin', 'server-fin', 'tarpit'].includes(which.value)) {
    const unitless = { ...(t.unitless ?? {}) };
    if (/^\d+$/.test(toks[2]?.value ?? '')) unitless[which.value] = toks[2]?.value ?? '';
    else delete unitless[which.value];
    if (Object.keys(unitless).length > 0) t.unitless = unitless;
    else delete t.unitless;
  }
  switch (which.value) {
    case 'connect':
      t.connectMs = ms;
      break;
    case 'client':
      t.clientMs = ms;
      break;
    case 'server':
      t.serverMs = ms;
      break;
    case 'tunnel':
      t.tunnelMs = ms;
      break;
    case 'check':
      t.checkMs = ms;
      break;
    case 'queue':
    case 'http-request':
    case 'http-keep-alive':
    case 'client-fin':
    case 'server-fin':
    case 'tarpit':
      t.other = { ...(t.other ?? {}), [which.value]: ms };
      break;
    default: {
      const near = didYouMean(which.value, ['connect', 'client', 'server', 'tunnel', 'check', 'queue', 'http-request', 'http-keep-alive', 'client-fin', 'server-fin', 'tarpit']);
      ctx.err('HAP_BAD_VALUE', `unknown timeout '${which.value}'`, which, near ? `did you mean '${near}'?` : undefined);
    }
  }
}
