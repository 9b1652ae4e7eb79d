import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBounded, readBoundedSync } from '../../src/cli/bounded-read.js';

/**
 * The bounded reader with real FIFOs (mkfifo). No assertion depends on timing except upper bounds: the idle bound
 * given is short so that the tests are quick, and every wait is bounded far above it.
 */
function fifoIn(dir: string, name = 'in.fifo'): string {
  const p = join(dir, name);
  assert.equal(spawnSync('mkfifo', [p]).status, 0, 'mkfifo');
  return p;
}

describe('the bounded reader', () => {
  it('gives up on a FIFO that no writer ever opens (async), without blocking on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-fifo-'));
    try {
      const t0 = Date.now();
      const r = await readBounded(fifoIn(dir), 1024, true, 200);
      assert.equal(r.kind, 'idle');
      assert.ok(Date.now() - t0 < 20_000, 'bounded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up on a FIFO that no writer ever opens (sync, as the mirror reader uses it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-fifo-'));
    try {
      const r = readBoundedSync(fifoIn(dir), 1024, true, 200);
      assert.equal(r.kind, 'idle');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a FIFO whose writer opens it after the reader did, to its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-fifo-'));
    try {
      const p = fifoIn(dir);
      // The writer blocks in open(2) until the reader opens the FIFO; the default idle bound (5 s) leaves it time.
      const writer = spawn('sh', ['-c', 'printf "a: 1\\nb: 2\\n" > "$1"', 'sh', p], { stdio: 'ignore' });
      const closed = new Promise((resolve) => writer.on('close', resolve));
      const r = await readBounded(p, 1024);
      assert.equal(r.kind, 'ok');
      assert.equal(r.kind === 'ok' ? r.buf.toString('utf8') : '', 'a: 1\nb: 2\n');
      await closed;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still reads regular files whole, and stops at the byte budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-fifo-'));
    try {
      const p = join(dir, 'f.yaml');
      writeFileSync(p, 'x'.repeat(300_000));
      const whole = await readBounded(p, 1 << 20);
      assert.equal(whole.kind === 'ok' && whole.regular ? whole.buf.length : -1, 300_000);
      const over = readBoundedSync(p, 1000);
      assert.equal(over.kind, 'too-large');
      assert.equal(over.kind === 'too-large' ? over.buf.length : -1, 1001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
