import { parseIntStrict, refOf, type Token } from '../sink.js';
import { didYouMeanHint, type HaproxyContext } from './context.js';
import { checkOption } from './health-checks.js';
import type { Settings } from './settings.js';

/** Every `option` name HAProxy 2.6.12 accepts (each checked with `haproxy -c`); any other is an ALERT. */
const KNOWN_OPTIONS = new Set([
  'abortonclose', 'accept-invalid-http-request', 'accept-invalid-http-response', 'allbackups', 'checkcache', 'clitcpka', 'contstats',
  'disable-h2-upgrade', 'dontlog-normal', 'dontlognull', 'external-check', 'forwardfor', 'h1-case-adjust-bogus-client',
  'h1-case-adjust-bogus-server', 'http-buffer-request', 'http-ignore-probes', 'http-keep-alive', 'http-no-delay', 'http-pretend-keepalive',
  'http-restrict-req-hdr-names', 'http-server-close', 'http-use-proxy-header', 'httpchk', 'httpclose', 'httplog', 'httpslog',
  'idle-close-on-response', 'independent-streams', 'ldap-check', 'log-health-checks', 'log-separate-errors', 'logasap', 'mysql-check',
  'nolinger', 'originalto', 'persist', 'pgsql-check', 'prefer-last-server', 'redis-check', 'redispatch', 'smtpchk', 'socket-stats',
  'splice-auto', 'splice-request', 'splice-response', 'spop-check', 'srvtcpka', 'ssl-hello-chk', 'tcp-check', 'tcp-smart-accept',
  'tcp-smart-connect', 'tcpka', 'tcplog', 'transparent',
]);
/** Options HAProxy 2.6 rejects as removed. */
const REMOVED_OPTIONS: Record<string, string> = {
  'http-tunnel': "removed in HAProxy 2.1: remove the line",
  forceclose: "removed in HAProxy 2.0: remove the line (or use 'option httpclose')",
};

/** `option NAME …` and `no option NAME`: redispatch and the health-check options are modelled, others kept as written. */
export function optionLine(ctx: HaproxyContext, toks: Token[], s: Settings, where: string): void {
  const kw = toks[0] as Token;
  let i = 1;
  let negate = false;
  if (kw.value === 'no') {
    if (toks[1]?.value !== 'option') {
      ctx.keepUnknown('no', kw, where, 'error', "only 'no option <name>' is valid");
      return;
    }
    negate = true;
    i = 2;
  }
  const opt = toks[i];
  if (!opt) return ctx.err('HAP_MISSING_ARG', "'option' needs a name", kw);
  if (opt.value === 'redispatch') {
    // `option redispatch [<interval>]`: P > 0 redispatches on every Pth retry, N < 0 on the Nth retry before the
    // last (-1, the default: the last one), 0 never (configuration.txt, "option redispatch").
    const arg = toks[i + 1];
    let every = -1;
    if (arg && !negate) {
      const n = parseIntStrict(arg.value);
      if (n === undefined) return ctx.err('HAP_BAD_NUMBER', `'${arg.value}' is not a valid interval for 'option redispatch'`, arg, 'a whole number: 1 redispatches on every retry, -1 (the default) on the last');
      every = n;
    }
    s.redispatch = !negate && every !== 0;
    if (s.redispatch) s.redispatchEvery = every;
    else delete s.redispatchEvery;
    return;
  }
  const check = checkOption(opt.value, toks.slice(i + 1).map((t) => t.value));
  if (check) {
    s.check = check;
    return;
  }
  ctx.config.unknown.push({ keyword: `option ${opt.value}`, section: where, at: refOf(ctx.file, kw) });
  const removed = REMOVED_OPTIONS[opt.value];
  if (removed !== undefined) ctx.err('HAP_REMOVED_KEYWORD', `'option ${opt.value}' is not supported any more`, opt, removed);
  else if (!KNOWN_OPTIONS.has(opt.value)) ctx.err('HAP_UNKNOWN_KEYWORD', `unknown option '${opt.value}' in ${where}`, opt, didYouMeanHint(opt.value, [...KNOWN_OPTIONS]));
  else ctx.sink.info('HAP_UNMODELED', `'option ${opt.value}' is not modelled by kubeha; kept as written`, ctx.file, opt);
}
