import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debianMirrorFor, parseAptSources, releaseSourceLines } from '../../src/lab/apt-sources.js';

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

test('deb822 sources: the base mirror and every source of the release', () => {
  const s = parseAptSources('/etc/apt/sources.list.d/debian.sources', DEB822);
  assert.equal(debianMirrorFor(s, 'bookworm'), 'http://deb.debian.org/debian');
  assert.deepEqual(releaseSourceLines(s, 'bookworm'), [
    'deb http://deb.debian.org/debian bookworm main',
    'deb http://deb.debian.org/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ]);
});

test('one-line sources: options, comments, other repositories ignored', () => {
  const s = parseAptSources('/etc/apt/sources.list', '# c\ndeb [arch=amd64] http://mirror.example/debian/ bookworm main contrib\ndeb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n');
  assert.equal(debianMirrorFor(s, 'bookworm'), 'http://mirror.example/debian');
  assert.deepEqual(releaseSourceLines(s, 'bookworm'), ['deb http://mirror.example/debian/ bookworm main']);
  assert.equal(debianMirrorFor(s, 'trixie'), undefined);
});
