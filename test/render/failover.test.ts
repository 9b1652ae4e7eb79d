import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderCluster } from '../../src/render/index.js';
import { CHECK_HAPROXY_SCRIPT, HAPROXY_DOWN_FILE } from '../../src/render/check-scripts.js';
import { HAPROXY_CFG } from '../../src/render/haproxy.js';
import { LB_CA_CERT } from '../../src/render/k8s-paths.js';
import { KEEPALIVED_CONF } from '../../src/render/keepalived.js';
import { TEST_SECRETS, dedicatedSpec } from './specs.js';

/**
 * The rendered lb0/lb1 configs, run for real: HAProxy and keepalived in two network namespaces joined by a veth
 * pair (eth0 ↔ eth0), nothing else reachable. Asserts behaviour, not timing (the figures are in docs/render.md):
 * HAProxy's death (state file written as systemd's ExecStopPost would) moves the VIP; its return does not move it
 * back (equal priorities); a HAProxy that stops accepting without the state file is caught by the port probe.
 * Each state file lives in the test's temp dir instead of /run (the namespaces share this machine's /run).
 */

const isRoot = process.getuid?.() === 0;
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skip = !isRoot
  ? 'needs root (network namespaces, a private mount of /etc/keepalived)'
  : !['haproxy', 'keepalived', 'ip', 'unshare', 'openssl'].every(has)
    ? 'haproxy, keepalived, ip, unshare or openssl is missing (scripts/setup.sh installs them)'
    : false;

describe('rendered keepalived + HAProxy fail over for real (two network namespaces)', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kubeha-failover-'));
  const spec = dedicatedSpec();
  const caFile = join(work, 'ca.crt');
  // stats off: the two HAProxies would share this machine's /run/haproxy for the stats socket.
  // advert_int 1 instead of 0.2: on a loaded CI machine a starved keepalived must not cause a spurious takeover
  // (the behaviour asserted here does not depend on the interval).
  spec.loadBalancer = { ...spec.loadBalancer, stats: 'off', advertInt: 1 };
  const names = ['lb0', 'lb1'] as const;
  const ns = { lb0: `kubeha-fo0-${process.pid}`, lb1: `kubeha-fo1-${process.pid}` };
  const haproxy: Partial<Record<string, ChildProcess>> = {};
  const children: ChildProcess[] = [];
  const file = (host: string, path: string): string => join(work, host, path);
  const stateFile = (host: string): string => join(work, `${host}.down`);

  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  const startHaproxy = (host: 'lb0' | 'lb1'): void => {
    const p = spawn('ip', ['netns', 'exec', ns[host], 'haproxy', '-db', '-f', file(host, HAPROXY_CFG)], { stdio: 'ignore' });
    children.push(p);
    haproxy[host] = p;
  };
  const holders = (): string[] =>
    names.filter((h) => spawnSync('ip', ['-n', ns[h], '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' }).stdout.includes(`${spec.loadBalancer.vip}/32`));
  const waitForSoleHolder = async (want: string | undefined, what: string): Promise<string> => {
    for (let i = 0; i < 750; i++) {
      const h = holders();
      if (h.length === 1 && (want === undefined || h[0] === want)) return h[0] ?? '';
      await sleep(20);
    }
    assert.fail(`${what}: VIP holders ${JSON.stringify(holders())} after 15 s, want ${want ?? 'exactly one'}`);
  };

  before(async () => {
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-keyout', join(work, 'ca.key'), '-out', caFile]);
    for (const h of renderCluster(spec, TEST_SECRETS))
      for (const f of h.files) {
        let content = f.content;
        if (f.path === KEEPALIVED_CONF) content = content.replace(HAPROXY_DOWN_FILE, stateFile(h.host));
        // The cluster CA HAProxy's check verifies against (binary mode) is read at start: a throwaway one.
        if (f.path === HAPROXY_CFG) content = content.replaceAll(LB_CA_CERT, caFile);
        mkdirSync(dirname(file(h.host, f.path)), { recursive: true });
        writeFileSync(file(h.host, f.path), content, { mode: f.mode });
      }
    run('ip', ['netns', 'add', ns.lb0]);
    run('ip', ['netns', 'add', ns.lb1]);
    run('ip', ['link', 'add', 'eth0', 'netns', ns.lb0, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.lb1]);
    for (const [h, addr] of [
      ['lb0', '10.77.0.11/24'],
      ['lb1', '10.77.0.12/24'],
    ] as const) {
      run('ip', ['-n', ns[h], 'addr', 'add', addr, 'dev', 'eth0']);
      run('ip', ['-n', ns[h], 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', ns[h], 'link', 'set', 'lo', 'up']);
      // What /etc/sysctl.d/90-kubeha.conf sets on the host: HAProxy binds the VIP before holding it.
      run('ip', ['netns', 'exec', ns[h], 'sysctl', '-qw', 'net.ipv4.ip_nonlocal_bind=1']);
      startHaproxy(h);
    }
    await sleep(300);
    for (const h of names) {
      writeFileSync(stateFile(h), '0\n');
      const sh = [
        'set -e',
        `mount -t tmpfs -o mode=0755 tmpfs ${dirname(CHECK_HAPROXY_SCRIPT)}`,
        `install -m 0755 -o root -g root "$1" ${CHECK_HAPROXY_SCRIPT}`,
        `exec keepalived -n -l -D -f "$2" -p "$3.pid" -r "$3-vrrp.pid" -c "$3-check.pid"`,
      ].join('\n');
      const args = ['netns', 'exec', ns[h], 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', sh, 'sh'];
      children.push(spawn('ip', [...args, file(h, CHECK_HAPROXY_SCRIPT), file(h, KEEPALIVED_CONF), join(work, `${h}-ka`)], { stdio: 'ignore' }));
    }
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (let i = 0; i < 100 && children.some((c) => c.exitCode === null && c.signalCode === null); i++) await sleep(50);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns.lb0]);
    spawnSync('ip', ['netns', 'del', ns.lb1]);
    rmSync(work, { recursive: true, force: true });
  });

  let first = '';
  let second = '';
  test('exactly one LB host takes the VIP', async () => {
    first = await waitForSoleHolder(undefined, 'start-up');
    second = first === 'lb0' ? 'lb1' : 'lb0';
  });

  test("HAProxy dies on the holder (systemd's ExecStopPost writes 1): the VIP moves to the peer", async () => {
    assert.ok(first);
    haproxy[first]?.kill('SIGKILL');
    writeFileSync(stateFile(first), '1\n');
    await waitForSoleHolder(second, 'after HAProxy died');
  });

  test('HAProxy comes back: equal priorities, the VIP stays where it is', async () => {
    startHaproxy(first as 'lb0' | 'lb1');
    await sleep(300);
    writeFileSync(stateFile(first), '0\n');
    // Five seconds is 5 advert intervals: a preempting node would have taken the VIP back by now.
    await sleep(5000);
    assert.deepEqual(holders(), [second]);
  });

  test('HAProxy stops accepting on the new holder, no state file: the port probe moves the VIP back', async () => {
    haproxy[second]?.kill('SIGKILL');
    await waitForSoleHolder(first, 'after the port probe failed');
  });
});
