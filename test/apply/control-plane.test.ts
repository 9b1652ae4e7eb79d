import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../../src/apply/engine.js';
import type { ApplyEvent } from '../../src/apply/events.js';
import { apiserverReadyz, controllerHealthz } from '../../src/apply/phases/control-plane.js';
import { planCluster } from '../../src/apply/plan.js';
import type { ObservedHost, Plan, Step } from '../../src/apply/types.js';
import type { RenderedHost } from '../../src/render/types.js';
import type { ExecResult, RemoteHost } from '../../src/remote/ssh.js';

/**
 * The control plane's order across hosts: etcd members start together, the apiservers after every member's etcd
 * phase, controller-manager and scheduler after every apiserver's; restarts roll one master at a time and only when
 * the others are ready. The hosts are simulated (an etcd that is healthy only once every member started, apiservers
 * that are down while they restart), so that a wrong order fails the apply or an assertion, not a timer.
 */

const UNITS = ['etcd.service', 'kube-apiserver.service', 'kube-controller-manager.service', 'kube-scheduler.service'];
const MASTERS = ['m0', 'm1', 'm2'];
const addr = (h: string): string => `10.0.0.${21 + MASTERS.indexOf(h)}`;

function master(host: string, apiserverFlags = ''): RenderedHost {
  const unit = (name: string, flags: string) => ({ path: `/etc/systemd/system/${name}`, content: `[Service]\nExecStart=/usr/local/bin/${name.replace('.service', '')} ${flags}\n`, mode: 0o644, daemonReload: true, reloads: { unit: name, action: 'restart' as const } });
  return {
    host,
    address: addr(host),
    packages: ['kubeha-etcd', 'kubeha-kube-apiserver'],
    services: [...UNITS],
    files: [
      unit('etcd.service', `--name=${host}`),
      unit('kube-apiserver.service', `--advertise-address=${addr(host)} --secure-port=6443 ${apiserverFlags}`),
      unit('kube-controller-manager.service', '--bind-address=127.0.0.1'),
      unit('kube-scheduler.service', '--bind-address=127.0.0.1'),
    ],
  };
}

function fresh(host: string): ObservedHost {
  return { host, packageManager: 'apt', os: 'Debian', installed: {}, installable: {}, files: {}, services: {}, pending: [], tempFiles: [] };
}

/** What a host that runs `want` as rendered looks like. */
function converged(want: RenderedHost): ObservedHost {
  return {
    ...fresh(want.host),
    installed: Object.fromEntries(want.packages.map((p) => [p, '1'])),
    files: Object.fromEntries(want.files.map((f) => [f.path, { content: f.content, mode: f.mode, owner: 'root' }])),
    services: Object.fromEntries(want.services.map((u) => [u, { active: 'active', enabled: 'enabled', startedAt: '1' }])),
  };
}

const waitCheck = (s: Step | undefined): unknown => (s?.kind === 'wait' ? s.check : undefined);
const phaseSteps = (plan: Plan, host: string, phase: string): Step[] => plan.hosts.find((h) => h.host === host)!.steps.filter((s) => s.phase === phase);

