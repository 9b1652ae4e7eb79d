import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BundlePackage } from '../../src/apply/bundle-index.js';
import { runPlan } from '../../src/apply/engine.js';
import type { ApplyEvent } from '../../src/apply/events.js';
import { versionVerdict } from '../../src/apply/phases/packages.js';
import { planCluster } from '../../src/apply/plan.js';
import type { BundleInfo, ObservedHost, Plan, Step } from '../../src/apply/types.js';
import type { RenderedHost } from '../../src/render/types.js';
import type { ExecResult, RemoteHost } from '../../src/remote/ssh.js';

/**
 * Upgrades of kubeha's own packages: a bundle with a newer version upgrades the package, then its units restart in
 * their phase, etcd before the apiservers before the controllers, one master at a time; the same version plans
 * nothing; an older one is refused before anything changes. Hosts are simulated.
 */

const MASTERS = ['m0', 'm1', 'm2'];
const UNITS = ['etcd.service', 'kube-apiserver.service', 'kube-controller-manager.service', 'kube-scheduler.service'];
const PACKAGES = ['kubeha-etcd', 'kubeha-kube-apiserver', 'kubeha-kube-controller-manager', 'kubeha-kube-scheduler', 'socat'];
const addr = (h: string): string => `10.0.0.${21 + MASTERS.indexOf(h)}`;
const INSTALLED: Record<string, string> = { 'kubeha-etcd': '3.7.0', 'kubeha-kube-apiserver': '1.37.2', 'kubeha-kube-controller-manager': '1.37.2', 'kubeha-kube-scheduler': '1.37.2', socat: '1.7.4.4-2' };

function master(host: string): RenderedHost {
  const unit = (name: string, flags: string) => ({ path: `/etc/systemd/system/${name}`, content: `[Service]\nExecStart=/usr/local/bin/${name.replace('.service', '')} ${flags}\n`, mode: 0o644, daemonReload: true, reloads: { unit: name, action: 'restart' as const } });
  return {
    host,
    address: addr(host),
    packages: [...PACKAGES],
    services: [...UNITS],
    files: [
      unit('etcd.service', `--name=${host}`),
      unit('kube-apiserver.service', `--advertise-address=${addr(host)} --secure-port=6443`),
      unit('kube-controller-manager.service', '--bind-address=127.0.0.1'),
      unit('kube-scheduler.service', '--bind-address=127.0.0.1'),
    ],
  };
}

function converged(want: RenderedHost, installed: Record<string, string>, bundleId: string): ObservedHost {
  return {
    host: want.host,
    packageManager: 'apt',
    os: 'Debian',
    installed: { ...installed },
    installable: {},
    files: Object.fromEntries(want.files.map((f) => [f.path, { content: f.content, mode: f.mode, owner: 'root' }])),
    services: Object.fromEntries(want.services.map((u) => [u, { active: 'active', enabled: 'enabled', startedAt: '1' }])),
    pending: [],
    tempFiles: [],
    bundleId,
  };
}

function bundle(versions: Record<string, string>): BundleInfo {
  const index: BundlePackage[] = Object.entries(versions).map(([name, version]) => ({
    name,
    version,
    provides: [],
    depends: [],
    filename: `./${name}_${version}_amd64.deb`,
    size: 1024,
    stanza: `Package: ${name}\nVersion: ${version}\nFilename: ./${name}_${version}_amd64.deb`,
  }));
  return { id: 'bundle', packages: Object.keys(versions), index };
}

const rendered = MASTERS.map(master);
const plan = (offered: Record<string, string>, installed = INSTALLED): Plan =>
  planCluster(rendered, new Map(rendered.map((r) => [r.host, converged(r, installed, 'old-copy')])), { bundle: bundle(offered) });
const steps = (p: Plan, host: string, phase?: string): Step[] => p.hosts.find((h) => h.host === host)!.steps.filter((s) => phase === undefined || s.phase === phase);
const ids = (s: Step[]): string[] => s.map((x) => x.id);

