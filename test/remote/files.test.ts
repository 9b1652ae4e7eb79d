import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteCommandError } from '../../src/diag/errors.js';
import { BACKUP_SUFFIX, TEMP_PREFIX, ValidationError, atomicWriteScript, cleanTempFiles, readRemoteFile, writeRemoteFileAtomic, writeRemoteFilesAtomic } from '../../src/remote/files.js';
import { SshPool } from '../../src/remote/ssh.js';
import type { RemoteHost } from '../../src/remote/ssh.js';
import { startSshServer } from '../helpers/ssh-server.js';
import type { TestSshServer } from '../helpers/ssh-server.js';

// Real haproxy 2.6 validates here (installed on this machine and in CI by scripts/setup.sh).
const GOOD = `global\n  log stdout format raw local0\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1m\n  timeout server 1m\nfrontend k8s\n  bind 127.0.0.1:16443\n  default_backend masters\nbackend masters\n  server m0 127.0.0.1:6443 check\n`;
const BAD = GOOD.replace('default_backend masters', 'default_backend no-such-backend');

describe('remote files over SSH (real haproxy -c)', () => {
  let server: TestSshServer;
  let pool: SshPool;
  let host: RemoteHost;
  let dir: string;
  before(async () => {
    server = await startSshServer();
    dir = mkdtempSync(join(tmpdir(), 'kubeha-files-'));
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, server.knownHostsLine + '\n');
    pool = new SshPool({ knownHostsFile: kh });
    host = pool.host({ name: 'lb0', address: '127.0.0.1', port: server.port, keyFile: server.clientKeyFile });
  });
  after(async () => {
    await pool.close();
    await server.close();
  });

  it('reads an absent file as undefined and a present one with mode and owner', async () => {
    assert.equal(await readRemoteFile(host, join(dir, 'nope.cfg')), undefined);
    const p = join(dir, 'x.txt');
    writeFileSync(p, 'héllo\n', { mode: 0o640 });
    const got = await readRemoteFile(host, p);
    assert.deepEqual(got, { content: 'héllo\n', mode: 0o640, owner: 'root' });
  });

  it('writes a validated file, with its mode, keeping the old one as a backup', async () => {
    const target = join(dir, 'haproxy', 'haproxy.cfg');
    await writeRemoteFileAtomic(host, { path: target, content: GOOD, mode: 0o644, validate: 'haproxy' });
    assert.equal(readFileSync(target, 'utf8'), GOOD);
    assert.equal(statSync(target).mode & 0o777, 0o644);
    assert.equal(existsSync(target + BACKUP_SUFFIX), false, 'no backup of a file that did not exist');
    const v2 = GOOD.replace('timeout client 1m', 'timeout client 2m');
    await writeRemoteFileAtomic(host, { path: target, content: v2, mode: 0o600, validate: 'haproxy', pending: [] });
    assert.equal(readFileSync(target, 'utf8'), v2);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.equal(readFileSync(target + BACKUP_SUFFIX, 'utf8'), GOOD);
    assert.deepEqual(readdirSync(join(dir, 'haproxy')).filter((f) => f.startsWith(TEMP_PREFIX)), []);
  });

  it('never replaces a working file with one that fails validation, and shows the tool message', async () => {
    const target = join(dir, 'bad', 'haproxy.cfg');
    await writeRemoteFileAtomic(host, { path: target, content: GOOD, mode: 0o644, validate: 'haproxy' });
    const err = await writeRemoteFileAtomic(host, { path: target, content: BAD, mode: 0o644, validate: 'haproxy', pending: ['haproxy.service.reload'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ValidationError);
    assert.equal(err.host, 'lb0');
    assert.match(err.command, /^haproxy -c -f .*\.kubeha-tmp-haproxy\.cfg-/);
    assert.match(err.toolOutput, /no-such-backend/);
    assert.doesNotMatch(err.toolOutput, /kubeha-validator-exit/);
    assert.equal(err.exitCode, 1, "haproxy's own exit code");
    assert.equal(readFileSync(target, 'utf8'), GOOD, 'the live file is untouched');
    assert.deepEqual(readdirSync(join(dir, 'bad')).filter((f) => f.startsWith(TEMP_PREFIX)), [], 'the rejected temp file is removed');
  });

  it('reports other failures (here: an impossible owner) as RemoteCommandError and leaves the live file', async () => {
    const target = join(dir, 'owner.txt');
    writeFileSync(target, 'old\n');
    const err = await writeRemoteFileAtomic(host, { path: target, content: 'new\n', mode: 0o644, owner: 'no-such-user-kubeha' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RemoteCommandError);
    assert.ok(!(err instanceof ValidationError));
    assert.match(err.stderrTail, /invalid user/);
    assert.equal(readFileSync(target, 'utf8'), 'old\n');
  });

  it('writes several files in one round trip, each atomically; stops at the first rejected one', async () => {
    const d = join(dir, 'batch');
    const before = server.commands.length;
    const ok = await writeRemoteFilesAtomic(host, [
      { path: join(d, 'empty'), content: '', mode: 0o600 },
      { path: join(d, 'odd'), content: "quotes ' \" $HOME `x` and\nKUBEHA_B64_EOF\n", mode: 0o644 },
      { path: join(d, 'haproxy.cfg'), content: GOOD, mode: 0o644, validate: 'haproxy' },
    ]);
    assert.deepEqual(ok, { completed: 3 });
    assert.equal(server.commands.length - before, 1, 'one SSH command for three files');
    assert.equal(readFileSync(join(d, 'empty'), 'utf8'), '');
    assert.equal(readFileSync(join(d, 'odd'), 'utf8'), "quotes ' \" $HOME `x` and\nKUBEHA_B64_EOF\n");
    const r = await writeRemoteFilesAtomic(host, [
      { path: join(d, 'odd'), content: 'first\n', mode: 0o644 },
      { path: join(d, 'haproxy.cfg'), content: BAD, mode: 0o644, validate: 'haproxy' },
      { path: join(d, 'third'), content: 'never\n', mode: 0o644 },
    ]);
    assert.equal(r.completed, 1);
    assert.ok(r.error instanceof ValidationError);
    assert.match(r.error.toolOutput, /no-such-backend/);
    assert.equal(readFileSync(join(d, 'odd'), 'utf8'), 'first\n');
    assert.equal(readFileSync(join(d, 'haproxy.cfg'), 'utf8'), GOOD);
    assert.equal(existsSync(join(d, 'third')), false);
    assert.deepEqual(readdirSync(d).filter((f) => f.startsWith(TEMP_PREFIX)), []);
  });

  it('a full disk fails the write with the tool message and leaves the live file whole', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to mount a tiny tmpfs');
    const d = mkdtempSync(join(tmpdir(), 'kubeha-full-'));
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d]).status !== 0) return t.skip('cannot mount tmpfs here');
    try {
      const target = join(d, 'haproxy.cfg');
      writeFileSync(target, GOOD);
      const err = await writeRemoteFileAtomic(host, { path: target, content: 'x'.repeat(200_000), mode: 0o644 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof RemoteCommandError);
      assert.match(err.stderrTail, /No space left on device/);
      assert.equal(readFileSync(target, 'utf8'), GOOD);
      assert.deepEqual(readdirSync(d).filter((f) => f.startsWith(TEMP_PREFIX)), []);
    } finally {
      spawnSync('umount', [d]);
    }
  });

  it('removes leftovers of an interrupted write', async () => {
    const d = join(dir, 'left');
    await host.run(`mkdir -p ${d} && touch ${d}/${TEMP_PREFIX}a-1 ${d}/${TEMP_PREFIX}b-2 ${d}/keep.cfg`);
    const removed = await cleanTempFiles(host, [d, join(dir, 'absent-dir')]);
    assert.equal(removed.length, 2);
    assert.deepEqual(readdirSync(d), ['keep.cfg']);
  });

  it('marks pending reloads before the rename', () => {
    const script = atomicWriteScript({ path: '/etc/haproxy/haproxy.cfg', content: '', mode: 0o644, validate: 'haproxy', pending: ['haproxy.service.reload'] }, 'n0');
    const touch = script.indexOf('touch /var/lib/kubeha/pending/haproxy.service.reload');
    const validate = script.indexOf('haproxy -c -f');
    const rename = script.indexOf('mv -f "$tmp" /etc/haproxy/haproxy.cfg');
    assert.ok(validate >= 0 && touch > validate && rename > touch);
    assert.match(script, /tmp=\/etc\/haproxy\/\.kubeha-tmp-haproxy\.cfg-n0/);
  });
});