test('a fresh master: each control-plane phase enables and starts its units, then waits for them to be healthy', () => {
  const rendered = MASTERS.map((m) => master(m));
  const plan = planCluster(rendered, new Map(MASTERS.map((m) => [m, fresh(m)])), { bundle: { id: 'b', packages: ['kubeha-etcd', 'kubeha-kube-apiserver'] } });
  assert.deepEqual(plan.together, ['etcd', 'apiserver', 'controllers']);
  const etcd = phaseSteps(plan, 'm0', 'etcd');
  assert.deepEqual(etcd.map((s) => s.id), ['etcd:etcd.service:enable', 'etcd:etcd.service:start', 'etcd:wait-after']);
  const start = etcd[1]!;
  // Queued: a new member's start completes only once its peers are up.
  assert.ok(start.kind === 'service' && start.noBlock === true);
  assert.deepEqual(waitCheck(etcd[2]), { type: 'etcd', scope: 'cluster' });
  const api = phaseSteps(plan, 'm1', 'apiserver');
  assert.deepEqual(api.map((s) => s.id), ['apiserver:kube-apiserver.service:enable', 'apiserver:kube-apiserver.service:start', 'apiserver:wait-after']);
  assert.deepEqual(waitCheck(api[2]), { type: 'https-ok', urls: ['https://10.0.0.22:6443/readyz'] });
  const ctl = phaseSteps(plan, 'm2', 'controllers');
  const last = ctl.at(-1);
  assert.deepEqual(last?.kind === 'wait' ? last.check : undefined, { type: 'https-ok', urls: ['https://127.0.0.1:10257/healthz', 'https://127.0.0.1:10259/healthz'] });
  // The generic services phase leaves them alone (it ran daemon-reload for their new unit files).
  assert.deepEqual(phaseSteps(plan, 'm0', 'services').map((s) => s.id), ['services:daemon-reload']);
  // Nothing restarts on a first start: no rolling turn, no "others ready" wait.
  assert.ok(!plan.hosts.some((h) => h.steps.some((s) => (s.kind === 'service' && s.action === 'restart') || s.id.endsWith('wait-before'))));
});

test('a converged control plane plans nothing (a rerun is a no-op): no start, no restart, no wait', () => {
  const rendered = MASTERS.map((m) => master(m));
  const plan = planCluster(rendered, new Map(rendered.map((r) => [r.host, converged(r)])));
  assert.equal(plan.changes, 0);
  assert.deepEqual(plan.hosts.map((h) => h.steps.map((s) => s.kind)), [['verify'], ['verify'], ['verify']]);
});

test('a changed apiserver unit: wait until the OTHER apiservers are ready, restart, wait until this one is', () => {
  const before = MASTERS.map((m) => master(m));
  const after = MASTERS.map((m) => master(m, '--profiling=false'));
  const plan = planCluster(after, new Map(before.map((r) => [r.host, converged(r)])));
  const api = phaseSteps(plan, 'm0', 'apiserver');
  assert.deepEqual(api.map((s) => s.id), ['apiserver:wait-before', 'apiserver:kube-apiserver.service:restart', 'apiserver:wait-after']);
  assert.deepEqual(waitCheck(api[0]), { type: 'https-ok', urls: ['https://10.0.0.22:6443/readyz', 'https://10.0.0.23:6443/readyz'] });
  assert.deepEqual(phaseSteps(plan, 'm0', 'etcd'), []);
  // --only m0: the other apiservers still come from the whole cluster.
  const only = planCluster([after[0]!], new Map([['m0', converged(before[0]!)]]), { cluster: after });
  const w = phaseSteps(only, 'm0', 'apiserver')[0]!;
  assert.ok(w.kind === 'wait' && w.check.type === 'https-ok' && w.check.urls.length === 2);
});

test('health URLs follow the rendered flags: bind address and secure port, the host address when bound to all', () => {
  const m = master('m0');
  const unit = (content: string) => ({ ...m, files: [{ path: '/etc/systemd/system/kube-apiserver.service', content, mode: 0o644 }] });
  assert.equal(apiserverReadyz(unit('ExecStart=/usr/local/bin/kube-apiserver \\\n  --bind-address=0.0.0.0 \\\n  --secure-port=7443\n')), 'https://10.0.0.21:7443/readyz');
  assert.equal(apiserverReadyz(unit('ExecStart=/usr/local/bin/kube-apiserver --bind-address 10.9.9.9\n')), 'https://10.9.9.9:6443/readyz');
  assert.equal(apiserverReadyz({ ...m, files: [] }), 'https://10.0.0.21:6443/readyz');
  assert.equal(controllerHealthz({ ...m, files: [] }, 'kube-scheduler.service'), 'https://127.0.0.1:10259/healthz');
});

