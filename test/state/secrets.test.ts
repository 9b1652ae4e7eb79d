import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../../src/diag/errors.js';
import { defaultStateDir, loadOrCreateSecrets, randomSecret } from '../../src/state/secrets.js';
import { dedicatedSpec } from '../render/specs.js';

const root = mkdtempSync(join(tmpdir(), 'kubeha-secrets-'));
after(() => rmSync(root, { recursive: true, force: true }));

const v2 = () => {
  const spec = dedicatedSpec();
  spec.loadBalancer = { ...spec.loadBalancer, vrrpVersion: 2, advertInt: 1 };
  return spec;
};

test('randomSecret: 8 characters of [A-Za-z0-9], different each time', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = randomSecret();
    assert.match(s, /^[A-Za-z0-9]{8}$/);
    seen.add(s);
  }
  assert.equal(seen.size, 200);
});

test('a missing secret is generated into <stateDir>/secrets/<name>, mode 0600 in a 0700 directory, then reused', async () => {
  const dir = join(root, 'a');
  const first = await loadOrCreateSecrets(dir, v2());
  const value = first['vrrp-auth'];
  assert.match(value ?? '', /^[A-Za-z0-9]{8}$/);
  const file = join(dir, 'secrets', 'vrrp-auth');
  assert.equal(readFileSync(file, 'utf8').trim(), value);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
  const second = await loadOrCreateSecrets(dir, v2());
  assert.equal(second['vrrp-auth'], value);
});

test('an existing secret is read; one keepalived would truncate (> 8 characters) is refused without echoing it', async () => {
  const dir = join(root, 'b');
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'secrets', 'vrrp-auth'), 'abc123\n', { mode: 0o644 });
  assert.equal((await loadOrCreateSecrets(dir, v2()))['vrrp-auth'], 'abc123');
  assert.equal(statSync(join(dir, 'secrets', 'vrrp-auth')).mode & 0o777, 0o600, 'a readable secret is tightened to 0600');
  writeFileSync(join(dir, 'secrets', 'vrrp-auth'), 'TooLongSecret9\n');
  await assert.rejects(loadOrCreateSecrets(dir, v2()), (err: unknown) => {
    assert.ok(err instanceof EnvironmentError);
    assert.doesNotMatch(err.message, /TooLongSecret9/);
    return true;
  });
});

test('VRRPv3 and a control plane kubeha does not run need no secret: nothing is created', async () => {
  const dir = join(root, 'c');
  const spec = dedicatedSpec();
  spec.controlPlane.installer = 'kubekey';
  assert.deepEqual(await loadOrCreateSecrets(dir, spec), {});
  assert.throws(() => statSync(join(dir, 'secrets')));
});

test('a state directory the file system refuses is an environment error, not a hang', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  await assert.rejects(loadOrCreateSecrets(join('/proc', `kubeha-${process.pid}`), v2()), (err: unknown) => err instanceof EnvironmentError && /cannot create the secrets directory/.test(err.message));
});

test('the default state directory is next to a spec file, and in the current directory for a spec on stdin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-statedir-'));
  try {
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, '');
    const spec = v2();
    assert.equal(defaultStateDir(file, spec, '/somewhere'), join(dir, '.kubeha', spec.name));
    // /dev/stdin (a pipe or /dev/null here) must not put secrets under /dev.
    assert.equal(defaultStateDir('/dev/stdin', spec, '/somewhere'), join('/somewhere', '.kubeha', spec.name));
    assert.equal(defaultStateDir(join(dir, 'missing.yaml'), spec, '/somewhere'), join('/somewhere', '.kubeha', spec.name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('binary mode: the encryption-at-rest key is 32 random bytes in base64, 0600, reused, and a broken one is refused unquoted', async () => {
  const dir = join(root, 'key');
  const first = await loadOrCreateSecrets(dir, dedicatedSpec());
  const key = first['encryption-key'] ?? '';
  assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(key, 'base64').length, 32);
  assert.equal(statSync(join(dir, 'secrets', 'encryption-key')).mode & 0o777, 0o600);
  assert.equal((await loadOrCreateSecrets(dir, dedicatedSpec()))['encryption-key'], key);
  const other = await loadOrCreateSecrets(join(root, 'key2'), dedicatedSpec());
  assert.notEqual(other['encryption-key'], key);
  writeFileSync(join(dir, 'secrets', 'encryption-key'), 'NotAKey123\n');
  await assert.rejects(loadOrCreateSecrets(dir, dedicatedSpec()), (err: unknown) => {
    assert.ok(err instanceof EnvironmentError);
    assert.match(err.message, /32 bytes in base64/);
    assert.doesNotMatch(err.message, /NotAKey123/);
    return true;
  });
});

test('kubeadm mode: the bootstrap token is [a-z0-9]{6}.[a-z0-9]{16}, generated once and reused', async () => {
  const dir = join(root, 'token');
  const spec = dedicatedSpec();
  spec.controlPlane.installer = 'kubeadm';
  const first = await loadOrCreateSecrets(dir, spec);
  assert.match(first['kubeadm-bootstrap-token'] ?? '', /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assert.equal((await loadOrCreateSecrets(dir, spec))['kubeadm-bootstrap-token'], first['kubeadm-bootstrap-token']);
  writeFileSync(join(dir, 'secrets', 'kubeadm-bootstrap-token'), 'ABCDEF.0123456789abcdef\n');
  await assert.rejects(loadOrCreateSecrets(dir, spec), /bootstrap token/);
});
