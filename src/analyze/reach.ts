/**
 * Whether a new TCP connection through an HAProxy frontend reaches a live apiserver, in the converged
 * state after a failure (HAProxy's health checks have done their work).
 */
import type { Backend, HaModel, HealthCheckKind, ModelHost, Server, ServerWireOption, SourceRef } from '../model/types.js';
import { LOOPBACK, frontendsOn } from '../model/listeners.js';
import { answerBytes, httpAnswer, plainAnswer, proxyHeader, type Answer } from './wire.js';
import { nodeUp, serverUp, type World } from './world.js';

/** What the apiserver answers to a health check, when it can be told. */
export interface CheckVerdict {
  passes: boolean;
  why: string;
  /** Set when kubeha cannot tell (a tcp-check step it does not model): `passes` is then an assumption. */
  unknown?: string;
}

/**
 * Would HAProxy's health check of this server pass against a live kube-apiserver (TLS on its port,
 * anonymous auth on, default RBAC)? A check that cannot pass marks a live server DOWN.
 */
export function checkVerdict(backend: Backend, server: Server): CheckVerdict {
  return verdictFor(backend.healthCheck, server);
}

/** A check whose connection carries a PROXY header: the apiserver reads it as a bad TLS record and alerts. */
function proxyPrefix(server: Server): string {
  return server.checkSendProxy ? proxyHeader(server.sendProxy ?? 'v1') : '';
}

export function verdictFor(hc: HealthCheckKind, server: Server): CheckVerdict {
  const pp = proxyPrefix(server);
  const ppWhy = `the check sends a PROXY header (${server.sendProxy && !server.optionAt?.['check-send-proxy'] ? `inherited from send-proxy${server.sendProxy === 'v2' ? '-v2' : ''}` : 'check-send-proxy'}), which the apiserver rejects`;
  switch (hc.type) {
    case 'tcp':
      // src/check.c: a connect-only check is L4OK once connected (L6OK once the TLS handshake of check-ssl is done).
      if (server.checkSsl && pp) return { passes: false, why: `${ppWhy} before the TLS handshake of check-ssl` };
      return { passes: true, why: server.checkSsl ? 'TLS handshake check (check-ssl)' : 'TCP connect check' };
    case 'ssl-hello': {
      // src/tcpcheck.c (v2.6.0, proxy_parse_ssl_hello_chk_opt): sends an SSLv3 client hello, expects rbinary ^1[56]:
      // a TLS alert (0x15) passes as well as a handshake (0x16). Go answers the SSLv3 hello with an alert.
      if (server.checkSsl) return { passes: false, why: 'ssl-hello-chk inside check-ssl: the SSLv3 hello arrives as an HTTP request and the apiserver answers HTTP 400, not a TLS record' };
      return { passes: true, why: pp ? 'ssl-hello-chk: the apiserver answers the PROXY header and hello with a TLS alert, which the check accepts (^1[56])' : 'ssl-hello-chk: the apiserver answers the SSLv3 hello with a TLS alert, which the check accepts (^1[56])' };
    }
    case 'tcp-check':
      return tcpCheckVerdict(hc.steps, server);
    case 'http': {
      const tls = hc.ssl || server.checkSsl;
      const method = hc.method.toUpperCase();
      const path = hc.path || '/';
      const version = hc.version ?? 'HTTP/1.0';
      const req = `${method} ${path} ${version}`;
      let answer: Answer;
      if (tls && pp) return { passes: false, why: `${ppWhy} before the TLS handshake` };
      if (tls) answer = httpAnswer({ method, path, version, ...(hc.host ? { host: hc.host } : {}) });
      else answer = plainAnswer(pp || `${req}\r\n`);
      return httpExpectVerdict(hc.expect, answer, req, tls);
    }
    default: {
      const o = hc as { type: string; option?: string };
      return { passes: false, why: `${o.option ?? o.type} is not a check an apiserver answers` };
    }
  }
}

