import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { driftFindings } from '../../src/ops/drift.js';
import type { ObservedHost } from '../../src/apply/types.js';
import type { RenderedHost } from '../../src/render/types.js';

const want: RenderedHost = {
  host: 'lb0',
  address: '10.0.0.11',
  packages: [],
  services: [],
  files: [
    { path: '/etc/haproxy/haproxy.cfg', content: 'a\nb\n', mode: 0o644 },
    { path: '/etc/keepalived/keepalived.conf', content: 'auth_pass s3cret\n', mode: 0o600, secret: true },
    { path: '/etc/sysctl.d/90-kubeha.conf', content: 'x = 1\n', mode: 0o644 },
    { path: '/etc/hosts', content: '# BEGIN k\n1.2.3.4 api\n# END k\n', mode: 0o644, managedBlock: { begin: '# BEGIN k', end: '# END k' } },
  ],
};
const seen = (files: ObservedHost['files']): ObservedHost => ({ host: 'lb0', packageManager: 'apt', os: '', installed: {}, installable: {}, files, services: {}, pending: [], tempFiles: [] });

describe('analyze --from: drift findings', () => {
  it('none when the running files are the rendered ones (a managed block inside a larger file counts as equal)', () => {
    const f = driftFindings(want, seen({
      '/etc/haproxy/haproxy.cfg': { content: 'a\nb\n', mode: 0o644, owner: 'root' },
      '/etc/keepalived/keepalived.conf': { content: 'auth_pass s3cret\n', mode: 0o600, owner: 'root' },
      '/etc/sysctl.d/90-kubeha.conf': { content: 'x = 1\n', mode: 0o644, owner: 'root' },
      '/etc/hosts': { content: '127.0.0.1 localhost\n# BEGIN k\n1.2.3.4 api\n# END k\n', mode: 0o644, owner: 'root' },
    }));
    assert.deepEqual(f, []);
  });

  it('reports changed, missing and mode drift, never showing secret content', () => {
    const f = driftFindings(want, seen({
      '/etc/haproxy/haproxy.cfg': { content: 'a\nc\n', mode: 0o644, owner: 'root' },
      '/etc/keepalived/keepalived.conf': { content: 'auth_pass other\n', mode: 0o600, owner: 'root' },
      '/etc/sysctl.d/90-kubeha.conf': null,
      '/etc/hosts': { content: '# BEGIN k\n1.2.3.4 api\n# END k\n', mode: 0o666, owner: 'root' },
    }));
    assert.deepEqual(f.map((x) => [x.rule, x.file, x.severity]), [
      ['drift', '/etc/haproxy/haproxy.cfg', 'warning'],
      ['drift', '/etc/keepalived/keepalived.conf', 'warning'],
      ['drift-missing', '/etc/sysctl.d/90-kubeha.conf', 'warning'],
      ['drift-mode', '/etc/hosts', 'info'],
    ]);
    assert.match(f[0]!.message, /1 line\(s\) to add, 1 to remove/);
    assert.ok(!JSON.stringify(f).includes('s3cret') && !JSON.stringify(f).includes('other'));
  });
});
