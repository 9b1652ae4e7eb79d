import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineIndex, attachExcerpt, didYouMean } from '../../src/diag/diagnostic.js';
import { renderDiagnostic } from '../../src/diag/render.js';

test('LineIndex maps offsets to 1-based line and column', () => {
  const idx = new LineIndex('ab\ncde\n\nf');
  assert.deepEqual(idx.position(0), { line: 1, col: 1 });
  assert.deepEqual(idx.position(4), { line: 2, col: 2 });
  assert.deepEqual(idx.position(8), { line: 4, col: 1 });
  assert.equal(idx.lineText(2), 'cde');
  assert.equal(idx.lineText(3), '');
  assert.equal(idx.lineText(9), undefined);
});

test('a rendered diagnostic is file:line:col: severity[CODE]: message, a caret excerpt and a hint', () => {
  const idx = new LineIndex('a: 1\nport: 70000\n');
  const d = attachExcerpt(
    { code: 'SPEC_PORT_OUT_OF_RANGE', severity: 'error', message: 'port out of range', file: 'c.yaml', line: 2, col: 7, length: 5, hint: 'use 1-65535' },
    idx,
  );
  const lines = renderDiagnostic(d).split('\n');
  assert.equal(lines[0], 'c.yaml:2:7: error[SPEC_PORT_OUT_OF_RANGE]: port out of range');
  assert.equal(lines[2], '2 | port: 70000');
  assert.equal(lines[3], '  |       ^^^^^');
  assert.equal(lines[4], '  = hint: use 1-65535');
});

test('didYouMean proposes close words only', () => {
  assert.equal(didYouMean('adress', ['address', 'roles', 'name']), 'address');
  assert.equal(didYouMean('zzzzzz', ['address', 'roles']), undefined);
});
