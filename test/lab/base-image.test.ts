import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_PACKAGES, BASE_RECIPE, MASKED_UNITS, SSHD_DROPIN, baseKey, recipeFingerprint } from '../../src/lab/base-image.js';
import { aptConfig, bundleKey, packageNameProblems, unknownPackages } from '../../src/lab/bundle.js';
import { cgroupRoots } from '../../src/lab/hosts.js';

test('the base cache key depends on suite, package set, mirror, architecture and recipe, not on package order', () => {
  const M = 'http://deb.debian.org/debian';
  const k = baseKey('bookworm', BASE_PACKAGES, M);
  assert.match(k, /^[0-9a-f]{16}$/);
  assert.equal(baseKey('bookworm', [...BASE_PACKAGES].reverse(), M), k);
  assert.equal(baseKey('bookworm', BASE_PACKAGES, `${M}/`), k, 'a trailing slash is the same mirror');
  assert.notEqual(baseKey('trixie', BASE_PACKAGES, M), k);
  assert.notEqual(baseKey('bookworm', [...BASE_PACKAGES, 'vim'], M), k);
  assert.notEqual(baseKey('bookworm', BASE_PACKAGES, 'http://mirror.example.org/debian'), k);
  assert.notEqual(baseKey('bookworm', BASE_PACKAGES, M, BASE_RECIPE + 1), k);
  assert.notEqual(baseKey('bookworm', BASE_PACKAGES, M, BASE_RECIPE, 'arm64'), baseKey('bookworm', BASE_PACKAGES, M, BASE_RECIPE, 'x64'));
});

test('the base has what a lab host needs and a keys-only sshd', () => {
  for (const p of ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2']) assert.ok(BASE_PACKAGES.includes(p), p);
  assert.match(SSHD_DROPIN, /^PasswordAuthentication no$/m);
  assert.match(SSHD_DROPIN, /^HostKey \/etc\/ssh\/ssh_host_ed25519_key$/m);
  assert.ok(MASKED_UNITS.every((u) => /^[-\w@]+\.(service|timer|socket|target|path|mount|automount)$/.test(u)));
});

test('the bundle key changes with packages, base and sources', () => {
  const k = bundleKey(['haproxy', 'keepalived'], 'base1', ['deb http://deb.debian.org/debian bookworm main']);
  assert.equal(bundleKey(['keepalived', 'haproxy'], 'base1', ['deb http://deb.debian.org/debian bookworm main']), k);
  assert.notEqual(bundleKey(['haproxy'], 'base1', ['deb http://deb.debian.org/debian bookworm main']), k);
  assert.notEqual(bundleKey(['haproxy', 'keepalived'], 'base2', ['deb http://deb.debian.org/debian bookworm main']), k);
});

test("apt is isolated from this machine and resolves against the target's dpkg status", () => {
  const conf = aptConfig('/tmp/w', '/cache/base/rootfs/var/lib/dpkg/status', 'amd64');
  assert.match(conf, /^Dir::State::status "\/cache\/base\/rootfs\/var\/lib\/dpkg\/status";$/m);
  assert.match(conf, /^Dir::Etc::SourceList "\/tmp\/w\/sources.list";$/m);
  assert.match(conf, /^Dir::Etc::Parts "\/tmp\/w\/apt.conf.d";$/m);
  assert.match(conf, /^Dir::Etc::PreferencesParts "\/tmp\/w\/preferences.d";$/m);
  assert.match(conf, /^APT::Install-Recommends "false";$/m);
});

test('cgroup roots: the cgroup2 mount and the v1 name=systemd hierarchy, nothing else', () => {
  const mounts = [
    'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
    'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
    'cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0',
    'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
  ].join('\n');
  assert.deepEqual(cgroupRoots(mounts), ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']);
  assert.deepEqual(cgroupRoots('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n'), ['/sys/fs/cgroup']);
});

test('bundle package names are checked before apt runs; apt’s unknown packages are named', () => {
  assert.deepEqual(packageNameProblems(['haproxy', 'socat', 'libc6=2.36-9+deb12u4', 'g++']), []);
  assert.deepEqual(
    packageNameProblems(['Haproxy', 'foo;rm', '-o', 'x']).map((d) => [d.code, d.message]),
    ['Haproxy', 'foo;rm', '-o', 'x'].map((p) => ['BUNDLE_PACKAGE_NAME', `"${p}" is not a Debian package name`]),
  );
  assert.deepEqual(unknownPackages('Reading package lists...\nE: Unable to locate package nope-1\nE: Unable to locate package nope2\n'), ['nope-1', 'nope2']);
});

test('a change to the base recipe (masked units, drop-ins) comes with a BASE_RECIPE bump, so cached bases are rebuilt', () => {
  const pinned: Record<number, string> = { 4: 'd20fb5558d13fc1c', 5: 'b44288ba67b513b1' };
  assert.equal(recipeFingerprint(), pinned[BASE_RECIPE], 'the recipe changed: bump BASE_RECIPE in src/lab/base-image.ts and pin the new fingerprint here');
});
