import type { Bind } from '../../model/types.js';
import { refOf, type Token } from '../sink.js';
import { parseAddress } from './address.js';
import { didYouMeanHint, type HaproxyContext } from './context.js';
import type { Proxy } from './settings.js';

/** Bind keywords HAProxy 2.6 accepts (manual §5.1; each checked with haproxy -c 2.6.12): flags, then those taking a value. */
const BIND_FLAGS = new Set([
  'accept-proxy', 'allow-0rtt', 'defer-accept', 'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13',
  'generate-certificates', 'no-ca-names', 'no-sslv3', 'no-tls-tickets', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13',
  'prefer-client-ciphers', 'ssl', 'strict-sni', 'tfo', 'transparent', 'v4v6', 'v6only',
]);
const BIND_VALUES = new Set([
  'accept-netscaler-cip', 'alpn', 'backlog', 'ca-file', 'ca-ignore-err', 'ca-sign-file', 'ca-sign-pass', 'ca-verify-file', 'ciphers',
  'ciphersuites', 'crl-file', 'crt', 'crt-ignore-err', 'crt-list', 'curves', 'ecdhe', 'expose-fd', 'gid', 'group', 'id', 'interface',
  'level', 'severity-output', 'maxconn', 'mode', 'mss', 'name', 'namespace', 'nice', 'npn', 'process', 'proto', 'shards',
  'ssl-max-ver', 'ssl-min-ver', 'tcp-ut', 'thread', 'tls-ticket-keys', 'uid', 'user', 'verify',
]);

/** HAProxy refuses a bind keyword it does not know ("unknown keyword"). */
function checkBindKeywords(ctx: HaproxyContext, toks: Token[]): void {
  for (let i = 2; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (BIND_FLAGS.has(t.value)) continue;
    if (BIND_VALUES.has(t.value)) {
      if (toks[i + 1] === undefined) ctx.err('HAP_MISSING_ARG', `bind keyword '${t.value}' needs a value`, t);
      i++;
      continue;
    }
    ctx.keepUnknown(t.value, t, 'bind', 'error', didYouMeanHint(t.value, [...BIND_FLAGS, ...BIND_VALUES]) ?? 'HAProxy rejects unknown bind keywords; check the spelling');
  }
}

/** `bind ADDR[,ADDR…] [ssl] …` of a frontend or listen section. */
export function bindLine(ctx: HaproxyContext, toks: Token[], p: Proxy): void {
  const kw = toks[0] as Token;
  const addrTok = toks[1];
  if (!addrTok) return ctx.err('HAP_MISSING_ARG', "'bind' needs an address", kw, 'e.g. bind *:6443');
  checkBindKeywords(ctx, toks);
  const opts = toks.slice(2).map((t) => t.value);
  const ssl = opts.includes('ssl');
  const transparent = opts.includes('transparent');
  const ifIdx = opts.indexOf('interface');
  const iface = ifIdx >= 0 ? opts[ifIdx + 1] : undefined;
  // `v6only` sets IPV6_V6ONLY to 1, else `v4v6` sets it to 0 (with both, v6only wins whatever the order: measured with
  // HAProxy 2.6.12, cases f4-bind-v*-then-*); with neither, the socket keeps the kernel's default,
  // net.ipv6.bindv6only (resolved once the host's sysctl files are read: model/listeners resolveV6only).
  const v6only = opts.includes('v6only') ? true : opts.includes('v4v6') ? false : undefined;
  const acceptProxy = opts.includes('accept-proxy');
  // Several addresses may be given at once, separated by commas.
  let col = addrTok.col;
  for (const part of addrTok.value.split(',')) {
    const sub: Token = { ...addrTok, value: part, col, length: part.length || 1 };
    col += part.length + 1;
    if (part === '') {
      ctx.err('HAP_BAD_ADDRESS', 'empty address in bind list', sub);
      continue;
    }
    const a = parseAddress(ctx, sub, false);
    if (!a) continue;
    const b: Bind = { address: a.address, port: a.port, at: refOf(ctx.file, sub) };
    if (a.portEnd !== undefined) b.portEnd = a.portEnd;
    if (ssl) b.ssl = true;
    if (transparent) b.transparent = true;
    if (iface) b.interface = iface;
    if (v6only !== undefined) b.v6only = v6only;
    if (acceptProxy) b.acceptProxy = true;
    p.binds.push(b);
  }
}
