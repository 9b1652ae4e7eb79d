import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedDir, mountsUnder, tempDirName, tempDirOwners } from '../../src/lab/cache.js';

/** The build-once cache under the base image and the bundles (no root needed: $KUBEHA_CACHE points at a temp dir). */

function withCache<T>(f: (root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'kubeha-cache-'));
  const before = process.env['KUBEHA_CACHE'];
  process.env['KUBEHA_CACHE'] = root;
  return f(root).finally(() => {
    if (before === undefined) delete process.env['KUBEHA_CACHE'];
    else process.env['KUBEHA_CACHE'] = before;
    rmSync(root, { recursive: true, force: true });
  });
}

test('temp dirs are told apart by name and builder PID', () => {
  assert.equal(tempDirName('base-ab', 42), '.tmp-base-ab-42');
  const entries = ['.tmp-base-ab-42', '.tmp-base-abc-7', 'base-ab', '.tmp-base-ab-x', '.tmp-bundle-ab-9'];
  assert.deepEqual(tempDirOwners(entries, 'base-ab'), [{ entry: '.tmp-base-ab-42', pid: 42 }]);
  assert.deepEqual(tempDirOwners(entries).map((o) => o.pid), [42, 7, 9]);
});

test("a killed debootstrap's mounts in the target are found, deepest first, escapes decoded", () => {
  const t = '/var/cache/kubeha/.tmp-base-ab-42';
  const mounts = [
    'proc /proc proc rw 0 0',
    `proc ${t}/rootfs/proc proc rw 0 0`,
    `sysfs ${t}/rootfs/sys sysfs rw 0 0`,
    `binfmt ${t}/rootfs/proc/sys/fs/binfmt_misc binfmt_misc rw 0 0`,
    'proc /var/cache/kubeha/.tmp-base-ab-420/rootfs/proc proc rw 0 0',
    'tmpfs /tmp/with\\040space tmpfs rw 0 0',
  ].join('\n');
  assert.deepEqual(mountsUnder(mounts, t), [`${t}/rootfs/proc/sys/fs/binfmt_misc`, `${t}/rootfs/proc`, `${t}/rootfs/sys`]);
  assert.deepEqual(mountsUnder(mounts, '/tmp/with space'), ['/tmp/with space']);
});

test('cachedDir builds once; concurrent callers share one build', () =>
  withCache(async (root) => {
    let builds = 0;
    const build = async (tmp: string): Promise<void> => {
      builds++;
      await new Promise((r) => setTimeout(r, 50));
      await writeFile(join(tmp, 'data'), 'x');
      await writeFile(join(tmp, 'manifest.json'), '{}');
    };
    const [a, b] = await Promise.all([cachedDir('base-k', build), cachedDir('base-k', build)]);
    assert.equal(builds, 1);
    assert.deepEqual([a.built, b.built].sort(), [false, true]);
    assert.equal(a.dir, join(root, 'base-k'));
    assert.ok(existsSync(join(root, 'base-k', 'data')));
    assert.deepEqual(await cachedDir('base-k', build), { dir: join(root, 'base-k'), built: false });
    assert.equal(builds, 1);
    assert.deepEqual(readdirSync(root), ['base-k'], 'no lock or temp dir left');
  }));

test('a failed build leaves nothing; a dead builder’s temp dir is removed', () =>
  withCache(async (root) => {
    // PID 2^22 + 1 is above pid_max's ceiling: never a live process.
    const dead = join(root, tempDirName('bundle-k', 4194305));
    mkdirSync(dead);
    writeFileSync(join(dead, 'half.deb'), '');
    await assert.rejects(
      cachedDir('bundle-k', async (tmp) => {
        await writeFile(join(tmp, 'half'), '');
        throw new Error('mirror down');
      }),
      /mirror down/,
    );
    assert.deepEqual(readdirSync(root), []);
    await assert.rejects(cachedDir('bundle-k', () => Promise.resolve()), /no manifest\.json/);
    assert.deepEqual(readdirSync(root), []);
  }));
