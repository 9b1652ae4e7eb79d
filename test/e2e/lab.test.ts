import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBaseImage } from '../../src/lab/base-image.js';
import { BUNDLE_HOST_DIR, buildBundle } from '../../src/lab/bundle.js';
import { applyFault, stopHost } from '../../src/lab/faults.js';
import { cgroupRoots } from '../../src/lab/hosts.js';
import { inCidr, isIPv4, parseCidr } from '../../src/net/ipv4.js';
import { labDown, labStatus, labUp } from '../../src/lab/lab.js';
import { netnsPrefix } from '../../src/lab/names.js';
import { mountsUnder } from '../../src/lab/cache.js';
import { containerInit, containerPids, isAlive, pidsUsing, procState } from '../../src/lab/procs.js';
import { sshArgv, sshRun, waitForSsh } from '../../src/lab/ssh.js';
import { readState, type LabState } from '../../src/lab/state.js';

/**
 * End to end: a real 3-host lab (systemd-nspawn, sshd, namespaces) on this machine. Runs as root; each run
 * uses its own lab names and subnets (derived from the PID) so that it never touches another lab.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;
const hasNspawn = spawnSync('sh', ['-c', 'command -v systemd-nspawn && command -v debootstrap'], { encoding: 'utf8' }).status === 0;
const skip = !isRoot ? 'needs root (network namespaces, mounts, systemd-nspawn)' : !hasNspawn ? 'needs systemd-nspawn (systemd-container) and debootstrap' : false;

const tag = process.pid % 200;
const LAB = `e2e-${process.pid}`;
const KILLED_LAB = `e2e-k-${process.pid}`;
const SECOND_LAB = `e2e-2-${process.pid}`;
const BUILD_KILLED_LAB = `e2e-b-${process.pid}`;
const DAMAGED_LAB = `e2e-d-${process.pid}`;
const NET = `10.201.${tag}`;
const KILLED_NET = `10.202.${tag}`;
const SECOND_NET = `10.203.${tag}`;
const HOSTS = [
  { name: 'lb0', address: `${NET}.11` },
  { name: 'master1', address: `${NET}.21` },
  { name: 'worker1', address: `${NET}.31` },
];
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-e2e-lab-'));

after(async () => {
  if (!skip) {
    await labDown(LAB).catch(() => undefined);
    await labDown(KILLED_LAB).catch(() => undefined);
    await labDown(SECOND_LAB).catch(() => undefined);
    await labDown(BUILD_KILLED_LAB).catch(() => undefined);
    await labDown(DAMAGED_LAB).catch(() => undefined);
    // Never walk into a mount when removing tmp (a failed run may leave debootstrap's /proc in the cold cache).
    for (const p of pidsUsing(tmp)) spawnSync('kill', ['-KILL', String(p)]);
    for (const m of mountsUnder(readFileSync('/proc/mounts', 'utf8'), tmp)) spawnSync('umount', ['--lazy', m]);
  }
  rmSync(tmp, { recursive: true, force: true });
});

function sh(cmd: string): { code: number | null; out: string } {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Root-namespace IPv4 addresses and route destinations inside `cidr`. */
function rootEntriesIn(cidr: string): string[] {
  const net = parseCidr(cidr);
  assert.ok(net);
  const lines = [...sh('ip -4 -o addr show').out.split('\n'), ...sh('ip -4 -o route show table all').out.split('\n')];
  return lines.filter((l) => [...l.matchAll(/(\d+\.\d+\.\d+\.\d+)/g)].some((m) => isIPv4(m[1] ?? '') && inCidr(m[1] ?? '', net)));
}

/** Root-namespace interfaces that belong to the lab (by its MACs or port names); other work on this machine may add its own. */
function rootLabLinks(plan: LabState['plan']): string[] {
  const marks = [...plan.hosts.flatMap((h) => [h.mac, h.port]), plan.taskbox.mac, plan.taskbox.port, plan.bridge];
  return sh('ip -o link show').out.split('\n').filter((l) => marks.some((m) => l.includes(` ${m}`) || l.includes(`${m}:`) || l.includes(`${m}@`)));
}

