/**
 * Which backend a frontend picks for a client of the endpoint (HAProxy 2.6 manual §4.2 "use_backend", §7 "Using
 * ACLs and fetching samples"): the `use_backend` rules in order, the first whose condition holds, else
 * `default_backend` (a `listen` section is its own default), else none (HAProxy closes the connection).
 *
 * The client is the one kubeha reasons about: it connects to the endpoint address and port and starts TLS by
 * address, so its ClientHello carries no SNI (Go's crypto/tls and kubectl send no SNI for an IP). Conditions are
 * three-valued: a fetch kubeha cannot evaluate (the client's source address, request contents other than the
 * TLS hello) makes the condition unknown, and the rule is then assumed to match, which the caller reports.
 */
import { inCidr, parseCidr, parseIPv4 } from '../net/ipv4.js';
import type { Frontend, TcpRequestRule } from './types.js';

export interface Client {
  address: string;
  port: number;
}

export interface Route {
  /** The backend picked; undefined: no rule matched and there is no default_backend. */
  backend?: string;
  /** Why kubeha could not be sure (a condition it cannot evaluate, assumed true). */
  unknown?: string;
  /** How the backend was picked, for notes. */
  why: string;
  /** A tcp-request rule (or PROXY protocol expectation) that closes the client's connection before any backend. */
  refused?: { rule: TcpRequestRule; why: string };
}

type Tri = boolean | 'unknown';

/** ACLs HAProxy predefines (manual §7.4). */
const PREDEFINED: Record<string, Tri> = { TRUE: true, FALSE: false, HTTP: false, HTTP_1_0: false, HTTP_1_1: false, REQ_CONTENT: 'unknown', WAIT_END: 'unknown', LOCALHOST: false };

export function routeFor(fe: Frontend, client: Client): Route {
  const gate = admission(fe, client);
  if (gate.refused) return { why: gate.refused.why, refused: gate.refused, ...(gate.unknown.length > 0 ? { unknown: gate.unknown.join('; ') } : {}) };
  const route = useBackendRoute(fe, client);
  if (gate.unknown.length === 0) return route;
  const assumed = `tcp-request rules assumed to let the client through (${gate.unknown.join('; ')})`;
  return { ...route, unknown: route.unknown ? `${gate.unknown.join('; ')}; ${route.unknown}` : gate.unknown.join('; '), why: `${assumed}, then ${route.why}` };
}

/**
 * The frontend's `tcp-request` rules for the endpoint's client (manual §4.2 "tcp-request connection", "tcp-request
 * session", "tcp-request content"): the connection rules at accept, the session rules after the bind's handshake,
 * the content rules on the client's first bytes; in each layer the first `accept` whose condition holds ends that
 * layer, a `reject` or `silent-drop` closes the connection, and other actions (set-var, track-sc, capture…) go on.
 * `expect-proxy layer4` makes HAProxy wait for a PROXY header, which a kubectl's ClientHello is not. A condition
 * kubeha cannot evaluate (the client's source address, say) is taken the way that lets the client through, and
 * listed in `unknown`.
 */
function admission(fe: Frontend, client: Client): { refused?: { rule: TcpRequestRule; why: string }; unknown: string[] } {
  const unknown: string[] = [];
  for (const layer of ['connection', 'session', 'content'] as const) {
    for (const rule of (fe.tcpRequests ?? []).filter((r) => r.layer === layer)) {
      const refuses = rule.action === 'reject' || rule.action === 'silent-drop' || (rule.action === 'expect-proxy' && layer === 'connection');
      if (!refuses && rule.action !== 'accept') continue;
      const inert = rule.fromDefaults ? inertDefaultsRule(rule) : undefined;
      if (inert) {
        unknown.push(`${ruleText(rule)} (from a defaults section): ${inert}`);
        continue;
      }
      const notes: string[] = [];
      const v = condition(rule.cond, fe, client, notes);
      const text = ruleText(rule);
      if (v === false) continue;
      if (v === 'unknown') unknown.push(`${text}: ${notes.join('; ')}`);
      if (rule.action === 'accept') break;
      if (v === 'unknown') continue;
      const why =
        rule.action === 'expect-proxy'
          ? `${text}: HAProxy waits for a PROXY protocol header, and a client of the endpoint (kubectl, a kubelet) starts with a TLS ClientHello: the connection is closed`
          : `${text}: HAProxy closes a client's connection that connects to the endpoint by address${rule.cond.length > 0 ? ' (the condition holds for such a client: it sends no SNI, starts with a TLS hello, and dials the endpoint)' : ''}`;
      return { refused: { rule, why }, unknown };
    }
  }
  return { unknown };
}

/**
 * What HAProxy 2.6.12 did with a named defaults section's tcp-request rules in the lab (real-tool cases
 * f4-named-defaults-*; the source was not traced): an inheriting frontend ran its content rules whose conditions need
 * no request contents (none, dst_port) on every connection; it did not run its connection rule; and it applied a
 * content rule on the request (`reject unless { req.ssl_sni -m found }`) to a few connections only (3 of 48 probes
 * over six recordings were closed, the others served), presumably those whose ClientHello had arrived when the rule
 * ran. The last two are taken as not applying, and said so.
 */
function inertDefaultsRule(r: TcpRequestRule): string | undefined {
  if (r.layer !== 'content') return `HAProxy 2.6.12 did not apply a defaults section's ${r.layer} rule in the lab; kubeha takes it as not applying`;
  if (r.cond.some((w) => /^!?(req[._]|req_|payload|ssl_fc|ssl_c_)/.test(w)))
    return "HAProxy 2.6.12 applied a defaults section's content rule on the request's contents to a few connections only in the lab (3 of 48); kubeha takes it as not applying, but some connections may be refused";
  return undefined;
}

