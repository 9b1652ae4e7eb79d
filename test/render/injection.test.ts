import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { parseSpec } from '../../src/cluster-spec/load.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { analyzeSpec } from '../../src/analyze/spec-analysis.js';
import { renderCluster, requiredSecrets } from '../../src/render/index.js';
import { HAPROXY_CFG } from '../../src/render/haproxy.js';
import { KEEPALIVED_CONF } from '../../src/render/keepalived.js';
import { CHECK_HAPROXY_SCRIPT } from '../../src/render/check-scripts.js';
import { HOSTS_FILE } from '../../src/render/hosts-file.js';
import { LB_CA_CERT } from '../../src/render/k8s-paths.js';

/**
 * Injection: for random strings in every string field of the spec, either the loader reports an error at that
 * field's line (exit 2), or every rendered file has exactly the lines of the baseline (the value stayed one token on
 * its line), kubeha's own parsers read the files back without error, and a sample passes `haproxy -c` and
 * `keepalived -t` (run as root in a throwaway network namespace that has the interface the spec names).
 */

/** The spec as lines; `{{F}}` is where the field under test goes (a JSON string, so any text is valid YAML). */
const FIELDS: Record<string, string> = {
  'metadata.name': 'name',
  'hosts[0].interface': 'iface0',
  'hosts[0].labels.key': 'labelKey',
  'hosts[0].labels.value': 'labelValue',
  'hosts[4].name': 'name4',
  'hosts[4].address': 'addr4',
  'hosts[4].ssh.user': 'user',
  'hosts[4].ssh.keyFile': 'keyFile',
  'hosts[4].ssh.jumpHost': 'jump',
  'loadBalancer.vip': 'vip',
  'loadBalancer.interface': 'iface',
  'loadBalancer.authSecret': 'secret',
  'loadBalancer.healthCheck.path': 'path',
  'loadBalancer.healthCheck.inter': 'inter',
  'loadBalancer.timeouts.tunnel': 'tunnel',
  'controlPlane.endpoint.domain': 'domain',
  'controlPlane.certSANs[0]': 'san',
  'controlPlane.nodePackages[0]': 'pkg',
  'network.plugin': 'plugin',
  'network.dnsDomain': 'dns',
};
const BASE: Record<string, string> = {
  name: 'demo',
  iface0: 'eth0',
  labelKey: 'zone',
  labelValue: 'a',
  name4: 'master3',
  addr4: '10.77.0.23',
  user: 'root',
  keyFile: '/root/.ssh/id_ed25519',
  jump: 'lb0',
  vip: '10.77.0.10',
  iface: 'eth0',
  secret: 'vrrp-auth',
  path: '/readyz',
  inter: '1s',
  tunnel: '4h',
  domain: 'api.demo.internal',
  san: 'api.demo.internal',
  pkg: 'conntrack',
  plugin: 'calico',
  dns: 'cluster.local',
};

function specText(values: Record<string, string>): { text: string; lineOf: Record<string, number> } {
  const v = (k: string): string => JSON.stringify(values[k]);
  const lines = [
    'apiVersion: kubeha.io/v1alpha1',
    'kind: Cluster',
    'metadata:',
    `  name: ${v('name')}`,
    'hosts:',
    '  - name: lb0',
    '    address: 10.77.0.11',
    '    roles: [loadbalancer]',
    `    interface: ${v('iface0')}`,
    '    labels:',
    `      ${v('labelKey')}: ${v('labelValue')}`,
    '  - {name: lb1, address: 10.77.0.12, roles: [loadbalancer]}',
    '  - {name: master1, address: 10.77.0.21, roles: [control-plane, etcd]}',
    '  - {name: master2, address: 10.77.0.22, roles: [control-plane, etcd]}',
    `  - name: ${v('name4')}`,
    `    address: ${v('addr4')}`,
    '    roles: [control-plane, etcd]',
    '    ssh:',
    `      user: ${v('user')}`,
    `      keyFile: ${v('keyFile')}`,
    `      jumpHost: ${v('jump')}`,
    'loadBalancer:',
    '  mode: keepalived-haproxy',
    `  vip: ${v('vip')}`,
    `  interface: ${v('iface')}`,
    '  vrrpVersion: 2',
    '  advertInt: 1',
    `  authSecret: ${v('secret')}`,
    '  healthCheck:',
    `    path: ${v('path')}`,
    `    inter: ${v('inter')}`,
    '  timeouts:',
    `    tunnel: ${v('tunnel')}`,
    'controlPlane:',
    '  endpoint:',
    `    domain: ${v('domain')}`,
    `  certSANs: [${v('san')}]`,
    `  nodePackages: [${v('pkg')}]`,
    'network:',
    `  plugin: ${v('plugin')}`,
    `  dnsDomain: ${v('dns')}`,
  ];
  const lineOf: Record<string, number> = {};
  for (const key of Object.keys(BASE)) lineOf[key] = lines.findIndex((l) => l.includes(JSON.stringify(values[key]))) + 1;
  // The label key and value share a line; so does a value equal to another's (found first): use the template's order.
  lineOf.labelKey = lineOf.labelValue = 11;
  return { text: lines.join('\n') + '\n', lineOf };
}

