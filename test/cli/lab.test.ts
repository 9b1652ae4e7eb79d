import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kubehaAsNobody, whyNotAsNobody } from '../helpers/as-nobody.js';

/** Bad input to `kubeha lab` changes nothing and exits 2 (3 when not root: the root check comes first). */

const ROOT = new URL('../..', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;

function kubeha(...args: string[]): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('lab up with an invalid lab name: LAB_NAME, exit 2, no lab made', () => {
  const r = kubeha('lab', 'up', 'examples/cluster.yaml', '--name', 'Bad_Name');
  if (!isRoot) {
    assert.equal(r.code, 3);
    assert.match(r.stderr, /needs root/);
    return;
  }
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /error\[LAB_NAME\]/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync('/var/lib/kubeha/labs/Bad_Name'), false);
});

test('lab fault with an unknown fault is refused by the argument parser', () => {
  const r = kubeha('lab', 'fault', 'lb0', 'unplug');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /power-off, power-on, link-down, link-up, freeze, thaw/);
});

test('lab --help shows examples', () => {
  const r = kubeha('lab', 'up', '--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:\n\s+sudo kubeha lab up/);
});

test('lab down and status refuse a name that is not a lab name (it becomes paths): LAB_NAME, exit 2', () => {
  for (const args of [['down', '--name', '../../etc'], ['status', '--name', 'a/b']]) {
    const r = kubeha('lab', ...args);
    if (!isRoot) {
      assert.equal(r.code, 3);
      continue;
    }
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error\[LAB_NAME\]/);
  }
});

test('lab up --ssh-timeout takes a positive number of seconds (a typo is a usage error, not a silent 60 s)', () => {
  for (const bad of ['abc', '0', '-5']) {
    const r = kubeha('lab', 'up', 'examples/cluster.yaml', '--ssh-timeout', bad);
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--ssh-timeout.*positive number of seconds/);
  }
});

test('lab up without systemd-nspawn or debootstrap on PATH names the Debian packages, exit 3, no lab made', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'up', 'examples/cluster.yaml', '--name', 'no-tools'], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, PATH: '/nonexistent' },
  });
  assert.equal(r.status, 3, r.stderr);
  if (isRoot) {
    assert.match(r.stderr, /missing systemd-nspawn, debootstrap/);
    assert.match(r.stderr, /apt-get install systemd-container debootstrap/);
  }
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync('/var/lib/kubeha/labs/no-tools'), false);
});

test('every lab command run by a user other than root: one-line error, exit 3', { skip: whyNotAsNobody() ?? false }, () => {
  for (const args of [['lab', 'status'], ['lab', 'down', '--all'], ['lab', 'up', 'examples/cluster.yaml'], ['bundle']]) {
    const r = kubehaAsNobody(args);
    assert.equal(r.status, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: the lab needs root/);
  }
});
