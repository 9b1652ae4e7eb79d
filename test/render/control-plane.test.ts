import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { renderCluster } from '../../src/render/index.js';
import { CONTROL_PLANE_PACKAGES, CONTROL_PLANE_UNITS } from '../../src/render/control-plane-packages.js';
import { APISERVER_CONFIG_PATHS, PKI_PATHS } from '../../src/render/k8s-paths.js';
import type { RenderedFile, RenderedHost } from '../../src/render/types.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, dedicatedSpec, externalSpec, stackedSpec } from './specs.js';

/** Binary mode: what each host's units say, checked as facts about the cluster (not as text). */

const unit = (name: string): string => `/etc/systemd/system/${name}`;
const host = (hosts: RenderedHost[], name: string): RenderedHost => {
  const h = hosts.find((x) => x.host === name);
  assert.ok(h, name);
  return h;
};
const fileOf = (h: RenderedHost, path: string): RenderedFile => {
  const f = h.files.find((x) => x.path === path);
  assert.ok(f, `${h.host}: ${path}`);
  return f;
};
/** `--flag=value` of an ExecStart (continuation lines joined), every occurrence. */
function flags(content: string): Map<string, string[]> {
  const lines = content.split('\n');
  const start = lines.findIndex((l) => l.startsWith('ExecStart='));
  const end = lines.findIndex((l, i) => i >= start && !l.endsWith('\\'));
  const exec = lines.slice(start, end + 1).join('\n');
  const out = new Map<string, string[]>();
  for (const m of exec.replace(/\\\n/g, ' ').matchAll(/--([a-z0-9-]+)(?:=(\S*))?/g)) out.set(m[1] ?? '', [...(out.get(m[1] ?? '') ?? []), m[2] ?? '']);
  return out;
}
const flag = (content: string, name: string): string | undefined => flags(content).get(name)?.[0];

describe('binary mode: etcd', () => {
  const hosts = renderCluster(dedicatedSpec(), TEST_SECRETS);
  test('each member listens for clients on its own address and loopback only, peers over mutual TLS, knows all three', () => {
    for (const [name, addr] of [
      ['master1', '10.77.0.21'],
      ['master2', '10.77.0.22'],
      ['master3', '10.77.0.23'],
    ] as const) {
      const u = fileOf(host(hosts, name), unit('etcd.service')).content;
      assert.equal(flag(u, 'name'), name);
      assert.equal(flag(u, 'listen-client-urls'), `https://${addr}:2379,https://127.0.0.1:2379`);
      assert.equal(flag(u, 'advertise-client-urls'), `https://${addr}:2379`);
      assert.equal(flag(u, 'listen-peer-urls'), `https://${addr}:2380`);
      assert.equal(flag(u, 'initial-cluster'), 'master1=https://10.77.0.21:2380,master2=https://10.77.0.22:2380,master3=https://10.77.0.23:2380');
      assert.equal(flag(u, 'initial-cluster-state'), 'new');
      assert.equal(flag(u, 'client-cert-auth'), 'true');
      assert.equal(flag(u, 'peer-client-cert-auth'), 'true');
      assert.equal(flag(u, 'trusted-ca-file'), PKI_PATHS.etcdCaCert);
      assert.equal(flag(u, 'peer-cert-file'), PKI_PATHS.etcdPeerCert);
      assert.ok(![...flags(u).values()].flat().some((v) => v.includes('0.0.0.0')), 'never 0.0.0.0');
      assert.match(u, /^User=etcd$/m);
      assert.match(u, /^Restart=always$/m);
    }
  });
  test('LB hosts and workers run no control plane; masters get the packages and units by the shared names', () => {
    for (const h of hosts.filter((x) => !x.host.startsWith('master'))) {
      assert.ok(!h.files.some((f) => f.path.startsWith('/etc/kubernetes') || Object.values(CONTROL_PLANE_UNITS).some((u) => f.path === unit(u))), h.host);
      assert.deepEqual(h.services.filter((s) => Object.values(CONTROL_PLANE_UNITS).includes(s as never)), [], h.host);
      assert.ok(!h.packages.some((p) => p.startsWith('kubeha-')), h.host);
    }
    const m = host(hosts, 'master1');
    assert.deepEqual(m.services, [CONTROL_PLANE_UNITS.etcd, CONTROL_PLANE_UNITS.apiserver, CONTROL_PLANE_UNITS.controllerManager, CONTROL_PLANE_UNITS.scheduler]);
    for (const p of Object.values(CONTROL_PLANE_PACKAGES)) assert.ok(m.packages.includes(p), p);
  });
  test('a host with role etcd only gets etcd and nothing else of the control plane', () => {
    const spec = dedicatedSpec();
    spec.hosts = spec.hosts.map((h) => (h.name.startsWith('master') ? { ...h, roles: ['control-plane' as const] } : h));
    spec.hosts.push(...[1, 2, 3].map((i) => ({ name: `etcd${i}`, address: `10.77.0.4${i}`, roles: ['etcd' as const], ssh: spec.ssh, interface: 'eth0', labels: {} })));
    const r = renderCluster(spec, TEST_SECRETS);
    assert.deepEqual(host(r, 'etcd2').services, ['etcd.service']);
    assert.deepEqual(host(r, 'master1').services, ['kube-apiserver.service', 'kube-controller-manager.service', 'kube-scheduler.service']);
    assert.equal(flag(fileOf(host(r, 'master1'), unit('kube-apiserver.service')).content, 'etcd-servers'), 'https://10.77.0.41:2379,https://10.77.0.42:2379,https://10.77.0.43:2379');
  });
});

