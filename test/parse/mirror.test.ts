import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { dirFileSource } from '../../src/cli/dir-source.js';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import type { ModelHost } from '../../src/model/types.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';
import { splitHostPort } from '../../src/parse/mirror-manifest.js';
import { parseSysctl } from '../../src/parse/sysctl.js';

const seedDir = (n: string): string => fileURLToPath(new URL(`../fixtures/seeds/seed-${n}`, import.meta.url));
const loadSeed = (n: string) => loadMirror(dirFileSource(seedDir(n)));
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const host = (hosts: ModelHost[] | undefined, name: string): ModelHost => {
  const h = hosts?.find((x) => x.name === name);
  assert.ok(h, `host ${name}`);
  return h;
};
const CERT = readFileSync(new URL('../fixtures/parse/apiserver-no-vip.crt', import.meta.url), 'utf8');
const HAPROXY = `frontend fe
    bind *:6443
    default_backend be
backend be
    server m1 10.0.0.4:6443 check
    server m2 10.0.0.5:16443 check
`;

describe('seed mirrors', () => {
  test('seed 000: two LBs with HAProxy + keepalived, masters marked as apiservers from the backends', () => {
    const { model, diagnostics } = loadSeed('000');
    assert.deepEqual(errors(diagnostics), []);
    assert.ok(model);
    assert.deepEqual(model.endpoint, { address: '10.10.71.67', port: 6443 });
    assert.deepEqual(model.hosts.map((h) => [h.name, h.address, !!h.haproxy, !!h.keepalived, h.apiserver?.port]), [
      ['lb-0', '10.10.71.77', true, true, undefined],
      ['lb-1', '10.10.71.66', true, true, undefined],
      ['master1', '10.10.71.214', false, false, 6443],
      ['master2', '10.10.71.73', false, false, 6443],
      ['master3', '10.10.71.62', false, false, 6443],
    ]);
    const lb0 = host(model.hosts, 'lb-0');
    assert.deepEqual([lb0.keepalived?.instances[0]?.state, lb0.keepalived?.instances[0]?.priority], ['MASTER', 100]);
    assert.deepEqual([host(model.hosts, 'lb-1').keepalived?.instances[0]?.priority], [90]);
    // Diagnostics from host files name the host and the file inside the mirror.
    const w = diagnostics.find((d) => d.code === 'KA_SCRIPT_SECURITY');
    assert.deepEqual([w?.host, w?.file], ['lb-0', '/lb-0/etc/keepalived/keepalived.conf']);
  });

  test('seed 001: an external LB, no keepalived, apiservers from its backends', () => {
    const { model, diagnostics } = loadSeed('001');
    assert.deepEqual(errors(diagnostics), []);
    assert.ok(model);
    assert.deepEqual(model.externalLb, {
      address: '192.168.0.253',
      port: 6443,
      hairpin: false,
      healthCheck: true,
      backends: [1, 2, 3].map((i) => ({ address: `192.168.0.${i}`, port: 6443 })),
    });
    assert.deepEqual(model.hosts.map((h) => [h.name, h.apiserver?.port, h.keepalived, h.haproxy]), [
      ['master1', 6443, undefined, undefined],
      ['master2', 6443, undefined, undefined],
      ['master3', 6443, undefined, undefined],
    ]);
  });

  test('seed 002: substituted configs, sysctl from /etc/sysctl.conf', () => {
    const { model, diagnostics } = loadSeed('002');
    assert.deepEqual(errors(diagnostics), []);
    const lb1 = host(model?.hosts, 'lb-1');
    assert.deepEqual(lb1.sysctl, { 'net.ipv4.ip_forward': '1', 'net.ipv4.ip_nonlocal_bind': '1' });
    assert.deepEqual([lb1.keepalived?.instances[0]?.state, lb1.keepalived?.instances[0]?.priority, lb1.keepalived?.instances[0]?.interface], ['MASTER', 250, 'eth0']);
    assert.equal(model?.endpoint.address, '10.168.222.18');
  });

  test('seed 003: endpoint name resolved through the hosts files; every host runs everything', () => {
    const { model, diagnostics } = loadSeed('003');
    assert.deepEqual(errors(diagnostics), []);
    assert.deepEqual(model?.endpoint, { address: '192.168.2.199', port: 6443, domain: 'vip' });
    for (const h of model?.hosts ?? []) {
      assert.ok(h.haproxy && h.keepalived, h.name);
      assert.equal(h.apiserver?.port, 6443);
      assert.equal(h.haproxy.frontends[0]?.binds[0]?.port, 16443);
      assert.equal(h.sysctl['net.ipv4.ip_nonlocal_bind'], '1');
    }
  });

  test('seed 004: lb1 BACKUP 100, lb2 MASTER 110', () => {
    const { model } = loadSeed('004');
    const ka = (n: string) => host(model?.hosts, n).keepalived?.instances[0];
    assert.deepEqual([ka('lb1')?.state, ka('lb1')?.priority, ka('lb2')?.state, ka('lb2')?.priority], ['BACKUP', 100, 'MASTER', 110]);
    assert.deepEqual(model?.hosts.filter((h) => h.apiserver).map((h) => h.address), ['172.16.0.4', '172.16.0.5', '172.16.0.6']);
  });
});