describe('versionVerdict', () => {
  test('same, upgrade (revision, ~, epoch), downgrade and invalid versions', () => {
    assert.deepEqual(versionVerdict('kubeha-etcd', '3.7.0', '3.7.0'), { kind: 'same' });
    assert.deepEqual(versionVerdict('kubeha-etcd', '3.7.0', '3.7.0-1'), { kind: 'upgrade', upgrade: { name: 'kubeha-etcd', from: '3.7.0', to: '3.7.0-1' } });
    assert.equal(versionVerdict('kubeha-etcd', '3.8.0~rc1', '3.8.0').kind, 'upgrade');
    assert.equal(versionVerdict('kubeha-etcd', '3.9.0', '1:3.7.0').kind, 'upgrade');
    const down = versionVerdict('kubeha-kube-apiserver', '1.37.2-1', '1.37.2');
    assert.equal(down.kind, 'downgrade');
    assert.match(down.kind === 'downgrade' ? down.message : '', /kubeha-kube-apiserver 1\.37\.2-1 is installed and the bundle holds the older 1\.37\.2/);
    assert.equal(versionVerdict('kubeha-etcd', '3.7.0', 'x:1').kind, 'invalid');
  });
});

describe('upgrades of kubeha packages', () => {
  const NEWER = { 'kubeha-etcd': '3.7.0-1', 'kubeha-kube-apiserver': '1.37.2-1', 'kubeha-kube-controller-manager': '1.37.2-1', 'kubeha-kube-scheduler': '1.37.2-1', socat: '1.7.4.4-2' };

  test('a newer bundle: the packages upgrade, then each unit restarts in its phase, after the others are ready', () => {
    const p = plan(NEWER);
    const pk = steps(p, 'm1', 'packages');
    assert.deepEqual(ids(pk), ['packages:upload-bundle', 'packages:upgrade']);
    const up = pk[1]!;
    assert.ok(up.kind === 'install' && up.source === 'bundle');
    assert.deepEqual(up.kind === 'install' ? up.upgrades?.map((u) => `${u.name} ${u.from} ${u.to}`) : undefined, [
      'kubeha-etcd 3.7.0 3.7.0-1',
      'kubeha-kube-apiserver 1.37.2 1.37.2-1',
      'kubeha-kube-controller-manager 1.37.2 1.37.2-1',
      'kubeha-kube-scheduler 1.37.2 1.37.2-1',
    ]);
    assert.deepEqual(ids(steps(p, 'm1', 'etcd')), ['etcd:wait-before', 'etcd:etcd.service:restart', 'etcd:wait-after']);
    assert.deepEqual(ids(steps(p, 'm1', 'apiserver')), ['apiserver:wait-before', 'apiserver:kube-apiserver.service:restart', 'apiserver:wait-after']);
    assert.deepEqual(ids(steps(p, 'm1', 'controllers')), ['controllers:kube-controller-manager.service:restart', 'controllers:kube-scheduler.service:restart', 'controllers:wait-after']);
    const restart = steps(p, 'm1', 'etcd')[1]!;
    assert.match(restart.reason, /upgraded \(kubeha-etcd 3\.7\.0 → 3\.7\.0-1\)/);
    // socat (a distribution package) is not kubeha's: no version management, not in the upgrade.
    assert.ok(!p.hosts.some((h) => h.steps.some((s) => s.kind === 'install' && s.packages.includes('socat'))));
  });

  test('a bundle holding two versions of a package offers the higher one', () => {
    const b = bundle(INSTALLED);
    b.index = [...b.index!, { ...b.index![0]!, version: '3.7.0-2', filename: './kubeha-etcd_3.7.0-2_amd64.deb' }, { ...b.index![0]!, version: '3.7.0-1', filename: './kubeha-etcd_3.7.0-1_amd64.deb' }];
    const p = planCluster(rendered, new Map(rendered.map((r) => [r.host, converged(r, INSTALLED, 'x')])), { bundle: b });
    const up = steps(p, 'm0', 'packages').find((s) => s.id === 'packages:upgrade');
    assert.deepEqual(up?.kind === 'install' ? up.upgrades : undefined, [{ name: 'kubeha-etcd', from: '3.7.0', to: '3.7.0-2' }]);
  });

  test('only the upgraded package restarts its unit', () => {
    const p = plan({ ...INSTALLED, 'kubeha-kube-scheduler': '1.37.3' });
    assert.deepEqual(ids(steps(p, 'm0', 'etcd')), []);
    assert.deepEqual(ids(steps(p, 'm0', 'apiserver')), []);
    assert.deepEqual(ids(steps(p, 'm0', 'controllers')), ['controllers:kube-scheduler.service:restart', 'controllers:wait-after']);
  });

  test('the bundle at the installed versions: nothing to do (a rerun after an upgrade is a no-op)', () => {
    const p = planCluster(rendered, new Map(rendered.map((r) => [r.host, converged(r, NEWER, 'x')])), { bundle: bundle(NEWER) });
    // Only the bundle copy differs (its id is not the subset's): no install, no restart.
    for (const h of p.hosts) assert.ok(!h.steps.some((s) => s.kind === 'install' || (s.kind === 'service' && s.action === 'restart')), JSON.stringify(ids(h.steps)));
  });

  test('an older bundle is refused before anything changes, naming the package and both versions', () => {
    const p = plan(INSTALLED, NEWER);
    for (const m of MASTERS) {
      const fail = steps(p, m).find((s) => s.kind === 'fail');
      assert.ok(fail && fail.kind === 'fail', `${m} has a failing check`);
      assert.equal(fail.phase, 'preflight');
      assert.match(fail.message, /kubeha-etcd 3\.7\.0-1 is installed and the bundle holds the older 3\.7\.0: kubeha never downgrades/);
      assert.match(fail.hint ?? '', /apt-get purge/);
      // Nothing else from the packages phase: no install of the older version.
      assert.ok(!steps(p, m).some((s) => s.kind === 'install' || s.kind === 'upload-bundle'));
    }
  });

  test('the engine rolls the restarts: every etcd before any apiserver before any controller, one master at a time', async () => {
    const p = plan(NEWER);
    const log: string[] = [];
    const host = (name: string): RemoteHost => {
      const exec = async (command: string): Promise<ExecResult> => {
        await new Promise((r) => setTimeout(r, 2));
        const m = /systemctl restart '?([\w.-]+\.service)/.exec(command);
        if (m) log.push(`${name} ${m[1]}`);
        const written = [...command.matchAll(/^echo (kubeha-file-done=\d+)$/gm)].map((x) => x[1]!);
        if (written.length > 0) return { stdout: written.join('\n') + '\n', stderr: '', exitCode: 0, signal: undefined };
        return { stdout: command.includes('etcdctl') ? 'https://127.0.0.1:2379 is healthy' : 'ok', stderr: '', exitCode: 0, signal: undefined };
      };
      return { name, exec, run: async (c: string) => (await exec(c)).stdout };
    };
    const events: ApplyEvent[] = [];
    const result = await runPlan(p, { parallel: 8, hostFor: host, emit: (e) => events.push(e), bundle: { tar: () => Promise.resolve(Buffer.alloc(0)) } });
    assert.equal(result.ok, true, JSON.stringify(events.filter((e) => e.type === 'step-failed')));
    const order = log.map((l) => l.split(' ')[1]!);
    const last = (u: string): number => order.lastIndexOf(u);
    const first = (u: string): number => order.indexOf(u);
    assert.equal(order.filter((u) => u === 'etcd.service').length, 3);
    assert.ok(last('etcd.service') < first('kube-apiserver.service'), order.join(', '));
    assert.ok(last('kube-apiserver.service') < first('kube-controller-manager.service'), order.join(', '));
    // Per phase, the hosts take turns: [restart, wait-after done] windows do not overlap.
    for (const phase of ['etcd', 'apiserver'] as const) {
      const unit = phase === 'etcd' ? 'etcd.service' : 'kube-apiserver.service';
      const windows = MASTERS.map((m) => [
        events.findIndex((e) => e.type === 'step-start' && e.host === m && e.step === `${phase}:${unit}:restart`),
        events.findIndex((e) => e.type === 'step-done' && e.host === m && e.step === `${phase}:wait-after`),
      ]).sort((a, b) => a[0]! - b[0]!);
      for (const [s, d] of windows) assert.ok(s! >= 0 && d! > s!, JSON.stringify(windows));
      for (let i = 1; i < windows.length; i++) assert.ok(windows[i]![0]! > windows[i - 1]![1]!, `${phase} restarts overlap: ${JSON.stringify(windows)}`);
    }
  });
});
