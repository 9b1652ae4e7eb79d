import { spawn } from 'node:child_process';

/**
 * Traffic kubeha sends to the cluster as its client (`/readyz`, watches) leaves from the client side: inside
 * `session.netns` when it is set (a lab's taskbox, or --netns), never from this process's own namespace, where a lab's
 * addresses would be routed off the machine. Such traffic runs in a child process started there.
 */

/** `argv` run inside `netns` (`ip netns exec NS …`), or as it is without one. */
export function clientArgv(netns: string | undefined, argv: readonly string[]): string[] {
  return [...(netns ? ['ip', 'netns', 'exec', netns] : []), ...argv];
}

/**
 * The one-shot GET (CommonJS, run by `node -e`, no kubeha file needed). argv: timeout (ms), then URLs. Prints one JSON
 * array of {ok, detail, ms}, in the order of the URLs. Anonymous, certificate not verified: `/readyz` answers anyone.
 */
const GET = `
const https = require('node:https');
const timeoutMs = Number(process.argv[1]);
const urls = process.argv.slice(2);
const one = (url) => new Promise((resolve) => {
  const t0 = performance.now();
  let settled = false;
  const done = (ok, detail) => { if (!settled) { settled = true; resolve({ ok, detail, ms: performance.now() - t0 }); } };
  const req = https.request(url, { rejectUnauthorized: false, agent: false, timeout: timeoutMs }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode === 200, 'HTTP ' + res.statusCode));
    res.on('error', (e) => done(false, e.message));
  });
  const guard = setTimeout(() => req.destroy(new Error('no answer within ' + timeoutMs + ' ms')), timeoutMs);
  req.on('close', () => clearTimeout(guard));
  req.on('timeout', () => req.destroy(new Error('no answer within ' + timeoutMs + ' ms')));
  req.on('error', (e) => done(false, e.code || e.message));
  req.end();
});
Promise.all(urls.map(one)).then((r) => process.stdout.write(JSON.stringify(r)));
`;

export interface GetResult {
  ok: boolean;
  detail: string;
  ms: number;
}

/** The argv of one batch of GETs (pure; what {@link clientGets} spawns). */
export function clientGetArgv(netns: string | undefined, urls: readonly string[], timeoutMs: number, node = process.execPath): string[] {
  return clientArgv(netns, [node, '-e', GET, String(timeoutMs), ...urls]);
}

/** HTTPS GETs to `urls` from the client side, in parallel; a GET that could not be made is a failed one. */
export function clientGets(netns: string | undefined, urls: readonly string[], timeoutMs: number): Promise<GetResult[]> {
  const failed = (why: string): GetResult[] => urls.map(() => ({ ok: false, detail: why, ms: 0 }));
  if (urls.length === 0) return Promise.resolve([]);
  const [cmd, ...args] = clientGetArgv(netns, urls, timeoutMs);
  return new Promise((resolve) => {
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    // The GETs are bounded by their timeout; this bounds the process (a namespace that hangs `ip netns exec`).
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
    child.on('error', (e) => (clearTimeout(kill), resolve(failed(`cannot start the client${netns ? ` in network namespace ${netns}` : ''}: ${e.message}`))));
    child.on('close', (code) => {
      clearTimeout(kill);
      try {
        const r = JSON.parse(out) as GetResult[];
        if (Array.isArray(r) && r.length === urls.length) return resolve(r);
      } catch {
        /* reported below */
      }
      resolve(failed(`the client${netns ? ` in network namespace ${netns}` : ''} failed (exit ${code ?? 'signal'})${err.trim() ? `: ${err.trim().split('\n').at(-1)}` : ''}`));
    });
  });
}
