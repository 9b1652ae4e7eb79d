import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderCluster, renderMirrorManifest, requiredSecrets } from '../../src/render/index.js';
import { LB_CA_CERT } from '../../src/render/k8s-paths.js';
import { HAPROXY_CFG } from '../../src/render/haproxy.js';
import { KEEPALIVED_CONF, renderKeepalivedConf } from '../../src/render/keepalived.js';
import { HOSTS_FILE } from '../../src/render/hosts-file.js';
import { SYSCTL_FILE } from '../../src/render/sysctl.js';
import { HAPROXY_DROPIN, KEEPALIVED_DROPIN } from '../../src/render/systemd.js';
import type { RenderedHost } from '../../src/render/types.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, dedicatedSpec, externalSpec, stackedSpec } from './specs.js';

const file = (hosts: RenderedHost[], host: string, path: string): string | undefined =>
  hosts.find((h) => h.host === host)?.files.find((f) => f.path === path)?.content;
const must = (s: string | undefined, what: string): string => {
  assert.ok(s !== undefined, `${what} was not rendered`);
  return s;
};
/** Setting lines only (comments dropped), trimmed. */
const settings = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
const allLbConfigs = (spec: ClusterSpec): { cfg: string[]; conf: string[] } => {
  const hosts = renderCluster(spec, TEST_SECRETS);
  return {
    cfg: hosts.flatMap((h) => h.files.filter((f) => f.path === HAPROXY_CFG).map((f) => f.content)),
    conf: hosts.flatMap((h) => h.files.filter((f) => f.path === KEEPALIVED_CONF).map((f) => f.content)),
  };
};

const specs: [string, () => ClusterSpec][] = [
  ['dedicated', dedicatedSpec],
  ['stacked', stackedSpec],
];

for (const [name, make] of specs) {
  test(`${name}: every checked server uses HTTPS /readyz (no httpchk without check-ssl, expect 200)`, () => {
    const { cfg } = allLbConfigs(make());
    assert.ok(cfg.length >= 2);
    for (const text of cfg) {
      const lines = settings(text);
      assert.ok(lines.includes('option httpchk'));
      assert.ok(lines.includes('http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host kubernetes'), 'HTTP/1.1 needs a Host header');
      assert.ok(lines.includes('http-check expect status 200'));
      const servers = lines.filter((l) => l.startsWith('server '));
      assert.equal(servers.length, 3);
      for (const s of servers) {
        assert.match(s, /\bcheck\b/);
        assert.match(s, /\bcheck-ssl\b/, `httpchk without check-ssl marks every apiserver down: ${s}`);
        assert.match(s, /\bverify (none|required ca-file \S+)\b/);
        assert.match(s, /\binter 1s fastinter 250ms fall 2 rise 2\b/);
      }
    }
  });

  test(`${name}: TCP mode, redispatch, retries, a tunnel timeout long enough for watches`, () => {
    for (const text of allLbConfigs(make()).cfg) {
      const lines = settings(text);
      for (const l of ['mode tcp', 'option redispatch 1', 'retries 3', 'timeout tunnel 4h', 'timeout client 1m', 'timeout server 1m', 'timeout connect 5s'])
        assert.ok(lines.includes(l), `missing "${l}"`);
    }
  });

  test(`${name}: stats never on a TCP port of every address, never with a password`, () => {
    for (const stats of ['socket', 'localhost', 'off'] as const) {
      const spec = make();
      spec.loadBalancer = { ...spec.loadBalancer, stats };
      for (const text of allLbConfigs(spec).cfg) {
        const lines = settings(text);
        assert.ok(!lines.some((l) => l.startsWith('stats auth')), 'stats auth');
        const binds = lines.filter((l) => l.startsWith('bind '));
        for (const b of binds) assert.doesNotMatch(b, /^bind (\*|0\.0\.0\.0|::|:)/, `binds every address: ${b}`);
        if (stats === 'socket') assert.ok(lines.some((l) => /^stats socket \/\S+ mode 600 /.test(l)));
        if (stats === 'localhost') assert.ok(binds.includes('bind 127.0.0.1:8404'));
        if (stats === 'off') assert.ok(!lines.some((l) => l.startsWith('stats ')));
      }
    }
  });

  test(`${name}: keepalived nodes all start BACKUP with equal priorities; trackers move the VIP`, () => {
    const spec = make();
    const { conf } = allLbConfigs(spec);
    assert.ok(conf.length >= 2);
    const priorities = conf.map((c) => Number(/^\s*priority (\d+)$/m.exec(c)?.[1]));
    assert.equal(new Set(priorities).size, 1, `priorities differ: ${priorities.join(',')}`);
    const gap = Math.max(...priorities) - Math.min(...priorities);
    for (const c of conf) {
      const lines = settings(c);
      assert.ok(lines.includes('state BACKUP'));
      assert.ok(!lines.includes('state MASTER'));
      assert.ok(!lines.includes('nopreempt'), 'nopreempt would keep the VIP on a node whose HAProxy check fails');
      assert.ok(lines.includes(`virtual_router_id ${spec.loadBalancer.virtualRouterId}`));
      assert.ok(lines.includes('version 3'));
      assert.ok(lines.includes('advert_int 0.05'));
      assert.ok(!lines.includes('authentication {'), 'VRRPv3 has no authentication');
      assert.ok(lines.includes(`${spec.loadBalancer.vip}/32 dev eth0`));
      assert.ok(lines.includes('enable_script_security'));
      assert.ok(lines.some((l) => l.startsWith('script_user ')));
      const weights = [...c.matchAll(/^\s*weight (-?\d+)$/gm)].map((m) => Number(m[1]));
      // One event tracker with weight 0 (FAULT) and one port probe whose negative weight exceeds any priority gap.
      assert.ok(weights.includes(0));
      const negative = weights.filter((w) => w < 0);
      assert.equal(negative.length, 1);
      assert.ok(-(negative[0] ?? 0) > gap);
      assert.ok(!weights.some((w) => w > 0), 'a positive weight smaller than the gap never moves the VIP (seeds 000, 004)');
    }
  });
}

