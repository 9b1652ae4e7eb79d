import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { mergeManagedBlock, planCluster, planHost } from '../../src/apply/plan.js';
import { unifiedDiff } from '../../src/apply/diff.js';
import type { ObservedHost, Step } from '../../src/apply/types.js';
import type { RenderedHost } from '../../src/render/types.js';

const HAPROXY = 'global\n  maxconn 4000\ndefaults\n  mode tcp\n';
const KEEPALIVED = 'vrrp_instance VI_1 {\n  auth_pass s3cret\n}\n';

function lb(): RenderedHost {
  return {
    host: 'lb0',
    address: '10.10.0.11',
    packages: ['haproxy', 'keepalived'],
    services: ['haproxy.service', 'keepalived.service'],
    files: [
      { path: '/etc/haproxy/haproxy.cfg', content: HAPROXY, mode: 0o644, validate: 'haproxy', reloads: { unit: 'haproxy.service', action: 'reload' } },
      { path: '/etc/keepalived/keepalived.conf', content: KEEPALIVED, mode: 0o600, validate: 'keepalived', secret: true, reloads: { unit: 'keepalived.service', action: 'reload' } },
      { path: '/etc/keepalived/check_haproxy.sh', content: '#!/bin/sh\n', mode: 0o755 },
      { path: '/etc/systemd/system/haproxy.service.d/kubeha.conf', content: '[Service]\nRestart=always\n', mode: 0o644, daemonReload: true },
      { path: '/etc/sysctl.d/90-kubeha.conf', content: 'net.ipv4.ip_nonlocal_bind = 1\n', mode: 0o644, appliesSysctl: true },
    ],
  };
}

function fresh(): ObservedHost {
  return {
    host: 'lb0',
    packageManager: 'apt',
    os: 'Debian GNU/Linux 12 (bookworm)',
    installed: {},
    installable: { haproxy: false, keepalived: false },
    files: Object.fromEntries(lb().files.map((f) => [f.path, null])),
    services: {},
    pending: [],
    tempFiles: [],
  };
}

/** What a host looks like after a successful apply. */
function converged(): ObservedHost {
  return {
    ...fresh(),
    installed: { haproxy: '2.6.12-1+deb12u1', keepalived: '1:2.2.7-1+b2' },
    files: Object.fromEntries(lb().files.map((f) => [f.path, { content: f.content, mode: f.mode, owner: 'root' }])),
    services: {
      'haproxy.service': { active: 'active', enabled: 'enabled', startedAt: '100' },
      'keepalived.service': { active: 'active', enabled: 'enabled', startedAt: '200' },
    },
  };
}

const ids = (steps: Step[]): string[] => steps.map((s) => s.id);
const BUNDLE = { id: 'b1', packages: ['haproxy', 'keepalived', 'curl'] };