describe('manifest features', () => {
  test('explicit apiserver true/port/false, backend ports, scripts, sysctl.d order, HAProxy env, certificate SANs', () => {
    const fs = memoryFileSource({
      '/hosts.yaml': `endpoint: 10.0.0.10:6443
hosts:
  - { name: lb, address: 10.0.0.2 }
  - { name: m1, address: 10.0.0.4 }
  - { name: m2, address: 10.0.0.5, apiserver: false }
  - { name: m3, address: 10.0.0.6, apiserver: 7443 }
  - { name: m4, address: 10.0.0.7, apiserver: true }
  - { name: m5, address: 10.0.0.8 }
`,
      '/lb/etc/haproxy/haproxy.cfg': HAPROXY.replace('bind *:6443', 'bind "${VIP}:6443"'),
      '/lb/etc/default/haproxy': 'VIP=10.0.0.10\n',
      '/lb/etc/keepalived/keepalived.conf': 'vrrp_script chk {\n    script "/bin/sh /etc/keepalived/check.sh"\n}\n',
      '/lb/etc/keepalived/check.sh': '#!/bin/sh\nexec killall -0 haproxy\n',
      '/lb/etc/sysctl.d/10-a.conf': 'net.ipv4.ip_nonlocal_bind = 0\nnet.ipv4.ip_forward=1\n',
      '/lb/etc/sysctl.d/20-b.conf': 'net/ipv4/ip_nonlocal_bind = 1\n',
      '/lb/etc/sysctl.d/readme': 'not = read',
      '/lb/etc/sysctl.conf': '# comment\n; another\nnet.ipv4.ip_forward = 0\n',
      '/m5/etc/kubernetes/pki/apiserver.crt': CERT,
    });
    const { model, diagnostics } = loadMirror(fs);
    assert.deepEqual(errors(diagnostics), []);
    assert.ok(model);
    const lb = host(model.hosts, 'lb');
    assert.equal(lb.haproxy?.frontends[0]?.binds[0]?.address, '10.0.0.10');
    assert.deepEqual(lb.files, { '/etc/keepalived/check.sh': '#!/bin/sh\nexec killall -0 haproxy\n' });
    assert.deepEqual(lb.sysctl, { 'net.ipv4.ip_nonlocal_bind': '1', 'net.ipv4.ip_forward': '0' });
    assert.deepEqual(
      model.hosts.map((h) => [h.name, h.apiserver?.port]),
      [['lb', undefined], ['m1', 6443], ['m2', undefined], ['m3', 7443], ['m4', 6443], ['m5', 6443]],
    );
    assert.deepEqual(host(model.hosts, 'm5').apiserver, {
      port: 6443,
      certSANs: ['kubernetes', 'kubernetes.default', 'lb.kubesphere.local', '10.233.0.1', '10.10.71.214'],
      certFile: '/etc/kubernetes/pki/apiserver.crt',
    });
  });

  test('a backend port other than 6443 is the apiserver port', () => {
    const { model } = loadMirror(
      memoryFileSource({
        '/hosts.yaml': 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: lb, address: 10.0.0.2}\n  - {name: m2, address: 10.0.0.5}\n',
        '/lb/etc/haproxy/haproxy.cfg': HAPROXY,
      }),
    );
    assert.equal(host(model?.hosts, 'm2').apiserver?.port, 16443);
  });

  test('servers written as names: a host name, or a name the LB host resolves in /etc/hosts', () => {
    const { model } = loadMirror(
      memoryFileSource({
        '/hosts.yaml': 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: lb, address: 10.0.0.2}\n  - {name: m1, address: 10.0.0.4}\n  - {name: m2, address: 10.0.0.5}\n  - {name: m3, address: 10.0.0.6}\n',
        '/lb/etc/haproxy/haproxy.cfg': 'backend be\n    server a m1:6443 check\n    server b k8s-m2.lan:7443 check\n',
        '/lb/etc/hosts': '10.0.0.5 k8s-m2.lan k8s-m2\n',
      }),
    );
    assert.deepEqual(model?.hosts.map((h) => [h.name, h.apiserver?.port]), [['lb', undefined], ['m1', 6443], ['m2', 7443], ['m3', undefined]]);
    // HAProxy resolves the name when it starts: the model holds the address, and the name as written.
    const servers = host(model?.hosts, 'lb').haproxy?.backends[0]?.servers;
    assert.deepEqual(servers?.map((s) => [s.address, s.addressName]), [['m1', undefined], ['10.0.0.5', 'k8s-m2.lan']]);
  });

  test('a server resolved through /etc/hosts goes down with its host in the scenarios', async () => {
    const { analyzeModel } = await import('../../src/analyze/index.js');
    const { model } = loadMirror(
      memoryFileSource({
        '/hosts.yaml': 'endpoint: 10.0.0.2:6443\nhosts:\n  - {name: lb, address: 10.0.0.2}\n  - {name: m1, address: 10.0.0.4}\n  - {name: m2, address: 10.0.0.5}\n',
        '/lb/etc/haproxy/haproxy.cfg': 'defaults\n    mode tcp\n    timeout client 1h\n    timeout server 1h\n    timeout connect 5s\nfrontend fe\n    bind *:6443\n    default_backend be\nbackend be\n    server a k8s-m1:6443\n    server b k8s-m2:6443\n',
        '/lb/etc/hosts': '10.0.0.4 k8s-m1\n10.0.0.5 k8s-m2\n',
      }),
    );
    assert.ok(model);
    const s = analyzeModel(model).scenarios.find((x) => x.failure === 'node-down:m2');
    // Unchecked, without redispatch: connections sent to the dead m2 fail.
    assert.equal(s?.apiReachable, false, s?.note);
    assert.match(s?.note ?? '', /b dead/);
  });

  test('absolute include paths in a host config are read inside that host folder', () => {
    const { model, diagnostics } = loadMirror(
      memoryFileSource({
        '/hosts.yaml': 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: lb, address: 10.0.0.2}\n',
        '/lb/etc/keepalived/keepalived.conf': 'include /etc/keepalived/conf.d/*.conf\n',
        '/lb/etc/keepalived/conf.d/vi.conf': 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 5\n    @lb priority 150\n}\n',
        '/etc/keepalived/conf.d/wrong.conf': 'vrrp_instance WRONG {\n}\n',
      }),
    );
    const inst = host(model?.hosts, 'lb').keepalived?.instances;
    assert.deepEqual(inst?.map((i) => [i.name, i.priority, i.at?.file]), [['VI_1', 150, '/lb/etc/keepalived/conf.d/vi.conf']]);
    assert.deepEqual(errors(diagnostics), []);
  });

  test('a manifest below the root: host folders are next to it', () => {
    const { model } = loadMirror(
      memoryFileSource({ '/mirror/hosts.yaml': 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: lb, address: 10.0.0.2}\n', '/mirror/lb/etc/haproxy/haproxy.cfg': HAPROXY }),
      '/mirror/hosts.yaml',
    );
    assert.ok(host(model?.hosts, 'lb').haproxy);
  });
});

