import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { EnvironmentError } from '../../src/diag/errors.js';
import { NetnsDialer } from '../../src/remote/netns-dial.js';

/**
 * Connections opened inside another network namespace, used by this process. A namespace of the test's own with only
 * loopback up, and in it a TCP server that speaks first (as sshd does) on a port nothing listens on here: a greeting
 * received proves the connection was made in there and that no byte was lost when the socket was handed over.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
const hasIp = spawnSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).status === 0;
const skip = !isRoot ? 'needs root (network namespaces)' : !hasIp ? 'needs iproute2' : false;

const NS = `kubeha-dial-${process.pid}`;
const GREETING = `hello from ${NS}\n`;

/** A port with no listener in this namespace (the server in NS takes the same number). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function readLine(sock: Socket): Promise<string> {
  return new Promise((res, rej) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      if (buf.includes('\n')) {
        sock.off('data', onData);
        res(buf);
      }
    };
    sock.on('data', onData);
    sock.once('error', rej);
  });
}

/** PIDs of the processes in NS (the test's server and any relay). */
const pidsIn = (): number[] =>
  spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

async function until(cond: () => boolean, what: string): Promise<void> {
  // A bound against a hang only: the relay ends within milliseconds on an idle machine.
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), what);
}

describe('NetnsDialer: connections opened in another network namespace', { skip }, () => {
  let port = 0;
  let closedPort = 0;
  let server: ChildProcess | undefined;
  /** Relays in NS: every process there but the server (`ip netns exec` execs it: same PID). */
  const relays = (): number[] => pidsIn().filter((p) => p !== server?.pid);

  before(async () => {
    spawnSync('ip', ['netns', 'del', NS]);
    assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
    assert.equal(spawnSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']).status, 0);
    port = await freePort();
    closedPort = await freePort();
    const code = `require('node:net').createServer((s) => { s.write(${JSON.stringify(GREETING)}); s.pipe(s); }).listen(${port}, '127.0.0.1', () => console.log('ready'))`;
    server = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res, rej) => {
      server!.stdout!.once('data', () => res());
      server!.once('exit', (c) => rej(new Error(`server exited ${c}`)));
    });
  });

  after(() => {
    if (server?.pid && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    for (const pid of pidsIn()) process.kill(pid, 'SIGKILL');
    spawnSync('ip', ['netns', 'del', NS]);
  });

  // Each test starts with no relay left by the one before (a closed relay ends a moment later).
  beforeEach(() => until(() => relays().length === 0, 'a relay of an earlier test is still there'));

  it('connects inside the namespace (nothing listens on that port here) and loses nothing of what the server said first', async () => {
    const here = await new Promise<string>((res) => connect(port, '127.0.0.1').once('error', (e: NodeJS.ErrnoException) => res(e.code ?? '')).once('connect', () => res('connected')));
    assert.equal(here, 'ECONNREFUSED', 'the port is free in this namespace');
    const dialer = new NetnsDialer(NS, { allowed: [`127.0.0.1:${port}`, `127.0.0.1:${closedPort}`] });
    try {
      // Paused until read, as ssh2 handles its socket.
      const sock = await dialer.dial('127.0.0.1', port, 10_000);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await readLine(sock), GREETING);
      sock.write('echo\n');
      assert.equal(await readLine(sock), 'echo\n');
      sock.destroy();
    } finally {
      dialer.close();
    }
  });

  it('serves many connections with one relay, and the relay ends on close() while the connections live on', async () => {
    const dialer = new NetnsDialer(NS, { allowed: [`127.0.0.1:${port}`] });
    const socks = await Promise.all(Array.from({ length: 8 }, () => dialer.dial('127.0.0.1', port, 10_000)));
    try {
      assert.equal(relays().length, 1, 'one relay process in the namespace');
      for (const s of socks) assert.equal(await readLine(s), GREETING);
      dialer.close();
      await until(() => relays().length === 0, 'the relay ended after close()');
      socks[0]!.write('still open\n');
      assert.equal(await readLine(socks[0]!), 'still open\n');
    } finally {
      for (const s of socks) s.destroy();
      dialer.close();
    }
  });

  it('refuses an endpoint it was not given, without asking the relay; reports a refused connection with its code', async () => {
    const dialer = new NetnsDialer(NS, { allowed: [`127.0.0.1:${closedPort}`], refusal: 'not a host of lab x' });
    try {
      const refused = await dialer.dial('127.0.0.1', port, 10_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(refused instanceof EnvironmentError);
      assert.match(refused.message, new RegExp(`127\\.0\\.0\\.1:${port} is not reached through network namespace ${NS}: not a host of lab x`));
      assert.equal(relays().length, 0, 'no relay was started for a refused endpoint');
      const err = (await dialer.dial('127.0.0.1', closedPort, 10_000).then(
        () => undefined,
        (e: unknown) => e,
      )) as NodeJS.ErrnoException;
      assert.equal(err.code, 'ECONNREFUSED');
    } finally {
      dialer.close();
    }
  });

  it('says so when the namespace does not exist', async () => {
    const dialer = new NetnsDialer(`${NS}-absent`, { allowed: [`127.0.0.1:${port}`] });
    try {
      const err = await dialer.dial('127.0.0.1', port, 10_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof EnvironmentError, String(err));
      assert.match(err.message, /relay in network namespace .*-absent exited/);
    } finally {
      dialer.close();
    }
  });

  it('the relay ends when the process that started it is killed (SIGKILL)', async () => {
    const script = [
      `import { NetnsDialer } from ${JSON.stringify(join(ROOT, 'src/remote/netns-dial.ts'))};`,
      `const d = new NetnsDialer(${JSON.stringify(NS)}, { allowed: ['127.0.0.1:${port}'] });`,
      `const s = await d.dial('127.0.0.1', ${port}, 10000);`,
      `console.log('dialed');`,
      `setInterval(() => s.write('x'), 1000);`,
    ].join('\n');
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let ownerErr = '';
    owner.stderr.on('data', (d: Buffer) => (ownerErr += d.toString()));
    const exited = new Promise((r) => owner.once('exit', r));
    await new Promise<void>((res, rej) => {
      owner.stdout.once('data', () => res());
      owner.once('exit', (c) => rej(new Error(`owner exited ${c}: ${ownerErr}`)));
    });
    assert.equal(relays().length, 1, 'the owner started one relay');
    process.kill(owner.pid!, 'SIGKILL');
    await exited;
    await until(() => relays().length === 0, 'the relay outlived its owner');
  });
});
