import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bootstrapRbacManifest, issuePki, pkiFilesForHost, userKubeconfig } from '../../src/pki/index.js';
import type { StoredPki } from '../../src/pki/index.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { dedicatedSpec } from '../render/specs.js';

/**
 * The real components accept kubeha's certificates: one etcd and one kube-apiserver (upstream binaries built by
 * scripts/k8s-binaries.sh), on 127.0.0.1 at free ports, reading master1's files as pkiFilesForHost renders them
 * (the SANs of every certificate include 127.0.0.1, so nothing is reached but loopback). Skipped, saying so, when
 * the binaries are not built.
 */

const CACHE = process.env['KUBEHA_CACHE'] ?? '/var/cache/kubeha';
function binDir(): string | undefined {
  if (!existsSync(CACHE)) return undefined;
  const dirs = readdirSync(CACHE)
    .filter((d) => /^k8s-v1\.\d+\.\d+-etcd-/.test(d))
    .map((d) => join(CACHE, d, 'bin'))
    .filter((d) => ['etcd', 'etcdctl', 'kube-apiserver', 'kubectl'].every((b) => existsSync(join(d, b))));
  return dirs.sort().at(-1);
}
const BIN = binDir();
const SKIP = BIN ? false : `no Kubernetes binaries under ${CACHE}/k8s-*/bin (build them with scripts/k8s-binaries.sh)`;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
  });
}

