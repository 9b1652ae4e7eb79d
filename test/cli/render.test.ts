import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/diag/errors.js';
import { formatSummary, writeMirror } from '../../src/cli/render.js';
import { renderCluster } from '../../src/render/index.js';
import { TEST_SECRETS, dedicatedSpec, stackedSpec } from '../render/specs.js';

const root = mkdtempSync(join(tmpdir(), 'kubeha-mirror-'));
after(() => rmSync(root, { recursive: true, force: true }));

const v2 = () => {
  const spec = dedicatedSpec();
  spec.loadBalancer = { ...spec.loadBalancer, vrrpVersion: 2, advertInt: 1 };
  return spec;
};

test('writeMirror writes DIR/<host>/<real path> with the file modes, and DIR/hosts.yaml', async () => {
  const out = join(root, 'm1');
  const spec = v2();
  const summary = await writeMirror(out, spec, renderCluster(spec, TEST_SECRETS));
  assert.ok(existsSync(join(out, 'lb0/etc/haproxy/haproxy.cfg')));
  assert.equal(statSync(join(out, 'lb0/etc/keepalived/keepalived.conf')).mode & 0o777, 0o600);
  assert.equal(statSync(join(out, 'lb0/etc/keepalived/kubeha-check-haproxy.sh')).mode & 0o777, 0o755);
  assert.match(readFileSync(join(out, 'hosts.yaml'), 'utf8'), /^endpoint: 10\.77\.0\.10:6443$/m);
  assert.equal(summary.hosts.length, 5);
  assert.equal(summary.hosts[0]?.files.length, 7);
  const text = formatSummary(summary) + JSON.stringify(summary);
  assert.doesNotMatch(text, new RegExp(TEST_SECRETS['vrrp-auth']), 'the summary never shows a secret');
  assert.match(formatSummary(summary), /^lb0 +10\.77\.0\.11 +7 +\d+$/m);
});

test('a previous mirror is replaced: hosts no longer rendered disappear', async () => {
  const out = join(root, 'm2');
  await writeMirror(out, dedicatedSpec(), renderCluster(dedicatedSpec(), TEST_SECRETS));
  assert.ok(existsSync(join(out, 'lb0')));
  await writeMirror(out, stackedSpec(), renderCluster(stackedSpec(), TEST_SECRETS));
  assert.ok(!existsSync(join(out, 'lb0')), 'stale host directory left behind');
  assert.ok(existsSync(join(out, 'master1/etc/haproxy/haproxy.cfg')));
});

test('a re-render removes files no longer rendered and fixes modes of rewritten ones', async () => {
  const out = join(root, 'm4');
  await writeMirror(out, v2(), renderCluster(v2(), TEST_SECRETS));
  assert.equal(statSync(join(out, 'lb1/etc/keepalived/keepalived.conf')).mode & 0o777, 0o600);
  const spec = dedicatedSpec();
  const lb1 = spec.hosts.find((h) => h.name === 'lb1');
  assert.ok(lb1);
  lb1.roles = ['worker'];
  await writeMirror(out, spec, renderCluster(spec, TEST_SECRETS));
  assert.ok(!existsSync(join(out, 'lb1/etc/haproxy/haproxy.cfg')), 'stale haproxy.cfg left on a host that is no longer an LB');
  assert.ok(existsSync(join(out, 'lb1/etc/sysctl.d/90-kubeha.conf')));
  assert.equal(statSync(join(out, 'lb0/etc/keepalived/keepalived.conf')).mode & 0o777, 0o644, 'VRRPv3 config has no secret: 0644');
});

test('a non-empty directory that is not a mirror is refused with a diagnostic (exit 2)', async () => {
  const out = join(root, 'm3');
  mkdirSync(out);
  writeFileSync(join(out, 'precious.txt'), 'x');
  await assert.rejects(writeMirror(out, dedicatedSpec(), renderCluster(dedicatedSpec(), TEST_SECRETS)), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.diagnostics[0]?.code, 'E_OUT_NOT_MIRROR');
    return true;
  });
  assert.ok(existsSync(join(out, 'precious.txt')));
});