test('unicast: each LB node names itself as source and every other LB node as peer', () => {
  const spec = dedicatedSpec();
  const hosts = renderCluster(spec, TEST_SECRETS);
  const lb0 = settings(must(file(hosts, 'lb0', KEEPALIVED_CONF), 'lb0 keepalived.conf'));
  assert.ok(lb0.includes('unicast_src_ip 10.77.0.11'));
  const peers = lb0.slice(lb0.indexOf('unicast_peer {') + 1, lb0.indexOf('}', lb0.indexOf('unicast_peer {')));
  assert.deepEqual(peers, ['10.77.0.12']);
  const m2 = settings(must(file(renderCluster(stackedSpec(), TEST_SECRETS), 'master2', KEEPALIVED_CONF), 'master2'));
  const p2 = m2.slice(m2.indexOf('unicast_peer {') + 1, m2.indexOf('}', m2.indexOf('unicast_peer {')));
  assert.deepEqual(p2, ['10.77.0.21', '10.77.0.23']);
});

test('VRRPv2: PASS auth with the secret from the state dir, at most 8 characters; the file is 0600 and marked secret', () => {
  const spec = dedicatedSpec();
  spec.loadBalancer = { ...spec.loadBalancer, vrrpVersion: 2, advertInt: 1 };
  assert.deepEqual(requiredSecrets(spec), ['vrrp-auth', 'encryption-key']);
  const hosts = renderCluster(spec, TEST_SECRETS);
  const f = hosts.find((h) => h.host === 'lb0')?.files.find((x) => x.path === KEEPALIVED_CONF);
  assert.ok(f);
  assert.equal(f.mode, 0o600);
  assert.equal(f.secret, true);
  assert.ok(settings(f.content).includes(`auth_pass ${TEST_SECRETS['vrrp-auth']}`));
  const lb0 = spec.hosts[0];
  assert.ok(lb0);
  assert.throws(() => renderKeepalivedConf(spec, lb0, [], {}), /missing/);
  assert.throws(() => renderKeepalivedConf(spec, lb0, [], { 'vrrp-auth': '123456789' }), /1-8/);
  assert.deepEqual(requiredSecrets(dedicatedSpec()), ['encryption-key'], 'VRRPv3 needs no secret, binary mode its encryption key');
});

