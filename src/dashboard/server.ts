import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Report } from '../analyze/types.js';
import { catalogEntry, explanation, isCode } from '../diag/catalog.js';
import type { ClusterStatus } from '../measure/status.js';
import type { DashboardView, DrillEntry } from './views.js';
import { APP_CSS, APP_JS, confirmPage, drillFragment, drillPage, drillsPage, explainPage, messagePage, overviewPage, predictionsPage, statusFragment } from './views.js';

/**
 * The dashboard's HTTP app (Hono): pages, the JSON the CLI prints under /api, and one server-sent event stream.
 * What it shows comes from a {@link DashboardSource} (src/ops/dashboard.ts; tests pass a fake). Every response body
 * and every event goes through the source's secret scrubber. Bound anywhere but loopback, every request needs the
 * token (query once, then a cookie); a request whose Host is not the bound address is refused (DNS rebinding), and
 * a POST needs the page's form token (another site cannot start a drill).
 */

export type DashboardEvent = { kind: 'status' } | { kind: 'drill'; id: string };

export interface DashboardSource {
  view(): DashboardView;
  /** As `kubeha status --output json` prints it; undefined before the first look. */
  status(): ClusterStatus | undefined;
  /** As `kubeha check --output json` prints it. */
  analysis(): Report;
  /** Each drill as `kubeha drill --output json` prints it (past ones as their file holds them). */
  drill(id: string): DrillEntry | undefined;
  /** What a drill would break, or why it cannot run here. */
  describe(scenario: string): { ok: true; what: string; lab: string } | { ok: false; why: string };
  startDrill(scenario: string): { ok: true; id: string } | { ok: false; why: string };
  /** The id of the drill under way. */
  running(): string | undefined;
  subscribe(listener: (e: DashboardEvent) => void): () => void;
  /** Every secret of the spec, its state and its rendered files replaced by stars. */
  scrub(text: string): string;
}

export interface ServerOptions {
  /** Required on every request when set (a non-loopback bind). */
  token?: string;
  /** The form token of POSTs. */
  csrf: string;
  /** Host header values accepted (`127.0.0.1:8080`, `localhost:8080`); empty: any (tests). */
  hosts: readonly string[];
  /** Seconds between SSE keep-alive comments. @default 15 */
  keepAliveS?: number;
}

const COOKIE = 'kubeha_dashboard';

