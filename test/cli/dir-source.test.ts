import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirFileSource } from '../../src/cli/dir-source.js';

const base = mkdtempSync(join(tmpdir(), 'kubeha-dirsrc-'));
after(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, 'mirror');
mkdirSync(join(root, 'h/etc/haproxy'), { recursive: true });
mkdirSync(join(root, 'h/etc/keepalived/keepalived.conf'), { recursive: true });
writeFileSync(join(root, 'h/etc/haproxy/haproxy.cfg'), 'global\n');
writeFileSync(join(root, 'h/etc/haproxy/bin.cfg'), Buffer.from([0x67, 0, 0x6c]));
writeFileSync(join(root, 'h/etc/haproxy/big.cfg'), 'x'.repeat(100));
writeFileSync(join(base, 'secret'), 'outside\n');
symlinkSync(join(base, 'secret'), join(root, 'h/etc/haproxy/out.cfg'));
symlinkSync('haproxy.cfg', join(root, 'h/etc/haproxy/in.cfg'));
symlinkSync(base, join(root, 'h/etc/up'));

describe('dirFileSource', () => {
  const fs = dirFileSource(root, 50);
  it('reads text files and relative symlinks that stay inside', () => {
    assert.equal(fs.readFile('/h/etc/haproxy/haproxy.cfg'), 'global\n');
    assert.equal(fs.readFile('/h/etc/haproxy/in.cfg'), 'global\n');
    assert.equal(fs.whyUnreadable?.('/h/etc/haproxy/haproxy.cfg'), undefined);
  });
  it('never reads outside the directory: .., absolute symlinks, symlinked directories', () => {
    assert.equal(fs.readFile('/../secret'), undefined);
    assert.equal(fs.readFile('/h/etc/haproxy/out.cfg'), undefined);
    assert.match(fs.whyUnreadable?.('/h/etc/haproxy/out.cfg') ?? '', /symlink that leaves the mirror/);
    assert.equal(fs.readFile('/h/etc/up/secret'), undefined);
    assert.equal(fs.listDir('/h/etc/up'), undefined);
  });
  it('says why an existing path reads as absent; nothing for a missing one', () => {
    assert.match(fs.whyUnreadable?.('/h/etc/haproxy/bin.cfg') ?? '', /binary/);
    assert.match(fs.whyUnreadable?.('/h/etc/haproxy/big.cfg') ?? '', /larger than 50 bytes/);
    assert.match(fs.whyUnreadable?.('/h/etc/keepalived/keepalived.conf') ?? '', /not a regular file/);
    assert.equal(fs.whyUnreadable?.('/h/etc/nope'), undefined);
  });
  it('lists directories sorted', () => {
    assert.deepEqual(fs.listDir('/h/etc/haproxy'), ['big.cfg', 'bin.cfg', 'haproxy.cfg', 'in.cfg', 'out.cfg']);
  });
});