function ruleText(r: TcpRequestRule): string {
  return ['tcp-request', r.layer, r.action, ...r.args, ...r.cond].join(' ');
}

function useBackendRoute(fe: Frontend, client: Client): Route {
  const notes: string[] = [];
  for (const r of fe.routes ?? []) {
    const v = condition(r.cond, fe, client, notes);
    if (v === false) continue;
    if (v === 'unknown') return { backend: r.backend, unknown: notes.join('; '), why: `use_backend ${r.backend} ${r.cond.join(' ')} (assumed to match: ${notes.join('; ')})` };
    return { backend: r.backend, why: r.cond.length > 0 ? `use_backend ${r.backend} ${r.cond.join(' ')}` : `use_backend ${r.backend}` };
  }
  const dflt = fe.defaultBackend ?? (fe.kind === 'listen' ? fe.name : undefined);
  const skipped = (fe.routes ?? []).length > 0 ? 'no use_backend rule matches a client that connects by address (no SNI)' : '';
  if (dflt) return { backend: dflt, why: skipped ? `${skipped}: default_backend ${dflt}` : `default_backend ${dflt}` };
  return { why: skipped ? `${skipped} and there is no default_backend: HAProxy closes the connection` : 'no default_backend: HAProxy closes the connection' };
}

/** `if|unless TERM…`: terms are AND'ed, `||`/`or` separate OR'ed groups, `!` negates, `{ … }` is an anonymous ACL. */
function condition(words: string[], fe: Frontend, client: Client, notes: string[]): Tri {
  if (words.length === 0) return true;
  const [head, ...rest] = words;
  if (head !== 'if' && head !== 'unless') return 'unknown';
  const groups: Tri[] = [];
  let acc: Tri = true;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as string;
    if (w === '||' || w === 'or') {
      groups.push(acc);
      acc = true;
      continue;
    }
    let neg = false;
    let term = w;
    if (term === '!') {
      neg = true;
      term = rest[++i] ?? '';
    } else if (term.startsWith('!')) {
      neg = true;
      term = term.slice(1);
    }
    let v: Tri;
    if (term === '{') {
      const end = rest.indexOf('}', i + 1);
      const crit = rest.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? rest.length : end;
      v = criterion(crit, fe, client, notes);
    } else {
      const lines = fe.acls?.[term];
      if (lines) v = or(lines.map((l) => criterion(l, fe, client, notes)));
      else if (term in PREDEFINED) v = PREDEFINED[term] as Tri;
      else {
        notes.push(`acl ${term} is not defined in this section`);
        v = 'unknown';
      }
    }
    acc = and(acc, neg ? not(v) : v);
  }
  groups.push(acc);
  const r = or(groups);
  return head === 'unless' ? not(r) : r;
}

/** One ACL criterion `FETCH [-flags] PATTERN…` for the endpoint's client. */
function criterion(words: string[], fe: Frontend, client: Client, notes: string[]): Tri {
  const [fetch = '', ...args] = words;
  const patterns: string[] = [];
  let found = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-m') {
      if (args[i + 1] === 'found') found = true;
      i++;
    } else if (a === '-f' || a === '-M') {
      notes.push(`${fetch} patterns from a file`);
      return 'unknown';
    } else if (a === '--') continue;
    else if (a.startsWith('-') && patterns.length === 0 && /^-[a-z]$/.test(a)) continue;
    else patterns.push(a);
  }
  const name = fetch.replace(/\(.*\)$/, '');
  switch (name) {
    case 'req.ssl_sni':
    case 'req_ssl_sni':
    case 'ssl_fc_sni':
      // The client sends no SNI (connects by address): no sample, so no match, `-m found` included.
      return false;
    case 'req.ssl_hello_type':
    case 'req_ssl_hello_type':
    case 'req.ssl_ver':
    case 'req_ssl_ver':
      if (fe.inspectDelayMs === undefined || fe.inspectDelayMs <= 0) {
        notes.push(`${name} without tcp-request inspect-delay depends on whether the ClientHello arrived with the connection`);
        return 'unknown';
      }
      if (name.endsWith('hello_type')) return found || patterns.includes('1');
      return 'unknown';
    case 'dst_port':
      return found || patterns.some((p) => portMatches(p, client.port));
    case 'dst':
      return found || patterns.some((p) => addressMatches(p, client.address));
    case 'always_true':
      return true;
    case 'always_false':
      return false;
    default:
      notes.push(`${name} is not evaluated by kubeha`);
      return 'unknown';
  }
}

function portMatches(p: string, port: number): boolean {
  const m = /^(\d+)?:(\d+)?$/.exec(p);
  if (m) return port >= Number(m[1] ?? 0) && port <= Number(m[2] ?? 65535);
  return Number(p) === port;
}

function addressMatches(p: string, address: string): boolean {
  if (!p.includes('/')) return p === address;
  const c = parseCidr(p);
  return c !== undefined && parseIPv4(address) !== undefined && inCidr(address, c);
}

function not(v: Tri): Tri {
  return v === 'unknown' ? v : !v;
}
function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  return a === 'unknown' || b === 'unknown' ? 'unknown' : true;
}
function or(vs: Tri[]): Tri {
  if (vs.some((v) => v === true)) return true;
  return vs.some((v) => v === 'unknown') ? 'unknown' : false;
}