/** Retries `probe` every second until it succeeds, `seconds` pass, or `alive` says a process died; the last outcome. */
async function until(seconds: number, probe: () => Promise<{ code: number; out: string }>, alive: () => string | undefined = () => undefined): Promise<{ code: number; out: string }> {
  let last = { code: 1, out: '' };
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const dead = alive();
    if (dead) return { code: 1, out: `${last.out}\n${dead}` };
    last = await probe();
    if (last.code === 0) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

describe('etcd and kube-apiserver accept the certificates', { skip: SKIP }, () => {
  let root: string;
  let spec: ClusterSpec;
  let pki: StoredPki;
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let etcdProc: ChildProcess | undefined;
  const etcdDead = (): string | undefined => (etcdProc && etcdProc.exitCode !== null ? `etcd exited with ${etcdProc.exitCode}: ${logs.join('').slice(-2000)}` : undefined);
  let clientPort = 0;
  let apiPort = 0;
  const path = (p: string): string => join(root, p);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'kubeha-pki-real-'));
    spec = dedicatedSpec();
    spec.controlPlane.installer = 'binary';
    pki = (await issuePki(spec, undefined, new Date())).pki;
    for (const f of pkiFilesForHost(spec, pki, spec.hosts.find((h) => h.name === 'master1')!)) {
      mkdirSync(dirname(path(f.path)), { recursive: true });
      writeFileSync(path(f.path), f.content, { mode: f.mode });
    }
    clientPort = await freePort();
    const peerPort = await freePort();
    apiPort = await freePort();
    const k = (p: string): string => path(`/etc/kubernetes/pki/${p}`);
    const etcd = spawn(join(BIN!, 'etcd'), [
      '--name=master1', `--data-dir=${path('etcd-data')}`,
      `--listen-client-urls=https://127.0.0.1:${clientPort}`, `--advertise-client-urls=https://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=https://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=https://127.0.0.1:${peerPort}`,
      `--initial-cluster=master1=https://127.0.0.1:${peerPort}`, '--initial-cluster-state=new',
      `--cert-file=${k('etcd/server.crt')}`, `--key-file=${k('etcd/server.key')}`, `--trusted-ca-file=${k('etcd/ca.crt')}`, '--client-cert-auth',
      `--peer-cert-file=${k('etcd/peer.crt')}`, `--peer-key-file=${k('etcd/peer.key')}`, `--peer-trusted-ca-file=${k('etcd/ca.crt')}`, '--peer-client-cert-auth',
      '--listen-metrics-urls=', '--log-level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(etcd);
    etcdProc = etcd;
    etcd.stderr.on('data', (d: Buffer) => logs.push(`etcd: ${d.toString()}`));
  });

  after(async () => {
    // SIGKILL by PID: a SIGTERMed apiserver drains for minutes once its etcd is gone, and both hold only temp data.
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((res) => {
            if (c.exitCode !== null || c.signalCode !== null) return res();
            c.once('exit', () => res());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('etcdctl endpoint health over TLS with the healthcheck-client certificate; a client without one is refused', async () => {
    const k = (p: string): string => path(`/etc/kubernetes/pki/${p}`);
    const health = await until(120, () => run(join(BIN!, 'etcdctl'), [`--endpoints=https://127.0.0.1:${clientPort}`, `--cacert=${k('etcd/ca.crt')}`, `--cert=${k('etcd/healthcheck-client.crt')}`, `--key=${k('etcd/healthcheck-client.key')}`, 'endpoint', 'health']), etcdDead);
    assert.equal(health.code, 0, health.out + logs.join(''));
    assert.match(health.out, /is healthy/);
    const anon = await run(join(BIN!, 'etcdctl'), [`--endpoints=https://127.0.0.1:${clientPort}`, `--cacert=${k('etcd/ca.crt')}`, '--command-timeout=3s', '--dial-timeout=3s', 'endpoint', 'health']);
    assert.notEqual(anon.code, 0, 'etcd must require a client certificate');
  });

  it('kube-apiserver serves with them: /readyz through admin.conf, `get ns` as super-admin, admin after the bootstrap RBAC bindings kubeadm makes', async () => {
    const k = (p: string): string => path(`/etc/kubernetes/pki/${p}`);
    const api = spawn(join(BIN!, 'kube-apiserver'), [
      // The advertised address only goes into the kubernetes Endpoints, which nothing reconciles here (reconciler none):
      // the apiserver refuses a loopback one, and never sends traffic to it.
      '--bind-address=127.0.0.1', '--advertise-address=10.77.0.21', '--endpoint-reconciler-type=none', `--secure-port=${apiPort}`,
      `--etcd-servers=https://127.0.0.1:${clientPort}`, `--etcd-cafile=${k('etcd/ca.crt')}`, `--etcd-certfile=${k('apiserver-etcd-client.crt')}`, `--etcd-keyfile=${k('apiserver-etcd-client.key')}`,
      `--client-ca-file=${k('ca.crt')}`, `--tls-cert-file=${k('apiserver.crt')}`, `--tls-private-key-file=${k('apiserver.key')}`,
      `--kubelet-client-certificate=${k('apiserver-kubelet-client.crt')}`, `--kubelet-client-key=${k('apiserver-kubelet-client.key')}`,
      `--requestheader-client-ca-file=${k('front-proxy-ca.crt')}`, `--proxy-client-cert-file=${k('front-proxy-client.crt')}`, `--proxy-client-key-file=${k('front-proxy-client.key')}`,
      '--requestheader-allowed-names=front-proxy-client', '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--service-account-key-file=${k('sa.pub')}`, `--service-account-signing-key-file=${k('sa.key')}`, '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${spec.network.serviceCIDR}`, '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(api);
    const apiLog: string[] = [];
    api.stderr.on('data', (d: Buffer) => apiLog.push(d.toString()));
    const server = `https://127.0.0.1:${apiPort}`;
    const admin = path('admin.conf');
    const superAdmin = path('super-admin.conf');
    writeFileSync(admin, userKubeconfig(spec, pki, 'admin', server), { mode: 0o600 });
    writeFileSync(superAdmin, userKubeconfig(spec, pki, 'super-admin', server), { mode: 0o600 });
    const kubectl = (conf: string, ...args: string[]) => run(join(BIN!, 'kubectl'), [`--kubeconfig=${conf}`, '--request-timeout=5s', ...args]);
    const ready = await until(240, () => kubectl(admin, 'get', '--raw', '/readyz'), () => etcdDead() ?? (api.exitCode !== null ? `kube-apiserver exited with ${api.exitCode}` : undefined));
    assert.equal(ready.code, 0, ready.out + apiLog.join('').slice(-3000));
    assert.equal(ready.out.trim(), 'ok');
    const ns = await kubectl(superAdmin, 'get', 'ns', 'default', '-o', 'name');
    assert.equal(ns.code, 0, ns.out);
    assert.equal(ns.out.trim(), 'namespace/default');
    const denied = await kubectl(admin, 'get', 'ns');
    assert.notEqual(denied.code, 0, 'kubeadm:cluster-admins has no rights until RBAC binds it');
    assert.match(denied.out, /forbidden/i);
    const manifest = path('rbac.yaml');
    writeFileSync(manifest, bootstrapRbacManifest());
    const bind = await kubectl(superAdmin, 'apply', '-f', manifest);
    assert.equal(bind.code, 0, bind.out);
    assert.match(bind.out, /clusterrolebinding.*kubeadm:cluster-admins created/);
    assert.match(bind.out, /clusterrolebinding.*kubeadm:apiserver-kubelet-client created/);
    const allowed = await until(30, () => kubectl(admin, 'get', 'ns', 'default', '-o', 'name'));
    assert.equal(allowed.code, 0, allowed.out);
  });
});
