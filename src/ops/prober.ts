/**
 * The drill's client: run as its own process on the client side (in a lab, the taskbox namespace), so that its
 * timing does not depend on what the drill does meanwhile. Prints NDJSON on stdout (src/measure/probes.ts: ProbeEvent):
 * - every `intervalMs`, a NEW TLS connection and `GET /readyz` through the endpoint (`probe`: start time, duration, ok);
 * - `watches` long-lived streams (`GET watchPath`: a Kubernetes watch), each reported `open` when its first bytes
 *   arrive and `broken` when it is cut, or stalls for `stallMs` (a watch over a dead path sees nothing, not an error);
 *   then reopened. A watch that ends at its own `timeoutSeconds` is reopened without counting as broken: the server
 *   ends it cleanly (status 200, complete body) only then.
 * The probes are anonymous (`/readyz` answers anyone); the watches authenticate with a client certificate and verify
 * the server against the cluster CA. Those arrive as the first line of stdin (JSON {ca, cert, key}), never in argv.
 * Bounded: stops after `maxProbes` probes or `maxSeconds`, on SIGTERM/SIGINT, or when stdin closes (its parent died).
 * Usage: node prober.js '{"host":"10.0.0.10","port":6443,...}' (then the credentials line on stdin)
 */
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';

/** What the watches authenticate with (PEM); absent: anonymous, server not verified. */
export interface ProberCredentials {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ProberConfig {
  host: string;
  port: number;
  path: string;
  watchPath: string;
  intervalMs: number;
  timeoutMs: number;
  watches: number;
  stallMs: number;
  maxProbes: number;
  maxSeconds: number;
  /** The watch's own `timeoutSeconds` (in `watchPath`): a stream ended by the server after it is not a break. */
  watchSeconds?: number;
  /** Idle time before TCP keepalive probes a watch's connection. @default 1000 */
  keepAliveMs?: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const emit = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');

function probe(cfg: ProberConfig): void {
  const start = now();
  let settled = false;
  const done = (ok: boolean, err?: string): void => {
    if (settled) return;
    settled = true;
    emit({ type: 'probe', start: Math.round(start * 10) / 10, ms: Math.round((now() - start) * 10) / 10, ok, ...(err ? { err } : {}) });
  };
  const req = request({ host: cfg.host, port: cfg.port, path: cfg.path, rejectUnauthorized: false, agent: false, timeout: cfg.timeoutMs }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode === 200, res.statusCode === 200 ? undefined : `HTTP ${res.statusCode ?? '?'}`));
    res.on('error', (e) => done(false, e.message));
  });
  const guard = setTimeout(() => req.destroy(new Error('timeout')), cfg.timeoutMs);
  req.on('close', () => clearTimeout(guard));
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  req.end();
}

function watch(cfg: ProberConfig, creds: ProberCredentials, id: number, live: Set<ClientRequest>, stopping: () => boolean): void {
  let open = false;
  let finished = false;
  let stall: NodeJS.Timeout | undefined;
  const end = (why: string): void => {
    if (finished) return;
    finished = true;
    if (stall) clearTimeout(stall);
    live.delete(req);
    if (stopping()) return;
    if (open && why !== 'expired') emit({ type: 'watch', id, event: 'broken', at: now(), err: why });
    setTimeout(() => !stopping() && watch(cfg, creds, id, live, stopping), open ? 50 : 200).unref();
    req.destroy();
  };
  // Before the headers: bounded. After: a Kubernetes watch is silent while nothing changes, so silence is not a cut
  // unless `stallMs` > 0 says so; a dead path is found by TCP keepalive (an LB that took over the VIP answers it with
  // a reset).
  const arm = (): void => {
    if (stall) clearTimeout(stall);
    if (!open) stall = setTimeout(() => end('no answer'), cfg.timeoutMs * 3);
    else if (cfg.stallMs > 0) stall = setTimeout(() => end('stalled'), cfg.stallMs);
  };
  const tls = creds.ca ? { ca: creds.ca, rejectUnauthorized: true } : { rejectUnauthorized: false };
  const auth = creds.cert && creds.key ? { cert: creds.cert, key: creds.key } : {};
  const openedAt = now();
  const req = request({ host: cfg.host, port: cfg.port, path: cfg.watchPath, ...tls, ...auth, agent: false }, (res) => {
    if (res.statusCode !== 200) return end(`HTTP ${res.statusCode ?? '?'}`);
    // A watch's headers arrive at once and its events only on change: the stream is open when the headers are in.
    open = true;
    emit({ type: 'watch', id, event: 'open', at: now() });
    arm();
    res.on('data', arm);
    // Ended cleanly by the server at the watch's own timeoutSeconds (not earlier): not a break.
    res.on('end', () => end(cfg.watchSeconds !== undefined && now() - openedAt >= cfg.watchSeconds * 1000 - 500 ? 'expired' : 'closed by the server'));
    res.on('error', (e) => end(e.message));
  });
  req.on('socket', (sock) => sock.setKeepAlive(true, cfg.keepAliveMs ?? 1000));
  live.add(req);
  arm();
  req.on('error', (e: NodeJS.ErrnoException) => end(e.code ?? e.message));
  req.end();
}

function main(creds: ProberCredentials): void {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ProberConfig;
  const started = now();
  const live = new Set<ClientRequest>();
  let stopped = false;
  let sent = 0;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(tick);
    for (const r of live) r.destroy();
    emit({ type: 'end', at: now(), probes: sent });
    // Probes still in flight settle within their timeout; then exit.
    setTimeout(() => process.exit(0), cfg.timeoutMs + 100).unref();
  };
  const tick = setInterval(() => {
    if (sent >= cfg.maxProbes || now() - started > cfg.maxSeconds * 1000) return stop();
    sent++;
    probe(cfg);
  }, cfg.intervalMs);
  for (let i = 0; i < cfg.watches; i++) watch(cfg, creds, i, live, () => stopped);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  emit({ type: 'start', at: started, config: cfg });
}

/** The first line of stdin: the credentials; then stdin stays open until the parent goes. */
function readCredentials(then: (c: ProberCredentials) => void): void {
  let buf = '';
  let started = false;
  const onData = (d: string): void => {
    if (started) return;
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl < 0) return;
    started = true;
    const line = buf.slice(0, nl);
    buf = '';
    let creds: ProberCredentials = {};
    try {
      creds = JSON.parse(line) as ProberCredentials;
    } catch {
      process.stderr.write('prober: the credentials line on stdin is not JSON\n');
      process.exit(2);
    }
    then(creds);
  };
  process.stdin.setEncoding('utf8').on('data', onData);
  process.stdin.once('end', () => !started && process.exit(0));
  process.stdin.resume();
}

readCredentials(main);