function httpExpectVerdict(expect: string | undefined, answer: Answer, req: string, tls: boolean): CheckVerdict {
  if (answer.kind !== 'http') return { passes: false, why: `${req}: the apiserver answers with a TLS alert, not HTTP` };
  const ok = expectMatches(expect, answer.status, answer.body);
  const what = `${req}${tls ? '' : ' in plain text'} → ${answer.status}`;
  if (ok) return { passes: true, why: answer.status === 200 ? what : `${what}, which the check's expect accepts` };
  let why: string;
  if (!tls) why = `httpchk without check-ssl: plain HTTP to the apiserver's TLS port gets HTTP 400`;
  else if (answer.status === 400 && /Host/.test(answer.body)) why = `${what}: HTTP/1.1 without a Host header (add \`hdr Host <name>\`)`;
  else if (answer.status === 403) why = `${what} for an anonymous client (only GET /healthz, /livez, /readyz, /version are public)`;
  else why = `${what}, but the check expects ${expect ?? '2xx/3xx'}`;
  return { passes: false, why };
}

/**
 * A `tcp-check` sequence (HAProxy 2.6 manual §4.2 "tcp-check connect/send/expect"): the bytes of the `connect` (its
 * `ssl` and `send-proxy`, else the server's check-ssl and PROXY header) and `send` rules, the apiserver's answer, and
 * each `expect` against it. Only the first connect is judged.
 */
function tcpCheckVerdict(steps: string[], server: Server): CheckVerdict {
  let tls = server.checkSsl;
  let pp = proxyPrefix(server);
  let sent = '';
  const expects: string[] = [];
  let unknown: string | undefined;
  // A sequence that does not start with connect gets an implicit one first (src/tcpcheck.c check_proxy_tcpcheck).
  const first = firstTcpCheckStep(steps);
  let connects = first === undefined || first.startsWith('connect') ? 0 : 1;
  for (const step of steps) {
    const [kw = '', ...rest] = step.split(' ');
    const arg = rest.join(' ');
    if (kw === 'connect') {
      connects++;
      if (connects > 1) {
        unknown ??= 'a second tcp-check connect is not modelled';
        break;
      }
      const words = rest;
      // An explicit connect uses only its own options (src/tcpcheck.c tcpcheck_eval_connect).
      tls = words.includes('ssl');
      pp = words.includes('send-proxy') ? proxyHeader(server.sendProxy ?? 'v1') : '';
      // Its port and addr are where the check goes: checkDestination, for serverCheckVerdict.
    } else if (kw === 'send') sent += arg;
    else if (kw === 'send-binary') sent += hexToText(arg);
    else if (kw === 'expect') expects.push(arg);
    else if (kw === 'comment' || kw === 'set-var' || kw === 'unset-var') continue;
    else unknown ??= `tcp-check ${kw} is not modelled`;
  }
  // A hand-written ClientHello offering TLS 1.2 or later: whether Go's crypto/tls answers with a ServerHello depends
  // on its cipher suites and extensions, which are not modelled (an older one gets a protocol_version alert).
  if (!tls && !pp && isModernClientHello(sent)) unknown ??= 'a hand-written TLS ClientHello (send-binary): the apiserver may answer with a handshake or an alert';
  if (unknown) return { passes: true, why: `tcp-check sequence (assumed to pass: ${unknown})`, unknown };
  if (tls && pp) return { passes: false, why: 'tcp-check connect sends a PROXY header before its TLS handshake: the apiserver rejects it' };
  let answer: Answer;
  if (tls) {
    const m = /^([A-Z]+) (\S+) (HTTP\/\d(?:\.\d)?)\r?\n/.exec(sent);
    if (sent === '') answer = { kind: 'silent' };
    else if (m) answer = httpAnswer({ method: m[1] as string, path: m[2] as string, version: m[3] as string, ...(/\nhost:\s*\S/i.test(sent) ? { host: 'x' } : {}) });
    else answer = { kind: 'http', status: 400, body: '400 Bad Request', tls: true };
  } else answer = plainAnswer(pp || sent);
  if (expects.length === 0) return { passes: true, why: tls ? 'tcp-check connect ssl (TLS handshake)' : 'tcp-check connect' };
  const bytes = answerBytes(answer);
  for (const e of expects) {
    const r = tcpExpect(e, bytes);
    if (r === 'unknown') return { passes: true, why: `tcp-check expect ${e} (assumed to pass: not modelled)`, unknown: `tcp-check expect ${e.split(' ')[0]}` };
    if (!r) return { passes: false, why: `tcp-check expect ${e} fails: the apiserver answers ${describe(answer)}` };
  }
  return { passes: true, why: `tcp-check expects match the apiserver's answer (${describe(answer)})` };
}

