import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { listeningInodes, portOwner } from '../../src/dashboard/port-owner.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0000000000000000 100 0 0 10 0
`;

describe('who listens on a port', () => {
  it('reads the listening sockets of a port from /proc/net/tcp (not the connected ones)', () => {
    assert.deepEqual(listeningInodes(TCP, 8080), ['4242']);
    assert.deepEqual(listeningInodes(TCP, 22), ['17']);
    assert.deepEqual(listeningInodes(TCP, 50000), []);
  });

  it('finds this process listening on a port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const owner = await portOwner(port);
      assert.equal(owner?.pid, process.pid);
      assert.ok(owner.command.length > 0);
    } finally {
      server.close();
    }
  });
});
