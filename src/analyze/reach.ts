/**
 * Whether a new TCP connection through an HAProxy frontend reaches a live apiserver, in the converged
 * state after a failure (HAProxy's health checks have done their work).
 */
import type { Backend, HaModel, HealthCheckKind, ModelHost, Server } from '../model/types.js';
import { LOOPBACK } from '../model/listeners.js';
import { nodeUp, serverUp, type World } from './world.js';

/** Paths the apiserver serves to anonymous clients (system:public-info-viewer, GET only). */
const HEALTH_PATHS = /^\/(healthz|livez|readyz|version)(\/|\?|$)/;

/** What the apiserver answers to a health check, when it can be told. */
export interface CheckVerdict {
  passes: boolean;
  why: string;
}

/**
 * Would HAProxy's health check of this server pass against a live kube-apiserver (TLS on its port,
 * anonymous auth on, default RBAC)? A check that cannot pass marks a live server DOWN.
 */
export function checkVerdict(backend: Backend, server: Server): CheckVerdict {
  return verdictFor(backend.healthCheck, server);
}

export function verdictFor(hc: HealthCheckKind, server: Server): CheckVerdict {
  switch (hc.type) {
    case 'tcp':
      return { passes: true, why: 'TCP connect check' };
    case 'tcp-check':
      return { passes: true, why: 'tcp-check connect' };
    case 'http': {
      if (!hc.ssl && !server.checkSsl && !server.ssl)
        return { passes: false, why: `httpchk without check-ssl: plain HTTP to the apiserver's TLS port gets HTTP 400` };
      const method = hc.method.toUpperCase();
      const path = hc.path || '/';
      const status = method === 'GET' && HEALTH_PATHS.test(path) ? 200 : 403;
      const body = status === 200 ? 'ok' : 'Forbidden';
      const ok = expectMatches(hc.expect, status, body);
      if (ok) return { passes: true, why: `${method} ${path} → ${status}` };
      return {
        passes: false,
        why:
          status === 403
            ? `${method} ${path} → 403 for an anonymous client (only GET /healthz, /livez, /readyz, /version are public)`
            : `${method} ${path} → ${status}, but the check expects ${hc.expect ?? '2xx/3xx'}`,
      };
    }
    default: {
      const t = (hc as { type: string; option?: string }).type;
      if (t === 'ssl-hello') return { passes: false, why: 'ssl-hello-chk sends an SSLv3 hello, which the apiserver (TLS ≥ 1.2) rejects' };
      return { passes: false, why: `${(hc as { option?: string }).option ?? t} is not a check an apiserver answers` };
    }
  }
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

export interface BackendState {
  ok: boolean;
  why: string;
  /** Servers that receive traffic. */
  rotation: { server: Server; up: boolean }[];
}

/** The converged state of a backend as seen from LB host `lb`. */
export function backendState(model: HaModel, w: World, lb: ModelHost, backend: Backend): BackendState {
  const live = backend.servers.filter((s) => !s.disabled);
  const judged = live.map((s) => {
    const up = serverUp(model, w, s.address, s.port, lb);
    // `port N` / `addr A` on the server: the check tests another service; it passes while that host is up.
    const inRotation = !s.check || (checksElsewhere(s) ? hostOfServerUp(model, w, s, lb) : up && checkVerdict(backend, s).passes);
    return { server: s, up, inRotation };
  });
  let rotation = judged.filter((j) => j.inRotation && !j.server.backup);
  if (rotation.length === 0) rotation = judged.filter((j) => j.inRotation && j.server.backup);
  if (live.length === 0) return { ok: false, why: `backend ${backend.name} has no server`, rotation: [] };
  if (rotation.length === 0) {
    const checkFail = judged.find((j) => j.up && j.server.check && !checksElsewhere(j.server) && !checkVerdict(backend, j.server).passes);
    const why = checkFail
      ? `every server of backend ${backend.name} is marked DOWN: ${checkVerdict(backend, checkFail.server).why}`
      : `no server of backend ${backend.name} is alive`;
    return { ok: false, why, rotation: [] };
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

/** Whether the server's health check goes to another port or address than its traffic (`port N`, `addr A`). */
export function checksElsewhere(s: Server): boolean {
  return (s.checkPort !== undefined && s.checkPort !== s.port) || (s.checkAddr !== undefined && s.checkAddr !== s.address);
}

function hostOfServerUp(model: HaModel, w: World, s: Server, lb: ModelHost): boolean {
  const addr = s.checkAddr ?? s.address;
  if (LOOPBACK.has(addr)) return nodeUp(w, lb);
  const h = model.hosts.find((x) => x.address === addr || x.name === addr);
  return h ? nodeUp(w, h) : true;
}
