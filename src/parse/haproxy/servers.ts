import type { Server, ServerWireOption } from '../../model/types.js';
import { parseIntStrict, refOf, type Token } from '../sink.js';
import { parseAddress } from './address.js';
import { didYouMeanHint, type HaproxyContext } from './context.js';
import type { Proxy, ServerParams } from './settings.js';
import { timeArg } from './timeouts.js';

/** HAProxy's defaults for server check timers (manual §5.2: inter 2s, fall 3, rise 2). */
export const HAPROXY_DEFAULTS = { interMs: 2000, fall: 3, rise: 2 } as const;

/** Server keywords the model reads that turn a setting on or off. */
type ServerSwitch = 'check' | 'checkSsl' | 'ssl' | 'backup' | 'disabled';
const SWITCHES = new Map<string, [ServerSwitch, boolean]>([
  ['check', ['check', true]],
  ['no-check', ['check', false]],
  ['check-ssl', ['checkSsl', true]],
  ['no-check-ssl', ['checkSsl', false]],
  ['ssl', ['ssl', true]],
  ['no-ssl', ['ssl', false]],
  ['backup', ['backup', true]],
  ['no-backup', ['backup', false]],
  ['disabled', ['disabled', true]],
  ['enabled', ['disabled', false]],
]);
/** Server keywords the model reads that take a value. */
const VALUED = new Set(['inter', 'fastinter', 'downinter', 'fall', 'rise', 'weight', 'port', 'addr', 'verify', 'ca-file', 'sni']);

/** PROXY protocol switches (HAProxy 2.6 manual §5.2): every v2 variant sends the binary v2 header. */
const SEND_PROXY = new Map<string, 'v1' | 'v2' | false>([
  ['send-proxy', 'v1'],
  ['send-proxy-v2', 'v2'],
  ['send-proxy-v2-ssl', 'v2'],
  ['send-proxy-v2-ssl-cn', 'v2'],
  ['no-send-proxy', false],
  ['no-send-proxy-v2', false],
  ['no-send-proxy-v2-ssl', false],
  ['no-send-proxy-v2-ssl-cn', false],
]);

/** The wire option a keyword sets, for positions in findings. */
const WIRE_OPTION: Record<string, ServerWireOption> = {
  ssl: 'ssl',
  'check-ssl': 'check-ssl',
  'check-send-proxy': 'check-send-proxy',
  verify: 'verify',
  sni: 'sni',
  'ca-file': 'ca-file',
};

/** Server keywords HAProxy 2.6 accepts that the model does not describe: flags, then keywords taking a value. */
const SERVER_FLAGS = new Set([
  'check', 'no-check', 'check-ssl', 'no-check-ssl', 'ssl', 'no-ssl', 'backup', 'no-backup', 'disabled', 'enabled',
  'send-proxy', 'no-send-proxy', 'send-proxy-v2', 'no-send-proxy-v2', 'send-proxy-v2-ssl', 'no-send-proxy-v2-ssl',
  'send-proxy-v2-ssl-cn', 'no-send-proxy-v2-ssl-cn', 'agent-check', 'no-agent-check', 'allow-0rtt', 'check-send-proxy',
  'no-check-send-proxy', 'non-stick', 'stick', 'tfo', 'no-tfo', 'no-tls-tickets', 'tls-tickets', 'force-sslv3', 'force-tlsv10',
  'force-tlsv11', 'force-tlsv12', 'force-tlsv13', 'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'ssl-reuse',
  'no-ssl-reuse', 'check-via-socks4',
]);
const SERVER_VALUES = new Set([
  'addr', 'agent-addr', 'agent-inter', 'agent-port', 'agent-send', 'alpn', 'ca-file', 'check-alpn', 'check-proto', 'check-sni',
  'ciphers', 'ciphersuites', 'cookie', 'crl-file', 'crt', 'downinter', 'error-limit', 'fall', 'fastinter', 'id', 'init-addr',
  'inter', 'log-proto', 'maxconn', 'maxqueue', 'max-reuse', 'minconn', 'namespace', 'npn', 'observe', 'on-error', 'on-marked-down',
  'on-marked-up', 'pool-low-conn', 'pool-max-conn', 'pool-purge-delay', 'port', 'proto', 'redir', 'rise', 'resolve-opts',
  'resolve-prefer', 'resolve-net', 'resolvers', 'proxy-v2-options', 'slowstart', 'sni', 'socks4', 'ssl-max-ver',
  'ssl-min-ver', 'tcp-ut', 'track', 'verify', 'verifyhost', 'weight', 'source', 'usesrc', 'ws',
]);