test('an --out the file system refuses is bad input, not a hang or an internal error', async () => {
  // Node 20's mkdirSync(recursive) spins forever under /proc (mkdir answers ENOENT although /proc exists).
  const places = [join('/proc', `kubeha-${process.pid}`), join('/proc', `kubeha-${process.pid}`, 'deeper'), join(root, 'm1', 'hosts.yaml', 'x')];
  for (const out of places) {
    if (out.startsWith('/proc') && !existsSync('/proc/self')) continue;
    await assert.rejects(writeMirror(out, dedicatedSpec(), renderCluster(dedicatedSpec(), TEST_SECRETS)), (err: unknown) => {
      assert.ok(err instanceof InputError, `${out}: ${String(err)}`);
      assert.equal(err.diagnostics[0]?.code, 'E_OUT_DIR');
      assert.ok(err.diagnostics[0]?.hint);
      return true;
    });
  }
});

const SPEC = `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata:
  name: demo
hosts:
  - {name: lb0, address: 10.77.0.11, roles: [loadbalancer]}
  - {name: lb1, address: 10.77.0.12, roles: [loadbalancer]}
  - {name: master1, address: 10.77.0.21, roles: [control-plane, etcd]}
  - {name: master2, address: 10.77.0.22, roles: [control-plane, etcd]}
  - {name: master3, address: 10.77.0.23, roles: [control-plane, etcd]}
loadBalancer:
  mode: keepalived-haproxy
  vip: 10.77.0.10
  vrrpVersion: 2
`;
const ENTRY = join(import.meta.dirname, '..', '..', 'src', 'cli', 'entry.ts');
const kubeha = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });

test('kubeha render SPEC --out DIR --output json: the mirror, a 0600 secret in the state dir, no secret in the output', () => {
  const dir = join(root, 'cli1');
  mkdirSync(dir);
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  const r = kubeha('render', join(dir, 'cluster.yaml'), '--out', join(dir, 'out'), '--output', 'json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { hosts: { host: string; files: { path: string }[] }[] };
  assert.deepEqual(
    summary.hosts.map((h) => h.host),
    ['lb0', 'lb1', 'master1', 'master2', 'master3'],
  );
  const secretFile = join(dir, '.kubeha', 'demo', 'secrets', 'vrrp-auth');
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
  const secret = readFileSync(secretFile, 'utf8').trim();
  assert.match(readFileSync(join(dir, 'out', 'lb1', 'etc', 'keepalived', 'keepalived.conf'), 'utf8'), new RegExp(`auth_pass ${secret}$`, 'm'));
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the secret was printed');
});

test('kubeha render into a non-empty foreign directory exits 2 with a diagnostic, no stack trace', () => {
  const dir = join(root, 'cli2');
  mkdirSync(join(dir, 'out'), { recursive: true });
  writeFileSync(join(dir, 'out', 'keep.txt'), 'x');
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  const r = kubeha('render', join(dir, 'cluster.yaml'), '--out', join(dir, 'out'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /error\[E_OUT_NOT_MIRROR\]/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('kubeha render /dev/stdin keeps the secrets next to the redirected spec or in the current directory, never under /dev', () => {
  // cwd is outside the repo: tsx is imported by URL.
  const TSX = import.meta.resolve('tsx');
  const dir = join(root, 'stdin');
  const cwd = join(dir, 'work');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  const run = (stdin: number) =>
    spawnSync(process.execPath, ['--import', TSX, ENTRY, 'render', '/dev/stdin', '--out', join(cwd, 'out')], { encoding: 'utf8', cwd, stdio: [stdin, 'pipe', 'pipe'] });
  const fd = openSync(join(dir, 'cluster.yaml'), 'r');
  try {
    const r = run(fd);
    assert.equal(r.status, 0, r.stderr);
  } finally {
    closeSync(fd);
  }
  assert.ok(existsSync(join(dir, '.kubeha', 'demo', 'secrets', 'vrrp-auth')), '< cluster.yaml: next to the spec');
  const piped = spawnSync(process.execPath, ['--import', TSX, ENTRY, 'render', '/dev/stdin', '--out', join(cwd, 'out')], { encoding: 'utf8', cwd, input: SPEC });
  assert.equal(piped.status, 0, piped.stderr);
  assert.ok(existsSync(join(cwd, '.kubeha', 'demo', 'secrets', 'vrrp-auth')), 'a pipe: the current directory');
});