test('tracker: file (default) is driven by the haproxy drop-in; process uses vrrp_track_process', () => {
  const hosts = renderCluster(dedicatedSpec(), TEST_SECRETS);
  const conf = must(file(hosts, 'lb0', KEEPALIVED_CONF), 'conf');
  const dropin = must(file(hosts, 'lb0', HAPROXY_DROPIN), 'drop-in');
  const path = /^\s*file "([^"]+)"$/m.exec(conf)?.[1];
  assert.ok(path);
  assert.ok(dropin.includes(`ExecStartPost=-/bin/sh -c 'echo 0 > ${path}'`));
  assert.ok(dropin.includes(`ExecStopPost=-/bin/sh -c 'echo 1 > ${path}'`));
  assert.ok(settings(dropin).includes('Restart=always'));
  const ka = settings(must(file(hosts, 'lb0', KEEPALIVED_DROPIN), 'ka drop-in'));
  assert.ok(ka.includes('After=haproxy.service'));
  // The state file is synced with HAProxy's real state before keepalived reads it: at start and before SIGHUP.
  const sync = `/bin/sh -c 'if systemctl is-active --quiet haproxy.service; then echo 0; else echo 1; fi > ${path}'`;
  assert.ok(ka.includes(`ExecStartPre=-${sync}`));
  const reload = ka.filter((l) => l.startsWith('ExecReload='));
  assert.deepEqual(reload, ['ExecReload=', `ExecReload=-${sync}`, 'ExecReload=/bin/kill -HUP $MAINPID']);
  const spec = dedicatedSpec();
  spec.loadBalancer = { ...spec.loadBalancer, haproxyTracker: 'process' };
  const p = renderCluster(spec, TEST_SECRETS);
  const pconf = settings(must(file(p, 'lb0', KEEPALIVED_CONF), 'conf'));
  assert.ok(pconf.includes('vrrp_track_process haproxy_running {'));
  assert.ok(!pconf.some((l) => l.startsWith('track_file')));
  assert.ok(!must(file(p, 'lb0', HAPROXY_DROPIN), 'drop-in').includes('ExecStopPost'));
  assert.ok(!must(file(p, 'lb0', KEEPALIVED_DROPIN), 'drop-in').includes('ExecReload'));
});

test('stacked: HAProxy listens on the LB port, never on the apiserver port, and balances the masters at 6443', () => {
  const spec = stackedSpec();
  const cfg = settings(must(file(renderCluster(spec, TEST_SECRETS), 'master1', HAPROXY_CFG), 'cfg'));
  const binds = cfg.filter((l) => l.startsWith('bind '));
  assert.deepEqual(binds, ['bind 10.77.0.10:8443', 'bind 127.0.0.1:8443']);
  assert.ok(!binds.some((b) => b.endsWith(':6443')));
  assert.ok(cfg.includes(`server master3 10.77.0.23:6443 check check-ssl verify required ca-file ${LB_CA_CERT} check-sni kubernetes verifyhost kubernetes inter 1s fastinter 250ms fall 2 rise 2`));
  for (const l of ['option srvtcpka', 'srvtcpka-idle 5s', 'srvtcpka-intvl 1s', 'srvtcpka-cnt 3']) assert.ok(cfg.includes(l), `idle server connections probed by TCP keepalive: ${l}`);
  assert.ok(!cfg.some((l) => l.includes('shutdown-sessions')), 'a failed pair of checks does not cut live sessions');
});

test('binary mode (kubeha\'s PKI): the check verifies each apiserver against the cluster CA for the name kubernetes; other modes read only the status', () => {
  for (const make of [dedicatedSpec, stackedSpec]) {
    for (const [mode, verified] of [
      ['binary', true],
      ['kubeadm', false],
      ['kubekey', false],
    ] as const) {
      const spec = make();
      spec.controlPlane = { ...spec.controlPlane, installer: mode };
      const cfgs = renderCluster(spec, TEST_SECRETS).flatMap((h) => h.files.filter((f) => f.path === HAPROXY_CFG));
      assert.ok(cfgs.length >= 2);
      for (const cfg of cfgs) {
        const servers = settings(cfg.content).filter((l) => l.startsWith('server '));
        assert.equal(servers.length, 3);
        for (const sv of servers) {
          if (verified) {
            assert.match(sv, new RegExp(`\\bcheck-ssl verify required ca-file ${LB_CA_CERT} check-sni kubernetes verifyhost kubernetes\\b`));
            assert.doesNotMatch(sv, /verify none/);
          } else assert.match(sv, /\bcheck-ssl verify none\b/, mode);
        }
      }
    }
  }
});

