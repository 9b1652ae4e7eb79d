import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeSubnet } from '../../bench/lab.js';

test('the lab bench takes 10.77.0.0/24, else the first /24 no lab and no root network uses', () => {
  assert.equal(freeSubnet([], ['192.0.2.0/24']), 77);
  // 10.78 is another engineer's lab: never measured on it.
  assert.equal(freeSubnet(['10.77.0.0/24', '10.78.0.0/24'], []), 100);
  assert.equal(freeSubnet(['10.77.0.0/24', '10.100.0.0/24'], ['10.101.0.5', '10.102.0.0/16']), 103);
  assert.equal(freeSubnet([], ['10.0.0.0/8']), undefined);
});
