import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { cookieOf, dashboardApp } from '../../src/dashboard/server.js';
import type { DashboardEvent, DashboardSource } from '../../src/dashboard/server.js';
import type { DrillEntry } from '../../src/dashboard/views.js';
import { SecretScrubber } from '../../src/diag/secrets.js';
import { checkReport } from '../../src/ops/check.js';
import { openDashboard } from '../../src/ops/dashboard.js';
import { drillResult, status, view } from './fixtures.js';

/** The HTTP app with a fake source (no sockets: Hono's app.request): routes, token, Host check, form token, scrubbing. */

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'Zq7-very-secret-pass';

function fake(over: Partial<DashboardSource> = {}): DashboardSource & { started: string[]; emit: (e: DashboardEvent) => void } {
  const started: string[] = [];
  const listeners = new Set<(e: DashboardEvent) => void>();
  const scrubber = new SecretScrubber();
  scrubber.add(SECRET);
  const drills: DrillEntry[] = [{ id: 'f1-1', source: 'file ha.json', result: drillResult(), progress: [] }];
  return {
    started,
    emit: (e) => listeners.forEach((l) => l(e)),
    view: () => view({ drills }),
    status: () => status('lb0'),
    analysis: () => view().analysis,
    drill: (id) => drills.find((d) => d.id === id),
    describe: (s) => (s === 'node-down:lb0' ? { ok: true, what: 'power-off lb0; then power-on lb0', lab: 'demo' } : { ok: false, why: `not a scenario: ${s}` }),
    startDrill: (s) => {
      started.push(s);
      return { ok: true, id: 'd1' };
    },
    running: () => undefined,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    scrub: (t) => scrubber.scrub(t),
    ...over,
  };
}

