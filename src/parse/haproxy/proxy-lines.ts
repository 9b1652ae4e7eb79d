import { didYouMean } from '../../diag/diagnostic.js';
import type { StatsPage } from '../../model/types.js';
import { refOf, type Token } from '../sink.js';
import { bindLine } from './binds.js';
import type { HaproxyContext } from './context.js';
import { httpCheckLine, tcpCheckLine } from './health-checks.js';
import { ANONYMOUS_DEFAULTS_FORBIDDEN, DEFAULTS_FORBIDDEN, PROXY_KNOWN, SECTIONS } from './keywords.js';
import { optionLine } from './options.js';
import { serverLine, serverParams } from './servers.js';
import type { Proxy, Settings, TcpRequestLayer } from './settings.js';
import { timeArg, timeoutLine } from './timeouts.js';

/** One line of a defaults/frontend/backend/listen section. `p` is undefined in defaults. */
export function proxyLine(ctx: HaproxyContext, toks: Token[], s: Settings, p: Proxy | undefined, namedDefaults = false): void {
  const kw = toks[0] as Token;
  const where = p ? `${p.kind} '${p.name}'` : 'defaults';
  if (!p && DEFAULTS_FORBIDDEN.has(kw.value)) return notAllowed(ctx, kw, where, 'a frontend, backend or listen section');
  if (!p && !namedDefaults && ANONYMOUS_DEFAULTS_FORBIDDEN.has(kw.value))
    return ctx.err('HAP_KEYWORD_NOT_ALLOWED', `'${kw.value}' is not allowed in an anonymous defaults section: HAProxy refuses to start`, kw, 'name the defaults section (`defaults NAME`) and use `from NAME`, or move the line into the frontend or backend');
  switch (kw.value) {
    case 'mode': {
      const v = toks[1];
      if (v?.value === 'tcp' || v?.value === 'http') s.mode = v.value;
      else if (v?.value === 'health') ctx.keepUnknown('mode health', kw, where);
      else ctx.err('HAP_BAD_VALUE', `'mode' expects tcp or http, got '${v?.value ?? ''}'`, v ?? kw, 'write `mode tcp` for the apiserver');
      return;
    }
    case 'balance':
      // HAProxy 2.6 accepts it in a frontend with a warning and ignores it.
      if (p && p.kind === 'frontend') return ctx.sink.warning('HAP_IGNORED', `'balance' in ${where} is ignored: a frontend has no servers`, ctx.file, kw, 'move it to the backend');
      if (toks[1]) s.balance = toks.slice(1).map((t) => t.value).join(' ');
      else ctx.err('HAP_MISSING_ARG', "'balance' needs an algorithm", kw, 'e.g. balance roundrobin');
      return;
    case 'timeout':
      return timeoutLine(ctx, toks, s);
    case 'retries': {
      const n = ctx.intArg(toks, 1, kw);
      if (n !== undefined) s.retries = n;
      return;
    }
    case 'option':
    case 'no':
      return optionLine(ctx, toks, s, where);
    case 'http-check':
      return httpCheckLine(ctx, toks, s, p);
    case 'tcp-check':
      return tcpCheckLine(toks, s, p);
    case 'default-server':
      if (p && p.kind === 'frontend') return notAllowed(ctx, kw, where, 'a backend, listen or defaults section');
      serverParams(ctx, toks, 1, s.defaultServer, true);
      return;
    case 'server-template':
      if (!p || p.kind === 'frontend') return notAllowed(ctx, kw, where, 'a backend or listen section');
      return serverTemplateLine(ctx, toks, p);
    case 'server':
    case 'bind':
    case 'default_backend':
    case 'use_backend':
      return routingLine(ctx, toks, p, where);
    case 'stats':
      return statsLine(ctx, toks, s, where);
    case 'acl':
      if (p && toks[1] && toks[2]) (p.acls[toks[1].value] ??= []).push(toks.slice(2).map((t) => t.value));
      return otherKeyword(ctx, kw, where);
    case 'tcp-request':
      return tcpRequestLine(ctx, toks, s, p, namedDefaults, where);
    case 'disabled':
    case 'enabled':
      if (toks.length > 1) return ctx.err('HAP_EXTRA_ARGS', `'${kw.value}' takes no argument`, toks[1] as Token);
      s.disabled = kw.value === 'disabled';
      return;
    case 'contimeout':
    case 'clitimeout':
    case 'srvtimeout':
      ctx.err('HAP_REMOVED_KEYWORD', `'${kw.value}' was removed from HAProxy`, kw, "use 'timeout connect|client|server'");
      return;
    default:
      return otherKeyword(ctx, kw, where);
  }
}

