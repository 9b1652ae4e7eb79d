import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/diag/errors.js';
import { checkCollectDir } from '../../src/ops/collect-running.js';

/** `analyze --from --mirror DIR`: DIR is new or an empty real directory, checked before any host is reached. */
function refusal(dir: string): string {
  try {
    checkCollectDir(dir);
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    const d = err.diagnostics[0];
    assert.equal(d?.code, 'E_COLLECT_DIR_NOT_EMPTY');
    assert.equal(d.file, dir);
    return d.message;
  }
  return '';
}

describe('checkCollectDir', () => {
  it('accepts a new name and an empty directory; refuses a non-empty one, a link (even to an empty directory) and a file', () => {
    const base = mkdtempSync(join(tmpdir(), 'kubeha-collect-'));
    try {
      assert.equal(refusal(join(base, 'new')), '');
      mkdirSync(join(base, 'empty'));
      assert.equal(refusal(join(base, 'empty')), '');
      mkdirSync(join(base, 'full'));
      writeFileSync(join(base, 'full', 'notes.txt'), 'mine\n');
      assert.match(refusal(join(base, 'full')), /not empty.*notes\.txt/);
      symlinkSync(join(base, 'empty'), join(base, 'link'));
      assert.match(refusal(join(base, 'link')), /symbolic link/);
      symlinkSync(join(base, 'nowhere'), join(base, 'dangling'));
      assert.match(refusal(join(base, 'dangling')), /symbolic link/);
      writeFileSync(join(base, 'file'), 'x\n');
      assert.match(refusal(join(base, 'file')), /not a directory/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
