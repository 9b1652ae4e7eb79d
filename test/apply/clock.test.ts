import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CERT_CLOCK_TOLERANCE_MS, clockSkewBeyond, largestClockSkew } from '../../src/apply/clock.js';
import { observeScript, parseObservation } from '../../src/apply/observe.js';
import type { ObservedHost } from '../../src/apply/types.js';

/** Preflight's clock check: a lower bound of the skew from one reading per host, never a false alarm from a slow round trip. */

const host = (name: string, offsetMs: number, rttMs = 100, at = 1_800_000_000_000): ObservedHost => ({
  host: name,
  packageManager: 'apt',
  os: '',
  installed: {},
  installable: {},
  files: {},
  services: {},
  pending: [],
  tempFiles: [],
  clock: { sentMs: at, remoteMs: at + rttMs / 2 + offsetMs, receivedMs: at + rttMs },
});

test('clocks in step (or off by less than the round trip tells) are no skew', () => {
  assert.equal(largestClockSkew([host('a', 0), host('b', 30), host('c', -40)]), undefined);
  // A 20 s round trip says nothing about a 9 s difference.
  assert.equal(largestClockSkew([host('a', 9000, 20_000)]), undefined);
});

test('the skew is the least certain difference, between the host furthest ahead and the one furthest behind', () => {
  const s = largestClockSkew([host('m0', 0), host('m1', 400_000), host('m2', -100_000)]);
  assert.equal(s?.ahead, 'm1');
  assert.equal(s?.behind, 'm2');
  // 500 s apart, minus what the two 100 ms round trips leave open.
  assert.ok(s && s.ms > 499_800 && s.ms <= 500_000, String(s?.ms));
  // This machine signs the certificates: it is one of the clocks.
  assert.equal(largestClockSkew([host('m0', -600_000)])?.ahead, 'this machine');
});

test('beyond the certificates\' margin it is reported; within it not', () => {
  assert.equal(clockSkewBeyond([host('a', CERT_CLOCK_TOLERANCE_MS / 2), host('b', -CERT_CLOCK_TOLERANCE_MS / 4)]), undefined);
  assert.equal(clockSkewBeyond([host('a', CERT_CLOCK_TOLERANCE_MS / 2), host('b', -CERT_CLOCK_TOLERANCE_MS / 2 - 5000)])?.behind, 'b');
  assert.equal(clockSkewBeyond([{ ...host('a', 0), clock: undefined }]), undefined);
});

test('the observation reads the host clock, and this machine\'s clock around it', () => {
  assert.match(observeScript({ host: 'h', address: '10.0.0.1', packages: [], services: [], files: [] }), /@@CLOCK \$\(date \+%s%3N\)/);
  const seen = parseObservation('h', '@@ID 0\n@@CLOCK 1800000000123\n@@PM apt\n', { sentMs: 1_800_000_000_000, receivedMs: 1_800_000_000_200 });
  assert.deepEqual(seen.clock, { remoteMs: 1_800_000_000_123, sentMs: 1_800_000_000_000, receivedMs: 1_800_000_000_200 });
  assert.equal(parseObservation('h', '@@CLOCK garbage\n', { sentMs: 1, receivedMs: 2 }).clock, undefined);
});