/**
 * `server-template <prefix> <num | low-high> <address>[:port] [params…]`: one server per number, named <prefix><n>
 * (HAProxy 2.6 configuration.txt, "server-template"), each with the same address and parameters. An FQDN is kept as
 * written: HAProxy resolves it at start-up (init-addr last,libc), kubeha does not resolve names.
 */
function serverTemplateLine(ctx: HaproxyContext, toks: Token[], p: Proxy): void {
  const [kw, prefix, range, addr] = toks;
  const m = range ? /^(\d+)(?:-(\d+))?$/.exec(range.value) : null;
  if (!kw || !prefix || !range || !addr || !m) {
    ctx.err('HAP_SERVER_NO_ADDRESS', `'server-template' needs a prefix, a count or range and an address`, range ?? prefix ?? (kw as Token), "write 'server-template <prefix> <num|low-high> <address>:<port> [check]'");
    return;
  }
  const low = m[2] === undefined ? 1 : Number(m[1]);
  const high = m[2] === undefined ? Number(m[1]) : Number(m[2]);
  if (high < low || high - low >= 1024) {
    ctx.err('HAP_BAD_VALUE', `'server-template' range ${range.value} is empty or too large`, range, 'write a count such as 3 or a range such as 1-3');
    return;
  }
  for (let n = low; n <= high; n++) serverLine(ctx, [{ ...kw, value: 'server' }, { ...prefix, value: `${prefix.value}${n}` }, addr, ...toks.slice(4)], p);
}

function notAllowed(ctx: HaproxyContext, kw: Token, where: string, what: string): void {
  ctx.err('HAP_KEYWORD_NOT_ALLOWED', `'${kw.value}' is not allowed in ${where}`, kw, `'${kw.value}' belongs in ${what}`);
}

/** Where traffic enters and goes: `bind`, `server`, `default_backend`, `use_backend`. */
function routingLine(ctx: HaproxyContext, toks: Token[], p: Proxy | undefined, where: string): void {
  const kw = toks[0] as Token;
  const isFe = p ? p.kind !== 'backend' : false;
  const isBe = p ? p.kind !== 'frontend' : false;
  switch (kw.value) {
    case 'server':
      if (!p) return notAllowed(ctx, kw, where, 'a backend or listen section');
      if (!isBe) return notAllowed(ctx, kw, where, 'a backend or listen section');
      return serverLine(ctx, toks, p);
    case 'bind':
      if (!p) return notAllowed(ctx, kw, where, 'a frontend or listen section');
      if (!isFe) return notAllowed(ctx, kw, where, 'a frontend or listen section');
      return bindLine(ctx, toks, p);
    case 'default_backend':
      if (p && p.kind === 'backend') return notAllowed(ctx, kw, where, 'a frontend or listen section');
      if (!toks[1]) return ctx.err('HAP_MISSING_ARG', "'default_backend' needs a backend name", kw);
      if (p) p.defaultBackend = { name: toks[1].value, tok: toks[1] };
      else ctx.keepUnknown('default_backend', kw, where);
      return;
    default:
      if (!p || p.kind === 'backend') return notAllowed(ctx, kw, where, 'a frontend or listen section');
      if (!toks[1]) return ctx.err('HAP_MISSING_ARG', "'use_backend' needs a backend name", kw);
      p.useBackends.push({ name: toks[1].value, tok: toks[1], cond: toks.slice(2).map((t) => t.value) });
  }
}