/**
 * Simulated masters: etcd answers `endpoint health --cluster` only once every member was started; an apiserver is
 * down for a while after its restart. Every command is logged in order, with the state it saw.
 */
class SimCluster {
  readonly etcdStarted = new Set<string>();
  readonly apiserverDown = new Set<string>();
  readonly log: string[] = [];
  readonly violations: string[] = [];
  readonly restarts: string[] = [];
  host(name: string): RemoteHost {
    const exec = async (command: string): Promise<ExecResult> => {
      const first = command.split('\n')[0] ?? '';
      this.log.push(`${name}: ${first}`);
      await new Promise((r) => setTimeout(r, 5));
      if (/systemctl start (--no-block )?'?etcd\.service/.test(command)) this.etcdStarted.add(name);
      if (/systemctl restart '?kube-apiserver\.service/.test(command)) {
        this.restarts.push(name);
        const othersDown = [...this.apiserverDown].filter((h) => h !== name);
        if (othersDown.length > 0) this.violations.push(`${name} restarted its apiserver while ${othersDown.join(', ')} was down`);
        this.apiserverDown.add(name);
        setTimeout(() => this.apiserverDown.delete(name), 40);
      }
      // The batched file writer: one done marker per file written.
      const written = [...command.matchAll(/^echo (kubeha-file-done=\d+)$/gm)].map((m) => m[1]!);
      if (written.length > 0) return ok(written.join('\n') + '\n');
      if (command.includes('etcdctl')) {
        // Polls like the real loop, bounded.
        for (let i = 0; i < 200 && this.etcdStarted.size < MASTERS.length; i++) await new Promise((r) => setTimeout(r, 10));
        return this.etcdStarted.size === MASTERS.length ? ok(MASTERS.map((m) => `https://${addr(m)}:2379 is healthy`).join('\n')) : { stdout: '', stderr: 'unhealthy', exitCode: 1, signal: undefined };
      }
      if (command.includes('/readyz')) {
        const urls = [...command.matchAll(/https:\/\/([\d.]+):\d+\/readyz/g)].map((m) => m[1]!);
        const hosts = [...new Set(urls)].map((a) => MASTERS.find((m) => addr(m) === a)!);
        for (let i = 0; i < 200 && hosts.some((h) => this.apiserverDown.has(h)); i++) await new Promise((r) => setTimeout(r, 10));
        return ok('ok');
      }
      return ok('');
    };
    return { name, exec, run: async (c: string) => (await exec(c)).stdout };
  }
}
const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', exitCode: 0, signal: undefined });

async function runSim(plan: Plan, parallel: number, sim = new SimCluster()): Promise<{ events: ApplyEvent[]; sim: SimCluster; ok: boolean }> {
  const events: ApplyEvent[] = [];
  const result = await runPlan(plan, { parallel, hostFor: (n) => sim.host(n), emit: (e) => events.push(e) });
  return { events, sim, ok: result.ok };
}

const index = (events: ApplyEvent[], pred: (e: ApplyEvent) => boolean): number[] => events.flatMap((e, i) => (pred(e) ? [i] : []));

for (const parallel of [8, 1]) {
  test(`first start, --parallel ${parallel}: etcd members start together, apiservers after every etcd phase, controllers after every apiserver phase`, async () => {
    const rendered = MASTERS.map((m) => master(m));
    const observed = new Map(rendered.map((r) => [r.host, { ...converged(r), services: {}, files: {} }]));
    const plan = planCluster(rendered, observed);
    const { events, ok } = await runSim(plan, parallel);
    assert.equal(ok, true, JSON.stringify(events.filter((e) => e.type === 'step-failed')));
    const starts = (phase: string) => index(events, (e) => e.type === 'phase-start' && e.phase === phase);
    const dones = (phase: string) => index(events, (e) => e.type === 'phase-done' && e.phase === phase);
    assert.equal(starts('etcd').length, 3);
    assert.ok(Math.min(...starts('etcd')) > Math.max(...dones('services')), 'an etcd member started before every master finished its services phase');
    assert.ok(Math.min(...starts('apiserver')) > Math.max(...dones('etcd')), 'an apiserver started before every etcd phase was done');
    assert.ok(Math.min(...starts('controllers')) > Math.max(...dones('apiserver')), 'controllers started before every apiserver phase was done');
  });
}

test('apiserver restarts roll: one master at a time, and only while the others are ready', async () => {
  const before = MASTERS.map((m) => master(m));
  const after = MASTERS.map((m) => master(m, '--profiling=false'));
  const plan = planCluster(after, new Map(before.map((r) => [r.host, converged(r)])));
  const { events, sim, ok } = await runSim(plan, 8);
  assert.equal(ok, true);
  assert.deepEqual(sim.violations, []);
  assert.deepEqual([...sim.restarts].sort(), MASTERS);
  // [restart started, wait-after done] per host: no two overlap.
  const windows = MASTERS.map((m) => [
    index(events, (e) => e.type === 'step-start' && e.host === m && e.step === 'apiserver:kube-apiserver.service:restart')[0]!,
    index(events, (e) => e.type === 'step-done' && e.host === m && e.step === 'apiserver:wait-after')[0]!,
  ]).sort((a, b) => a[0]! - b[0]!);
  for (let i = 1; i < windows.length; i++) assert.ok(windows[i]![0]! > windows[i - 1]![1]!, `restarts overlap: ${JSON.stringify(windows)}`);
});

test('a master that fails before a barrier does not hold the others at it (they go on, and find etcd without it)', { timeout: 60_000 }, async () => {
  const rendered = MASTERS.map((m) => master(m));
  const plan = planCluster(rendered, new Map(rendered.map((r) => [r.host, { ...converged(r), files: {}, services: {} }])));
  const sim = new SimCluster();
  const failing = (name: string): RemoteHost => {
    const h = sim.host(name);
    if (name !== 'm2') return h;
    const exec = async (c: string): Promise<ExecResult> => (c.startsWith('systemctl daemon-reload') ? { stdout: '', stderr: 'boom', exitCode: 1, signal: undefined } : h.exec(c));
    return { name, exec, run: async (c) => { const r = await exec(c); if (r.exitCode !== 0) throw new Error(r.stderr); return r.stdout; } };
  };
  const events: ApplyEvent[] = [];
  const result = await runPlan(plan, { parallel: 8, hostFor: failing, emit: (e) => events.push(e) });
  assert.equal(result.ok, false);
  assert.deepEqual(result.hosts.map((h) => [h.host, h.status === 'failed' ? h.failedAt : h.status]), [['m0', 'etcd/etcd:wait-after'], ['m1', 'etcd/etcd:wait-after'], ['m2', 'services/services:daemon-reload']]);
});

test('the first master (the one with super-admin.conf) binds the admin group after its apiserver (re)started, and only then', () => {
  const rendered = MASTERS.map((m) => master(m));
  rendered[0]!.files.push({ path: '/etc/kubernetes/super-admin.conf', content: 'kubeconfig\n', mode: 0o600 });
  const first = planCluster(rendered, new Map(rendered.map((r) => [r.host, fresh(r.host)])));
  const m0 = phaseSteps(first, 'm0', 'apiserver');
  assert.equal(m0.at(-1)?.kind, 'bootstrap-rbac');
  const last = m0.at(-1);
  assert.equal(last?.kind === 'bootstrap-rbac' ? last.apiserver : undefined, 'https://10.0.0.21:6443');
  assert.ok(!phaseSteps(first, 'm1', 'apiserver').some((s) => s.kind === 'bootstrap-rbac'));
  const rerun = planCluster(rendered, new Map(rendered.map((r) => [r.host, converged(r)])));
  assert.ok(!rerun.hosts.some((h) => h.steps.some((s) => s.kind === 'bootstrap-rbac')));
});
