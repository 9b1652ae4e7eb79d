import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** `kubeha import kubekey|ansible` and `kubeha export kubekey` run as a user would, from source. */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = 'test/fixtures/import';

function kubeha(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], { cwd: ROOT, env: { ...process.env, KUBEHA_DEBUG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('kubeha import / export', { concurrency: 2 }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeha-import-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('import kubekey prints a commented spec on stdout and warnings on stderr, never the password', async () => {
    const r = await kubeha(['import', 'kubekey', `${FIX}/seed000-config-sample.yaml`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# kubeha spec imported from KubeKey config /);
    const spec = parse(r.stdout) as { hosts: unknown[]; loadBalancer: { vip: string } };
    assert.equal(spec.hosts.length, 6);
    assert.equal(spec.loadBalancer.vip, '10.10.71.67');
    assert.match(r.stderr, /seed000-config-sample\.yaml:7:85: warning\[IMPORT_PLAINTEXT_PASSWORD\]/);
    assert.ok(!(r.stdout + r.stderr).includes('P@ssw0rd'));
  });

  it('import ansible --vars -o FILE writes a spec that kubeha check accepts; --output json is JSON', async () => {
    const out = join(dir, 'cluster.yaml');
    const r = await kubeha(['import', 'ansible', `${FIX}/seed001-hosts.ini`, '--vars', `${FIX}/seed001-common.yaml`, '--name', 'qingcloud', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 6 hosts`));
    assert.match(readFileSync(out, 'utf8'), new RegExp(`kubeha check ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const check = await kubeha(['check', out]);
    assert.equal(check.code, 0, check.stdout + check.stderr);

    const json = await kubeha(['import', 'ansible', `${FIX}/seed001-hosts.ini`, '--output', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { metadata: { name: string } }).metadata.name, 'imported');
  });

  it('export kubekey of an imported spec is a v1alpha2 Cluster plus the ks-installer document', async () => {
    const spec = join(dir, 'seed000.yaml');
    const imp = await kubeha(['import', 'kubekey', `${FIX}/seed000-config-sample.yaml`, '-o', spec]);
    assert.equal(imp.code, 0, imp.stderr);
    const kk = join(dir, 'kk.yaml');
    const r = await kubeha(['export', 'kubekey', spec, '-o', kk]);
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(readFileSync(kk, 'utf8'));
    assert.ok(Array.isArray(docs));
    const cluster = docs[0]?.toJS() as { apiVersion: string; spec: { controlPlaneEndpoint: unknown } };
    assert.equal(cluster.apiVersion, 'kubekey.kubesphere.io/v1alpha2');
    assert.deepEqual(cluster.spec.controlPlaneEndpoint, { domain: 'lb.kubesphere.local', address: '10.10.71.67', port: 6443 });
    assert.equal((docs[1]?.toJS() as { kind: string }).kind, 'ClusterConfiguration');
  });

  it('a broken input exits 2 with the error first and nothing on stdout', async () => {
    const r = await kubeha(['import', 'ansible', 'test/fixtures/bad-input/import-ansible-empty-master.ini']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.split('\n')[0] ?? '', /^test\/fixtures\/bad-input\/import-ansible-empty-master\.ini:5:1: error\[IMPORT_EMPTY_MASTER_GROUP\]/);
  });
});
