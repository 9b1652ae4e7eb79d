/**
 * The drill's client: run as its own process on the client side (in a lab, the taskbox namespace), so that its
 * timing does not depend on what the drill does meanwhile. Prints NDJSON on stdout (src/measure/probes.ts: ProbeEvent):
 * - every `intervalMs`, a NEW TLS connection and `GET /readyz` through the endpoint (`probe`: start time, duration, ok);
 * - `watches` long-lived streams (`GET watchPath`), each reported `open` when its first bytes arrive and `broken`
 *   when it is cut, or stalls for `stallMs` (a watch over a dead path sees nothing, not an error); then reopened.
 * Bounded: stops after `maxProbes` probes or `maxSeconds`, on SIGTERM/SIGINT, or when stdin closes (its parent died).
 * Usage: node prober.js '{"host":"10.0.0.10","port":6443,...}'
 */
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';

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

function watch(cfg: ProberConfig, id: number, live: Set<ClientRequest>, stopping: () => boolean): void {
  let open = false;
  let finished = false;
  let stall: NodeJS.Timeout | undefined;
  const end = (why: string): void => {
    if (finished) return;
    finished = true;
    if (stall) clearTimeout(stall);
    live.delete(req);
    if (stopping()) return;
    if (open) emit({ type: 'watch', id, event: 'broken', at: now(), err: why });
    setTimeout(() => !stopping() && watch(cfg, id, live, stopping), open ? 50 : 200).unref();
    req.destroy();
  };
  const arm = (): void => {
    if (stall) clearTimeout(stall);
    stall = setTimeout(() => end('stalled'), open ? cfg.stallMs : cfg.timeoutMs * 3);
  };
  const req = request({ host: cfg.host, port: cfg.port, path: cfg.watchPath, rejectUnauthorized: false, agent: false }, (res) => {
    if (res.statusCode !== 200) return end(`HTTP ${res.statusCode ?? '?'}`);
    res.on('data', () => {
      if (!open) {
        open = true;
        emit({ type: 'watch', id, event: 'open', at: now() });
      }
      arm();
    });
    res.on('end', () => end('closed by the server'));
    res.on('error', (e) => end(e.message));
  });
  live.add(req);
  arm();
  req.on('error', (e: NodeJS.ErrnoException) => end(e.code ?? e.message));
  req.end();
}

function main(): void {
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
  for (let i = 0; i < cfg.watches; i++) watch(cfg, i, live, () => stopped);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  emit({ type: 'start', at: started, config: cfg });
}

main();