/** What a hostile author tries: format syntax, line breaks, long runs, unicode, and plausible values with a tail. */
const SYNTAX = [...'{}"\'#!$\\;|&`<>()*? \t\n\r\0\u2028%:/@=.-_~,+', 'tcp-request content reject', '\n    server evil 10.9.9.9:6443', '}\nvrrp_instance x {', '${HOME}', '../'];
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.array(fc.constantFrom(...SYNTAX, 'a', 'eth0', '0', '1s', '10.77.0.', 'readyz'), { maxLength: 8 }).map((xs) => xs.join('')),
  fc.tuple(fc.constantFrom('eth0', '/readyz', 'api.demo.internal', '10.77.0.10', '1s', 'conntrack', 'vrrp-auth', 'lb0'), fc.constantFrom(...SYNTAX)).map(([a, b]) => a + b),
  fc.constantFrom('0s', '0ms', '99999999d', '25d', '24d', '2147483647ms', '2147483648ms', 'x'.repeat(300), '/'.repeat(300), '-eth0', '.', '..', '../../etc/passwd', 'eth0:1', 'a'.repeat(16)),
);

interface Accepted {
  field: string;
  value: string;
  spec: ClusterSpec;
}
const accepted: Accepted[] = [];

/** Test secrets under whatever names the spec gives them. */
const secretsOf = (spec: ClusterSpec): Record<string, string> => Object.fromEntries(requiredSecrets(spec).map((n) => [n, 'Te5tPa55']));

/** The apiserver's anonymous paths: the health check's path is one more entry unless it is already a standard one. */
const AUTH_CONFIG = '/etc/kubernetes/authentication-config.yaml';
const isPathEntry = (l: string): boolean => l.startsWith('    - path: ');

function lineCounts(spec: ClusterSpec): string[] {
  return renderCluster(spec, secretsOf(spec)).flatMap((h) =>
    h.files.map((f) => `${h.host.replace(/.*/, 'h')}${f.path}:${f.content.split('\n').filter((l) => f.path !== AUTH_CONFIG || !isPathEntry(l)).length}`),
  );
}

/** The health path stays one whole `- path:` entry of the anonymous conditions, on every master. */
function authConfigHoldsPath(spec: ClusterSpec): boolean {
  const files = renderCluster(spec, secretsOf(spec)).flatMap((h) => h.files.filter((f) => f.path === AUTH_CONFIG));
  return files.every((f) => f.content.split('\n').includes(`    - path: ${spec.loadBalancer.healthCheck.path}`));
}

const baseline = parseSpec(specText(BASE).text, 'cluster.yaml');

test('the baseline spec of the property loads without error (the property is about the field alone)', () => {
  assert.ok(baseline.spec, JSON.stringify(baseline.diagnostics));
});

describe('every string field: exit 2 at the field, or one token in every rendered file', () => {
  const base = baseline.spec;
  if (!base) return;
  const baseCounts = lineCounts(base);
  for (const [field, key] of Object.entries(FIELDS))
    test(field, () => {
      fc.assert(
        fc.property(hostile, (value) => {
          const { text, lineOf } = specText({ ...BASE, [key]: value });
          const r = parseSpec(text, 'cluster.yaml');
          const errors = r.diagnostics.filter((d) => d.severity === 'error');
          if (errors.length > 0) {
            assert.ok(
              errors.some((d) => d.line === lineOf[key]),
              `${field}=${JSON.stringify(value)}: errors at lines ${errors.map((d) => `${d.line}:${d.code}`).join(', ')}, not at the field (line ${lineOf[key]})`,
            );
            return;
          }
          assert.ok(r.spec);
          // The same lines in every file: the value did not add, split or swallow one.
          assert.deepEqual(lineCounts(r.spec), baseCounts, `${field}=${JSON.stringify(value)} changed the line structure of a rendered file`);
          assert.ok(authConfigHoldsPath(r.spec), `${field}=${JSON.stringify(value)}: the health path is not one entry of the apiserver's anonymous paths`);
          const roundtrip = analyzeSpec(r.spec).findings.filter((f) => f.rule === 'render-parse-roundtrip');
          assert.deepEqual(roundtrip, [], `${field}=${JSON.stringify(value)}: kubeha's parsers reject the rendered files`);
          if (value !== BASE[key] && accepted.filter((a) => a.field === field).length < 3) accepted.push({ field, value, spec: r.spec });
        }),
        { numRuns: 150, seed: 14 },
      );
    });

  test('known injections are refused at their field', () => {
    const cases: [string, string][] = [
      ['path', '/readyz\n    tcp-request content reject'],
      ['iface', 'eth0}'],
      ['iface0', 'eth0 {'],
      ['inter', '0s'],
      ['tunnel', '25d'],
      ['secret', '../../etc/shadow'],
      ['domain', 'api.demo.internal\n10.9.9.9 evil'],
      ['labelValue', 'a\nb'],
      ['keyFile', '/root/key; rm -rf /'],
    ];
    for (const [key, value] of cases) {
      const { text, lineOf } = specText({ ...BASE, [key]: value });
      const errors = parseSpec(text, 'cluster.yaml').diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.some((d) => d.line === lineOf[key]), `${key}=${JSON.stringify(value)}: ${JSON.stringify(errors)}`);
    }
  });
});