/** Applies server keywords from toks[from..] to `out` (a `server` line, or `default-server` when isDefault). */
export function serverParams(ctx: HaproxyContext, toks: Token[], from: number, out: ServerParams, isDefault: boolean): void {
  for (let i = from; i < toks.length; i++) {
    const t = toks[i] as Token;
    const k = t.value;
    const wire = WIRE_OPTION[k] ?? (SEND_PROXY.get(k) ? 'send-proxy' : undefined);
    if (wire) out.optionAt = { ...out.optionAt, [wire]: refOf(ctx.file, t) };
    const sw = SWITCHES.get(k);
    if (sw) {
      out[sw[0]] = sw[1];
      continue;
    }
    const sp = SEND_PROXY.get(k);
    if (sp !== undefined) {
      out.sendProxy = sp;
      continue;
    }
    if (k === 'check-send-proxy' || k === 'no-check-send-proxy') {
      out.checkSendProxy = k === 'check-send-proxy';
      continue;
    }
    if (VALUED.has(k) || SERVER_VALUES.has(k)) {
      const v = toks[i + 1];
      if (!v) {
        ctx.err('HAP_MISSING_ARG', `'${k}' needs a value`, t);
        continue;
      }
      i++;
      serverValue(ctx, t, v, out);
      continue;
    }
    if (SERVER_FLAGS.has(k)) continue;
    ctx.sink.error(
      'HAP_UNKNOWN_SERVER_PARAM',
      `unknown ${isDefault ? 'default-server' : 'server'} keyword '${k}'`,
      ctx.file,
      t,
      didYouMeanHint(k, [...SERVER_FLAGS, ...SERVER_VALUES]) ?? 'HAProxy rejects unknown server keywords',
    );
  }
}

/** One `keyword value` pair of a server line; keywords the model does not read are skipped with their value. */
function serverValue(ctx: HaproxyContext, t: Token, v: Token, out: ServerParams): void {
  const k = t.value;
  switch (k) {
    case 'inter':
    case 'fastinter':
    case 'downinter': {
      const ms = timeArg(ctx, v, t);
      if (ms !== undefined) {
        if (ms <= 0) ctx.err('HAP_BAD_TIME', `'${k}' must be greater than 0`, v);
        else if (k === 'inter') out.interMs = ms;
        else if (k === 'fastinter') out.fastinterMs = ms;
        else out.downinterMs = ms;
      }
      return;
    }
    case 'port': {
      // HAProxy stores `port N` unchecked (atol): 0 means no check port, and the kernel sees the low 16 bits.
      const n = parseIntStrict(v.value);
      if (n === undefined || n < 0) ctx.err('HAP_BAD_NUMBER', `'${v.value}' is not a valid value for 'port'`, v, 'expected a port number from 1 to 65535');
      else if (n % 65536 === 0) delete out.checkPort;
      else out.checkPort = n % 65536;
      return;
    }
    case 'fall':
    case 'rise':
    case 'weight': {
      const n = parseIntStrict(v.value);
      const min = k === 'weight' ? 0 : 1;
      const max = k === 'weight' ? 256 : 2 ** 31;
      if (n === undefined || n < min || n > max) {
        ctx.err('HAP_BAD_NUMBER', `'${v.value}' is not a valid value for '${k}'`, v, `expected a whole number from ${min} to ${max}`);
      } else if (k === 'fall') out.fall = n;
      else if (k === 'rise') out.rise = n;
      else out.weight = n;
      return;
    }
    case 'addr':
      out.checkAddr = v.value;
      return;
    case 'ca-file':
      out.caFile = v.value;
      return;
    case 'sni':
      out.sni = v.value;
      return;
    case 'verify':
      if (v.value !== 'none' && v.value !== 'required') ctx.err('HAP_BAD_VALUE', "'verify' expects none or required", v);
      else out.verify = v.value;
      return;
  }
}

