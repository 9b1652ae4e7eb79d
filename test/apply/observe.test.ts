import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observeScript, parseObservation } from '../../src/apply/observe.js';
import { planHost } from '../../src/apply/plan.js';
import { PHASE_NAMES } from '../../src/apply/phases/index.js';
import { planToJson, renderPlanText } from '../../src/apply/views.js';
import type { RenderedHost } from '../../src/render/types.js';

describe('observation', () => {
  it('parses every section of the observation script output', () => {
    const out = [
      '@@ID 0',
      '@@PM apt',
      '@@OS Debian GNU/Linux 12 (bookworm)',
      '@@PKG',
      'haproxy\t2.6.12-1+deb12u4\tinstalled',
      'keepalived\t1:2.2.7-1+b2\tconfig-files',
      '@@CAND',
      'keepalived\tno',
      `@@FILE 644 root /etc/haproxy/haproxy.cfg`,
      Buffer.from('global\n').toString('base64'),
      '@@FILE 600 root /etc/empty',
      '',
      '@@ABSENT /etc/keepalived/keepalived.conf',
      '@@SVC',
      'haproxy.service\tactive\tenabled\t123456',
      'keepalived.service\tinactive\tnot-found\t',
      '@@PENDING',
      'haproxy.service.reload',
      '@@TMP',
      '/etc/haproxy/.kubeha-tmp-haproxy.cfg-1a2b',
      '@@BUNDLE',
      'abc123',
      '@@END',
    ].join('\n');
    const seen = parseObservation('lb0', out);
    assert.equal(seen.packageManager, 'apt');
    assert.deepEqual(seen.installed, { haproxy: '2.6.12-1+deb12u4' }, 'config-files (removed) does not count as installed');
    assert.deepEqual(seen.installable, { keepalived: false });
    assert.deepEqual(seen.files['/etc/haproxy/haproxy.cfg'], { content: 'global\n', mode: 0o644, owner: 'root' });
    assert.deepEqual(seen.files['/etc/empty'], { content: '', mode: 0o600, owner: 'root' });
    assert.equal(seen.files['/etc/keepalived/keepalived.conf'], null);
    assert.deepEqual(seen.services['haproxy.service'], { active: 'active', enabled: 'enabled', startedAt: '123456' });
    assert.deepEqual(seen.pending, ['haproxy.service.reload']);
    assert.deepEqual(seen.tempFiles, ['/etc/haproxy/.kubeha-tmp-haproxy.cfg-1a2b']);
    assert.equal(seen.bundleId, 'abc123');
  });

  it('the script runs in a real shell and reads real files (read-only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-observe-'));
    writeFileSync(join(dir, 'a.conf'), 'x = 1\n', { mode: 0o640 });
    writeFileSync(join(dir, '.kubeha-tmp-a.conf-dead'), '');
    const want: RenderedHost = { host: 'h', address: '10.0.0.1', packages: [], services: [], files: [
      { path: join(dir, 'a.conf'), content: 'x = 2\n', mode: 0o644 },
      { path: join(dir, 'b.conf'), content: 'y\n', mode: 0o644 },
    ] };
    const seen = parseObservation('h', execFileSync('sh', ['-c', observeScript(want)], { encoding: 'utf8' }));
    assert.deepEqual(seen.files[join(dir, 'a.conf')], { content: 'x = 1\n', mode: 0o640, owner: 'root' });
    assert.equal(seen.files[join(dir, 'b.conf')], null);
    assert.deepEqual(seen.tempFiles, [join(dir, '.kubeha-tmp-a.conf-dead')]);
    const plan = planHost(want, seen);
    assert.deepEqual(plan.steps.map((s) => s.id), ['preflight:clean-temp', `files:${join(dir, 'a.conf')}`, `files:${join(dir, 'b.conf')}`, 'verify']);
  });

  it('asks the package sources about missing packages only (one apt-cache run costs a lab host ~0.15 s)', { skip: !hasDpkg() && 'no dpkg-query here' }, () => {
    const want: RenderedHost = { host: 'h', address: '10.0.0.1', packages: ['dash', 'kubeha-no-such-package'], services: [], files: [] };
    const seen = parseObservation('h', execFileSync('sh', ['-c', observeScript(want)], { encoding: 'utf8' }));
    assert.ok(seen.installed['dash'], 'dash is installed on Debian');
    assert.deepEqual(seen.installable, { 'kubeha-no-such-package': false });
  });
});

function hasDpkg(): boolean {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('plan views', () => {
  const want: RenderedHost = {
    host: 'lb0',
    address: '10.0.0.11',
    packages: [],
    services: [],
    files: [{ path: '/etc/keepalived/keepalived.conf', content: 'auth_pass hunter2\n', mode: 0o600, secret: true }],
  };
  const seen = { host: 'lb0', packageManager: 'apt', os: '', installed: {}, installable: {}, files: { '/etc/keepalived/keepalived.conf': { content: 'auth_pass oldpass\n', mode: 0o600, owner: 'root' } }, services: {}, pending: [], tempFiles: [] };

  it('never prints a secret, in text or JSON', () => {
    const plan = { phases: [...PHASE_NAMES], hosts: [planHost(want, seen)], changes: 1 };
    const text = renderPlanText(plan);
    const json = JSON.stringify(planToJson(plan));
    for (const s of [text, json]) {
      assert.ok(!s.includes('hunter2') && !s.includes('oldpass'), s);
    }
    assert.match(text, /lb0 \(10\.0\.0\.11\): 1 change\(s\)/);
    assert.match(text, /secret content changed/);
  });
});