/** Everything the lab could leave behind; empty when it is gone. */
function leftovers(lab: string, state: LabState): string[] {
  const out: string[] = [];
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  out.push(...netns.filter((n) => n.startsWith(netnsPrefix(lab))).map((n) => `netns ${n}`));
  out.push(...readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(state.plan.dir)).map((l) => `mount ${l}`));
  for (const [host, ref] of Object.entries(state.processes)) if (ref && isAlive(ref.pid)) out.push(`process ${ref.pid} (${host})`);
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  for (const p of procs) {
    try {
      const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.startsWith(`--machine=${lab}.`)) && isAlive(Number(p))) out.push(`process ${p} ${args.join(' ')}`);
    } catch {
      // gone
    }
  }
  if (existsSync(state.plan.dir)) out.push(`dir ${state.plan.dir}`);
  for (const root of cgroupRoots(readFileSync('/proc/mounts', 'utf8'))) if (existsSync(join(root, 'kubeha', lab))) out.push(`cgroup ${join(root, 'kubeha', lab)}`);
  out.push(...rootEntriesIn(state.plan.subnet).map((l) => `root ns: ${l}`));
  return out;
}

// A fresh machine (CI) has no cache: the base image (debootstrap, ~1 min) and the bundle are built here, with
// their own time budget, so that the lab tests below measure the lab, not the mirror.
test('lab: the base image and the offline bundle are built, or found in the cache', { skip, timeout: 900_000 }, async () => {
  const base = await ensureBaseImage();
  assert.ok(existsSync(join(base.rootfs, 'usr/sbin/sshd')));
  const bundle = await buildBundle({ packages: ['haproxy', 'keepalived', 'curl'] });
  assert.ok(bundle.debs.some((d) => d.package === 'haproxy'));
});

