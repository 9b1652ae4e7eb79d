import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureBaseImage } from '../../src/lab/base-image.js';
import { DELAY_COMMENT } from '../../src/lab/delayer.js';
import { labDown, labUp } from '../../src/lab/lab.js';
import { isSameProcess, readState, type LabState } from '../../src/lab/state.js';

/**
 * End to end: the link faults on a real 2-host lab. Round trips from one host to the other (TCP connects to sshd: one
 * SYN, one SYN-ACK) are measured without a fault, with `delay 50ms` on the second host's link (each way: a round
 * trip gains 100 ms), after `clear`, and with `loss 100%`. Timing is asserted only as bounds that load cannot break:
 * with the delay, even the fastest round trip is at least 90 % of twice the delay (load only adds); cleared, at least
 * one is faster than the delay. On a kernel without netem the packet delayer does it (its PID in the lab state, its
 * iptables rules only in the host's namespace). Own lab name and subnet; always removed.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const tag = process.pid % 200;
const NET = process.env['KUBEHA_E2E_NET'] ?? `10.204.${tag}`;
const LAB = `delay-e2e-${process.pid}`;
const DELAY_MS = 50;

function whyNoLab(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root (systemd-nspawn, network namespaces)';
  if (spawnSync('sh', ['-c', 'command -v systemd-nspawn && command -v debootstrap'], { encoding: 'utf8' }).status !== 0) return 'systemd-nspawn or debootstrap is not installed';
  return undefined;
}
const skip = whyNoLab();

after(async () => {
  if (!skip) await labDown(LAB).catch(() => undefined);
});

function kubeha(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `count` TCP connects from inside `netns` to address:22, each bounded by `timeoutMs`: the round trip of each (null: none). */
function connects(netns: string, address: string, count: number, timeoutMs: number): (number | null)[] {
  const script = `
const net = require('node:net');
const out = [];
const one = () => new Promise((r) => {
  const t0 = process.hrtime.bigint();
  const s = net.connect({ host: ${JSON.stringify(address)}, port: 22 });
  const done = (ok) => { clearTimeout(timer); s.destroy(); r(ok ? Number(process.hrtime.bigint() - t0) / 1e6 : null); };
  const timer = setTimeout(() => done(false), ${timeoutMs});
  s.once('connect', () => done(true));
  s.once('error', () => done(false));
});
(async () => { for (let i = 0; i < ${count}; i++) out.push(await one()); console.log(JSON.stringify(out)); })();`;
  const r = spawnSync('ip', ['netns', 'exec', netns, process.execPath, '-e', script], { encoding: 'utf8', timeout: count * timeoutMs + 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as (number | null)[];
}

const ok = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);

test('lab fault delay / loss / clear between two lab hosts', { skip, timeout: 600_000 }, async () => {
  await ensureBaseImage();
  const up = await labUp({ lab: LAB, hosts: [{ name: 'a', address: `${NET}.11` }, { name: 'b', address: `${NET}.12` }], hostCIDR: `${NET}.0/24` }, { sshTimeoutMs: 120_000 });
  const [a, b] = up.plan.hosts;
  assert.ok(a && b);
  const rootRules = (): string => spawnSync('iptables', ['-t', 'mangle', '-S'], { encoding: 'utf8' }).stdout ?? '';
  assert.ok(!rootRules().includes(DELAY_COMMENT));

  const base = ok(connects(a.netns, b.address, 20, 5000));
  assert.equal(base.length, 20, 'every connect succeeds on a clean link');

  const d = kubeha(['lab', 'fault', 'b', 'delay', `${DELAY_MS}ms`, '--name', LAB]);
  assert.equal(d.code, 0, d.out);
  assert.match(d.out, new RegExp(`b: link delayed by ${DELAY_MS} ms each way`));
  const withDelayer = /packet delayer/.test(d.out);
  let state = (await readState(LAB)) as LabState;
  if (withDelayer) {
    assert.ok(isSameProcess(state.delayers?.['b']), 'the delayer runs, recorded in the lab state');
    const inside = spawnSync('ip', ['netns', 'exec', b.netns, 'iptables', '-t', 'mangle', '-S'], { encoding: 'utf8' }).stdout;
    assert.equal(inside.split('\n').filter((l) => l.includes(DELAY_COMMENT) && l.includes('NFQUEUE') && l.includes('--queue-bypass')).length, 2, inside);
    assert.ok(!rootRules().includes(DELAY_COMMENT), 'no rule in the root namespace');
  }
  const delayed = ok(connects(a.netns, b.address, 20, 5000));
  assert.equal(delayed.length, 20, 'a delay loses nothing');
  assert.ok(Math.min(...delayed) >= 0.9 * 2 * DELAY_MS, `every round trip carries the delay both ways: ${delayed.map((x) => x.toFixed(1)).join(' ')}`);
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  process.stdout.write(`# round trip a→b: median ${median(base).toFixed(2)} ms clean, ${median(delayed).toFixed(1)} ms with delay ${DELAY_MS}ms (${withDelayer ? 'packet delayer' : 'netem'}); load ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()}\n`);

  const c = kubeha(['lab', 'fault', 'b', 'clear', '--name', LAB]);
  assert.equal(c.code, 0, c.out);
  state = (await readState(LAB)) as LabState;
  assert.equal(state.delayers?.['b'], undefined, 'clear ends the delayer');
  const cleared = ok(connects(a.netns, b.address, 20, 5000));
  assert.equal(cleared.length, 20);
  assert.ok(Math.min(...cleared) < DELAY_MS, `cleared: ${cleared.map((x) => x.toFixed(1)).join(' ')}`);
  assert.ok(!spawnSync('ip', ['netns', 'exec', b.netns, 'iptables', '-t', 'mangle', '-S'], { encoding: 'utf8' }).stdout.includes(DELAY_COMMENT), 'clear removes the rules');

  // Loss: everything dropped, then nothing.
  const l = kubeha(['lab', 'fault', 'b', 'loss', '100%', '--name', LAB]);
  assert.equal(l.code, 0, l.out);
  assert.equal(ok(connects(a.netns, b.address, 5, 500)).length, 0, 'loss 100% drops every SYN');
  assert.equal(kubeha(['lab', 'fault', 'b', 'clear', '--name', LAB]).code, 0);
  assert.equal(ok(connects(a.netns, b.address, 5, 5000)).length, 5, 'cleared: every connect succeeds');

  // A delay left in place is ended by lab down (by PID), with the lab.
  assert.equal(kubeha(['lab', 'fault', 'b', 'delay', '20ms', '--name', LAB]).code, 0);
  const left = (await readState(LAB))?.delayers?.['b'];
  await labDown(LAB);
  if (withDelayer) assert.ok(left && !isSameProcess(left), 'lab down ends the delayer');
});
