import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { renderCluster } from '../../src/render/index.js';
import { CHECK_HAPROXY_SCRIPT } from '../../src/render/check-scripts.js';
import { HAPROXY_CFG } from '../../src/render/haproxy.js';
import { LB_CA_CERT } from '../../src/render/k8s-paths.js';
import { KEEPALIVED_CONF } from '../../src/render/keepalived.js';
import { HAPROXY_DROPIN, KEEPALIVED_DROPIN } from '../../src/render/systemd.js';
import { SYSCTL_FILE } from '../../src/render/sysctl.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, dedicatedSpec, stackedSpec } from './specs.js';

/**
 * Every rendered haproxy.cfg must pass `haproxy -c -f`, every keepalived.conf `keepalived -t -f` with no output at all
 * (2.2.7 exits 5 on warnings and prints them to stderr). keepalived needs the interface and the check script at their
 * real paths: it runs as root in a throwaway network namespace with an `eth0`, inside a private mount namespace where
 * a tmpfs over /etc/keepalived holds the rendered script. Nothing touches this machine's /etc or network.
 */

const isRoot = process.getuid?.() === 0;
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const haproxySkip = !has('haproxy') || !has('openssl') ? 'haproxy or openssl is not installed (scripts/setup.sh installs them)' : false;
const keepalivedSkip = !isRoot
  ? 'keepalived -t needs root (a network namespace with eth0 and a private mount of /etc/keepalived)'
  : !has('keepalived') || !has('ip') || !has('unshare')
    ? 'keepalived, ip or unshare is missing (scripts/setup.sh installs them)'
    : false;

function variants(): [string, ClusterSpec][] {
  const v2 = dedicatedSpec();
  v2.loadBalancer = { ...v2.loadBalancer, vrrpVersion: 2, advertInt: 1 };
  const proc = dedicatedSpec();
  proc.loadBalancer = { ...proc.loadBalancer, haproxyTracker: 'process', stats: 'localhost', retries: 2 };
  const multicast = stackedSpec();
  multicast.loadBalancer = { ...multicast.loadBalancer, unicast: false, stats: 'off' };
  return [
    ['dedicated-lb', dedicatedSpec()],
    ['stacked', stackedSpec()],
    ['vrrpv2-auth', v2],
    ['track-process+stats-localhost', proc],
    ['multicast+stats-off', multicast],
  ];
}

/** Every rendered sysctl file (all hosts, all variants). */
const sysctlFiles: { label: string; path: string; content: string }[] = [];
/** Every LB host's files of every variant, written to a temp dir: [label, dir, haproxy.cfg, keepalived.conf, script]. */
const work = mkdtempSync(join(tmpdir(), 'kubeha-render-'));
// HAProxy reads the cluster CA (binary mode's ca-file) when it loads the config: a real CA certificate in a temp file,
// the rendered path pointed at it.
const caPem = join(work, 'ca.crt');
const madeCa = has('openssl')
  ? spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-keyout', join(work, 'ca.key'), '-out', caPem], { encoding: 'utf8' })
  : undefined;
const lbFiles: { label: string; cfg: string; conf: string; script: string; haproxyDropin: string; keepalivedDropin: string }[] = [];
for (const [name, spec] of variants()) {
  for (const h of renderCluster(spec, TEST_SECRETS)) {
    const paths: Record<string, string> = {};
    for (const f of h.files) {
      const p = join(work, name, h.host, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.path === HAPROXY_CFG ? f.content.replaceAll(LB_CA_CERT, caPem) : f.content, { mode: f.mode });
      paths[f.path] = p;
    }
    const sysctl = paths[SYSCTL_FILE];
    if (sysctl) sysctlFiles.push({ label: `${name}/${h.host}`, path: sysctl, content: h.files.find((f) => f.path === SYSCTL_FILE)?.content ?? '' });
    const cfg = paths[HAPROXY_CFG];
    const conf = paths[KEEPALIVED_CONF];
    const script = paths[CHECK_HAPROXY_SCRIPT];
    const haproxyDropin = paths[HAPROXY_DROPIN];
    const keepalivedDropin = paths[KEEPALIVED_DROPIN];
    if (cfg && conf && script && haproxyDropin && keepalivedDropin) lbFiles.push({ label: `${name}/${h.host}`, cfg, conf, script, haproxyDropin, keepalivedDropin });
  }
}
after(() => rmSync(work, { recursive: true, force: true }));

test('the variants under test include LB hosts of every mode', () => {
  assert.ok(lbFiles.length >= 2 * 3 + 3 * 2, `only ${lbFiles.length} LB hosts rendered`);
});

