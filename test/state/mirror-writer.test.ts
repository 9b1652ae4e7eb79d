import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/diag/errors.js';
import { writeMirror } from '../../src/cli/render.js';
import { renderCluster } from '../../src/render/index.js';
import { TEST_SECRETS, dedicatedSpec } from '../render/specs.js';

const root = mkdtempSync(join(tmpdir(), 'kubeha-fs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `case${n++}`);
const SEED = fileURLToPath(new URL('../fixtures/seeds/seed-000/', import.meta.url));

/** Every path under `dir` with its kind, size and mtime (links not followed): the whole state of a tree. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.set(relative(dir, p), `${st.isSymbolicLink() ? 'l' : st.isDirectory() ? 'd' : 'f'} ${st.mode.toString(8)} ${st.isDirectory() ? 0 : st.size} ${st.isDirectory() ? 0 : st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

async function refused(out: string, code: string, names?: string): Promise<void> {
  const spec = dedicatedSpec();
  await assert.rejects(writeMirror(out, spec, renderCluster(spec, TEST_SECRETS)), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.diagnostics[0]?.code, code, err.diagnostics[0]?.message);
    if (names) assert.ok(err.diagnostics[0]?.message.includes(names), `${err.diagnostics[0]?.message} names ${names}`);
    return true;
  });
}

async function rendered(): Promise<string> {
  const out = fresh();
  await writeMirror(out, dedicatedSpec(), renderCluster(dedicatedSpec(), TEST_SECRETS));
  return out;
}

test('a link inside --out (host folder, sub-folder, hosts.yaml, index, a file) is refused by name; nothing outside or inside changes', async () => {
  const places: [string, (out: string, victim: string) => string][] = [
    ['host folder', (out, victim) => (rmSync(join(out, 'lb0'), { recursive: true }), symlinkSync(victim, join(out, 'lb0')), join(out, 'lb0'))],
    ['sub-folder', (out, victim) => (rmSync(join(out, 'lb0/etc/haproxy'), { recursive: true }), symlinkSync(victim, join(out, 'lb0/etc/haproxy')), join(out, 'lb0/etc/haproxy'))],
    ['hosts.yaml', (out, victim) => (rmSync(join(out, 'hosts.yaml')), symlinkSync(join(victim, 'precious'), join(out, 'hosts.yaml')), join(out, 'hosts.yaml'))],
    ['index', (out, victim) => (rmSync(join(out, '.kubeha-files')), symlinkSync(join(victim, 'precious'), join(out, '.kubeha-files')), join(out, '.kubeha-files'))],
    ['a file', (out, victim) => (rmSync(join(out, 'lb0/etc/haproxy/haproxy.cfg')), symlinkSync(join(victim, 'precious'), join(out, 'lb0/etc/haproxy/haproxy.cfg')), join(out, 'lb0/etc/haproxy/haproxy.cfg'))],
  ];
  for (const [what, plant] of places) {
    const out = await rendered();
    const victim = fresh();
    mkdirSync(victim);
    writeFileSync(join(victim, 'precious'), 'user data\n');
    const link = plant(out, victim);
    const before = [snapshot(out), snapshot(victim)];
    await refused(out, 'E_OUT_SYMLINK', link);
    assert.deepEqual([snapshot(out), snapshot(victim)], before, `${what}: the trees changed`);
  }
});

test("a stale file's path through a link is refused: nothing outside is deleted", async () => {
  const out = await rendered();
  const victim = fresh();
  mkdirSync(join(victim, 'keepalived'), { recursive: true });
  writeFileSync(join(victim, 'keepalived', 'keepalived.conf'), 'user data\n');
  // lb1 stops being an LB: its keepalived.conf is stale; its folder is now a link to the victim.
  rmSync(join(out, 'lb1/etc/keepalived'), { recursive: true });
  symlinkSync(join(victim, 'keepalived'), join(out, 'lb1/etc/keepalived'));
  const spec = dedicatedSpec();
  const lb1 = spec.hosts.find((h) => h.name === 'lb1');
  assert.ok(lb1);
  lb1.roles = ['worker'];
  const before = snapshot(victim);
  await assert.rejects(writeMirror(out, spec, renderCluster(spec, TEST_SECRETS)), (e: unknown) => e instanceof InputError && e.diagnostics[0]?.code === 'E_OUT_SYMLINK');
  assert.deepEqual(snapshot(victim), before);
});

test('a hand-written mirror (the layout analyze reads, no index) is never replaced or deleted', async () => {
  const out = fresh();
  cpSync(SEED, out, { recursive: true });
  const before = snapshot(out);
  await refused(out, 'E_OUT_NOT_MIRROR');
  assert.deepEqual(snapshot(out), before);
});

test('an index line that is ./-prefixed, .., absolute or outside a host folder disqualifies the directory; nothing is deleted', async () => {
  for (const bad of ['./lb0', './', '.', '../x/etc/y', '/etc/passwd', 'lb0/../..', 'lb0']) {
    const out = await rendered();
    writeFileSync(join(out, '.kubeha-files'), `${readFileSync(join(out, '.kubeha-files'), 'utf8')}${'0'.repeat(40)} 644 1 1 ${bad}\n`);
    writeFileSync(join(out, 'user-notes.txt'), 'mine\n');
    const before = snapshot(out);
    await refused(out, 'E_OUT_BAD_INDEX');
    assert.deepEqual(snapshot(out), before, bad);
  }
});

test('a re-render deletes only files it wrote: a user file in a host folder (and its folders) stay, a stale host folder goes', async () => {
  const out = await rendered();
  writeFileSync(join(out, 'lb1/etc/keepalived/notes.txt'), 'mine\n');
  writeFileSync(join(out, 'README'), 'mine\n');
  const spec = dedicatedSpec();
  spec.hosts = spec.hosts.filter((h) => h.name !== 'lb1' && h.name !== 'master3');
  await writeMirror(out, spec, renderCluster(spec, TEST_SECRETS));
  assert.equal(readFileSync(join(out, 'lb1/etc/keepalived/notes.txt'), 'utf8'), 'mine\n');
  assert.ok(!existsSync(join(out, 'lb1/etc/keepalived/keepalived.conf')));
  assert.ok(!existsSync(join(out, 'lb1/etc/haproxy')), 'the emptied folder is removed');
  assert.ok(!existsSync(join(out, 'master3')), 'a host folder holding only rendered files is removed');
  assert.equal(readFileSync(join(out, 'README'), 'utf8'), 'mine\n');
});

test('a file render did not write is never overwritten', async () => {
  const out = fresh();
  mkdirSync(join(out, 'lb0/etc/haproxy'), { recursive: true });
  writeFileSync(join(out, 'hosts.yaml'), 'endpoint: 10.77.0.10:6443\nhosts: []\n');
  writeFileSync(join(out, '.kubeha-files'), '# kubeha render index v2: digest mode size mtime-ms path\n');
  writeFileSync(join(out, 'lb0/etc/haproxy/haproxy.cfg'), 'mine\n');
  const before = snapshot(out);
  await refused(out, 'E_OUT_NOT_MIRROR', 'haproxy.cfg');
  assert.deepEqual(snapshot(out), before);
});

test('a failure half-way leaves the tree exactly as before: previous mirror, empty directory, new directory', async () => {
  const spec = dedicatedSpec();
  spec.loadBalancer = { ...spec.loadBalancer, port: 7443 };
  spec.controlPlane = { ...spec.controlPlane, endpoint: { ...spec.controlPlane.endpoint, port: 7443 } };
  const boom = (after: number) => {
    let count = 0;
    return {
      beforeWrite() {
        if (++count > after) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
  };
  for (const after of [0, 1, 7, 20]) {
    const previous = await rendered();
    const before = snapshot(previous);
    // A re-render with a new port writes the two haproxy.cfg, hosts.yaml and the index: 4 files.
    await assert.rejects(writeMirror(previous, spec, renderCluster(spec, TEST_SECRETS), boom(Math.min(after, 3))), (e: unknown) => e instanceof InputError && e.diagnostics[0]?.code === 'E_OUT_DIR');
    assert.deepEqual(snapshot(previous), before, `previous mirror, failure after ${after} files`);
    const empty = fresh();
    mkdirSync(empty);
    await assert.rejects(writeMirror(empty, spec, renderCluster(spec, TEST_SECRETS), boom(after)));
    assert.deepEqual([...snapshot(empty)], [], 'the empty directory stays empty');
    const absent = join(fresh(), 'a', 'b');
    await assert.rejects(writeMirror(absent, spec, renderCluster(spec, TEST_SECRETS), boom(after)));
    assert.ok(!existsSync(absent) && !existsSync(join(absent, '..')), 'the directories made are removed');
  }
  // Without the failure the same render goes through, and a re-render of the old spec restores it.
  const out = await rendered();
  await writeMirror(out, spec, renderCluster(spec, TEST_SECRETS));
  assert.match(readFileSync(join(out, 'lb0/etc/haproxy/haproxy.cfg'), 'utf8'), /:7443/);
  assert.ok(!readdirSync(join(out, 'lb0/etc/haproxy')).some((f) => f.startsWith('.kubeha-new')), 'no temporary file left');
});

const ENTRY = join(import.meta.dirname, '..', '..', 'src', 'cli', 'entry.ts');
const SPEC_V2 = `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata: {name: demo}
hosts:
  - {name: lb0, address: 10.77.0.11, roles: [loadbalancer]}
  - {name: lb1, address: 10.77.0.12, roles: [loadbalancer]}
  - {name: master1, address: 10.77.0.21, roles: [control-plane, etcd]}
loadBalancer: {mode: keepalived-haproxy, vip: 10.77.0.10, vrrpVersion: 2, advertInt: 1}
`;

test('kubeha render with a refused --out exits 2 and leaves no secret file (nor state directory) behind', () => {
  const dir = fresh();
  mkdirSync(dir);
  writeFileSync(join(dir, 'cluster.yaml'), SPEC_V2);
  const victim = fresh();
  mkdirSync(victim);
  const outs: [string, () => void][] = [
    ['foreign', () => (mkdirSync(join(dir, 'foreign')), writeFileSync(join(dir, 'foreign', 'x'), 'x'))],
    ['linked', () => (mkdirSync(join(dir, 'linked')), writeFileSync(join(dir, 'linked', 'hosts.yaml'), 'hosts: []\n'), writeFileSync(join(dir, 'linked', '.kubeha-files'), ''), symlinkSync(victim, join(dir, 'linked', 'lb0')))],
    ['deep', () => (mkdirSync(join(dir, 'deep', 'lb0', 'etc'), { recursive: true }), writeFileSync(join(dir, 'deep', 'hosts.yaml'), 'hosts: []\n'), writeFileSync(join(dir, 'deep', '.kubeha-files'), ''), symlinkSync(victim, join(dir, 'deep', 'lb0', 'etc', 'keepalived')))],
  ];
  for (const [name, make] of outs) {
    make();
    const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'render', join(dir, 'cluster.yaml'), '--out', join(dir, name)], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!existsSync(join(dir, '.kubeha')), `${name}: a state directory was made for a refused --out`);
  }
  assert.deepEqual(readdirSync(victim), []);
  const ok = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'render', join(dir, 'cluster.yaml'), '--out', join(dir, 'good')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(statSync(join(dir, '.kubeha/demo/secrets/vrrp-auth')).mode & 0o777, 0o600);
});
