import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { clientArgv, clientGetArgv, clientGets } from '../../src/ops/client-side.js';
import { proberArgv, watchPathFor } from '../../src/ops/drill.js';
import type { ProberConfig } from '../../src/ops/prober.js';

const cfg: ProberConfig = { host: '10.99.0.10', port: 6443, path: '/readyz', watchPath: watchPathFor(60), intervalMs: 20, timeoutMs: 1000, watches: 5, stallMs: 0, maxProbes: 10, maxSeconds: 5 };

describe('client-side traffic runs in the session netns', () => {
  it('wraps argv in `ip netns exec NS` when a netns is set, and leaves it alone otherwise', () => {
    assert.deepEqual(clientArgv('kubeha-lab-taskbox', ['node', 'x.js']), ['ip', 'netns', 'exec', 'kubeha-lab-taskbox', 'node', 'x.js']);
    assert.deepEqual(clientArgv(undefined, ['node', 'x.js']), ['node', 'x.js']);
  });

  it("status's GETs: the child is `ip netns exec NS node -e …` with the URLs as arguments", () => {
    const argv = clientGetArgv('ns1', ['https://10.99.0.10:6443/readyz'], 3000, '/usr/bin/node');
    assert.deepEqual(argv.slice(0, 6), ['ip', 'netns', 'exec', 'ns1', '/usr/bin/node', '-e']);
    assert.deepEqual(argv.slice(-2), ['3000', 'https://10.99.0.10:6443/readyz']);
    assert.equal(clientGetArgv(undefined, ['u'], 1, '/usr/bin/node')[0], '/usr/bin/node');
  });

  it("the drill's prober: `ip netns exec NS node … prober CONFIG`, and no credentials in argv", () => {
    const argv = proberArgv('ns2', cfg, '/usr/bin/node', []);
    assert.deepEqual(argv.slice(0, 5), ['ip', 'netns', 'exec', 'ns2', '/usr/bin/node']);
    assert.match(argv[5] ?? '', /prober\.(ts|js)$/);
    assert.deepEqual(JSON.parse(argv[6] ?? ''), cfg);
    assert.ok(!argv.join(' ').includes('PRIVATE KEY'));
    assert.equal(proberArgv(undefined, cfg, '/usr/bin/node', [])[0], '/usr/bin/node');
  });

  it('the one-shot GET runs and reports a refused connection as a failed GET, in URL order', async () => {
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const open = (srv.address() as { port: number }).port;
    const closed = await new Promise<number>((r) => {
      const s2 = createServer();
      s2.listen(0, '127.0.0.1', () => {
        const p = (s2.address() as { port: number }).port;
        s2.close(() => r(p));
      });
    });
    try {
      const [a, b] = await clientGets(undefined, [`https://127.0.0.1:${closed}/readyz`, `https://127.0.0.1:${open}/readyz`], 2000);
      assert.equal(a?.ok, false);
      assert.equal(a?.detail, 'ECONNREFUSED');
      assert.equal(b?.ok, false);
      assert.notEqual(b?.detail, 'ECONNREFUSED');
    } finally {
      srv.close();
    }
  });
});
