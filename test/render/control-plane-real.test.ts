import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { renderCluster } from '../../src/render/index.js';
import { k8sBinDir, k8sBinSkip } from '../helpers/k8s-bin.js';
import { TEST_SECRETS, dedicatedSpec } from './specs.js';

/**
 * The rendered binary-mode units run for real: etcd 3.7 and kube-apiserver 1.37.2 (from $KUBEHA_CACHE) started with
 * exactly the ExecStart of the rendered units (paths moved under a temp dir), one member, in a private network
 * namespace (`unshare -n`: its own loopback, the master's address on it), certificates made here with openssl in
 * kubeadm's layout. Proves: /readyz answers anonymously, anything else anonymous gets 401; a Secret is stored encrypted
 * (the raw etcd value starts with k8s:enc:secretbox:v1:kubeha-1: and lacks the plaintext); etcd refuses a client without
 * a certificate; the audit log records the create without the Secret's value. Waits are bounded in count.
 */

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skip =
  process.getuid?.() !== 0
    ? 'needs root (a private network namespace)'
    : !['openssl', 'curl', 'unshare', 'ip'].every(has)
      ? 'openssl, curl, unshare or ip is missing'
      : k8sBinSkip('v1.37.2', 'kube-apiserver') || k8sBinSkip('v1.37.2', 'etcd');

const CERT_EXT = `[srv]
subjectAltName=DNS:kubernetes,DNS:localhost,IP:127.0.0.1,IP:10.77.0.21,IP:10.96.0.1
extendedKeyUsage=serverAuth,clientAuth
[cli]
extendedKeyUsage=clientAuth
`;