test('lab: up 3 hosts, SSH, network safety, offline bundle, faults, a second lab alongside, down leaves nothing', { skip, timeout: 300_000 }, async () => {
  const state = await labUp({ lab: LAB, hosts: HOSTS, hostCIDR: `${NET}.0/24` }, { sshTimeoutMs: 90_000 });
  const plan = state.plan;
  const status = await labStatus(state);
  assert.deepEqual(status.hosts.map((h) => h.power), ['running', 'running', 'running']);

  // Every host: its own hostname, systemd fully up, journald working, strict host keys (no StrictHostKeyChecking=no).
  for (const h of plan.hosts) {
    // journald works: a line logged now is read back from the journal.
    const mark = `kubeha-e2e-${h.name}-${Date.now()}`;
    const r = await sshRun(plan, h, `hostname; systemctl is-system-running --wait; echo ${mark} | systemd-cat -t kubeha-e2e && journalctl --sync && journalctl -q -t kubeha-e2e -o cat --no-pager`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [h.name, 'running', mark]);
  }
  assert.equal(readFileSync(plan.knownHostsFile, 'utf8').trim().split('\n').length, 3);
  // Each host in its own cgroup: containers sharing one make their systemds trample each other's units.
  const cgroups = plan.hosts.map((h) => readFileSync(`/proc/${containerInit(state.processes[h.name]) ?? 0}/cgroup`, 'utf8'));
  assert.equal(new Set(cgroups).size, 3, cgroups.join('\n'));

  // The CLI's ways in: ssh to a host, a command in the taskbox, status as JSON (what apply reads).
  const cli = (...args: string[]): { code: number | null; out: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  assert.deepEqual(cli('lab', 'ssh', 'worker1', '--name', LAB, '--', 'hostname'), { code: 0, out: 'worker1\n' });
  const client = cli('lab', 'exec-client', '--name', LAB, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0');
  assert.equal(client.code, 0, client.out);
  assert.match(client.out, new RegExp(`inet ${plan.taskbox.address.replace(/\./g, '\\.')}/24`));
  const json = JSON.parse(cli('lab', 'status', '--name', LAB, '--output', 'json').out) as { keyFile: string; knownHostsFile: string; taskbox: { netns: string } }[];
  assert.deepEqual(json.map((l) => [l.keyFile, l.knownHostsFile, l.taskbox.netns]), [[plan.keyFile, plan.knownHostsFile, plan.taskbox.netns]]);
  // The schema docs/lab.md documents, exactly.
  const doc = readFileSync(join(ROOT, 'docs/lab.md'), 'utf8');
  const schema = /`\{lab, phase, [^`]*\}`/.exec(doc)?.[0] ?? '';
  const fields = (text: string): string[] => [...text.matchAll(/(\w+)(?=[,:}\]])/g)].map((m) => m[1] ?? '').filter((f) => f !== '');
  const hostPart = /hosts: \[\{([^}]*)\}\]/.exec(schema)?.[1] ?? '';
  const [lab0] = json as unknown as Record<string, unknown>[];
  assert.ok(lab0);
  assert.deepEqual(Object.keys(lab0).sort(), fields(schema.replace(/\{netns, address\}|\[\{[^}]*\}\]/g, '')).sort(), schema);
  assert.deepEqual(Object.keys((lab0['hosts'] as Record<string, unknown>[])[0] ?? {}).sort(), fields(`${hostPart}}`).sort());
  assert.deepEqual(Object.keys(lab0['taskbox'] as object).sort(), ['address', 'netns']);

  // Network safety: the root namespace has no address or route on the lab subnet, and no new interface.
  assert.deepEqual(rootEntriesIn(plan.subnet), []);
  assert.deepEqual(rootLabLinks(plan), []);
  const rootAddr = /inet (\d+\.\d+\.\d+\.\d+)/.exec(sh('ip -4 -o addr show scope global').out)?.[1] ?? '192.0.2.2';
  for (const h of plan.hosts) {
    assert.equal(sh(`ip -n ${h.netns} -4 route show default`).out.trim(), '', `${h.name} has a default route`);
    for (const outside of [rootAddr, '1.1.1.1']) {
      const r = sh(`ip -n ${h.netns} route get ${outside}`);
      assert.notEqual(r.code, 0, `${h.name} has a route to ${outside}`);
      assert.match(r.out, /unreachable/i);
    }
  }
  assert.notEqual(sh(`ip -n ${plan.taskbox.netns} route get ${rootAddr}`).code, 0, 'the taskbox has a route out');
  // A connection from a lab host to this machine's own address fails at once (no route: nothing is sent), while
  // a lab neighbour answers (the check can fail for the right reason).
  const [lb0, master1, worker1] = plan.hosts;
  assert.ok(lb0 && master1 && worker1);
  const probe = await sshRun(plan, lb0, `t0=$(date +%s%N); curl -s -m 3 http://${rootAddr}:22/ >/dev/null 2>&1; rc=$?; echo $rc $(( ($(date +%s%N) - t0) / 1000000 )); curl -s -m 3 telnet://${master1.address}:22 </dev/null | head -c 7`);
  assert.equal(probe.code, 0, probe.stderr);
  const [line1, banner] = probe.stdout.split('\n');
  const [rc, ms] = (line1 ?? '').split(' ').map(Number);
  assert.equal(rc, 7, `curl to ${rootAddr} from lb0 should fail to connect: ${probe.stdout}`);
  // At once, not after curl's 3 s timeout (rc 7 already says "refused/unreachable", not "timed out").
  assert.ok((ms ?? 9999) < 2500, `connect out of the lab took ${ms} ms: it should fail at once`);
  assert.equal(banner, 'SSH-2.0');

  // The offline bundle installs HAProxy and keepalived on a host with no route out.
  const bundle = await buildBundle({ packages: ['haproxy', 'keepalived', 'curl'] });
  const q = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const copy = sh(`tar -C ${q(bundle.dir)} -cf - . | ${sshArgv(plan, lb0, [`mkdir -p ${BUNDLE_HOST_DIR} && tar -xf - -C ${BUNDLE_HOST_DIR}`]).map(q).join(' ')}`);
  assert.equal(copy.code, 0, copy.out);
  const install = await sshRun(
    plan,
    lb0,
    `echo '${bundle.sourceLine}' > /etc/apt/sources.list.d/kubeha-bundle.list && apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends install haproxy keepalived >/dev/null && haproxy -v | head -1 && keepalived --version 2>&1 | head -1`,
    180_000,
  );
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stdout, /HAProxy version 2\.6/);
  assert.match(install.stdout, /Keepalived v2\.2\.7/);

  // power-off: unreachable; power-on: back, with the same host key.
  await applyFault(state, master1.name, 'power-off');
  assert.notEqual((await sshRun(plan, master1, 'true', 3000)).code, 0);
  assert.equal((await labStatus(state)).hosts[1]?.power, 'off');
  await applyFault(state, master1.name, 'power-on');
  assert.ok(await waitForSsh(plan, master1, 60_000), 'master1 back after power-on');
  assert.equal((await sshRun(plan, master1, 'systemctl is-system-running --wait')).stdout.trim(), 'running');

  // `reboot` inside a host brings it back (a new boot), as on a VM; `poweroff` inside turns it off cleanly.
  const bootId = (): Promise<string> => sshRun(plan, master1, 'cat /proc/sys/kernel/random/boot_id').then((r) => r.stdout.trim());
  const firstBoot = await bootId();
  await sshRun(plan, master1, 'systemctl reboot');
  let rebooted = '';
  for (let i = 0; i < 480 && (rebooted === '' || rebooted === firstBoot); i++) {
    await new Promise((r) => setTimeout(r, 250));
    rebooted = await bootId();
  }
  assert.notEqual(rebooted, firstBoot, 'master1 came back with a new boot after reboot');
  assert.equal((await sshRun(plan, master1, 'systemctl is-system-running --wait')).stdout.trim(), 'running');
  assert.equal((await labStatus(state)).hosts[1]?.power, 'running');
  await sshRun(plan, worker1, 'systemctl poweroff');
  for (let i = 0; i < 480 && (await labStatus(state)).hosts[2]?.power !== 'off'; i++) await new Promise((r) => setTimeout(r, 250));
  assert.equal((await labStatus(state)).hosts[2]?.power, 'off');
  assert.match(readFileSync(worker1.log, 'utf8'), /Container \S+ has been shut down/);
  await applyFault(state, worker1.name, 'power-on');
  assert.ok(await waitForSsh(plan, worker1, 60_000), 'worker1 back after poweroff inside and power-on');

  // link-down: unreachable, yet running; link-up: reachable.
  await applyFault(state, worker1.name, 'link-down');
  assert.notEqual((await sshRun(plan, worker1, 'true', 3000)).code, 0);
  assert.equal((await labStatus(state)).hosts[2]?.link, 'down');
  await applyFault(state, worker1.name, 'link-up');
  assert.ok(await waitForSsh(plan, worker1, 60_000), 'worker1 back after link-up');

  // freeze: every process stopped, SSH hangs; thaw: back.
  await applyFault(state, lb0.name, 'freeze');
  const ref = state.processes[lb0.name];
  assert.ok(ref);
  assert.equal((await labStatus(state)).hosts[0]?.power, 'frozen');
  assert.notEqual((await sshRun(plan, lb0, 'true', 3000)).code, 0);
  await applyFault(state, lb0.name, 'thaw');
  assert.ok(await waitForSsh(plan, lb0, 60_000), 'lb0 back after thaw');
  assert.notEqual(procState(ref.pid), 'T');

  // A second lab with a host of the same name coexists: its own namespaces, bridge and subnet; both answer.
  const second = await labUp({ lab: SECOND_LAB, hosts: [{ name: 'lb0', address: `${SECOND_NET}.11` }] }, { sshTimeoutMs: 60_000 });
  try {
    const other = second.plan.hosts[0];
    assert.ok(other);
    assert.notEqual(other.netns, lb0.netns);
    assert.equal((await sshRun(second.plan, other, 'hostname')).stdout.trim(), 'lb0');
    assert.equal((await sshRun(plan, lb0, 'hostname')).code, 0);
  } finally {
    await labDown(SECOND_LAB);
  }
  assert.equal((await sshRun(plan, lb0, 'hostname')).code, 0, 'the first lab survives the second one going down');

  // A host shuts down cleanly: SIGTERM to nspawn makes its systemd halt before the SIGKILL fallback (whose bound
  // is generous: a busy machine halts more slowly, and the halt, not its speed, is what is checked).
  const halts = (): number => readFileSync(worker1.log, 'utf8').split(/Container \S+ has been shut down/).length - 1;
  const haltsBefore = halts();
  await stopHost(state, worker1, true, 60_000);
  assert.equal(halts(), haltsBefore + 1, 'systemd halted the host (no SIGKILL fallback)');

  // down (the CLI, as a user runs it): nothing of the lab is left at the moment it returns, so `lab down && lab up`
  // cannot race with the old hosts; a second down is a no-op.
  const recorded = (await readState(LAB)) ?? state;
  const inside = plan.hosts.flatMap((h) => {
    const init = containerInit(recorded.processes[h.name]);
    return init === undefined ? [] : containerPids(init);
  });
  assert.ok(inside.length > 0, "the running hosts' processes were found");
  const down = cli('lab', 'down', '--name', LAB);
  assert.equal(down.code, 0, down.out);
  assert.deepEqual(leftovers(LAB, recorded), []);
  assert.deepEqual(inside.filter(isAlive), [], 'processes of the hosts still alive when lab down returned');
  assert.deepEqual(rootLabLinks(plan), []);
  assert.deepEqual(await labDown(LAB), []);
});