describe('manifest errors', () => {
  const load = (yaml: string, extra: Record<string, string> = {}) => loadMirror(memoryFileSource({ '/hosts.yaml': yaml, ...extra }));

  test('missing manifest, YAML syntax error, not a mapping', () => {
    assert.deepEqual(loadMirror(memoryFileSource({})).diagnostics.map((d) => d.code), ['MIRROR_MANIFEST_MISSING']);
    const syn = load('endpoint: [1.2.3.4\nhosts: x\n');
    assert.equal(syn.model, undefined);
    assert.equal(syn.diagnostics[0]?.code, 'MIRROR_YAML_SYNTAX');
    assert.ok(syn.diagnostics[0]?.line);
    assert.equal(load('- a\n').diagnostics[0]?.code, 'MIRROR_BAD_MANIFEST');
  });

  test('bad endpoint, bad and duplicate hosts, with positions', () => {
    const r = load(`endpoint: 10.0.0.10
hosts:
  - { name: a, address: 10.0.0.1 }
  - { name: a, address: 10.0.0.2 }
  - { name: b, address: 10.0.0.1 }
  - { name: "x/y", address: 10.0.0.3 }
  - { name: c, address: nope, apiserver: maybe }
extra: 1
`);
    assert.equal(r.model, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.line]),
      [
        ['MIRROR_UNKNOWN_KEY', 8],
        ['MIRROR_DUPLICATE_HOST', 4],
        ['MIRROR_DUPLICATE_HOST', 5],
        ['MIRROR_BAD_HOST', 6],
        ['MIRROR_BAD_ADDRESS', 7],
        ['MIRROR_BAD_ENDPOINT', 1],
      ],
    );
  });

  test('an endpoint name no hosts file knows is an error; conflicting answers a warning', () => {
    const unresolved = load('endpoint: api.local:6443\nhosts:\n  - {name: a, address: 10.0.0.1}\n');
    assert.deepEqual(unresolved.diagnostics.map((d) => [d.code, d.line, d.col]), [['MIRROR_ENDPOINT_UNRESOLVED', 1, 11]]);
    const split = load('endpoint: api.local:6443\nhosts:\n  - {name: a, address: 10.0.0.1}\n  - {name: b, address: 10.0.0.2}\n', {
      '/a/etc/hosts': '10.0.0.10 api.local\n',
      '/b/etc/hosts': '# local override\n127.0.0.1 api.local\n',
    });
    assert.deepEqual(split.model?.endpoint, { address: '10.0.0.10', port: 6443, domain: 'api.local' });
    assert.ok(split.diagnostics.some((d) => d.code === 'MIRROR_ENDPOINT_AMBIGUOUS' && d.severity === 'warning'));
  });

  test('bad externalLb values', () => {
    const r = load('endpoint: 10.0.0.1:6443\nexternalLb: {address: x, port: 0, hairpin: maybe, backends: [nope]}\nhosts: []\n');
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['MIRROR_BAD_ADDRESS', 'MIRROR_BAD_VALUE', 'MIRROR_BAD_VALUE', 'MIRROR_BAD_VALUE']);
  });

  test('every hosts.yaml error has a stable code, line:col and a hint', () => {
    const broken = [
      'endpoint: [1.2.3.4\nhosts: x\n',
      '- a\n',
      'endpoint: 10.0.0.1:6443\nhosts: 5\n',
      'endpoint: 10.0.0.1:6443\nhosts:\n  - just-a-name\n  - {name: a, address: nope, apiserver: maybe}\n  - {name: b, address: 10.0.0.2}\n  - {name: b, address: 10.0.0.3}\n',
      'endpoint: 10.0.0.10\nhosts:\n  - {name: a, address: 10.0.0.1}\n',
      'endpoint: 10.0.0.1:6443\nexternalLb: {address: x, port: 0, hairpin: maybe, healthCheck: 2, backends: [nope]}\nhosts: []\n',
      'endpoint: 10.0.0.1:6443\nexternalLb: 3\nhosts: []\n',
    ];
    for (const y of broken) {
      const errors = load(y).diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.length > 0, y);
      for (const d of errors) {
        assert.match(d.code, /^MIRROR_[A-Z_]+$/, y);
        assert.ok(d.file === '/hosts.yaml' && (d.line ?? 0) >= 1 && (d.col ?? 0) >= 1, `${d.code} at ${d.line}:${d.col} in ${y}`);
        assert.ok((d.hint ?? '').length > 0, `${d.code} has a hint (${y})`);
      }
    }
  });

  test('a folder no host names is a warning, with a did-you-mean toward a host without a folder', () => {
    const r = load('endpoint: 10.0.0.1:6443\nhosts:\n  - {name: lb1, address: 10.0.0.11}\n  - {name: lb2, address: 10.0.0.12}\n', {
      '/lb1/etc/haproxy/haproxy.cfg': 'global\n',
      '/lb-2/etc/haproxy/haproxy.cfg': 'global\n',
    });
    const d = r.diagnostics.find((x) => x.code === 'MIRROR_UNLISTED_FOLDER');
    assert.equal(d?.severity, 'warning');
    assert.match(d?.message ?? '', /'lb-2'/);
    assert.match(d?.hint ?? '', /rename it to 'lb2'/);
    assert.ok(r.model, 'still analysed');
    assert.ok(!load('endpoint: 10.0.0.1:6443\nhosts:\n  - {name: lb1, address: 10.0.0.11}\n', { '/lb1/etc/hosts': '' }).diagnostics.some((x) => x.code === 'MIRROR_UNLISTED_FOLDER'));
  });

  test('splitHostPort', () => {
    assert.deepEqual(splitHostPort('[fd00::1]:6443'), { host: 'fd00::1', port: 6443 });
    assert.deepEqual(splitHostPort('vip:6443'), { host: 'vip', port: 6443 });
    assert.equal(splitHostPort('10.0.0.1'), undefined);
    assert.equal(splitHostPort('10.0.0.1:0'), undefined);
  });
});

