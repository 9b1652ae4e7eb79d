import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broadcastOf, contains, formatCidr, formatIpv4, overlaps, parseCidr, parseIpv4 } from '../../src/lab/ipv4.js';

test('parseIpv4 accepts dotted quads and rejects the rest', () => {
  assert.equal(parseIpv4('10.77.0.11'), (10 << 24) + (77 << 16) + 11);
  assert.equal(formatIpv4(parseIpv4('255.255.255.255') ?? 0), '255.255.255.255');
  for (const bad of ['10.77.0', '10.77.0.256', '010.1.1.1', 'a.b.c.d', '10.77.0.1/24', '']) assert.equal(parseIpv4(bad), undefined, bad);
});

test('parseCidr clears host bits; contains, broadcast and overlaps', () => {
  const c = parseCidr('10.77.0.5/24');
  assert.ok(c);
  assert.equal(formatCidr(c), '10.77.0.0/24');
  assert.equal(formatIpv4(broadcastOf(c)), '10.77.0.255');
  assert.ok(contains(c, parseIpv4('10.77.0.200') ?? 0));
  assert.ok(!contains(c, parseIpv4('10.77.1.1') ?? 0));
  assert.ok(overlaps(c, parseCidr('10.0.0.0/8') ?? c));
  assert.ok(!overlaps(c, parseCidr('192.0.2.0/24') ?? c));
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
});