describe('haproxy -c -f accepts every rendered haproxy.cfg', { skip: haproxySkip }, () => {
  for (const f of lbFiles)
    test(f.label, () => {
      assert.equal(madeCa?.status, 0, `openssl could not make the test CA: ${madeCa?.stderr ?? ''}`);
      const r = spawnSync('haproxy', ['-c', '-f', f.cfg], { encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, out);
      assert.doesNotMatch(out, /WARNING|ALERT/, out);
    });

  test('the harness can fail: a broken haproxy.cfg is rejected', () => {
    const bad = join(work, 'bad-haproxy.cfg');
    writeFileSync(bad, 'defaults\n    mode tcp\nbackend b\n    server s 10.0.0.1:6443 check check-ssl\n');
    const r = spawnSync('haproxy', ['-c', '-f', bad], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'check-ssl without verify none or a ca-file should be refused');
  });
});

test('the harness can fail: without the cluster CA file in place a verifying haproxy.cfg is refused', { skip: haproxySkip }, () => {
  const f = lbFiles[0];
  assert.ok(f);
  const text = readFileSync(f.cfg, 'utf8');
  assert.ok(text.includes(`ca-file ${caPem}`), 'binary mode verifies against the CA');
  const bad = join(work, 'no-ca-haproxy.cfg');
  writeFileSync(bad, text.replaceAll(caPem, join(work, 'no-such-ca.crt')));
  assert.notEqual(spawnSync('haproxy', ['-c', '-f', bad], { encoding: 'utf8' }).status, 0);
});

describe('keepalived -t -f accepts every rendered keepalived.conf, silently', { skip: keepalivedSkip }, () => {
  const ns = `kubeha-t-${process.pid}`;
  const ip = (...args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  };
  before(() => {
    ip('netns', 'add', ns);
    // A dummy eth0 where the kernel has the module, else one end of a veth pair (both live only in the namespace).
    if (spawnSync('ip', ['-n', ns, 'link', 'add', 'eth0', 'type', 'dummy']).status !== 0) ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  /** Runs `keepalived -t` on conf with the script installed at its real path, in the namespace; returns status + output. */
  const check = (conf: string, script: string): { status: number | null; out: string } => {
    const pid = join(work, `ka-${process.pid}`);
    const sh = [
      'set -e',
      `mount -t tmpfs -o mode=0755 tmpfs ${dirname(CHECK_HAPROXY_SCRIPT)}`,
      `install -m 0755 -o root -g root "$1" ${CHECK_HAPROXY_SCRIPT}`,
      `exec keepalived -t -f "$2" -p ${pid}.pid -r ${pid}-vrrp.pid -c ${pid}-check.pid`,
    ].join('\n');
    const r = spawnSync('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', sh, 'sh', script, conf], {
      encoding: 'utf8',
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  for (const f of lbFiles)
    test(f.label, () => {
      const r = check(f.conf, f.script);
      assert.equal(r.status, 0, r.out);
      assert.equal(r.out.trim(), '', 'keepalived -t printed warnings');
    });

  test('sysctl -p accepts every rendered sysctl file (applied inside the throwaway namespace only)', () => {
    assert.ok(sysctlFiles.length > 0);
    for (const f of sysctlFiles) {
      const r = spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-p', f.path], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f.label}: ${r.stderr}`);
      assert.equal(r.stderr, '', f.label);
      for (const m of f.content.matchAll(/^([a-z0-9_.]+) = (\S+)$/gm)) {
        const key = m[1] ?? '';
        const got = spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-n', key], { encoding: 'utf8' }).stdout.trim();
        assert.equal(got, m[2], `${f.label}: ${key}`);
      }
    }
  });

  test('the harness can fail: an interface missing from the namespace is reported', () => {
    const f = lbFiles[0];
    assert.ok(f);
    const bad = join(work, 'bad-keepalived.conf');
    writeFileSync(bad, spawnSync('sed', ['s/eth0/eth9/g', f.conf], { encoding: 'utf8' }).stdout);
    const r = check(bad, f.script);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /eth9/);
  });
});

const UNITS = '/lib/systemd/system';
const systemdSkip = !has('systemd-analyze')
  ? 'systemd-analyze is missing'
  : !existsSync(join(UNITS, 'haproxy.service')) || !existsSync(join(UNITS, 'keepalived.service'))
    ? "Debian's haproxy.service / keepalived.service are not installed (scripts/setup.sh installs the packages)"
    : false;

describe("systemd-analyze verify accepts the drop-ins on top of Debian's units", { skip: systemdSkip }, () => {
  /** Debian's unit + our drop-in in a scratch unit directory; returns the verifier's status and output. */
  const verify = (unit: string, dropin: string): { status: number | null; out: string } => {
    const dir = mkdtempSync(join(work, 'units-'));
    copyFileSync(join(UNITS, unit), join(dir, unit));
    mkdirSync(join(dir, `${unit}.d`));
    copyFileSync(dropin, join(dir, `${unit}.d`, 'kubeha.conf'));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, unit)], { encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  for (const f of lbFiles)
    test(f.label, () => {
      for (const [unit, dropin] of [
        ['haproxy.service', f.haproxyDropin],
        ['keepalived.service', f.keepalivedDropin],
      ] as const) {
        const r = verify(unit, dropin);
        assert.equal(r.status, 0, r.out);
        assert.doesNotMatch(r.out, /kubeha\.conf/, `${unit} drop-in: ${r.out}`);
      }
    });

  test('the harness can fail: an unknown key in a drop-in is reported', () => {
    const f = lbFiles[0];
    assert.ok(f);
    const bad = join(work, 'bad-dropin.conf');
    writeFileSync(bad, '[Service]\nRestartAlways=yes\n');
    assert.match(verify('keepalived.service', bad).out, /kubeha\.conf:2: Unknown key/);
  });
});
