import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mirrorTree, relocateMirror, relocateText, unmappedAddresses } from '../../src/interop/relocate.js';
import type { Placement } from '../../src/interop/relocate.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';
import { analyzeModel } from '../../src/analyze/index.js';

const SEEDS = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url));

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[`/${relative(dir, p)}`] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const LAB = { lb0: '10.95.0.11', lb1: '10.95.0.12', m0: '10.95.0.21', m1: '10.95.0.22', m2: '10.95.0.23' };
const seed000: Placement = { hosts: { 'lb-0': 'lb0', 'lb-1': 'lb1', master1: 'm0', master2: 'm1', master3: 'm2' }, addresses: LAB, extraAddresses: { '10.10.71.67': '10.95.0.10' }, interfaces: { ens192: 'eth0' } };

describe('relocateText', () => {
  const map = new Map([
    ['10.0.0.6', '192.168.9.6'],
    ['10.0.0.67', '192.168.9.10'],
  ]);
  it('rewrites whole addresses only, keeping prefixes and ports', () => {
    assert.equal(relocateText('server a 10.0.0.6:6443 check\n  10.0.0.67/24\n', map), 'server a 192.168.9.6:6443 check\n  192.168.9.10/24\n');
    // Neither a longer address that starts with a mapped one nor one that ends with it.
    assert.equal(relocateText('110.0.0.6 10.0.0.60 10.0.0.6.1', map), '110.0.0.6 10.0.0.60 10.0.0.6.1');
  });
  it('rewrites each address once: a new address that is also an old one is not rewritten again', () => {
    const swap = new Map([
      ['10.0.0.1', '10.0.0.2'],
      ['10.0.0.2', '10.0.0.1'],
    ]);
    assert.equal(relocateText('10.0.0.1 10.0.0.2', swap), '10.0.0.2 10.0.0.1');
  });
  it('rewrites whole interface names, not parts of other words', () => {
    const ifs = new Map([['ens192', 'eth0']]);
    assert.equal(relocateText('interface ens192   # ens192.100 ens1920 xens192\n', new Map(), ifs), 'interface eth0   # ens192.100 ens1920 xens192\n');
  });
  it('lists addresses no mapping covers, loopback and the wildcard excepted', () => {
    assert.deepEqual(unmappedAddresses('log 127.0.0.1 local2\nbind 0.0.0.0:80\nserver x 10.0.0.6:1\nserver y 10.9.9.9:1 10.9.9.9', map), ['10.9.9.9']);
  });
});

describe('relocateMirror', () => {
  it("moves seed 000 onto the lab: hosts renamed, every seed address and the interface rewritten, text otherwise as written", () => {
    const src = tree(join(SEEDS, 'seed-000'));
    const r = relocateMirror(src, seed000);
    assert.ok(r.ok, r.ok ? '' : r.why);
    const m = r.mirror;
    assert.equal(m.endpoint, '10.95.0.10:6443');
    assert.deepEqual(m.hosts.map((h) => `${h.name}=${h.address}`), ['lb0=10.95.0.11', 'lb1=10.95.0.12', 'm0=10.95.0.21', 'm1=10.95.0.22', 'm2=10.95.0.23']);
    assert.deepEqual(Object.keys(m.files).sort(), ['lb0', 'lb1']);
    assert.deepEqual(m.unmapped, {});
    const ka = m.files.lb0!['/etc/keepalived/keepalived.conf']!;
    assert.match(ka, /unicast_src_ip 10\.95\.0\.11 /);
    assert.match(ka, /^\s+10\.95\.0\.12\s+#peer/m);
    assert.match(ka, /10\.95\.0\.10\/24/);
    assert.match(ka, /interface eth0 /);
    assert.doesNotMatch(ka + m.files.lb0!['/etc/haproxy/haproxy.cfg']!, /10\.10\.71\.|ens192/);
    // Same length of lines, same comments: only the addresses and the interface changed.
    const orig = src['/lb-0/etc/keepalived/keepalived.conf']!;
    assert.equal(ka.split('\n').length, orig.split('\n').length);
    assert.ok(ka.includes('#主服务器 是MASTER'));
    assert.match(m.files.lb0!['/etc/haproxy/haproxy.cfg']!, /server kube-apiserver-1 10\.95\.0\.21:6443 check\n/);
  });

  it('the relocated mirror loads and its analysis names the lab hosts', () => {
    const r = relocateMirror(tree(join(SEEDS, 'seed-000')), seed000);
    assert.ok(r.ok);
    const loaded = loadMirror(memoryFileSource(mirrorTree(r.mirror)));
    assert.ok(loaded.model);
    assert.deepEqual(loaded.model.endpoint, { address: '10.95.0.10', port: 6443 });
    const scenarios = analyzeModel(loaded.model).scenarios.map((s) => s.failure);
    assert.ok(scenarios.includes('node-down:lb0'), scenarios.join(' '));
    assert.ok(scenarios.includes('apiserver-down:10.95.0.21:6443'), scenarios.join(' '));
    assert.ok(!scenarios.some((s) => s.includes('lb-0') || s.includes('10.10.71.')));
  });

  it('seed 003: the endpoint stays a name, resolved through the relocated /etc/hosts to the new VIP', () => {
    const r = relocateMirror(tree(join(SEEDS, 'seed-003')), { hosts: { 'server7-master': 'm0', 'server8-node1': 'm1', 'server9-node2': 'm2' }, addresses: LAB, extraAddresses: { '192.168.2.199': '10.95.0.10' }, interfaces: { ens37: 'eth0' } });
    assert.ok(r.ok);
    assert.equal(r.mirror.endpoint, 'vip:6443');
    assert.match(r.mirror.files.m1!['/etc/hosts']!, /^10\.95\.0\.10\s+vip$/m);
    const loaded = loadMirror(memoryFileSource(mirrorTree(r.mirror)));
    assert.equal(loaded.model?.endpoint.address, '10.95.0.10');
  });

  it('refuses a host that is not placed, and two hosts on one', () => {
    const src = tree(join(SEEDS, 'seed-000'));
    const { master3: _dropped, ...partial } = seed000.hosts;
    const a = relocateMirror(src, { ...seed000, hosts: partial });
    assert.ok(!a.ok);
    assert.match(a.why, /master3/);
    const b = relocateMirror(src, { ...seed000, hosts: { ...seed000.hosts, master3: 'm1' } });
    assert.ok(!b.ok);
    assert.match(b.why, /two hosts .* m1/);
    const c = relocateMirror({ '/hosts.yaml': 'endpoint: 1.2.3.4:6443\nexternalLb: { address: 1.2.3.4 }\nhosts: []\n' }, seed000);
    assert.ok(!c.ok);
    assert.match(c.why, /externalLb/);
  });

  it('reports addresses of the files that no host or extra address maps', () => {
    const src = tree(join(SEEDS, 'seed-000'));
    const r = relocateMirror(src, { ...seed000, extraAddresses: {} });
    assert.ok(r.ok);
    assert.deepEqual(r.mirror.unmapped, { lb0: ['10.10.71.67'], lb1: ['10.10.71.67'] });
  });
});
