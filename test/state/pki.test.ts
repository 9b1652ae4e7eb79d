import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, chmodSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { planPki } from '../../src/pki/index.js';
import { loadOrIssuePki, loadPki, pkiDir } from '../../src/state/pki.js';
import { dedicatedSpec } from '../render/specs.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kubeha-pki-state-'));
  dirs.push(d);
  return d;
}
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : [join(dir, e.name)]));
}
const small = () => {
  const spec = dedicatedSpec();
  spec.hosts = spec.hosts.filter((h) => ['lb0', 'master1', 'master2'].includes(h.name));
  return spec;
};

describe('the PKI in the state directory', () => {
  it('is written 0700 (directories) / 0600 (keys), read back identical, and a second load issues and writes nothing', async () => {
    const dir = stateDir();
    const spec = small();
    const first = await loadOrIssuePki(dir, spec, NOW);
    assert.ok(first.issued.length > 0);
    const root = pkiDir(dir);
    for (const p of [root, ...walk(root)]) {
      const mode = statSync(p).mode & 0o777;
      if (statSync(p).isDirectory()) assert.equal(mode, 0o700, relative(dir, p));
      else if (p.endsWith('.key')) assert.equal(mode, 0o600, relative(dir, p));
      else assert.ok(/\.(crt|pub)$/.test(p), `unexpected file ${relative(dir, p)}`);
    }
    for (const r of planPki(spec)) {
      assert.ok(existsSync(join(root, `${r.id}.crt`)) && existsSync(join(root, `${r.id}.key`)), r.id);
    }
    assert.ok(existsSync(join(root, 'sa.key')) && existsSync(join(root, 'sa.pub')));
    assert.deepEqual(loadPki(dir), first.pki);
    const mtimes = walk(root).map((p) => statSync(p).mtimeMs);
    const again = await loadOrIssuePki(dir, spec, new Date(NOW.getTime() + 86_400_000));
    assert.deepEqual(again.issued, []);
    assert.deepEqual(again.pki, first.pki);
    assert.deepEqual(walk(root).map((p) => statSync(p).mtimeMs), mtimes, 'no file rewritten');
  });

  it('restores a key\'s mode, re-issues a pair whose key was deleted, and drops the files of a removed host', async () => {
    const dir = stateDir();
    const spec = small();
    await loadOrIssuePki(dir, spec, NOW);
    const root = pkiDir(dir);
    chmodSync(join(root, 'users/admin.key'), 0o644);
    rmSync(join(root, 'hosts/master1/apiserver.key'));
    const fewer = small();
    fewer.hosts = fewer.hosts.filter((h) => h.name !== 'master2');
    const r = await loadOrIssuePki(dir, fewer, NOW);
    assert.deepEqual(r.issued.map((i) => i.id), ['hosts/master1/apiserver']);
    assert.equal(statSync(join(root, 'users/admin.key')).mode & 0o777, 0o600);
    assert.ok(!existsSync(join(root, 'hosts/master2')), 'the removed host\'s directory is gone');
  });

  it('a corrupt certificate is re-issued, never trusted', async () => {
    const dir = stateDir();
    const spec = small();
    await loadOrIssuePki(dir, spec, NOW);
    writeFileSync(join(pkiDir(dir), 'hosts/master2/etcd/peer.crt'), 'garbage\n');
    const r = await loadOrIssuePki(dir, spec, NOW);
    assert.deepEqual(r.issued.map((i) => i.id), ['hosts/master2/etcd/peer']);
    assert.match(r.issued[0]!.reason, /does not load/);
  });
});
