import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fingerprint,
  formatKnownHostLine,
  hostFieldMatches,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../src/remote/known-hosts.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIBnsxGZ0z6O7y5sQ6sP8vqfGjWnUuHxH1oTjS1E3CZ2B';
const blob = (b64: string): Buffer => Buffer.from(b64, 'base64');

describe('known_hosts parsing', () => {
  it('parses plain, hashed, marker and comment lines and skips malformed ones', () => {
    const text = [
      '# comment',
      '',
      `10.0.0.1,lb0 ssh-ed25519 ${KEY_A} root@lb0`,
      // Made by `ssh-keygen -H` for [127.0.0.1]:2222 (a real hashed entry).
      `|1|Qmab0EUJtfc1qPKW1/tyJwKpWQo=|b1xj2bUKyWNKPAcuLMP+hXoCTMo= ssh-ed25519 ${KEY_A}`,
      `@revoked * ssh-ed25519 ${KEY_B}`,
      'garbage-line-without-key',
    ].join('\n');
    const entries = parseKnownHosts(text);
    assert.equal(entries.length, 3);
    assert.equal(entries[0]!.line, 3);
    assert.equal(entries[0]!.keyType, 'ssh-ed25519');
    assert.equal(entries[2]!.marker, '@revoked');
    assert.ok(hostFieldMatches(entries[1]!.hosts, '[127.0.0.1]:2222'));
    assert.ok(!hostFieldMatches(entries[1]!.hosts, '127.0.0.1'));
  });

  it('uses [addr]:port for non-standard ports only', () => {
    assert.equal(knownHostName('10.0.0.1', 22), '10.0.0.1');
    assert.equal(knownHostName('10.0.0.1', 2222), '[10.0.0.1]:2222');
  });

  it('matches wildcards and honours negation', () => {
    assert.ok(hostFieldMatches('10.0.0.*', '10.0.0.7'));
    assert.ok(!hostFieldMatches('10.0.0.*,!10.0.0.7', '10.0.0.7'));
    assert.ok(hostFieldMatches('lb?', 'lb1'));
    assert.ok(!hostFieldMatches('lb?', 'lb10'));
  });

  it('verifies by comparing key blobs: match, unknown, changed, revoked', () => {
    const entries = parseKnownHosts(`10.0.0.1 ssh-ed25519 ${KEY_A}\n@revoked 10.0.0.9 ssh-ed25519 ${KEY_B}\n`);
    assert.equal(verifyHostKey(entries, '10.0.0.1', blob(KEY_A)).status, 'match');
    assert.equal(verifyHostKey(entries, '10.0.0.2', blob(KEY_A)).status, 'unknown');
    const changed = verifyHostKey(entries, '10.0.0.1', blob(KEY_B));
    assert.equal(changed.status, 'changed');
    assert.equal(verifyHostKey(entries, '10.0.0.9', blob(KEY_B)).status, 'revoked');
  });

  it('lists the known key types of a host', () => {
    const entries = parseKnownHosts(`h ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==\nh ssh-ed25519 ${KEY_A}\nother ssh-ed25519 ${KEY_B}`);
    assert.deepEqual(knownKeyTypes(entries, 'h'), ['ssh-rsa', 'ssh-ed25519']);
  });

  it('fingerprints like ssh-keygen -l', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-kh-'));
    const file = join(dir, 'k.pub');
    execFileSync('sh', ['-c', `echo 'ssh-ed25519 ${KEY_A}' > ${file}`]);
    const printed = execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(fingerprint(blob(KEY_A)), printed);
    assert.equal(keyTypeOfBlob(blob(KEY_A)), 'ssh-ed25519');
  });

  it('writes hashed lines that ssh-keygen -F finds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-kh-'));
    const file = join(dir, 'known_hosts');
    const line = formatKnownHostLine('[10.1.2.3]:2200', blob(KEY_A), true);
    execFileSync('sh', ['-c', `printf '%s\\n' '${line}' > ${file}`]);
    const found = execFileSync('ssh-keygen', ['-F', '[10.1.2.3]:2200', '-f', file], { encoding: 'utf8' });
    assert.match(found, /Host \[10\.1\.2\.3\]:2200 found/);
    assert.equal(verifyHostKey(parseKnownHosts(readFileSync(file, 'utf8')), '[10.1.2.3]:2200', blob(KEY_A)).status, 'match');
  });
});