describe('dashboard app', () => {
  it('serves the pages and the JSON the CLI prints', async () => {
    const src = fake();
    const app = dashboardApp(src, { csrf: 'c', hosts: [] });
    for (const path of ['/', '/predictions', '/drills', '/drills/f1-1', '/explain/vrrp-positive-weight-below-gap', '/app.js', '/app.css']) {
      const r = await app.request(path);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
    }
    assert.deepEqual(await (await app.request('/api/status')).json(), JSON.parse(JSON.stringify(status('lb0'))));
    assert.deepEqual(await (await app.request('/api/analysis')).json(), JSON.parse(JSON.stringify(view().analysis)));
    assert.deepEqual(await (await app.request('/api/drills')).json(), [JSON.parse(JSON.stringify(drillResult()))]);
    assert.equal((await app.request('/explain/NO_SUCH_CODE')).status, 404);
    assert.equal((await app.request('/drills/zz')).status, 404);
  });

  it('explains a code as `kubeha explain` does', async () => {
    const text = await (await dashboardApp(fake(), { csrf: 'c', hosts: [] }).request('/explain/SPEC_DUPLICATE_ADDRESS')).text();
    assert.match(text, /SPEC_DUPLICATE_ADDRESS \(error\)/);
  });

  it('a drill: confirmation page, then a POST with the form token starts it and redirects to its page', async () => {
    const src = fake();
    const app = dashboardApp(src, { csrf: 'form-token', hosts: [] });
    const confirm = await (await app.request('/drills/confirm?scenario=node-down:lb0')).text();
    assert.match(confirm, /power-off lb0; then power-on lb0/);
    assert.match(confirm, /name="csrf" value="form-token"/);
    assert.equal((await app.request('/drills/confirm?scenario=bogus')).status, 400);
    const post = (body: string): Promise<Response> => Promise.resolve(app.request('/drills', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    assert.equal((await post('scenario=node-down:lb0')).status, 403);
    assert.equal((await post('scenario=node-down:lb0&csrf=wrong')).status, 403);
    assert.deepEqual(src.started, []);
    const ok = await post('scenario=node-down%3Alb0&csrf=form-token');
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/drills/d1');
    assert.deepEqual(src.started, ['node-down:lb0']);
  });

  it('with a token: refused without it, accepted from the query (then a cookie) or the cookie', async () => {
    const app = dashboardApp(fake(), { token: 'tok-123', csrf: 'c', hosts: [] });
    assert.equal((await app.request('/')).status, 401);
    assert.equal((await app.request('/api/status')).status, 401);
    assert.equal((await app.request('/events')).status, 401);
    assert.equal((await app.request('/?token=nope')).status, 401);
    const first = await app.request('/drills?token=tok-123');
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/drills');
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal(cookieOf(cookie.split(';')[0], 'kubeha_dashboard'), 'tok-123');
    assert.equal((await app.request('/', { headers: { cookie: 'kubeha_dashboard=tok-123' } })).status, 200);
    assert.equal((await app.request('/api/status', { headers: { authorization: 'Bearer tok-123' } })).status, 200);
  });

  it('refuses a Host that is not its own (DNS rebinding)', async () => {
    const app = dashboardApp(fake(), { csrf: 'c', hosts: ['127.0.0.1:8080'] });
    assert.equal((await app.request('http://127.0.0.1:8080/')).status, 200);
    assert.equal((await app.request('http://evil.example:8080/')).status, 421);
  });

  it('scrubs a secret from every body, also one a view would leak', async () => {
    const src = fake({ view: () => view({ cluster: `leak ${SECRET}` }), status: () => ({ ...status('lb0'), cluster: SECRET }) });
    const app = dashboardApp(src, { csrf: 'c', hosts: [] });
    for (const path of ['/', '/predictions', '/drills', '/api/status', '/nope']) {
      const body = await (await app.request(path)).text();
      assert.ok(!body.includes(SECRET), path);
      assert.ok(body.includes('********'), `${path}: masked, not dropped`);
    }
  });

  it('streams the state as server-sent events, and each change as it comes', async () => {
    const src = fake();
    const app = dashboardApp(src, { csrf: 'c', hosts: [], keepAliveS: 60 });
    const res = await app.request('/events');
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const read = async (): Promise<string> => new TextDecoder().decode((await reader.read()).value as Uint8Array | undefined);
    let text = await read();
    assert.match(text, /^event: status\ndata: \{"html":/);
    assert.match(text, /data-vip-holder=\\"lb0\\"/);
    src.emit({ kind: 'drill', id: 'f1-1' });
    text = await read();
    assert.match(text, /^event: drill\ndata: \{"id":"f1-1"/);
    await reader.cancel();
  });
});

describe('dashboard use case without hosts (the spec alone)', () => {
  it('gives check its report, names no host state, and knows the spec\'s secrets', async () => {
    const text = readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8').replace('vrrpVersion: 3', 'vrrpVersion: 2\n  authSecret: s3cretPw1').replace(/advertInt: [\d.]+/, 'advertInt: 1');
    const loaded = parseSpec(text, 'small.yaml');
    assert.ok(loaded.spec, JSON.stringify(loaded.diagnostics));
    const hub = openDashboard({ specPath: 'small.yaml', specText: text, spec: loaded.spec, diagnostics: loaded.diagnostics, session: undefined, lab: { kind: 'none' }, past: [] });
    try {
      assert.deepEqual(hub.analysis(), checkReport(loaded.spec, loaded.diagnostics));
      assert.equal(hub.status(), undefined);
      assert.equal(hub.view().watching, false);
      assert.deepEqual(hub.view().drillable, []);
      assert.equal(hub.startDrill('node-down:lb0').ok, false);
      assert.equal(hub.scrub('auth s3cretPw1'), 'auth ********');
      const app = dashboardApp(hub, { csrf: 'c', hosts: [] });
      for (const path of ['/', '/predictions', '/drills', '/api/analysis', '/api/status', '/api/drills']) assert.ok(!(await (await app.request(path)).text()).includes('s3cretPw1'), path);
    } finally {
      await hub.close();
    }
  });
});