describe('plan (pure)', () => {
  it('a converged host gets only its verify step: 0 changes', () => {
    const plan = planHost(lb(), converged(), { bundle: BUNDLE });
    assert.equal(plan.changes, 0);
    assert.deepEqual(ids(plan.steps), ['verify']);
  });

  it('a fresh host: bundle upload, install, files (scripts before validated configs), daemon-reload, sysctl, services', () => {
    const plan = planHost(lb(), fresh(), { bundle: BUNDLE });
    assert.deepEqual(ids(plan.steps), [
      'packages:upload-bundle',
      'packages:install',
      'files:/etc/keepalived/check_haproxy.sh',
      'files:/etc/sysctl.d/90-kubeha.conf',
      'files:/etc/systemd/system/haproxy.service.d/kubeha.conf',
      'files:/etc/haproxy/haproxy.cfg',
      'files:/etc/keepalived/keepalived.conf',
      'services:daemon-reload',
      'services:sysctl',
      'services:haproxy.service:enable',
      'services:haproxy.service:restart',
      'services:keepalived.service:enable',
      'services:keepalived.service:restart',
      'verify',
    ]);
    const install = plan.steps.find((s) => s.kind === 'install');
    assert.deepEqual(install?.kind === 'install' && install.source, 'bundle');
    assert.equal(plan.changes, plan.steps.length - 1);
  });

  it('does not upload a bundle the host already has', () => {
    const plan = planHost(lb(), { ...fresh(), bundleId: 'b1' }, { bundle: BUNDLE });
    assert.ok(!ids(plan.steps).includes('packages:upload-bundle'));
  });

  it('installs from the host sources when they can, and fails preflight when neither they nor a bundle can', () => {
    const fromHost = planHost(lb(), { ...fresh(), installable: { haproxy: true, keepalived: true } });
    const install = fromHost.steps.find((s) => s.kind === 'install');
    assert.ok(install?.kind === 'install' && install.source === 'host');
    const stuck = planHost(lb(), fresh());
    const fail = stuck.steps.find((s) => s.kind === 'fail');
    assert.ok(fail?.kind === 'fail');
    assert.equal(fail.phase, 'preflight');
    assert.match(fail.message, /haproxy, keepalived are not installed/);
    assert.match(fail.hint ?? '', /--bundle/);
  });

  it('fails preflight when the bundle lacks a package', () => {
    const plan = planHost(lb(), fresh(), { bundle: { id: 'b', packages: ['haproxy'] } });
    const fail = plan.steps.find((s) => s.kind === 'fail');
    assert.ok(fail?.kind === 'fail' && /keepalived missing from the offline bundle/.test(fail.message));
  });

  it('a changed haproxy.cfg: one file with a diff, and a reload of haproxy only', () => {
    const seen = converged();
    seen.files['/etc/haproxy/haproxy.cfg'] = { content: HAPROXY.replace('4000', '2000'), mode: 0o644, owner: 'root' };
    const plan = planHost(lb(), seen);
    assert.deepEqual(ids(plan.steps), ['files:/etc/haproxy/haproxy.cfg', 'services:haproxy.service:reload', 'verify']);
    const w = plan.steps[0]!;
    assert.ok(w.kind === 'write-file');
    assert.equal(w.change, 'update');
    assert.deepEqual(w.pending, ['haproxy.service.reload']);
    assert.match(w.diff, /^- {2}maxconn 2000$/m);
    assert.match(w.diff, /^\+ {2}maxconn 4000$/m);
    assert.match(w.reason, /\+1 -1 lines/);
  });

  it('masks the diff of secret files', () => {
    const seen = converged();
    seen.files['/etc/keepalived/keepalived.conf'] = { content: KEEPALIVED.replace('s3cret', 'old-pass'), mode: 0o600, owner: 'root' };
    const plan = planHost(lb(), seen);
    const w = plan.steps.find((s) => s.kind === 'write-file');
    assert.ok(w?.kind === 'write-file' && w.secret);
    assert.ok(!w.diff.includes('s3cret') && !w.diff.includes('old-pass'));
    assert.ok(!w.reason.includes('s3cret'));
    assert.ok(ids(plan.steps).includes('services:keepalived.service:reload'));
  });

  it('a mode change rewrites the file without reloading anything', () => {
    const seen = converged();
    seen.files['/etc/keepalived/keepalived.conf'] = { content: KEEPALIVED, mode: 0o644, owner: 'root' };
    const plan = planHost(lb(), seen);
    assert.deepEqual(ids(plan.steps), ['files:/etc/keepalived/keepalived.conf', 'verify']);
    const w = plan.steps[0]!;
    assert.ok(w.kind === 'write-file' && w.change === 'mode' && w.pending.length === 0);
    assert.match(w.reason, /0644 root → 0600 root/);
  });

  it('after an interruption: cleans temp files and still reloads what the interrupted run changed', () => {
    const seen = { ...converged(), pending: ['haproxy.service.reload', 'sysctl'], tempFiles: ['/etc/haproxy/.kubeha-tmp-haproxy.cfg-ab12'] };
    const plan = planHost(lb(), seen);
    assert.deepEqual(ids(plan.steps), ['preflight:clean-temp', 'services:sysctl', 'services:haproxy.service:reload', 'verify']);
    const reload = plan.steps.find((s) => s.kind === 'service');
    assert.ok(reload?.kind === 'service');
    assert.deepEqual(reload.clears, ['haproxy.service.reload']);
    assert.match(reload.reason, /interrupted/);
  });

  it('starts a stopped unit and enables a disabled one', () => {
    const seen = converged();
    seen.services['keepalived.service'] = { active: 'failed', enabled: 'disabled', startedAt: '0' };
    const plan = planHost(lb(), seen);
    assert.deepEqual(ids(plan.steps), ['services:keepalived.service:enable', 'services:keepalived.service:start', 'verify']);
  });

  it('--phase keeps only that phase (and failing checks)', () => {
    const plan = planHost(lb(), fresh(), { bundle: BUNDLE, phases: ['files'] });
    assert.ok(plan.steps.every((s) => s.phase === 'files'));
    assert.equal(plan.steps.length, 5);
    const stuck = planHost(lb(), fresh(), { phases: ['files'] });
    assert.ok(stuck.steps.some((s) => s.kind === 'fail'));
  });

  it('merges a managed block into a shared file, keeping the rest', () => {
    const markers = { begin: '# BEGIN kubeha c', end: '# END kubeha c' };
    const block = '# BEGIN kubeha c\n10.0.0.100 api.c\n# END kubeha c\n';
    const base = '127.0.0.1 localhost\n';
    const once = mergeManagedBlock(base, block, markers);
    assert.equal(once, base + block);
    assert.equal(mergeManagedBlock(once, block, markers), once, 'idempotent');
    const replaced = mergeManagedBlock(once + '::1 ip6-localhost\n', block.replace('10.0.0.100', '10.0.0.200'), markers);
    assert.equal(replaced, '127.0.0.1 localhost\n# BEGIN kubeha c\n10.0.0.200 api.c\n# END kubeha c\n::1 ip6-localhost\n');
    const want: RenderedHost = { host: 'm0', address: '10.0.0.1', packages: [], services: [], files: [{ path: '/etc/hosts', content: block, mode: 0o644, managedBlock: markers }] };
    const seen: ObservedHost = { ...fresh(), host: 'm0', files: { '/etc/hosts': { content: once, mode: 0o644, owner: 'root' } } };
    assert.equal(planHost(want, seen).changes, 0);
  });

  it('plans only observed hosts (--only) and sums changes', () => {
    const other = { ...lb(), host: 'lb1' };
    const plan = planCluster([lb(), other], new Map([['lb1', { ...converged(), host: 'lb1' }]]));
    assert.deepEqual(plan.hosts.map((h) => h.host), ['lb1']);
    assert.equal(plan.changes, 0);
  });

  it('applying the plan as if it succeeded gives a converged host (property: second plan has 0 changes)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.boolean(), (present, running) => {
        const seen = fresh();
        seen.installed = { haproxy: '1', keepalived: '1' };
        lb().files.forEach((f, i) => {
          if (present[i]) seen.files[f.path] = { content: f.content, mode: f.mode, owner: 'root' };
        });
        if (running) seen.services = converged().services;
        const plan = planHost(lb(), seen);
        // Simulate the engine: every write lands, every service ends active+enabled, pending cleared.
        const after: ObservedHost = { ...converged() };
        assert.ok(plan.steps.filter((s) => s.kind === 'write-file').length === present.filter((p) => !p).length);
        assert.equal(planHost(lb(), after).changes, 0);
      }),
    );
  });
});

describe('unifiedDiff', () => {
  it('agrees with diff -u on hunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-diff-'));
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const b = a.replace('line 3\n', 'line three\n').replace('line 20\n', '').replace('line 29\n', 'line 29\nline 30\n');
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    let expected = '';
    try {
      execFileSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
    } catch (e) {
      expected = (e as { stdout: string }).stdout;
    }
    const strip = (d: string): string => d.split('\n').slice(2).join('\n');
    assert.equal(strip(unifiedDiff('/x', a, b)), strip(expected));
  });

  it('is empty for equal texts and diffs a new file against /dev/null', () => {
    assert.equal(unifiedDiff('/x', 'a\n', 'a\n'), '');
    assert.equal(unifiedDiff('/x', undefined, 'a\nb\n'), '--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });
});