const isRoot = process.getuid?.() === 0;
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe('a sample of accepted values passes the real tools', { skip: !has('haproxy') ? 'haproxy is not installed' : false }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kubeha-inject-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  // HAProxy reads the cluster CA (binary mode's ca-file) when it loads the config: a throwaway CA in the work dir.
  const caPem = join(work, 'ca.crt');
  spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-keyout', join(work, 'ca.key'), '-out', caPem]);
  const ns = `kubeha-inj-${process.pid}`;
  const kaSkip = !isRoot || !has('keepalived') || !has('ip') || !has('unshare');
  before(() => {
    if (kaSkip) return;
    spawnSync('ip', ['netns', 'add', ns]);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  after(() => {
    if (!kaSkip) spawnSync('ip', ['netns', 'del', ns]);
  });

  test('haproxy -c and keepalived -t accept the files of accepted random values (bounded sample)', () => {
    assert.ok(accepted.length > 0, 'the property accepted no value at all: the sample is empty');
    let n = 0;
    let kaRuns = 0;
    for (const a of accepted.slice(0, 40)) {
      const lb = renderCluster(a.spec, secretsOf(a.spec)).find((h) => h.files.some((f) => f.path === HAPROXY_CFG));
      assert.ok(lb);
      const file = (p: string): string => lb.files.find((f) => f.path === p)?.content ?? '';
      const cfg = join(work, `${n}.cfg`);
      writeFileSync(cfg, file(HAPROXY_CFG).replaceAll(LB_CA_CERT, caPem));
      const h = spawnSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' });
      assert.equal(h.status, 0, `${a.field}=${JSON.stringify(a.value)}: ${h.stdout}${h.stderr}`);
      assert.equal(file(HOSTS_FILE).split('\n').length, 5, 'the hosts block stays one comment and one entry between its markers');
      if (!kaSkip && n < 12) {
        const iface = /^\s*interface (\S+)$/m.exec(file(KEEPALIVED_CONF))?.[1] ?? 'eth0';
        // The interface the spec names must exist: Linux accepting the name is part of the promise.
        spawnSync('ip', ['-n', ns, 'link', 'del', iface]);
        const add = spawnSync('ip', ['-n', ns, 'link', 'add', iface, 'type', 'dummy'], { encoding: 'utf8' });
        if (add.status !== 0) spawnSync('ip', ['-n', ns, 'link', 'add', iface, 'type', 'veth', 'peer', 'name', `p${n}`]);
        spawnSync('ip', ['-n', ns, 'link', 'set', iface, 'up']);
        const conf = join(work, `${n}.conf`);
        const script = join(work, `${n}.sh`);
        mkdirSync(dirname(conf), { recursive: true });
        writeFileSync(conf, file(KEEPALIVED_CONF));
        writeFileSync(script, file(CHECK_HAPROXY_SCRIPT), { mode: 0o755 });
        const pid = join(work, `ka-${n}`);
        const sh = [
          'set -e',
          `mount -t tmpfs -o mode=0755 tmpfs ${dirname(CHECK_HAPROXY_SCRIPT)}`,
          `install -m 0755 -o root -g root "$1" ${CHECK_HAPROXY_SCRIPT}`,
          `exec keepalived -t -f "$2" -p ${pid}.pid -r ${pid}-vrrp.pid -c ${pid}-check.pid`,
        ].join('\n');
        const k = spawnSync('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', sh, 'sh', script, conf], { encoding: 'utf8' });
        assert.equal(k.status, 0, `${a.field}=${JSON.stringify(a.value)}: ${k.stdout}${k.stderr}`);
        assert.equal(`${k.stdout}${k.stderr}`.trim(), '', `${a.field}=${JSON.stringify(a.value)}: keepalived -t warned`);
        kaRuns++;
      }
      n++;
    }
    assert.ok(n >= 10, `only ${n} accepted values went through haproxy -c`);
    if (!kaSkip) assert.ok(kaRuns >= 10, `only ${kaRuns} keepalived -t runs`);
  });
});