function describe(a: Answer): string {
  switch (a.kind) {
    case 'http':
      return `HTTP ${a.status}${a.tls ? '' : ' in clear text'}`;
    case 'tls-alert':
      return 'a TLS alert';
    case 'tls-handshake':
      return 'a TLS handshake';
    case 'silent':
      return 'nothing (no request was sent)';
  }
}

/** A TLS handshake record holding a ClientHello whose client_version is TLS 1.2 (0x0303) or later. */
function isModernClientHello(bytes: string): boolean {
  if (bytes.charCodeAt(0) !== 0x16 || bytes.charCodeAt(1) !== 0x03 || bytes.charCodeAt(5) !== 0x01) return false;
  return bytes.charCodeAt(9) === 0x03 && bytes.charCodeAt(10) >= 0x03;
}

function hexToText(hex: string): string {
  const clean = hex.replace(/\s+/g, '');
  let out = '';
  for (let i = 0; i + 1 < clean.length; i += 2) out += String.fromCharCode(parseInt(clean.slice(i, i + 2), 16));
  return out;
}

/** One `tcp-check expect [!] string|rstring|binary|rbinary PATTERN` against the answer; 'unknown' for other matches. */
function tcpExpect(e: string, bytes: { text: string; hex: string }): boolean | 'unknown' {
  let words = e.split(' ');
  const opts = new Set(['min-recv', 'comment', 'ok-status', 'error-status', 'tout-status', 'on-success', 'on-error', 'status-code']);
  while (words[0] && opts.has(words[0])) words = words.slice(2);
  let negate = false;
  if (words[0] === '!') {
    negate = true;
    words = words.slice(1);
  } else if (words[0]?.startsWith('!')) {
    negate = true;
    words[0] = words[0].slice(1);
  }
  const [kind = '', ...rest] = words;
  const pat = rest.join(' ');
  if (bytes.text === '') return negate;
  let m: boolean;
  try {
    if (kind === 'string') m = bytes.text.includes(pat);
    else if (kind === 'rstring') m = new RegExp(pat).test(bytes.text);
    else if (kind === 'binary') m = bytes.hex.includes(pat.toLowerCase());
    else if (kind === 'rbinary') m = new RegExp(pat, 'i').test(bytes.hex);
    else return 'unknown';
  } catch {
    return 'unknown';
  }
  return negate ? !m : m;
}

/** `http-check expect [!] status|rstatus|string|rstring X`; absent: 2xx and 3xx pass. */
export function expectMatches(expect: string | undefined, status: number, body: string): boolean {
  if (!expect || !expect.trim()) return status >= 200 && status < 400;
  let words = expect.trim().split(/\s+/);
  let negate = false;
  if (words[0] === '!') {
    negate = true;
    words = words.slice(1);
  }
  const [kind = '', ...rest] = words;
  const arg = rest.join(' ');
  let m: boolean;
  try {
    if (kind === 'status') m = arg.split(',').some((r) => inRange(r, status));
    else if (kind === 'rstatus') m = new RegExp(arg).test(String(status));
    else if (kind === 'string') m = body.includes(arg);
    else if (kind === 'rstring') m = new RegExp(arg).test(body);
    else m = status >= 200 && status < 400;
  } catch {
    m = false;
  }
  return negate ? !m : m;
}

function inRange(r: string, status: number): boolean {
  const [a, b] = r.split('-').map(Number);
  if (a === undefined || Number.isNaN(a)) return false;
  return b === undefined || Number.isNaN(b) ? status === a : status >= a && status <= b;
}

