import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan } from '../../src/apply/engine.js';
import type { ApplyEvent } from '../../src/apply/events.js';
import { observeHost } from '../../src/apply/observe.js';
import { planCluster } from '../../src/apply/plan.js';
import type { ObservedHost, Plan } from '../../src/apply/types.js';
import { jsonView, plainView } from '../../src/apply/views.js';
import type { RenderedHost } from '../../src/render/types.js';
import { SshPool } from '../../src/remote/ssh.js';
import type { SshTarget } from '../../src/remote/ssh.js';
import { startSshServer } from '../helpers/ssh-server.js';
import type { TestSshServer } from '../helpers/ssh-server.js';

const CFG = `defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1m\n  timeout server 1m\nfrontend k8s\n  bind 127.0.0.1:16443\n  default_backend masters\nbackend masters\n  server m0 127.0.0.1:6443\n`;

/** Hosts whose files live under a temp root (no packages, no services: this machine is not a lab host). */
function hostsUnder(root: string, cfg = CFG): RenderedHost[] {
  return ['h0', 'h1'].map((h) => ({
    host: h,
    address: '127.0.0.1',
    packages: [],
    services: [],
    files: [
      { path: join(root, h, 'haproxy', 'haproxy.cfg'), content: cfg, mode: 0o644, validate: 'haproxy' as const },
      { path: join(root, h, 'notes.txt'), content: `managed by kubeha for ${h}\n`, mode: 0o600 },
    ],
  }));
}

describe('engine over SSH (in-process ssh2.Server, real haproxy -c)', () => {
  let server: TestSshServer;
  let pool: SshPool;
  let root: string;
  const targets = new Map<string, SshTarget>();
  before(async () => {
    server = await startSshServer();
    root = mkdtempSync(join(tmpdir(), 'kubeha-engine-'));
    writeFileSync(join(root, 'known_hosts'), server.knownHostsLine + '\n');
    pool = new SshPool({ knownHostsFile: join(root, 'known_hosts') });
    for (const h of ['h0', 'h1']) targets.set(h, { name: h, address: '127.0.0.1', port: server.port, keyFile: server.clientKeyFile });
  });
  after(async () => {
    await pool.close();
    await server.close();
  });

  async function planFor(rendered: RenderedHost[]): Promise<Plan> {
    const observed = new Map<string, ObservedHost>();
    for (const r of rendered) observed.set(r.host, await observeHost(pool.host(targets.get(r.host)!), r));
    return planCluster(rendered, observed);
  }
  async function apply(plan: Plan): Promise<{ events: ApplyEvent[]; ok: boolean; changes: number }> {
    const events: ApplyEvent[] = [];
    const result = await runPlan(plan, { parallel: 2, hostFor: (n) => pool.host(targets.get(n)!), emit: (e) => events.push(e) });
    return { events, ok: result.ok, changes: result.changes };
  }

  it('converges, then a second apply changes nothing (same mtimes)', async () => {
    const rendered = hostsUnder(root);
    const first = await apply(await planFor(rendered));
    assert.equal(first.ok, true);
    assert.equal(first.changes, 4);
    const cfg = rendered[0]!.files[0]!.path;
    assert.equal(readFileSync(cfg, 'utf8'), CFG);
    assert.equal(statSync(rendered[1]!.files[1]!.path).mode & 0o777, 0o600);
    const mtimes = rendered.flatMap((r) => r.files.map((f) => statSync(f.path).mtimeMs));

    const plan2 = await planFor(rendered);
    assert.equal(plan2.changes, 0);
    const second = await apply(plan2);
    assert.equal(second.ok, true);
    assert.equal(second.changes, 0);
    assert.deepEqual(rendered.flatMap((r) => r.files.map((f) => statSync(f.path).mtimeMs)), mtimes);
    const verified = second.events.filter((e) => e.type === 'step-done' && e.kind === 'verify');
    assert.equal(verified.length, 2);
  });

  it('a file that fails validation stops that host only; the live file stays', async () => {
    const good = hostsUnder(root);
    const bad = hostsUnder(root, CFG.replace('default_backend masters', 'default_backend nowhere'));
    // h0 gets a bad config, h1 a new (valid) note.
    const rendered = [bad[0]!, { ...good[1]!, files: [good[1]!.files[0]!, { ...good[1]!.files[1]!, content: 'changed\n' }] }];
    const { events, ok } = await apply(await planFor(rendered));
    assert.equal(ok, false);
    const failed = events.find((e) => e.type === 'step-failed');
    assert.ok(failed?.type === 'step-failed');
    assert.equal(failed.host, 'h0');
    assert.equal(failed.phase, 'files');
    assert.match(failed.error, /nowhere/);
    assert.equal(readFileSync(good[0]!.files[0]!.path, 'utf8'), CFG);
    assert.equal(readFileSync(good[1]!.files[1]!.path, 'utf8'), 'changed\n');
    const done = events.at(-1);
    assert.ok(done?.type === 'done');
    assert.deepEqual(
      done.hosts.map((h) => [h.host, h.status, h.failedAt]),
      [
        ['h0', 'failed', `files/files:${good[0]!.files[0]!.path}`],
        ['h1', 'ok', undefined],
      ],
    );
  });

  it('cleans temp files left by an interrupted run', async () => {
    const rendered = hostsUnder(root);
    const leftover = join(root, 'h0', 'haproxy', '.kubeha-tmp-haproxy.cfg-dead');
    writeFileSync(leftover, 'half a fi');
    const plan = await planFor(rendered);
    assert.ok(plan.hosts[0]!.steps.some((s) => s.kind === 'clean-temp'));
    await apply(plan);
    assert.throws(() => statSync(leftover));
  });

  it('views render the same stream: NDJSON lines parse, plain lines name host and phase', async () => {
    const plan = await planFor(hostsUnder(root));
    let json = '';
    let plain = '';
    const j = jsonView({ write: (s: string) => (json += s) });
    const p = plainView({ write: (s: string) => (plain += s) });
    await runPlan(plan, { hostFor: (n) => pool.host(targets.get(n)!), emit: (e) => (j(e), p(e)) });
    const events = json.trim().split('\n').map((l) => JSON.parse(l) as ApplyEvent);
    assert.equal(events[0]!.type, 'plan');
    assert.equal(events.at(-1)!.type, 'done');
    assert.match(plain, /^h0 {2}verify {4}ok/m);
    assert.match(plain, /HOST\s+RESULT\s+CHANGES/);
  });
});