describe('rendered etcd + kube-apiserver units, run for real', { skip, timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'kubeha-cp-real-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const bin = k8sBinDir('v1.37.2', 'kube-apiserver') ?? '';
  const pki = join(root, 'etc/kubernetes/pki');
  const move = (s: string): string =>
    s.replaceAll('/etc/kubernetes', join(root, 'etc/kubernetes')).replaceAll('/var/lib/etcd', join(root, 'etcd-data')).replaceAll('/var/log/kubernetes/audit', join(root, 'audit')).replaceAll('/usr/local/bin', bin);

  test('readyz anonymous only, Secrets encrypted in etcd, etcd needs a client certificate, audit without values', () => {
    // One master (and one etcd member) of the default topology.
    const spec = dedicatedSpec();
    spec.hosts = spec.hosts.filter((h) => h.name === 'master1' || h.name.startsWith('lb'));
    const master = renderCluster(spec, TEST_SECRETS).find((h) => h.host === 'master1');
    assert.ok(master);
    const commands: Record<string, string> = {};
    for (const f of master.files) {
      if (f.path.endsWith('.service')) {
        const lines = f.content.split('\n');
        const a = lines.findIndex((l) => l.startsWith('ExecStart='));
        const b = lines.findIndex((l, i) => i >= a && !l.endsWith('\\'));
        commands[f.path.split('/').pop() ?? ''] = move(lines.slice(a, b + 1).join('\n').replace(/^ExecStart=/, '').replace(/\\\n\s*/g, ' '));
      } else if (f.path.startsWith('/etc/kubernetes/')) {
        mkdirSync(dirname(move(f.path)), { recursive: true });
        writeFileSync(move(f.path), f.content, { mode: f.mode });
      }
    }
    assert.ok(commands['etcd.service'] && commands['kube-apiserver.service']);
    mkdirSync(join(pki, 'etcd'), { recursive: true });
    mkdirSync(join(root, 'etcd-data'), { mode: 0o700 });
    mkdirSync(join(root, 'audit'));
    writeFileSync(join(root, 'ext.cnf'), CERT_EXT);
    writeFileSync(join(root, 'etcd.sh'), commands['etcd.service'] + '\n');
    writeFileSync(join(root, 'apiserver.sh'), commands['kube-apiserver.service'] + '\n');
    const etcdctl = `${bin}/etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${pki}/etcd/ca.crt`;
    const kubectl = `${bin}/kubectl --server=https://10.77.0.21:6443 --certificate-authority=${pki}/ca.crt --client-certificate=${pki}/admin.crt --client-key=${pki}/admin.key`;
    const script = `set -u
cd ${pki}
ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=$2" -keyout $1.key -out $1.crt 2>/dev/null; }
crt() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" -keyout $1.key -out $1.csr 2>/dev/null && openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -days 1 -extfile ${root}/ext.cnf -extensions $4 -out $1.crt 2>/dev/null; }
ca ca kubernetes; ca front-proxy-ca front-proxy-ca; ca etcd/ca etcd-ca
crt apiserver ca /CN=kube-apiserver srv; crt apiserver-kubelet-client ca /CN=kube-apiserver-kubelet-client cli
crt apiserver-etcd-client etcd/ca /CN=kube-apiserver-etcd-client cli; crt front-proxy-client front-proxy-ca /CN=front-proxy-client cli
crt etcd/server etcd/ca /CN=master1 srv; crt etcd/peer etcd/ca /CN=master1 srv; crt admin ca "/O=system:masters/CN=admin" cli
openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
cd ${root}
ip link set lo up; ip addr add 10.77.0.21/32 dev lo
sh etcd.sh > etcd.log 2>&1 & E=$!
sh apiserver.sh > apiserver.log 2>&1 & A=$!
for i in $(seq 1 120); do [ "$(curl -sk -o /dev/null -w '%{http_code}' https://10.77.0.21:6443/readyz)" = 200 ] && break; sleep 1; done
echo "readyz=$(curl -sk https://10.77.0.21:6443/readyz)"
echo "anon-api=$(curl -sk -o /dev/null -w '%{http_code}' https://10.77.0.21:6443/api)"
echo "anon-livez=$(curl -sk -o /dev/null -w '%{http_code}' https://10.77.0.21:6443/livez)"
${kubectl} create secret generic kubeha-smoke --from-literal=password=PlainTextValue42 >/dev/null && echo created=yes
echo "raw=$(${etcdctl} --cert=${pki}/apiserver-etcd-client.crt --key=${pki}/apiserver-etcd-client.key get /registry/secrets/default/kubeha-smoke --print-value-only | head -c 30)"
echo "plain-in-etcd=$(${etcdctl} --cert=${pki}/apiserver-etcd-client.crt --key=${pki}/apiserver-etcd-client.key get /registry/secrets/default/kubeha-smoke --print-value-only | grep -c PlainTextValue42)"
echo "read-back=$(${kubectl} get secret kubeha-smoke -o jsonpath='{.data.password}' | base64 -d)"
${etcdctl} --command-timeout=3s get /registry/secrets/default/kubeha-smoke >/dev/null 2>&1; echo "etcd-no-cert-rc=$?"
echo "audit-create=$(grep -c '"verb":"create"' audit/audit.log)"
echo "plain-in-audit=$(grep -c PlainTextValue42 audit/audit.log)"
kill $A $E; wait
`;
    writeFileSync(join(root, 'run.sh'), script);
    const r = spawnSync('timeout', ['240', 'unshare', '-n', 'sh', join(root, 'run.sh')], { encoding: 'utf8' });
    const out = r.stdout;
    const got = (k: string): string => new RegExp(`^${k}=(.*)$`, 'm').exec(out)?.[1] ?? '';
    const logs = (): string => `${out}\n${r.stderr}\n${spawnSync('tail', ['-5', join(root, 'apiserver.log'), join(root, 'etcd.log')], { encoding: 'utf8' }).stdout}`;
    assert.equal(got('readyz'), 'ok', logs());
    assert.equal(got('anon-api'), '401', 'anonymous requests outside the health paths are refused');
    assert.equal(got('anon-livez'), '200');
    assert.equal(got('created'), 'yes', logs());
    assert.equal(got('raw'), 'k8s:enc:secretbox:v1:kubeha-1:', 'the Secret is stored encrypted with the cluster key');
    assert.equal(got('plain-in-etcd'), '0');
    assert.equal(got('read-back'), 'PlainTextValue42', 'and the apiserver decrypts it');
    assert.notEqual(got('etcd-no-cert-rc'), '0', 'etcd refuses a client without a certificate');
    assert.ok(Number(got('audit-create')) > 0, 'the audit log records writes');
    assert.equal(got('plain-in-audit'), '0', 'never the Secret value');
  });
});