/** A cookie's value from a Cookie header. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

export function explainText(code: string): string | undefined {
  if (!isCode(code)) return undefined;
  const e = catalogEntry(code);
  return `${code} (${e.severity}): ${e.title}\n\n${explanation(code)}`;
}

export function dashboardApp(src: DashboardSource, opts: ServerOptions): Hono {
  const app = new Hono();

  // Host check, token, security headers, then the secret scrubber over every body that is not a stream.
  app.use('*', async (c, next) => {
    // The URL's authority is the request's Host header (node-server builds it from it).
    const host = new URL(c.req.url).host;
    if (opts.hosts.length > 0 && !opts.hosts.includes(host)) return c.text(`refused: Host ${host} is not this dashboard's address\n`, 421);
    if (opts.token) {
      const q = c.req.query('token');
      const cookie = cookieOf(c.req.header('cookie'), COOKIE);
      const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
      const ok = [q, cookie, bearer].some((t) => t !== undefined && same(t, opts.token!));
      if (!ok) return c.text('token required: open the URL the dashboard printed when it started (it holds ?token=…)\n', 401);
      if (q !== undefined) {
        c.header('set-cookie', `${COOKIE}=${opts.token}; Path=/; HttpOnly; SameSite=Strict`);
        if (c.req.method === 'GET' && !c.req.path.startsWith('/api/') && c.req.path !== '/events') {
          const url = new URL(c.req.url);
          url.searchParams.delete('token');
          return c.redirect(`${url.pathname}${url.search}`, 303);
        }
      }
    }
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    const type = c.res.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream') || !/^(text\/|application\/json)/.test(type)) return;
    const body = await c.res.text();
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(src.scrub(body), { status: c.res.status, headers });
  });

  const view = (): DashboardView => src.view();

  app.get('/', (c) => c.html(overviewPage(view())));
  app.get('/predictions', (c) => c.html(predictionsPage(view())));
  app.get('/explain/:code', (c) => {
    const code = c.req.param('code');
    const text = explainText(code);
    return c.html(explainPage(code, text, view()), text ? 200 : 404);
  });
  app.get('/drills', (c) => c.html(drillsPage(view(), src.running())));
  app.get('/drills/confirm', (c) => {
    const scenario = c.req.query('scenario') ?? '';
    const d = src.describe(scenario);
    if (!d.ok) return c.html(messagePage('Cannot run this drill', d.why, view()), 400);
    return c.html(confirmPage(scenario, d.what, d.lab, opts.csrf, view()));
  });
  app.post('/drills', async (c) => {
    const form = await c.req.parseBody();
    const csrf = typeof form['csrf'] === 'string' ? form['csrf'] : '';
    if (!same(csrf, opts.csrf)) return c.html(messagePage('Refused', 'the form token is missing or wrong: start the drill from its confirmation page', view()), 403);
    const scenario = typeof form['scenario'] === 'string' ? form['scenario'] : '';
    const r = src.startDrill(scenario);
    if (!r.ok) return c.html(messagePage('Cannot run this drill', r.why, view()), 409);
    return c.redirect(`/drills/${encodeURIComponent(r.id)}`, 303);
  });
  app.get('/drills/:id', (c) => {
    const d = src.drill(c.req.param('id'));
    return d ? c.html(drillPage(d, view())) : c.html(messagePage('No such drill', `no drill ${c.req.param('id')}`, view()), 404);
  });

  app.get('/api/status', (c) => {
    const s = src.status();
    return s ? c.json(s) : c.json({ error: view().watching ? 'no look at the hosts yet' : 'the hosts are not looked at (the spec fails check, or its lab is not up)' }, 503);
  });
  app.get('/api/analysis', (c) => c.json(src.analysis()));
  app.get('/api/drills', (c) => c.json(view().drills.flatMap((d) => (d.result ? [d.result] : []))));
  app.get('/api/drills/:id', (c) => {
    const d = src.drill(c.req.param('id'));
    if (!d) return c.json({ error: 'no such drill' }, 404);
    return d.result ? c.json(d.result) : c.json({ error: d.error ?? 'running' }, d.error ? 500 : 202);
  });

  app.get('/app.css', (c) => c.body(APP_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/app.js', (c) => c.body(APP_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));

  app.get('/events', (c: Context) =>
    streamSSE(c, async (stream) => {
      let queue = Promise.resolve();
      const send = (event: string, data: unknown): void => {
        queue = queue.then(() => stream.writeSSE({ event, data: src.scrub(JSON.stringify(data)) })).catch(() => undefined);
      };
      const on = (e: DashboardEvent): void => {
        if (e.kind === 'status') send('status', { html: statusFragment(view()) });
        else {
          const d = src.drill(e.id);
          if (d) send('drill', { id: d.id, html: drillFragment(d), done: d.result !== undefined || d.error !== undefined });
        }
      };
      const off = src.subscribe(on);
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        off();
      });
      // The state now, so that a page opened a while ago catches up.
      on({ kind: 'status' });
      const running = src.running();
      if (running) on({ kind: 'drill', id: running });
      while (!closed) {
        await stream.sleep((opts.keepAliveS ?? 15) * 1000);
        if (!closed) queue = queue.then(() => stream.write(': keep-alive\n\n')).then(() => undefined).catch(() => undefined);
      }
      off();
    }),
  );

  app.notFound((c) => c.html(messagePage('Not found', `nothing at ${c.req.path}`, view()), 404));
  return app;
}
