import type { Bind } from '../../model/types.js';
import { refOf, type Token } from '../sink.js';
import { parseAddress } from './address.js';
import type { HaproxyContext } from './context.js';
import type { Proxy } from './settings.js';

/** `bind ADDR[,ADDR…] [ssl] …` of a frontend or listen section. */
export function bindLine(ctx: HaproxyContext, toks: Token[], p: Proxy): void {
  const kw = toks[0] as Token;
  const addrTok = toks[1];
  if (!addrTok) return ctx.err('HAP_MISSING_ARG', "'bind' needs an address", kw, 'e.g. bind *:6443');
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
