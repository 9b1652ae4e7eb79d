import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireApplyLock } from '../../src/apply/lock.js';
import { EnvironmentError } from '../../src/diag/errors.js';

describe('apply lock', () => {
  it('one apply per state dir; released at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-lock-'));
    const lock = acquireApplyLock(dir);
    lock.release();
    assert.equal(existsSync(join(dir, 'apply.lock')), false);
    // A live kubeha process holds it: another taker is refused.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'kubeha', 'apply']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      acquireApplyLock(dir, other.pid);
      assert.throws(() => acquireApplyLock(dir), (e: unknown) => e instanceof EnvironmentError && new RegExp(`another kubeha apply \\(pid ${other.pid}\\)`).test(e.message));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over the lock of a run that died (SIGKILL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-lock-'));
    const child = spawn('sleep', ['30']);
    writeFileSync(join(dir, 'apply.lock'), `${child.pid}\n`);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const lock = acquireApplyLock(dir);
    lock.release();
  });

  it('takes over a lock whose PID now belongs to another program', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-lock-'));
    writeFileSync(join(dir, 'apply.lock'), '1\n'); // PID 1 is init, never kubeha
    acquireApplyLock(dir).release();
  });
});
