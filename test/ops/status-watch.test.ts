import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterStatus } from '../../src/measure/status.js';
import type { Session } from '../../src/ops/session.js';
import { watchStatus } from '../../src/ops/status.js';
import { status } from '../dashboard/fixtures.js';

/** status --watch's loop (shared with the dashboard), with a fake look: what it hands on, and how it stops. */

describe('watchStatus', () => {
  it('hands on every look, marking the ones that differ from the one before (clock and timings ignored)', async () => {
    const looks: ClusterStatus[] = [
      status('lb0'),
      { ...status('lb0'), at: '2026-12-03T07:00:02.000Z', readyz: status('lb0').readyz.map((r) => ({ ...r, ms: r.ms + 7 })) },
      status('lb1'),
      status('lb1'),
    ];
    const seen: [string, boolean][] = [];
    const stop = new AbortController();
    let n = 0;
    const last = await watchStatus({} as Session, {
      intervalMs: 0,
      signal: stop.signal,
      onStatus: (s, changed) => {
        seen.push([s.lbs.find((l) => l.holdsVip)!.host, changed]);
        if (seen.length === looks.length) stop.abort();
      },
    }, () => Promise.resolve(looks[n++]!));
    assert.deepEqual(seen, [
      ['lb0', true],
      ['lb0', false],
      ['lb1', true],
      ['lb1', false],
    ]);
    assert.equal(last, looks[3]);
    assert.equal(n, looks.length, 'no look after the abort');
  });

  it('an abort during the wait ends it at once; one before the first look ends it without a look', async () => {
    const stop = new AbortController();
    let n = 0;
    const watching = watchStatus({} as Session, { intervalMs: 3_600_000, signal: stop.signal, onStatus: () => stop.abort() }, () => Promise.resolve((n++, status("lb0"))));
    assert.equal((await watching)?.cluster, 'demo');
    assert.equal(n, 1);
    const early = new AbortController();
    early.abort();
    assert.equal(await watchStatus({} as Session, { intervalMs: 0, signal: early.signal, onStatus: () => assert.fail('no look') }, () => Promise.resolve(status("lb0"))), undefined);
  });
});
