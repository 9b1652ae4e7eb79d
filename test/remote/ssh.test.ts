import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { EnvironmentError, RemoteCommandError } from '../../src/diag/errors.js';
import { HostKeyError, SshPool, shellQuote, targetsFromSpec, wrapForUser } from '../../src/remote/ssh.js';
import { describeRemote } from '../../src/cli/report-error.js';
import { ed25519KeyPair, startSshServer } from '../helpers/ssh-server.js';
import type { TestSshServer } from '../helpers/ssh-server.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'kubeha-ssh-'));

describe('ssh transport against an in-process ssh2.Server', () => {
  let server: TestSshServer;
  let dir: string;
  let knownHosts: string;
  before(async () => {
    server = await startSshServer();
    dir = tmp();
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, server.knownHostsLine + '\n');
  });
  after(async () => server.close());

  const target = (): { name: string; address: string; port: number; keyFile: string } => ({ name: 'lb0', address: '127.0.0.1', port: server.port, keyFile: server.clientKeyFile });

  it('runs commands, passes stdin and reuses one connection', async () => {
    const pool = new SshPool({ knownHostsFile: knownHosts });
    try {
      const host = pool.host(target());
      const logins = server.users.length;
      assert.equal((await host.run('echo hello')).trim(), 'hello');
      assert.equal(await host.run('cat', { stdin: 'from stdin' }), 'from stdin');
      const r = await host.exec('echo oops >&2; exit 3');
      assert.equal(r.exitCode, 3);
      assert.equal(r.stderr.trim(), 'oops');
      assert.equal(server.users.length - logins, 1, 'one login for three commands');
    } finally {
      await pool.close();
    }
  });

  it('fails with RemoteCommandError naming host, command, exit code and stderr tail', async () => {
    const pool = new SshPool({ knownHostsFile: knownHosts });
    try {
      const err = await pool
        .host(target())
        .run(`for i in $(seq 1 40); do echo "line $i" >&2; done; exit 7`)
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof RemoteCommandError);
      assert.equal(err.host, 'lb0');
      assert.equal(err.exitCode, 7);
      assert.match(err.stderrTail, /line 40$/);
      assert.doesNotMatch(err.stderrTail, /line 1\n/);
      assert.match(describeRemote(err), /lb0: command `for i in .*` exited with 7/);
    } finally {
      await pool.close();
    }
  });

  it('times out a command and kills it', async () => {
    const pool = new SshPool({ knownHostsFile: knownHosts });
    try {
      const marker = join(dir, 'survived');
      const err = await pool
        .host(target())
        .run(`sleep 1; touch ${marker}`, { timeoutMs: 200 })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof RemoteCommandError);
      assert.equal(err.timedOut, true);
      assert.match(describeRemote(err), /timed out/);
      // The command was killed: it never reaches its `touch`.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(existsSync(marker), false);
      // The connection stays usable after a timeout.
      assert.equal((await pool.host(target()).run('echo still-here')).trim(), 'still-here');
    } finally {
      await pool.close();
    }
  });

  it('refuses an unknown host unless --accept-new-host-keys, which records it', async () => {
    const file = join(tmp(), 'known_hosts');
    const strict = new SshPool({ knownHostsFile: file });
    const err = await strict.connect(target()).then(() => undefined, (e: unknown) => e);
    await strict.close();
    assert.ok(err instanceof HostKeyError);
    assert.equal(err.verdict, 'unknown');
    assert.match(err.message, /not in .*known_hosts.*SHA256:/);
    assert.match(err.hint ?? '', /--accept-new-host-keys/);

    const accepting = new SshPool({ knownHostsFile: file, acceptNewHostKeys: true });
    assert.equal((await accepting.host(target()).run('echo ok')).trim(), 'ok');
    await accepting.close();
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.port} ssh-ed25519 `));

    const again = new SshPool({ knownHostsFile: file });
    assert.equal((await again.host(target()).run('echo ok')).trim(), 'ok');
    await again.close();
  });

  it('refuses a CHANGED host key even with --accept-new-host-keys, showing both fingerprints', async () => {
    const other = ed25519KeyPair();
    const parsed = ssh2.utils.parseKey(other.public);
    if (parsed instanceof Error) throw parsed;
    const file = join(tmp(), 'known_hosts');
    writeFileSync(file, `[127.0.0.1]:${server.port} ssh-ed25519 ${parsed.getPublicSSH().toString('base64')}\n`);
    const pool = new SshPool({ knownHostsFile: file, acceptNewHostKeys: true });
    const err = await pool.connect(target()).then(() => undefined, (e: unknown) => e);
    await pool.close();
    assert.ok(err instanceof HostKeyError);
    assert.equal(err.verdict, 'changed');
    assert.match(err.message, /CHANGED/);
    assert.notEqual(err.presented, err.known[0]);
    assert.ok(err.message.includes(err.presented));
    assert.match(err.message, /known_hosts has ssh-ed25519 SHA256:\S+ \(.*:1\)/);
    assert.ok(!readFileSync(file, 'utf8').includes(server.hostKey.toString('base64')), 'the new key was not recorded');
  });

  it('reports an unreachable host as an environment error naming it', async () => {
    const pool = new SshPool({ knownHostsFile: knownHosts, connectTimeoutMs: 2000 });
    // A port on loopback nobody listens on (the server's port + 1 is very likely free; checked by the error code).
    const err = await pool.connect({ ...target(), port: 1 }).then(() => undefined, (e: unknown) => e);
    await pool.close();
    assert.ok(err instanceof EnvironmentError);
    assert.equal(err.host, 'lb0');
    assert.match(err.message, /cannot reach 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });

  it('reports a wrong key as an authentication failure', async () => {
    const wrong = ed25519KeyPair();
    const keyFile = join(tmp(), 'wrong');
    writeFileSync(keyFile, wrong.private, { mode: 0o600 });
    const pool = new SshPool({ knownHostsFile: knownHosts });
    const err = await pool.connect({ ...target(), keyFile }).then(() => undefined, (e: unknown) => e);
    await pool.close();
    assert.ok(err instanceof EnvironmentError);
    assert.match(err.message, /authentication as root .* failed/);
  });

  it('tunnels through a jump host (direct-tcpip)', async () => {
    const inner = await startSshServer();
    const file = join(tmp(), 'known_hosts');
    writeFileSync(file, `${server.knownHostsLine}\n${inner.knownHostsLine}\n`);
    const pool = new SshPool({ knownHostsFile: file });
    try {
      const host = pool.host({ name: 'm0', address: '127.0.0.1', port: inner.port, keyFile: inner.clientKeyFile, jump: target() });
      assert.equal((await host.run('echo through')).trim(), 'through');
      assert.equal(inner.commands.at(-1), 'echo through');
    } finally {
      await pool.close();
      await inner.close();
    }
  });

  it('opens its connections with the given dial (hosts in another namespace), for every host at once; known_hosts still decides', async () => {
    // Spec-like addresses, each dialed to the loopback server (nothing leaves loopback); known under their address.
    const addresses = ['10.99.0.11', '10.99.0.12', '10.99.0.13', '10.99.0.14'];
    const file = join(tmp(), 'known_hosts');
    writeFileSync(file, addresses.map((a) => server.knownHostsLine.replace(/^\[127\.0\.0\.1\]:\d+/, a)).join('\n') + '\n');
    const dialed: string[] = [];
    const dial = (address: string, port: number): Promise<Socket> => {
      dialed.push(`${address}:${port}`);
      return new Promise((res, rej) => {
        const s = netConnect(server.port, '127.0.0.1');
        s.once('connect', () => res(s)).once('error', rej);
      });
    };
    const pool = new SshPool({ knownHostsFile: file, dial });
    try {
      const outs = await Promise.all(addresses.map((a, i) => pool.host({ name: `h${i}`, address: a, port: 22, keyFile: server.clientKeyFile }).run('echo via-dial')));
      assert.deepEqual(outs.map((o) => o.trim()), addresses.map(() => 'via-dial'));
      assert.deepEqual(dialed.sort(), addresses.map((a) => `${a}:22`));
      // An address known_hosts does not list is refused as ever, dial or not.
      const err = await pool.connect({ name: 'stranger', address: '10.99.0.99', port: 22, keyFile: server.clientKeyFile }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof HostKeyError);
      assert.equal(err.verdict, 'unknown');
    } finally {
      await pool.close();
    }
  });

  it('reports a failed dial as the host being unreachable', async () => {
    const dial = (): Promise<Socket> => Promise.reject(Object.assign(new Error('connect EHOSTUNREACH 10.99.0.11:22'), { code: 'EHOSTUNREACH' }));
    const pool = new SshPool({ knownHostsFile: knownHosts, dial });
    const err = await pool.connect({ name: 'lb0', address: '10.99.0.11', port: 22, keyFile: server.clientKeyFile }).then(() => undefined, (e: unknown) => e);
    await pool.close();
    assert.ok(err instanceof EnvironmentError);
    assert.equal(err.host, 'lb0');
    assert.match(err.message, /cannot reach 10\.99\.0\.11:22 \(EHOSTUNREACH\)/);
  });

  it('authenticates through the SSH agent when no key file is given', async (t) => {
    const sock = join(tmp(), 'agent.sock');
    if (spawnSync('sh', ['-c', 'command -v ssh-agent']).status !== 0) return t.skip('ssh-agent is not installed');
    // Foreground (-D): our child, ended by PID below.
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    const saved = process.env['SSH_AUTH_SOCK'];
    try {
      assert.equal(spawnSync('ssh-add', [server.clientKeyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status, 0);
      process.env['SSH_AUTH_SOCK'] = sock;
      const pool = new SshPool({ knownHostsFile: knownHosts });
      try {
        const { keyFile: _k, ...noKey } = target();
        assert.equal((await pool.host(noKey).run('echo via-agent')).trim(), 'via-agent');
      } finally {
        await pool.close();
      }
    } finally {
      if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = saved;
      agent.kill('SIGTERM');
    }
  });

  it('sends commands of a non-root user through sudo -n', async () => {
    const pool = new SshPool({ knownHostsFile: knownHosts });
    try {
      await pool.host({ ...target(), user: 'deploy' }).exec("echo 'a b'");
      assert.equal(server.users.at(-1), 'deploy');
      assert.equal(server.commands.at(-1), `sudo -n sh -c 'echo '\\''a b'\\'''`);
    } finally {
      await pool.close();
    }
  });
});

describe('a non-root user without passwordless sudo', () => {
  it('is reported as such (environment error with the sudoers hint), not as a failed command', async () => {
    const dir = tmp();
    // sudo as it answers for a user without a NOPASSWD rule (`sudo -n` never prompts).
    writeFileSync(join(dir, 'sudo'), '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n', { mode: 0o755 });
    const server = await startSshServer({ env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` } });
    writeFileSync(join(dir, 'known_hosts'), server.knownHostsLine + '\n');
    const pool = new SshPool({ knownHostsFile: join(dir, 'known_hosts') });
    try {
      const err = await pool
        .host({ name: 'lb0', address: '127.0.0.1', port: server.port, keyFile: server.clientKeyFile, user: 'deploy' })
        .run('id -u')
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof EnvironmentError);
      assert.ok(!(err instanceof RemoteCommandError));
      assert.match(err.message, /deploy cannot run commands as root without a password/);
      assert.match(err.hint ?? '', /NOPASSWD/);
    } finally {
      await pool.close();
      await server.close();
    }
  });
});

describe('ssh helpers', () => {
  it('quotes for a POSIX shell', () => {
    assert.equal(shellQuote('/etc/haproxy/haproxy.cfg'), '/etc/haproxy/haproxy.cfg');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(wrapForUser('root', 'id'), 'id');
    assert.equal(wrapForUser('ops', 'id -u'), "sudo -n sh -c 'id -u'");
  });

  it('resolves jump hosts by spec host name or user@address:port', () => {
    const ssh = { user: 'root', port: 22 };
    const targets = targetsFromSpec([
      { name: 'bastion', address: '10.0.0.1', ssh },
      { name: 'lb0', address: '10.0.0.2', ssh: { ...ssh, jumpHost: 'bastion' } },
      { name: 'lb1', address: '10.0.0.3', ssh: { ...ssh, jumpHost: 'ops@192.0.2.1:2222', keyFile: 'k' } },
    ]);
    assert.equal(targets.get('lb0')?.jump?.address, '10.0.0.1');
    assert.deepEqual(targets.get('lb1')?.jump, { name: 'ops@192.0.2.1:2222', address: '192.0.2.1', port: 2222, user: 'ops', keyFile: 'k' });
    assert.equal(targets.get('bastion')?.jump, undefined);
  });
});