test('LB hosts get ip_nonlocal_bind (HAProxy binds the VIP), nodes ip_forward; workers get no LB files', () => {
  const hosts = renderCluster(stackedSpec(), TEST_SECRETS);
  const m1 = settings(must(file(hosts, 'master1', SYSCTL_FILE), 'sysctl'));
  assert.deepEqual(m1, ['net.ipv4.ip_nonlocal_bind = 1', 'net.ipv4.ip_forward = 1']);
  const w = hosts.find((h) => h.host === 'worker1');
  assert.ok(w);
  assert.deepEqual(
    w.files.map((f) => f.path),
    [HOSTS_FILE, SYSCTL_FILE],
  );
  assert.deepEqual(w.packages, ['conntrack', 'socat'], 'a worker gets the node packages of the spec');
  // Stacked: a master is an LB and a node, so it gets both.
  assert.deepEqual(hosts.find((h) => h.host === 'master1')?.packages, ['haproxy', 'keepalived', 'conntrack', 'socat', 'kubeha-etcd', 'kubeha-kube-apiserver', 'kubeha-kube-controller-manager', 'kubeha-kube-scheduler']);
  const lb0 = renderCluster(dedicatedSpec(), TEST_SECRETS).find((h) => h.host === 'lb0');
  assert.deepEqual(lb0?.packages, ['haproxy', 'keepalived'], 'a dedicated LB is no Kubernetes node: no node packages');
  assert.ok(lb0?.files.find((f) => f.path === SYSCTL_FILE)?.appliesSysctl);
});

test('nodePackages: [] leaves Kubernetes nodes without packages', () => {
  const spec = dedicatedSpec();
  spec.controlPlane.nodePackages = [];
  for (const h of renderCluster(spec, TEST_SECRETS)) assert.deepEqual(h.packages.filter((p) => !p.startsWith('kubeha-')), h.host.startsWith('lb') ? ['haproxy', 'keepalived'] : [], h.host);
});

test('external: no HAProxy or keepalived anywhere; hosts entries point at the LB, masters at themselves without hairpin', () => {
  const hosts = renderCluster(externalSpec(), TEST_SECRETS);
  for (const h of hosts) for (const f of h.files) assert.ok(![HAPROXY_CFG, KEEPALIVED_CONF, HAPROXY_DROPIN].includes(f.path), `${h.host}: ${f.path}`);
  assert.ok(settings(must(file(hosts, 'worker1', HOSTS_FILE), 'hosts')).includes('10.77.0.5 api.demo.internal'));
  assert.ok(settings(must(file(hosts, 'master1', HOSTS_FILE), 'hosts')).includes('127.0.0.1 api.demo.internal'));
  const spec = externalSpec();
  spec.loadBalancer = { ...spec.loadBalancer, hairpin: true };
  assert.ok(settings(must(file(renderCluster(spec, TEST_SECRETS), 'master1', HOSTS_FILE), 'hosts')).includes('10.77.0.5 api.demo.internal'));
});

test('/etc/hosts is a managed block between markers; no domain, no block', () => {
  const f = renderCluster(dedicatedSpec(), TEST_SECRETS)[2]?.files.find((x) => x.path === HOSTS_FILE);
  assert.ok(f?.managedBlock);
  const lines = f.content.trimEnd().split('\n');
  assert.equal(lines[0], f.managedBlock.begin);
  assert.equal(lines.at(-1), f.managedBlock.end);
  const spec = dedicatedSpec();
  spec.controlPlane = { ...spec.controlPlane, endpoint: { address: '10.77.0.10', port: 6443 } };
  for (const h of renderCluster(spec, TEST_SECRETS)) assert.ok(!h.files.some((x) => x.path === HOSTS_FILE));
});

test('files come in install order: the check script before keepalived.conf (keepalived -t needs it)', () => {
  const lb0 = renderCluster(dedicatedSpec(), TEST_SECRETS).find((h) => h.host === 'lb0');
  assert.ok(lb0);
  const paths = lb0.files.map((f) => f.path);
  const firstValidated = lb0.files.findIndex((f) => f.validate);
  assert.ok(firstValidated > 0);
  assert.ok(lb0.files.slice(firstValidated).every((f) => f.validate), paths.join(' '));
  assert.ok(paths.indexOf('/etc/keepalived/kubeha-check-haproxy.sh') < paths.indexOf(KEEPALIVED_CONF));
});

test('renderCluster is deterministic and keeps the spec order of hosts', () => {
  const a = renderCluster(dedicatedSpec(), TEST_SECRETS);
  assert.deepEqual(a, renderCluster(dedicatedSpec(), TEST_SECRETS));
  assert.deepEqual(
    a.map((h) => h.host),
    ['lb0', 'lb1', 'master1', 'master2', 'master3'],
  );
});

test('the mirror manifest names the endpoint and every host', () => {
  const m = parse(renderMirrorManifest(dedicatedSpec())) as { endpoint: string; hosts: { name: string; address: string }[] };
  assert.equal(m.endpoint, '10.77.0.10:6443');
  assert.deepEqual(m.hosts[0], { name: 'lb0', address: '10.77.0.11' });
  assert.equal(m.hosts.length, 5);
});