/** Whether a client's TLS connection to the apiserver survives what HAProxy does to it on the way to this server. */
export interface TrafficVerdict {
  ok: boolean;
  why: string;
  /** The server option that breaks it, and where it was set. */
  option?: ServerWireOption;
  at?: SourceRef;
}

/**
 * What HAProxy sends to a server for a client that speaks TLS to the endpoint (HAProxy 2.6 manual §5.2):
 * `send-proxy*` puts a PROXY header before the client's bytes; `ssl` wraps them in HAProxy's own TLS session. A
 * kube-apiserver speaks TLS only, so the bytes must be the client's TLS as is (no `ssl` on the bind, none on the
 * server) or HTTP that HAProxy re-encrypts (`ssl` on both).
 */
export function trafficVerdict(bindSsl: boolean, s: Server): TrafficVerdict {
  const at = (o: ServerWireOption): SourceRef | undefined => s.optionAt?.[o] ?? s.at;
  if (s.sendProxy) {
    const kw = s.sendProxy === 'v1' ? 'send-proxy' : 'send-proxy-v2';
    const r: TrafficVerdict = { ok: false, why: `${kw} on server ${s.name}: the apiserver does not speak the PROXY protocol and answers the header with a TLS alert, so every connection through it fails`, option: 'send-proxy' };
    const where = at('send-proxy');
    if (where) r.at = where;
    return r;
  }
  if (s.ssl && !bindSsl) {
    const r: TrafficVerdict = { ok: false, why: `ssl on server ${s.name}: HAProxy wraps the client's TLS in a TLS session of its own (TLS inside TLS), which the apiserver reads as a malformed HTTP request, so every connection through it fails`, option: 'ssl' };
    const where = at('ssl');
    if (where) r.at = where;
    return r;
  }
  if (!s.ssl && bindSsl) {
    const r: TrafficVerdict = { ok: false, why: `the bind terminates TLS (ssl crt) but server ${s.name} has no ssl: HAProxy sends the decrypted HTTP in clear to the apiserver's TLS port, which answers 400` };
    if (s.at) r.at = s.at;
    return r;
  }
  return { ok: true, why: bindSsl ? 'TLS terminated and re-encrypted (ssl on bind and server)' : 'TLS passed through' };
}

export interface BackendState {
  ok: boolean;
  why: string;
  /** Servers that receive traffic. */
  rotation: { server: Server; up: boolean }[];
}

/**
 * The converged state of a backend as seen from LB host `lb`. With `entry` (the bind the client came through), the
 * servers in rotation are also judged on what HAProxy sends them (`trafficVerdict`).
 */