describe('binary mode: kube-apiserver and its configs', () => {
  const spec = stackedSpec();
  const hosts = renderCluster(spec, TEST_SECRETS);
  const m2 = host(hosts, 'master2');
  const api = fileOf(m2, unit('kube-apiserver.service')).content;
  test('talks to every etcd member, advertises its own address on the apiserver port', () => {
    assert.equal(flag(api, 'etcd-servers'), 'https://10.77.0.21:2379,https://10.77.0.22:2379,https://10.77.0.23:2379');
    assert.equal(flag(api, 'advertise-address'), '10.77.0.22');
    assert.equal(flag(api, 'secure-port'), '6443');
    assert.equal(flag(api, 'service-cluster-ip-range'), spec.network.serviceCIDR);
    assert.equal(flag(api, 'endpoint-reconciler-type'), 'lease');
    assert.equal(flag(api, 'authorization-mode'), 'Node,RBAC');
    assert.equal(flag(api, 'service-account-issuer'), 'https://kubernetes.default.svc.cluster.local');
    assert.equal(flag(api, 'requestheader-client-ca-file'), PKI_PATHS.frontProxyCaCert);
    for (const f of ['audit-log-path', 'audit-log-maxage', 'audit-log-maxbackup', 'audit-log-maxsize', 'audit-policy-file', 'encryption-provider-config']) assert.ok(flag(api, f), f);
  });
  test('a restart drains: /readyz fails for longer than HAProxy needs to mark it DOWN, and systemd waits for the drain', () => {
    const seconds = (v: string | undefined): number => Number(/^(\d+)s$/.exec(v ?? '')?.[1] ?? NaN);
    for (const hc of [spec.loadBalancer.healthCheck, { ...spec.loadBalancer.healthCheck, interMs: 3000, fall: 4 }, { ...spec.loadBalancer.healthCheck, interMs: 200, fall: 1 }]) {
      const s2: ClusterSpec = { ...spec, loadBalancer: { ...spec.loadBalancer, healthCheck: hc } };
      const unitText = fileOf(host(renderCluster(s2, TEST_SECRETS), 'master2'), unit('kube-apiserver.service')).content;
      const delay = seconds(flag(unitText, 'shutdown-delay-duration'));
      const grace = seconds(flag(unitText, 'shutdown-watch-termination-grace-period'));
      assert.ok(delay * 1000 > (hc.fall + 1) * hc.interMs, `delay ${delay}s vs fall ${hc.fall} x inter ${hc.interMs}ms`);
      assert.ok(grace > 0);
      const stop = seconds(/^TimeoutStopSec=(\S+)$/m.exec(unitText)?.[1]);
      assert.ok(stop > delay + grace, `TimeoutStopSec ${stop}s leaves room for the delay ${delay}s and the watch grace ${grace}s`);
    }
  });
  test('anonymous requests: only the health paths, through --authentication-config and never the conflicting --anonymous-auth flag', () => {
    assert.equal(flags(api).has('anonymous-auth'), false);
    assert.equal(flag(api, 'authentication-config'), APISERVER_CONFIG_PATHS.authentication);
    const cfg = parseYaml(fileOf(m2, APISERVER_CONFIG_PATHS.authentication).content) as { kind: string; anonymous: { enabled: boolean; conditions: { path: string }[] } };
    assert.equal(cfg.kind, 'AuthenticationConfiguration');
    assert.equal(cfg.anonymous.enabled, true);
    assert.deepEqual(
      cfg.anonymous.conditions.map((c) => c.path),
      ['/livez', '/readyz', '/healthz'],
    );
  });
  test('Secrets are encrypted at rest with the state dir key; the file is 0600, marked secret, and restarts the apiserver', () => {
    const f = fileOf(m2, APISERVER_CONFIG_PATHS.encryption);
    assert.equal(f.mode, 0o600);
    assert.equal(f.secret, true);
    assert.deepEqual(f.reloads, { unit: 'kube-apiserver.service', action: 'restart' });
    const cfg = parseYaml(f.content) as { resources: { resources: string[]; providers: Record<string, { keys?: { secret: string }[] }>[] }[] };
    assert.deepEqual(cfg.resources[0]?.resources, ['secrets']);
    assert.equal(cfg.resources[0]?.providers[0]?.['secretbox']?.keys?.[0]?.secret, TEST_SECRETS['encryption-key']);
    assert.ok('identity' in (cfg.resources[0]?.providers.at(-1) ?? {}), 'identity last: data written before encryption stays readable');
    assert.throws(() => renderCluster(spec, { 'vrrp-auth': 'x' }), /encryption-key/);
  });
  test('a changed unit or config restarts its own unit, after a daemon-reload for units', () => {
    for (const [u, f] of [
      ['etcd.service', unit('etcd.service')],
      ['kube-apiserver.service', unit('kube-apiserver.service')],
      ['kube-controller-manager.service', unit('kube-controller-manager.service')],
      ['kube-scheduler.service', unit('kube-scheduler.service')],
      ['kube-apiserver.service', APISERVER_CONFIG_PATHS.auditPolicy],
      ['kube-apiserver.service', APISERVER_CONFIG_PATHS.authentication],
    ] as const) {
      const file = fileOf(m2, f);
      assert.deepEqual(file.reloads, { unit: u, action: 'restart' }, f);
      assert.equal(file.daemonReload === true, f.endsWith('.service'), f);
    }
  });
  test('controller-manager and scheduler: leader election, loopback only, their kubeconfigs', () => {
    for (const u of ['kube-controller-manager.service', 'kube-scheduler.service']) {
      const c = fileOf(m2, unit(u)).content;
      assert.equal(flag(c, 'leader-elect'), 'true', u);
      assert.equal(flag(c, 'bind-address'), '127.0.0.1', u);
      assert.match(flag(c, 'kubeconfig') ?? '', /^\/etc\/kubernetes\/(controller-manager|scheduler)\.conf$/);
    }
    assert.equal(flag(fileOf(m2, unit('kube-controller-manager.service')).content, 'cluster-cidr'), spec.network.podCIDR);
  });
  test('the audit policy never logs Secret bodies', () => {
    const p = parseYaml(fileOf(m2, APISERVER_CONFIG_PATHS.auditPolicy).content) as { rules: { level: string; resources?: { resources: string[] }[] }[] };
    const secretRule = p.rules.findIndex((r) => r.resources?.some((g) => g.resources.includes('secrets')));
    assert.equal(p.rules[secretRule]?.level, 'Metadata');
    assert.ok(!p.rules.slice(0, secretRule).some((r) => r.level === 'Request' || r.level === 'RequestResponse'));
  });
});

