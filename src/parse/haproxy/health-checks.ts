import type { HealthCheckKind, Server } from '../../model/types.js';
import type { Token } from '../sink.js';
import type { HaproxyContext } from './context.js';
import type { CheckOption, Proxy, Settings } from './settings.js';

// Health checks: the `option` that picks the check (httpchk, tcp-check, ssl-hello-chk, …), the `http-check` and
// `tcp-check` rules that refine it, and the HealthCheckKind of the model they make together.

/** The check an `option NAME ARGS` line selects, or undefined when the option is not a health check. */
export function checkOption(name: string, args: string[]): CheckOption | undefined {
  switch (name) {
    case 'httpchk':
      return httpchkOption(args);
    case 'tcp-check':
      return { kind: 'tcp-check' };
    case 'ssl-hello-chk':
      return { kind: 'ssl-hello' };
    case 'mysql-check':
    case 'pgsql-check':
    case 'redis-check':
    case 'smtpchk':
    case 'ldap-check':
    case 'spop-check':
    case 'external-check':
      return { kind: 'other', option: name };
    default:
      return undefined;
  }
}

/** `option httpchk`, `option httpchk <uri>`, `option httpchk <method> <uri> [<version>]`. */
function httpchkOption(args: string[]): CheckOption {
  let method = 'OPTIONS';
  let path = '/';
  let version: string | undefined;
  if (args.length === 1) path = args[0] as string;
  else if (args.length >= 2) {
    method = args[0] as string;
    path = args[1] as string;
    version = args.slice(2).join(' ') || undefined;
  }
  let host: string | undefined;
  if (version?.includes('\r\n')) {
    // The pre-2.2 form hides headers in the version: "HTTP/1.1\r\nHost:\ example".
    const [v, ...hdrs] = version.split('\r\n');
    version = v;
    for (const h of hdrs) {
      const m = /^host:\s*(.*)$/i.exec(h);
      if (m) host = m[1];
    }
  }
  return { kind: 'httpchk', method, path, ...(version ? { version } : {}), ...(host ? { host } : {}) };
}

/** `tcp-check …`: the first rule written in a proxy replaces the inherited ones. */
export function tcpCheckLine(toks: Token[], s: Settings, p: Proxy | undefined): void {
  if (p && !p.ownTcpRules) {
    p.ownTcpRules = true;
    s.tcpSteps = [];
  }
  s.tcpSteps.push(toks.slice(1).map((t) => t.value).join(' '));
}

export function httpCheckLine(ctx: HaproxyContext, toks: Token[], s: Settings, p: Proxy | undefined): void {
  const kw = toks[0] as Token;
  const verb = toks[1];
  if (!verb) return ctx.err('HAP_MISSING_ARG', "'http-check' needs an action", kw, 'e.g. http-check expect status 200');
  if (p && !p.ownHttpRules && (verb.value === 'send' || verb.value === 'expect' || verb.value === 'connect')) {
    p.ownHttpRules = true;
    delete s.httpSend;
    delete s.httpExpect;
    delete s.httpConnect;
  }
  if (verb.value === 'connect') {
    // Only a connect written before any send/expect is the check's first rule (HAProxy inserts an implicit one otherwise).
    const c: NonNullable<Settings['httpConnect']> = { ssl: false, first: s.httpSend === undefined && s.httpExpect === undefined };
    for (let i = 2; i < toks.length; i++) {
      const k = toks[i]?.value;
      if (k === 'ssl') c.ssl = true;
      else if (k === 'port' && toks[i + 1]) {
        const n = Number(toks[++i]?.value);
        if (Number.isInteger(n) && n > 0 && n <= 65535) c.port = n;
      } else if (k === 'addr' && toks[i + 1]) c.addr = toks[++i]?.value;
    }
    s.httpConnect = c;
    return;
  }
  if (verb.value === 'send') {
    const send: NonNullable<Settings['httpSend']> = {};
    for (let i = 2; i < toks.length; i++) {
      const k = toks[i]?.value;
      const v = toks[i + 1]?.value;
      if (k === 'meth' && v !== undefined) {
        send.method = v;
        i++;
      } else if (k === 'uri' && v !== undefined) {
        send.path = v;
        i++;
      } else if (k === 'ver' && v !== undefined) {
        send.version = v;
        i++;
      } else if (k === 'hdr' && v !== undefined) {
        if (v.toLowerCase() === 'host' && toks[i + 2]) send.host = toks[i + 2]?.value;
        i += 2;
      } else if ((k === 'body' || k === 'body-lf' || k === 'uri-lf') && v !== undefined) i++;
    }
    s.httpSend = send;
  } else if (verb.value === 'expect') {
    s.httpExpect = toks.slice(2).map((t) => t.value).join(' ');
  } else if (!['connect', 'comment', 'disable-on-404', 'send-state', 'set-var', 'set-var-fmt', 'unset-var'].includes(verb.value)) {
    ctx.err('HAP_BAD_VALUE', `unknown http-check action '${verb.value}'`, verb, 'use send, expect, connect, disable-on-404 or send-state');
  }
}

