import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { ed25519KeyPair, formatEd25519 } from '../../src/lab/ssh-keys.js';

test('a key pair in OpenSSH formats that ssh-keygen and ssh2 read back, public halves matching', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-keys-'));
  const hasKeygen = spawnSync('sh', ['-c', 'command -v ssh-keygen']).status === 0;
  for (const comment of ['root@lb0', '', 'kubeha-lab-a-rather-long-lab-name-x']) {
    const pair = ed25519KeyPair(comment);
    assert.match(pair.private, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/);
    assert.equal(pair.public, comment ? `${pair.public.split(' ').slice(0, 2).join(' ')} ${comment}` : pair.public.split(' ').slice(0, 2).join(' '));
    const parsed = ssh2.utils.parseKey(pair.private);
    assert.ok(!(parsed instanceof Error), parsed instanceof Error ? parsed.message : '');
    const pub = ssh2.utils.parseKey(pair.public);
    assert.ok(!(pub instanceof Error), pub instanceof Error ? pub.message : '');
    assert.equal(parsed.getPublicSSH().toString('base64'), pub.getPublicSSH().toString('base64'));
    // Signs, and the public key verifies the signature: the halves belong together.
    const data = Buffer.from('lab');
    assert.equal(pub.verify(data, parsed.sign(data)), true);
    if (hasKeygen) {
      const file = join(dir, `k${comment.length}`);
      writeFileSync(file, pair.private, { mode: 0o600 });
      const r = spawnSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), pair.public);
    }
  }
});

test('the private key file is PROTOCOL.key: fixed header, one key, check words equal, padding 1, 2, 3…', () => {
  const seed = Buffer.alloc(32, 1);
  const pub = Buffer.alloc(32, 2);
  const pair = formatEd25519(seed, pub, 'c', 0x01020304);
  const file = Buffer.from(pair.private.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
  assert.equal(file.subarray(0, 15).toString('latin1'), 'openssh-key-v1\0');
  // After header, "none", "none", "" and the key count 1: the public blob, then the private section.
  let at = 15 + 8 + 8 + 4;
  assert.equal(file.readUInt32BE(at), 1);
  at += 4;
  const blobLen = file.readUInt32BE(at);
  at += 4 + blobLen;
  const section = file.subarray(at + 4, at + 4 + file.readUInt32BE(at));
  assert.equal(section.length % 8, 0);
  assert.equal(section.readUInt32BE(0), 0x01020304);
  assert.equal(section.readUInt32BE(4), 0x01020304);
  const pad = section.subarray(section.length - (section.length - (8 + 4 + 11 + 4 + 32 + 4 + 64 + 4 + 1)));
  assert.deepEqual([...pad], Array.from({ length: pad.length }, (_, i) => i + 1));
  assert.ok(section.includes(Buffer.concat([seed, pub])), 'the 64-byte private key is seed then public key');
});