test('external etcd: no etcd units, the apiservers use the external endpoints', () => {
  const spec = externalSpec();
  spec.etcd = { type: 'external', endpoints: ['https://10.77.0.51:2379', 'https://10.77.0.52:2379', 'https://10.77.0.53:2379'] };
  spec.hosts = spec.hosts.map((h) => ({ ...h, roles: h.roles.filter((r) => r !== 'etcd') }));
  const hosts = renderCluster(spec, TEST_SECRETS);
  assert.ok(!hosts.some((h) => h.services.includes('etcd.service')));
  assert.equal(flag(fileOf(host(hosts, 'master1'), unit('kube-apiserver.service')).content, 'etcd-servers'), spec.etcd.endpoints.join(','));
});

test('mode kubekey: kubeha renders no control-plane unit (kk installs it)', () => {
  const spec: ClusterSpec = { ...dedicatedSpec(), controlPlane: { ...dedicatedSpec().controlPlane, installer: 'kubekey' } };
  for (const h of renderCluster(spec, TEST_SECRETS)) {
    assert.ok(!h.files.some((f) => f.path.startsWith('/etc/systemd/system/') && !f.path.includes('.service.d/')), h.host);
    assert.ok(!h.services.some((s) => s.startsWith('kube') || s === 'etcd.service'), h.host);
  }
});

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const systemdSkip = !has('systemd-analyze') ? 'systemd-analyze is missing' : !existsSync('/lib/systemd/system/sysinit.target') ? 'no systemd unit directory to verify against' : false;

