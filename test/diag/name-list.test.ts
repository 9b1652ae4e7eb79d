import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameList } from '../../src/diag/name-list.js';

test('a short list is written out whole', () => {
  assert.equal(nameList(['a', 'b', 'c']), 'a, b, c');
  assert.equal(nameList([]), '');
});

test('a long list shows the first names and how many more', () => {
  const names = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
  const text = nameList(names, 3);
  assert.equal(text, 'n0, n1, n2 and 19997 more');
  assert.ok(nameList(names).length < 200);
});