/** A keyword the model does not describe: kept when HAProxy knows it, an error otherwise. */
function otherKeyword(ctx: HaproxyContext, kw: Token, where: string): void {
  if (PROXY_KNOWN.has(kw.value)) return ctx.keepUnknown(kw.value, kw, where);
  const near = didYouMean(kw.value, [...PROXY_KNOWN, ...SECTIONS]);
  const isSection = near !== undefined && (SECTIONS as readonly string[]).includes(near);
  if (isSection) {
    ctx.config.unknown.push({ keyword: kw.value, section: where, at: refOf(ctx.file, kw) });
    ctx.err('HAP_UNKNOWN_SECTION', `unknown keyword '${kw.value}' in ${where}`, kw, `did you mean the section '${near}'?`);
  } else ctx.keepUnknown(kw.value, kw, where, 'error', near ? `did you mean '${near}'?` : 'HAProxy rejects unknown keywords; check the spelling');
}

/** `stats …` in a proxy: the stats page (`stats socket` belongs in global). */
function statsLine(ctx: HaproxyContext, toks: Token[], s: Settings, where: string): void {
  const kw = toks[0] as Token;
  const sub = toks[1];
  if (!sub) return ctx.err('HAP_MISSING_ARG', "'stats' needs an argument", kw, 'e.g. stats enable');
  if (sub.value === 'socket') return ctx.err('HAP_KEYWORD_NOT_ALLOWED', `'stats socket' is only allowed in global, not in ${where}`, sub);
  const page: StatsPage = s.stats ?? { bind: [], auth: [], at: refOf(ctx.file, kw) };
  s.stats = page;
  switch (sub.value) {
    case 'enable':
      return;
    case 'uri':
      if (toks[2]) page.uri = toks[2].value;
      else ctx.err('HAP_MISSING_ARG', "'stats uri' needs a path", sub);
      return;
    case 'auth':
      if (toks[2]?.value.includes(':')) page.auth.push(toks[2].value);
      else ctx.err('HAP_BAD_VALUE', "'stats auth' expects user:password", toks[2] ?? sub);
      return;
    default:
      // realm, refresh, hide-version, admin, show-node, show-legends, scope, http-request, show-desc, show-modules
      return;
  }
}

/**
 * `tcp-request inspect-delay T` and `tcp-request connection|session|content ACTION [ARGS] [if|unless COND]` (manual
 * §4.2): kept in order for the client's admission (model/routing.ts). HAProxy 2.6 takes them in a frontend, a
 * listen, or a named defaults section (whose rules run first in the proxies that inherit them), not in an anonymous
 * defaults section; a backend has only content rules, which do not decide whether a client is served here.
 */
function tcpRequestLine(ctx: HaproxyContext, toks: Token[], s: Settings, p: Proxy | undefined, namedDefaults: boolean, where: string): void {
  const kw = toks[0] as Token;
  const what = toks[1];
  if (!p && !namedDefaults && (what?.value === 'inspect-delay' || isTcpRequestLayer(what?.value))) {
    ctx.err('HAP_KEYWORD_NOT_ALLOWED', `'tcp-request ${what?.value ?? ''}' is not allowed in an anonymous defaults section: HAProxy refuses to start`, kw, "name the defaults section (`defaults NAME`) and use `from NAME` in the frontend, or move the rule into the frontend");
    return;
  }
  if (what && what.value !== 'inspect-delay' && !isTcpRequestLayer(what.value))
    return ctx.err('HAP_BAD_VALUE', `'tcp-request' expects inspect-delay, connection, session or content, not '${what.value}'`, what);
  if (what?.value === 'inspect-delay' && toks[2]) {
    const ms = timeArg(ctx, toks[2], what);
    if (ms !== undefined) s.inspectDelayMs = ms;
    return;
  }
  if (isTcpRequestLayer(what?.value) && toks[2] && p?.kind !== 'backend') {
    const words = toks.slice(3).map((t) => t.value);
    const c = words.findIndex((w) => w === 'if' || w === 'unless');
    s.tcpRequests.push({ layer: what?.value as TcpRequestLayer, action: toks[2].value, args: c < 0 ? words : words.slice(0, c), cond: c < 0 ? [] : words.slice(c), tok: toks[2], ...(p ? {} : { fromDefaults: true }) });
    return;
  }
  return otherKeyword(ctx, kw, where);
}

function isTcpRequestLayer(w: string | undefined): boolean {
  return w === 'connection' || w === 'session' || w === 'content';
}