describe('systemd-analyze verify accepts every rendered control-plane unit', { skip: systemdSkip }, () => {
  // A scratch root: this machine's own unit directory (targets the units refer to), stub binaries at /usr/local/bin
  // (verify checks that ExecStart is executable; the real binaries are not needed to check the unit files).
  const root = mkdtempSync(join(tmpdir(), 'kubeha-units-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'lib/systemd'), { recursive: true });
  cpSync('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, dereference: false });
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) writeFileSync(join(root, 'usr/local/bin', b), '#!/bin/sh\n', { mode: 0o755 });
  const verify = (path: string, content: string): { status: number | null; out: string } => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, path], { encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  for (const [name, spec] of [
    ['dedicated-lb', dedicatedSpec()],
    ['stacked', stackedSpec()],
  ] as const)
    test(name, () => {
      for (const h of renderCluster(spec, TEST_SECRETS))
        for (const f of h.files.filter((x) => /\/etc\/systemd\/system\/[^/]+\.service$/.test(x.path))) {
          const r = verify(f.path, f.content);
          assert.equal(r.status, 0, `${h.host} ${f.path}: ${r.out}`);
          assert.equal(r.out.trim(), '', `${h.host} ${f.path}`);
        }
    });
  test('the harness can fail: an unknown key and a missing binary are reported', () => {
    const bad = verify('/etc/systemd/system/bad.service', '[Service]\nExecStart=/usr/local/bin/etcd\nRestartAlways=yes\n');
    assert.match(bad.out, /bad\.service:3: Unknown key/);
    const missing = verify('/etc/systemd/system/missing.service', '[Service]\nExecStart=/usr/local/bin/kubelet\n');
    assert.notEqual(missing.status, 0);
  });
});