export function backendState(model: HaModel, w: World, lb: ModelHost, backend: Backend, entry?: { bindSsl: boolean }): BackendState {
  if (backend.disabled) return { ok: false, why: `backend ${backend.name} is \`disabled\`: HAProxy closes every connection sent to it`, rotation: [] };
  const live = backend.servers.filter((s) => !s.disabled);
  const judged = live.map((s) => {
    const up = serverUp(model, w, s.address, trafficPort(model, s), lb);
    // The check tests another service (`port N` / `addr A`, a `connect port` rule): it passes while that one answers.
    const inRotation = !s.check || (checksElsewhere(model, backend, s) ? hostOfServerUp(model, w, backend, s, lb) : up && checkVerdict(backend, s).passes);
    return { server: s, up, inRotation };
  });
  // `weight 0`: never chosen by the balancing algorithm (haproxy include/haproxy/backend.h srv_currently_usable:
  // `if (!srv->cur_eweight) return 0;`), whatever its check says; backups step in when no active server is usable.
  const usable = judged.filter((j) => j.inRotation && j.server.weight !== 0);
  let rotation = usable.filter((j) => !j.server.backup);
  if (rotation.length === 0) rotation = usable.filter((j) => j.server.backup);
  if (live.length === 0) return { ok: false, why: `backend ${backend.name} has no server`, rotation: [] };
  if (rotation.length === 0) {
    const checkFail = judged.find((j) => j.up && j.server.check && !checksElsewhere(model, backend, j.server) && !checkVerdict(backend, j.server).passes);
    const zero = judged.filter((j) => j.inRotation && j.server.weight === 0).map((j) => j.server.name);
    const why = checkFail
      ? `every server of backend ${backend.name} is marked DOWN: ${checkVerdict(backend, checkFail.server).why}`
      : zero.length > 0
        ? `no server of backend ${backend.name} that is alive takes traffic: ${zero.join(', ')} ${zero.length > 1 ? 'have' : 'has'} weight 0`
        : `no server of backend ${backend.name} is alive`;
    return { ok: false, why, rotation: [] };
  }
  if (entry) {
    const broken = rotation.map((r) => ({ r, v: trafficVerdict(entry.bindSsl, r.server) })).filter((x) => !x.v.ok);
    if (broken.length > 0) {
      const first = broken[0] as { v: TrafficVerdict };
      if (broken.length === rotation.length) return { ok: false, why: first.v.why, rotation };
      return { ok: false, why: `${first.v.why} (about ${broken.length}/${rotation.length} of new connections)`, rotation };
    }
  }
  const dead = rotation.filter((r) => !r.up);
  if (dead.length > 0) {
    const names = dead.map((d) => d.server.name).join(', ');
    const retries = backend.retries ?? 3;
    if (backend.redispatch && retries >= 1 && dead.length < rotation.length)
      return { ok: true, why: `${names} dead but without \`check\` stays in rotation; option redispatch retries those connections elsewhere (slower)`, rotation };
    return { ok: false, why: `${names} dead but without \`check\` stays in rotation: about ${dead.length}/${rotation.length} of new connections fail`, rotation };
  }
  return { ok: true, why: `${rotation.length} server(s) of ${backend.name} in rotation`, rotation };
}

/** HAProxy's detection time of a dead server: inter + (fall − 1) × fastinter, in ms. */
export function haproxyDetectMs(s: Server): number {
  return s.interMs + Math.max(0, s.fall - 1) * (s.fastinterMs ?? s.interMs);
}

/**
 * The port a client's connection goes to on server `s`: its own, or for a server written without a port (or with an
 * offset such as `:+0`) the port the client connected to, which for the endpoint's clients is the endpoint's port.
 */
export function trafficPort(model: HaModel, s: Server): number {
  return s.port === 0 ? model.endpoint.port : s.port;
}

/** The first rule of a tcp-check sequence that acts (src/tcpcheck.c get_first_tcpcheck_rule skips comments and variables). */
function firstTcpCheckStep(steps: readonly string[]): string | undefined {
  return steps.find((x) => !/^(comment|set-var|set-var-fmt|unset-var)\b/.test(x));
}

/** A check's first rule when it is a `connect` that names a port or an address. */
function firstConnect(hc: HealthCheckKind): { port?: number; addr?: string; text: string } | undefined {
  let port: number | undefined;
  let addr: string | undefined;
  let text: string;
  if (hc.type === 'http') {
    port = hc.connectPort;
    addr = hc.connectAddr;
    text = ['http-check connect', port !== undefined ? `port ${port}` : '', addr !== undefined ? `addr ${addr}` : ''].filter(Boolean).join(' ');
  } else if (hc.type === 'tcp-check') {
    const step = firstTcpCheckStep(hc.steps) ?? '';
    const words = step.split(/\s+/);
    if (words[0] !== 'connect') return undefined;
    const p = Number(words[words.indexOf('port') + 1]);
    if (words.includes('port') && Number.isInteger(p) && p > 0) port = p;
    if (words.includes('addr')) addr = words[words.indexOf('addr') + 1];
    text = `tcp-check ${step}`;
  } else return undefined;
  if (port === undefined && addr === undefined) return undefined;
  return { ...(port !== undefined ? { port } : {}), ...(addr !== undefined ? { addr } : {}), text };
}

/**
 * Where the health check of server `s` connects (src/tcpcheck.c tcpcheck_eval_connect): the port and address of a
 * first `tcp-check connect` / `http-check connect` rule, else the server's `port N` / `addr A`, else its traffic's.
 * `by` names what sent it elsewhere.
 */
