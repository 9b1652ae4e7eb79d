import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