test('lab: down cleans up after `lab up` was killed with SIGKILL', { skip, timeout: 600_000 }, async () => {
  const spec = join(tmp, 'killed.yaml');
  writeFileSync(
    spec,
    `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata:
  name: killed
hosts:
  - { name: lb0, address: ${KILLED_NET}.11, roles: [loadbalancer] }
  - { name: lb1, address: ${KILLED_NET}.12, roles: [loadbalancer] }
  - { name: master1, address: ${KILLED_NET}.21, roles: [control-plane, etcd] }
loadBalancer:
  mode: keepalived-haproxy
  vip: ${KILLED_NET}.10
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'up', spec, '--name', KILLED_LAB], { stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const closed = new Promise<number | null>((r) => child.once('close', r));
  let exited: number | null | undefined;
  void closed.then((code) => (exited = code));
  // Kill it once the hosts are booting: the worst moment, everything half made (the bound only guards a hang).
  const deadline = Date.now() + 300_000;
  let state: LabState | undefined;
  while (Date.now() < deadline && exited === undefined) {
    state = await readState(KILLED_LAB).catch(() => undefined);
    if (state && Object.keys(state.processes).length === 3) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // \`lab up\` must still be running here; if it ended by itself, say how (it is not the case under test).
  assert.equal(exited, undefined, `lab up ended before its 3 hosts were booting (exit ${String(exited)}): ${stderr}`);
  child.kill('SIGKILL');
  await closed;
  assert.ok(state, 'lab up wrote its state before being killed');
  assert.ok(Object.values(state.processes).some((p) => p && isAlive(p.pid)), 'hosts were running when up was killed');

  const before = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'status', '--name', KILLED_LAB, '--output', 'json'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(before.status, 0, before.stderr);
  assert.equal((JSON.parse(before.stdout) as { phase: string }[])[0]?.phase, 'interrupted');

  const down = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'down', '--name', KILLED_LAB], { encoding: 'utf8', cwd: ROOT });
  assert.equal(down.status, 0, down.stderr);
  assert.deepEqual(leftovers(KILLED_LAB, state), []);
});

test('lab: down removes a lab whose state file is damaged, by its names', { skip, timeout: 120_000 }, async () => {
  const state = await labUp({ lab: DAMAGED_LAB, hosts: [{ name: 'lb0', address: `${KILLED_NET}.11` }, { name: 'master1', address: `${KILLED_NET}.21` }] }, { sshTimeoutMs: 60_000 });
  writeFileSync(state.plan.stateFile, '{"version": 1, "plan": {');
  const status = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'status', '--name', DAMAGED_LAB], { encoding: 'utf8', cwd: ROOT });
  assert.equal(status.status, 3);
  assert.match(status.stderr, /is damaged/);
  assert.doesNotMatch(status.stderr, /internal error|\n\s+at /);
  const removed = await labDown(DAMAGED_LAB);
  assert.ok(removed.length > 0);
  assert.deepEqual(leftovers(DAMAGED_LAB, state), []);
});

test('lab: down cleans up after `lab up` was killed with SIGKILL while it built the base image', { skip, timeout: 900_000 }, async (t) => {
  // An empty cache of its own: this `lab up` must build. It is killed once debootstrap has mounted /proc in the
  // target (the hardest stage to clean up), or, when a slow mirror keeps debootstrap downloading past the bound,
  // wherever the build is then: the cleanup asserted below holds at every stage.
  const cache = join(tmp, 'cold-cache');
  mkdirSync(cache);
  const env = { ...process.env, KUBEHA_CACHE: cache };
  const spec = join(tmp, 'build-killed.yaml');
  writeFileSync(spec, `apiVersion: kubeha.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: bk\nhosts:\n  - { name: lb0, address: ${KILLED_NET}.11, roles: [loadbalancer] }\n  - { name: master1, address: ${KILLED_NET}.21, roles: [control-plane, etcd] }\nloadBalancer:\n  mode: keepalived-haproxy\n  vip: ${KILLED_NET}.10\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'up', spec, '--name', BUILD_KILLED_LAB], { stdio: 'ignore', cwd: ROOT, env });
  const mounted = (): string[] => mountsUnder(readFileSync('/proc/mounts', 'utf8'), cache);
  const building = (): boolean => readdirSync(cache).some((e) => e.startsWith('.tmp-base-'));
  let exited: number | null | undefined;
  const closed = new Promise((r) => child.once('close', (code) => r((exited = code))));
  const wait = async (ready: () => boolean, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && exited === undefined && !ready()) await new Promise((r) => setTimeout(r, 100));
  };
  // First the build must have started (its temp directory exists): a kill before that leaves nothing to clean.
  await wait(building, 300_000);
  assert.equal(exited, undefined, 'lab up ended before it started to build the base image');
  assert.ok(building(), 'lab up started to build the base image');
  await wait(() => mounted().length > 0, 600_000);
  assert.equal(exited, undefined, 'lab up ended while it built the base image');
  child.kill('SIGKILL');
  await closed;
  t.diagnostic(mounted().length > 0 ? 'killed after debootstrap mounted /proc in the target' : 'killed before debootstrap mounted anything (slow download)');

  const down = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), 'lab', 'down', '--name', BUILD_KILLED_LAB], { encoding: 'utf8', cwd: ROOT, env });
  assert.equal(down.status, 0, down.stderr);
  assert.match(down.stdout, /interrupted build/);
  assert.deepEqual(mounted(), []);
  assert.deepEqual(pidsUsing(cache), [], 'no orphaned debootstrap or dpkg');
  assert.deepEqual(readdirSync(cache), []);
});
