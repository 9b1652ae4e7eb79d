import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinariesUnavailable, K8S_BINARIES, ensureK8sBinaries, findK8sBinaries, parseBinariesDirName, parseEtcdctlVersion } from '../../src/lab/k8s-binaries.js';
import { K8S_DEBS, debControl, etcdPostinst, k8sDebs } from '../../src/lab/k8s-debs.js';
import { binariesDiagnostic } from '../../src/ops/binaries.js';

/**
 * The Kubernetes binaries as Debian packages (real dpkg-deb, stand-in binaries: small scripts under a temp
 * $KUBEHA_CACHE, so that this runs without the 10-minute build), and the cache lookup by version.
 */

async function withCache<T>(f: (root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'kubeha-k8s-'));
  const before = process.env['KUBEHA_CACHE'];
  process.env['KUBEHA_CACHE'] = root;
  try {
    return await f(root);
  } finally {
    if (before === undefined) delete process.env['KUBEHA_CACHE'];
    else process.env['KUBEHA_CACHE'] = before;
    rmSync(root, { recursive: true, force: true });
  }
}

function fakeBuild(root: string, name: string, binaries: readonly string[] = K8S_BINARIES): string {
  const bin = join(root, name, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const b of binaries) writeFileSync(join(bin, b), `#!/bin/sh\necho ${b}\n`, { mode: 0o755 });
  return bin;
}

test('cache directory names carry the three versions; anything else is not a build', () => {
  assert.deepEqual(parseBinariesDirName('k8s-v1.37.2-etcd-v3.7.0-go1.26.8'), { kubernetes: 'v1.37.2', etcd: 'v3.7.0', go: 'go1.26.8' });
  assert.equal(parseBinariesDirName('bundle-0123456789abcdef'), undefined);
  assert.equal(parseBinariesDirName('k8s-v1.37.2'), undefined);
});

test('the cached binaries of a version are found only when the build is complete', () =>
  withCache(async (root) => {
    assert.equal(await findK8sBinaries('v1.37.2'), undefined);
    fakeBuild(root, 'k8s-v1.37.2-etcd-v3.7.0-go1.26.8', ['kube-apiserver', 'kubectl']);
    assert.equal(await findK8sBinaries('v1.37.2'), undefined, 'an interrupted build (etcd missing) is no build');
    const bin = fakeBuild(root, 'k8s-v1.37.2-etcd-v3.7.0-go1.26.9');
    fakeBuild(root, 'k8s-v1.36.0-etcd-v3.6.5-go1.26.9');
    assert.deepEqual(await findK8sBinaries('1.37.2'), { dir: bin, kubernetes: 'v1.37.2', etcd: 'v3.7.0', go: 'go1.26.9' });
  }));

test('no Go toolchain and nothing cached: the version has no binaries and none buildable (toolchain)', () =>
  withCache(async () => {
    const before = process.env['GO'];
    process.env['GO'] = '/nonexistent/go';
    try {
      await assert.rejects(ensureK8sBinaries('v1.37.2'), (e: unknown) => e instanceof BinariesUnavailable && e.reason === 'toolchain' && /no Go toolchain/.test(e.detail));
    } finally {
      if (before === undefined) delete process.env['GO'];
      else process.env['GO'] = before;
    }
  }));

test('etcdctl is pinned to etcd: a cached etcdctl at another version is rebuilt (here: no toolchain, so the rebuild is refused); at etcd\'s version the cache is used as is', () =>
  withCache(async (root) => {
    assert.equal(parseEtcdctlVersion('etcdctl version: 3.7.0\nAPI version: 3.7\n'), 'v3.7.0');
    assert.equal(parseEtcdctlVersion('something else'), undefined);
    const bin = fakeBuild(root, 'k8s-v1.37.2-etcd-v3.7.0-go1.26.8');
    const before = process.env['GO'];
    process.env['GO'] = '/nonexistent/go';
    try {
      writeFileSync(join(bin, 'etcdctl'), '#!/bin/sh\necho "etcdctl version: 3.7.3"\n', { mode: 0o755 });
      await assert.rejects(ensureK8sBinaries('v1.37.2'), (e: unknown) => e instanceof BinariesUnavailable && e.reason === 'toolchain');
      writeFileSync(join(bin, 'etcdctl'), '#!/bin/sh\necho "etcdctl version: 3.7.0"\n', { mode: 0o755 });
      assert.equal((await ensureK8sBinaries('v1.37.2')).dir, bin);
    } finally {
      if (before === undefined) delete process.env['GO'];
      else process.env['GO'] = before;
    }
  }));