/** The check a backend runs, from the settings it ended with and its servers (`check-ssl` on a server makes it TLS). */
export function healthCheck(s: Settings, servers: Server[]): HealthCheckKind {
  const c = s.check;
  if (!c) return { type: 'tcp' };
  switch (c.kind) {
    case 'httpchk': {
      const send = s.httpSend ?? {};
      const version = send.version ?? c.version;
      const host = send.host ?? c.host;
      const hc: HealthCheckKind = {
        type: 'http',
        method: send.method ?? c.method,
        path: send.path ?? c.path,
        ssl: (s.httpConnect?.ssl ?? false) || servers.some((x) => x.check && x.checkSsl),
      };
      if (s.httpExpect !== undefined) hc.expect = s.httpExpect;
      // The check connects where the first rule says, explicit `send` or not (real-tool cases f5-http-check-connect-*);
      // only HAProxy's start-up test of a port-less server wants the explicit send (checkRulesGivePort).
      if (s.httpConnect?.first) {
        if (s.httpConnect.port !== undefined) hc.connectPort = s.httpConnect.port;
        if (s.httpConnect.addr !== undefined) hc.connectAddr = s.httpConnect.addr;
      }
      if (version !== undefined) hc.version = version;
      if (host !== undefined) hc.host = host;
      return hc;
    }
    case 'tcp-check':
      return { type: 'tcp-check', steps: [...s.tcpSteps] };
    case 'ssl-hello':
      return { type: 'ssl-hello' };
    default:
      return { type: 'other', option: c.option };
  }
}

/**
 * Whether HAProxy's start-up test finds a port in the check rules for a server without one: a first `tcp-check connect
 * port N` under `option tcp-check`, or an `http-check connect port N` before an explicit `http-check send` under
 * `option httpchk` (src/check.c init_srv_check looks at the first rule only; without an explicit send the rule set
 * it sees starts with HAProxy's own: checked with haproxy -c 2.6.12).
 */
export function checkRulesGivePort(s: Settings): boolean {
  if (s.check?.kind === 'tcp-check') {
    const first = s.tcpSteps[0]?.split(/\s+/) ?? [];
    return first[0] === 'connect' && first.includes('port');
  }
  if (s.check?.kind === 'httpchk') return s.httpConnect?.first === true && s.httpConnect.port !== undefined && s.httpSend !== undefined;
  return false;
}


/** Whether the active check rules open a TLS connection of their own (`tcp-check connect … ssl`, `http-check connect … ssl`). */
export function checkRulesUseTls(s: Settings): boolean {
  if (s.check?.kind === 'tcp-check') return s.tcpSteps.map((x) => x.split(/\s+/)).some((w) => w[0] === 'connect' && w.includes('ssl'));
  if (s.check?.kind === 'httpchk') return s.httpConnect?.ssl === true;
  return false;
}