describe('sysctl', () => {
  test('comments, `-` prefix, slashes, bad lines with positions', () => {
    const r = parseSysctl('# c\n-net.ipv4.ip_forward = 1\nkernel/pid_max=1000\n  garbage line\n = x\n', '/s.conf');
    assert.deepEqual(r.values, { 'net.ipv4.ip_forward': '1', 'kernel.pid_max': '1000' });
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.col]), [['SYSCTL_BAD_LINE', 4, 3], ['SYSCTL_BAD_LINE', 5, 2]]);
  });
});

describe('dirFileSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-dirsrc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  test('reads text files, not binary or oversized ones, never outside the directory', () => {
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'a.conf'), 'x = 1\n');
    writeFileSync(join(dir, 'etc', 'bin'), Buffer.from([0x7f, 0x45, 0x00, 0x01]));
    writeFileSync(join(dir, 'etc', 'big'), 'y'.repeat(2048));
    const fs = dirFileSource(dir, 1024);
    assert.equal(fs.readFile('/etc/a.conf'), 'x = 1\n');
    assert.equal(fs.readFile('/etc/bin'), undefined);
    assert.equal(fs.readFile('/etc/big'), undefined);
    assert.equal(fs.readFile('/etc'), undefined);
    assert.equal(fs.readFile('/../../etc/passwd'), undefined);
    assert.equal(fs.readFile('/nope'), undefined);
    assert.deepEqual(fs.listDir('/etc'), ['a.conf', 'big', 'bin']);
    assert.equal(fs.listDir('/etc/a.conf'), undefined);
  });
});
