/**
 * The incremental simulator against the brute-force one: on random small topologies (2 to 12 routers, so both sides
 * of MANY_ROUTERS) both must produce identical scenario tables, and the partitions the simulator leaves out with many
 * routers must indeed move nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { elect } from '../../../src/analyze/simulate/election.js';
import { failuresOf } from '../../../src/analyze/simulate/failures.js';
import { MANY_ROUTERS, simulate } from '../../../src/analyze/simulate/index.js';
import { emptyWorld, worldFor } from '../../../src/analyze/world.js';
import { formatFailure } from '../../../src/model/failure.js';
import { endpointMode } from '../../../src/model/queries.js';
import type { HaModel, ModelHost } from '../../../src/model/types.js';
import { haproxy, host, instance, keepalived, masters, script } from '../build.js';

const SCRIPTS = [
  '/usr/bin/pidof haproxy',
  'killall -0 haproxy',
  'curl -sf http://127.0.0.1:6443/healthz',
  'curl -sf https://127.0.0.1:6444/healthz',
  '/bin/true',
  '/bin/false',
  'if ip addr | grep -q 10.0.0.100; then\ncurl -sf http://127.0.0.1:6443/healthz\nfi\n/usr/bin/pidof haproxy',
];

const router = fc.record({
  priority: fc.constantFrom(1, 50, 100, 100, 150, 254, 255),
  state: fc.constantFrom('MASTER', 'BACKUP', 'BACKUP'),
  nopreempt: fc.boolean(),
  vrid: fc.constantFrom(42, 42, 42, 43),
  version: fc.constantFrom(2, 3, 3),
  script: fc.constantFrom(...SCRIPTS),
  weight: fc.constantFrom(-100, -20, 0, 2, 50),
  // A reversed weight: a failing check raises the priority, so a failure elsewhere can make a backup preempt.
  reverse: fc.constantFrom(false, false, true),
  check: fc.boolean(),
  apiserver: fc.boolean(),
  bindsVip: fc.boolean(),
  nonlocal: fc.constantFrom(true, true, false),
  peers: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 12 }),
});

const topology = fc.record({
  routers: fc.array(router, { minLength: 2, maxLength: 12 }),
  unicast: fc.constantFrom('multicast', 'full', 'partial'),
  mastersDown: fc.boolean(),
});

type Topology = typeof topology extends fc.Arbitrary<infer T> ? T : never;

function modelOf(t: Topology): HaModel {
  const addr = (i: number): string => `10.0.1.${10 + i}`;
  const lbs: ModelHost[] = t.routers.map((r, i) => {
    const peers =
      t.unicast === 'multicast' ? [] : t.unicast === 'full' ? t.routers.map((_, j) => j).filter((j) => j !== i).map(addr) : [...new Set(r.peers.filter((j) => j !== i && j < t.routers.length))].map(addr);
    const hap = haproxy({ srv: { check: r.check }, fe: r.bindsVip ? { binds: [{ address: '10.0.0.100', port: 6443 }] } : {} });
    return host(`lb${i}`, addr(i), {
      haproxy: hap,
      keepalived: keepalived(
        instance({ priority: r.priority, state: r.state, nopreempt: r.nopreempt, virtualRouterId: r.vrid, version: r.version, unicastSrcIp: t.unicast === 'multicast' ? undefined : addr(i), unicastPeers: peers }),
        {},
        { chk_haproxy: script('chk_haproxy', r.script, { weight: r.weight, weightReverse: r.reverse }) },
      ),
      sysctl: r.nonlocal ? { 'net.ipv4.ip_nonlocal_bind': '1' } : {},
      ...(r.apiserver ? { apiserver: { port: 6444, certSANs: ['10.0.0.100'] } } : {}),
    });
  });
  return { endpoint: { address: '10.0.0.100', port: 6443 }, hosts: [...lbs, ...(t.mastersDown ? masters().slice(0, 1) : masters())] };
}

describe('the incremental simulator', () => {
  it('gives the scenario table of the brute-force one on random topologies', () => {
    let many = 0;
    fc.assert(
      fc.property(topology, (t) => {
        const model = modelOf(t);
        if (t.routers.length > MANY_ROUTERS) many++;
        assert.deepEqual(simulate(model), simulate(model, { bruteForce: true }));
      }),
      { numRuns: 150 },
    );
    // Both regimes ran (fast-check's sizes reach 9+ routers in a run of 150).
    assert.ok(many > 0);
  });

  it('leaves out, with many routers, only partitions that move nothing', () => {
    fc.assert(
      fc.property(
        // Every HAProxy may bind the VIP (no boot failures), so that start-up here is the simulator's start-up.
        topology.filter((t) => t.routers.length > MANY_ROUTERS).map((t) => ({ ...t, routers: t.routers.map((r) => ({ ...r, nonlocal: true })) })),
        (t) => {
          const model = modelOf(t);
          const mode = endpointMode(model);
          if (mode.kind !== 'vip') return;
          const none = elect(model, mode.members, emptyWorld());
          if (!none.settled) return;
          const listed = new Set(simulate(model).map((s) => s.failure));
          const masterHosts = new Set(none.masters.map((c) => c.m.host.name));
          for (const f of failuresOf(model)) {
            if (f.kind !== 'partition') continue;
            const name = formatFailure(f);
            if (f.hosts.some((h) => masterHosts.has(h))) continue;
            assert.equal(listed.has(name), false, `${name} is not between a holder and a peer`);
            const after = elect(model, mode.members, worldFor(f), none);
            assert.deepEqual(after.holders, none.holders, name);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('says so in the `none` note when it leaves partitions out', () => {
    const t: Topology = {
      unicast: 'full',
      mastersDown: false,
      routers: Array.from({ length: MANY_ROUTERS + 2 }, () => ({ priority: 100, state: 'BACKUP', nopreempt: false, vrid: 42, version: 3, script: '/usr/bin/pidof haproxy', weight: -20, reverse: false, check: true, apiserver: false, bindsVip: false, nonlocal: true, peers: [] })),
    };
    const n = t.routers.length;
    const table = simulate(modelOf(t));
    const partitions = table.filter((s) => s.failure.startsWith('partition:'));
    assert.equal(partitions.length, n - 1);
    assert.match(table[0]?.note ?? '', new RegExp(`${n - 1} cuts of ${(n * (n - 1)) / 2} router pairs`));
    assert.deepEqual(table, simulate(modelOf(t), { bruteForce: true }));
  });
});