export function checkDestination(model: HaModel, be: Backend, s: Server): { address: string; port: number; by?: string } {
  const traffic = trafficPort(model, s);
  const rule = firstConnect(be.healthCheck);
  const address = rule?.addr ?? s.checkAddr ?? s.address;
  const port = rule?.port ?? s.checkPort ?? traffic;
  if (address === s.address && port === traffic) return { address, port };
  const ruleMoves = rule !== undefined && ((rule.port !== undefined && rule.port !== traffic) || (rule.addr !== undefined && rule.addr !== s.address));
  const serverOptions = [s.checkPort !== undefined ? `port ${s.checkPort}` : '', s.checkAddr !== undefined ? `addr ${s.checkAddr}` : ''].filter(Boolean).join(' ');
  return { address, port, by: ruleMoves ? rule.text : `server ${serverOptions}` };
}

/** Whether the server's health check goes to another port or address than its traffic. */
export function checksElsewhere(model: HaModel, be: Backend, s: Server): boolean {
  return checkDestination(model, be, s).by !== undefined;
}

/**
 * Where a check that goes elsewhere (`port N` / `addr A`) lands: the mirror's host at that address (the LB itself for
 * a loopback address), and whether kubeha knows of a listener there (that host's apiserver port or one of its
 * HAProxy binds). HAProxy's check is a connect to addr:port (src/check.c, 2.6 init_srv_check: `port`/`addr` replace
 * the server's for the check only): with nothing listening it gets a reset or a timeout and the server goes DOWN.
 */
export function checkTarget(model: HaModel, be: Backend, s: Server, lb: ModelHost): { host?: ModelHost; known: boolean; where: string } {
  const { address: addr, port } = checkDestination(model, be, s);
  const where = `${addr}:${port}`;
  const host = LOOPBACK.has(addr) ? lb : model.hosts.find((x) => x.address === addr || x.name === addr);
  if (!host) return { known: false, where };
  const known = host.apiserver?.port === port || (host.haproxy !== undefined && frontendsOn(host.haproxy, port, host.address).length > 0);
  return { host, known, where };
}

/**
 * Whether the check of a server that is checked elsewhere passes: while its target host is up, if kubeha knows of a
 * listener there. A target it knows nothing of (an address outside the mirror, a port none of the cluster's services
 * listens on) is predicted to fail, and rule haproxy-check-target-unknown says that kubeha cannot know.
 */
function hostOfServerUp(model: HaModel, w: World, backend: Backend, s: Server, lb: ModelHost): boolean {
  const t = checkTarget(model, backend, s, lb);
  return t.known && t.host !== undefined && nodeUp(w, t.host) && serverCheckVerdict(model, lb, backend, s).passes;
}

/** The check verdict of server `s` of `backend` on LB `lb` with nothing broken, wherever the check goes. */
export function serverCheckVerdict(model: HaModel, lb: ModelHost, backend: Backend, s: Server): CheckVerdict {
  // `disabled`: the server starts in maintenance (MAINT), its check does not run and it takes no traffic (HAProxy 2.6
  // configuration.txt, server "disabled"; backendState leaves it out).
  if (s.disabled) return { passes: false, why: `server ${s.name} is disabled: in maintenance, never checked nor used` };
  if (!checksElsewhere(model, backend, s)) return checkVerdict(backend, s);
  const t = checkTarget(model, backend, s, lb);
  if (!t.known) return { passes: false, why: `the check goes to ${t.where}, where kubeha knows of no listener (${t.host ? `not the apiserver port nor an HAProxy bind of ${t.host.name}` : 'an address outside the mirror'}): predicted to fail` };
  // An apiserver answers the check as it would on the traffic port (the check's own ssl / PROXY settings apply).
  if (t.host?.apiserver?.port === checkDestination(model, backend, s).port) {
    const v = checkVerdict(backend, s);
    return { passes: v.passes, why: `the check goes to the apiserver at ${t.where} (${t.host.name}): ${v.why}` };
  }
  return { passes: true, why: `the check goes to ${t.where} (${t.host?.name ?? ''}), which listens` };
}