/** `server NAME ADDRESS [keywords…]`, on top of the section's `default-server`. */
export function serverLine(ctx: HaproxyContext, toks: Token[], p: Proxy): void {
  const kw = toks[0] as Token;
  const name = toks[1];
  const addr = toks[2];
  if (!name || !addr) {
    ctx.err('HAP_SERVER_NO_ADDRESS', `'server' needs a name and an address`, name ?? kw, "write 'server <name> <address>:<port> [check]'");
    return;
  }
  const params: ServerParams = { ...p.s.defaultServer };
  serverParams(ctx, toks, 3, params, false);
  const parsed = parseAddress(ctx, addr, true);
  if (!parsed) return;
  const ssl = params.ssl ?? false;
  // `ssl` also encrypts health checks unless they are sent elsewhere (`port`/`addr`); `check-ssl` forces it.
  const checkSsl = params.checkSsl ?? (ssl && params.checkPort === undefined && params.checkAddr === undefined);
  const interMs = params.interMs ?? HAPROXY_DEFAULTS.interMs;
  const server: Server = {
    name: name.value,
    address: parsed.address,
    port: parsed.port,
    check: params.check ?? false,
    checkSsl,
    ssl,
    interMs,
    fall: params.fall ?? HAPROXY_DEFAULTS.fall,
    rise: params.rise ?? HAPROXY_DEFAULTS.rise,
    backup: params.backup ?? false,
    disabled: params.disabled ?? false,
    at: refOf(ctx.file, kw),
  };
  if (params.fastinterMs !== undefined) server.fastinterMs = params.fastinterMs;
  if (params.downinterMs !== undefined) server.downinterMs = params.downinterMs;
  if (params.weight !== undefined) server.weight = params.weight;
  if (params.checkPort !== undefined) server.checkPort = params.checkPort;
  if (params.checkAddr !== undefined) server.checkAddr = params.checkAddr;
  if (params.verify !== undefined) server.verify = params.verify;
  if (params.caFile !== undefined) server.caFile = params.caFile;
  if (params.sni !== undefined) server.sni = params.sni;
  if (params.sendProxy) server.sendProxy = params.sendProxy;
  const elsewhere = params.checkPort !== undefined || params.checkAddr !== undefined;
  // src/check.c init_srv_check: without `port`/`addr`, checks also send the traffic's PROXY header.
  if (params.checkSendProxy || (params.sendProxy && !elsewhere)) server.checkSendProxy = true;
  if (params.optionAt) server.optionAt = { ...params.optionAt };
  if (params.ssl || params.checkSsl) {
    const pending: HaproxyContext['tlsVerifyPending'][number] = { server: server.name, proxy: p.name, tok: kw };
    if (params.verify !== undefined) pending.verify = params.verify;
    if (params.caFile !== undefined) pending.caFile = params.caFile;
    ctx.tlsVerifyPending.push(pending);
  }
  if (p.servers.some((s) => s.name === server.name)) {
    ctx.err('HAP_DUPLICATE_SERVER', `server '${server.name}' is declared twice in ${p.kind} '${p.name}'`, name, 'give each server a unique name');
  }
  p.servers.push(server);
  p.serverToks.set(server.name, addr);
}