test('that error points at controlPlane.version of the spec and names the fix', () => {
  const text = 'apiVersion: kubeha.io/v1alpha1\nkind: Cluster\nmetadata: { name: x }\ncontrolPlane:\n  version: v1.99.0\n';
  const d = binariesDiagnostic(new BinariesUnavailable('v1.99.0', 'version', 'unknown revision v1.99.0'), 'cluster.yaml', text);
  assert.equal(d.code, 'BUNDLE_K8S_VERSION');
  assert.deepEqual([d.file, d.line, d.col], ['cluster.yaml', 5, 12]);
  assert.match(d.message, /k8s\.io\/kubernetes@v1\.99\.0/);
  assert.match(d.hint ?? '', /released Kubernetes version/);
  const noGo = binariesDiagnostic(new BinariesUnavailable('v1.37.2', 'toolchain', ''), 'c.yaml', 'kind: Cluster\n');
  assert.deepEqual([noGo.line, noGo.col], [1, 1]);
  assert.match(noGo.hint ?? '', /install Go/);
});

test('control file and postinst: Debian version without the v, the etcd user created idempotently', () => {
  const etcd = K8S_DEBS.find((d) => d.name === 'kubeha-etcd')!;
  const control = debControl(etcd, 'v3.7.0', 'amd64', 51200);
  assert.match(control, /^Package: kubeha-etcd\nVersion: 3\.7\.0\nArchitecture: amd64\n/);
  assert.match(control, /^Depends: passwd$/m);
  const post = etcdPostinst();
  assert.match(post, /getent passwd etcd >\/dev\/null \|\| useradd --system/);
  assert.match(post, /install -d -o etcd -g etcd -m 0700 \/var\/lib\/etcd/);
  assert.equal(spawnSync('sh', ['-n'], { input: post }).status, 0);
});

test('k8sDebs: one package per component, files under /usr/local/bin, made once and cached', { skip: spawnSync('sh', ['-c', 'command -v dpkg-deb']).status !== 0 ? 'dpkg-deb is not installed' : false }, () =>
  withCache(async (root) => {
    const dir = fakeBuild(root, 'k8s-v1.37.2-etcd-v3.7.0-go1.26.8');
    const bins = { dir, kubernetes: 'v1.37.2', etcd: 'v3.7.0', go: 'go1.26.8' };
    const files = await k8sDebs(bins, ['kubeha-etcd', 'kubeha-kube-apiserver'], 'amd64');
    assert.deepEqual(files.map((f) => f.split('/').pop()), ['kubeha-etcd_3.7.0_amd64.deb', 'kubeha-kube-apiserver_1.37.2_amd64.deb']);
    const info = (f: string, field: string) => spawnSync('dpkg-deb', ['-f', f, field], { encoding: 'utf8' }).stdout.trim();
    assert.equal(info(files[1]!, 'Version'), '1.37.2');
    const contents = spawnSync('dpkg-deb', ['-c', files[0]!], { encoding: 'utf8' }).stdout;
    assert.match(contents, /^-rwxr-xr-x root\/root .* \.\/usr\/local\/bin\/etcd$/m);
    assert.match(contents, /\.\/usr\/local\/bin\/etcdctl$/m);
    assert.doesNotMatch(contents, /kube-apiserver/);
    assert.match(spawnSync('dpkg-deb', ['-I', files[0]!], { encoding: 'utf8' }).stdout, /postinst/);
    const mtime = statSync(files[0]!).mtimeMs;
    await k8sDebs(bins, ['kubeha-etcd'], 'amd64');
    assert.equal(statSync(files[0]!).mtimeMs, mtime, 'the package was made again');
  }));
