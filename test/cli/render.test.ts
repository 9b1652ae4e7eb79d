import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, utimesSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  assert.deepEqual([summary.written, summary.unchanged], [summary.hosts.reduce((n, h) => n + h.files.length, 0), 0]);
  assert.match(formatSummary(summary), /\(all written\)/);
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

test('a re-render leaves unchanged files untouched and rewrites changed, hand-edited and re-moded ones', async () => {
  const out = join(root, 'm5');
  await writeMirror(out, v2(), renderCluster(v2(), TEST_SECRETS));
  const cfg = join(out, 'lb0/etc/haproxy/haproxy.cfg');
  const kconf = join(out, 'lb1/etc/keepalived/keepalived.conf');
  const sysctl = join(out, 'master1/etc/sysctl.d/90-kubeha.conf');
  const script = join(out, 'lb0/etc/keepalived/kubeha-check-haproxy.sh');
  const hostsBefore = readFileSync(join(out, 'master2/etc/sysctl.d/90-kubeha.conf'), 'utf8');
  // Back-date every file so that a rewrite is visible in the mtime whatever the clock's granularity.
  const old = new Date(Date.now() - 3_600_000);
  for (const f of [cfg, kconf, sysctl, script]) utimesSync(f, old, old);
  const index = readFileSync(join(out, '.kubeha-files'), 'utf8');
  // The index must record what is on disk now: re-stamp it as a render would have.
  writeFileSync(join(out, '.kubeha-files'), index.replace(/^(\S+ \S+ \S+ )\S+ (.*)$/gm, (line, head: string, path: string) => (line.startsWith('#') ? line : `${head}${statSync(join(out, path)).mtimeMs} ${path}`)));
  writeFileSync(sysctl, readFileSync(sysctl, 'utf8').replace('1', '0'));
  utimesSync(sysctl, new Date(Date.now() - 1_000), new Date(Date.now() - 1_000));
  chmodSync(script, 0o700);
  const cfgMtime = statSync(cfg).mtimeMs;
  const spec = v2();
  spec.loadBalancer = { ...spec.loadBalancer, vrrpVersion: 3, advertInt: 0.2 };
  await writeMirror(out, spec, renderCluster(spec, TEST_SECRETS));
  assert.equal(statSync(cfg).mtimeMs, cfgMtime, 'an unchanged haproxy.cfg was rewritten');
  assert.notEqual(statSync(kconf).mtimeMs, old.getTime(), 'a changed keepalived.conf was not rewritten');
  assert.match(readFileSync(kconf, 'utf8'), /advert_int 0\.2/);
  assert.equal(statSync(kconf).mode & 0o777, 0o644);
  assert.equal(readFileSync(sysctl, 'utf8'), hostsBefore.replaceAll('master2', 'master1'), 'a hand-edited file was kept');
  assert.equal(statSync(script).mode & 0o777, 0o755, 'a re-moded file was kept');
  // A third render with nothing changed (--out written with a trailing slash) writes no file at all, and says so.
  const mtimes = () => [cfg, kconf, sysctl, script].map((f) => statSync(f).mtimeMs);
  const before = mtimes();
  const third = await writeMirror(`${out}/`, spec, renderCluster(spec, TEST_SECRETS));
  assert.deepEqual(mtimes(), before);
  assert.equal(third.written, 0);
  assert.equal(third.unchanged, third.hosts.reduce((n, h) => n + h.files.length, 0));
  assert.match(formatSummary(third), /\(0 written, \d+ unchanged since the previous render\)/);
});

test('an index from an older kubeha (bare paths) still removes stale files, and every file is rewritten', async () => {
  const out = join(root, 'm6');
  await writeMirror(out, dedicatedSpec(), renderCluster(dedicatedSpec(), TEST_SECRETS));
  const paths = readFileSync(join(out, '.kubeha-files'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ').slice(4).join(' '));
  writeFileSync(join(out, '.kubeha-files'), [...paths, 'lb0/etc/stale.conf'].join('\n') + '\n');
  writeFileSync(join(out, 'lb0/etc/stale.conf'), 'x');
  const cfg = join(out, 'lb0/etc/haproxy/haproxy.cfg');
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(cfg, old, old);
  await writeMirror(out, dedicatedSpec(), renderCluster(dedicatedSpec(), TEST_SECRETS));
  assert.ok(!existsSync(join(out, 'lb0/etc/stale.conf')));
  assert.notEqual(statSync(cfg).mtimeMs, old.getTime());
  assert.match(readFileSync(join(out, '.kubeha-files'), 'utf8'), /^# kubeha render index v2/);
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
