import { didYouMean } from '../diag/diagnostic.js';
import { EnvironmentError, InputError } from '../diag/errors.js';
import type { LabFault, LinkFault } from '../model/failure.js';
import { delayerPids, startDelayer, stopDelayer } from './delayer.js';
import { bootHost, cgroupPids, prepareCgroups } from './hosts.js';
import { netnsIdentity, setHostNic, setPort } from './network.js';
import type { LabHostPlan } from './plan.js';
import { containerInit, containerPids, isAlive, pidsInNetns, pidsWithArg, procState, signal, waitGone } from './procs.js';
import { run } from './run.js';
import { isSameProcess, writeState, type LabState } from './state.js';

/**
 * Faults for drills, and stopping hosts. All by PID or by the host's own switch port: never by name.
 * The fault names, what undoes each and which failure each stands for live in src/model/failure.ts.
 */

export function hostOf(state: LabState, name: string): LabHostPlan {
  const h = state.plan.hosts.find((x) => x.name === name);
  if (!h) {
    const names = state.plan.hosts.map((x) => x.name);
    const close = didYouMean(name, names);
    throw new InputError([
      { code: 'LAB_UNKNOWN_HOST', severity: 'error', message: `lab "${state.plan.lab}" has no host "${name}"`, hint: `${close ? `did you mean ${close}? ` : ''}hosts: ${names.join(', ')}` },
    ]);
  }
  return h;
}

export type PowerState = 'running' | 'frozen' | 'off';

export function powerState(state: LabState, h: LabHostPlan): PowerState {
  const ref = state.processes[h.name];
  if (!isSameProcess(ref)) return 'off';
  const init = containerInit(ref);
  if (init === undefined) return 'running';
  const st = procState(init);
  return st === 'T' || st === 't' ? 'frozen' : 'running';
}

/** Every process belonging to the host: its nspawn (recorded or found by argument), and all inside its netns. */
async function hostProcesses(state: LabState, h: LabHostPlan): Promise<{ nspawn: number[]; inside: number[] }> {
  const ref = state.processes[h.name];
  const nspawn = new Set<number>(pidsWithArg(`--machine=${h.machine}`));
  if (isSameProcess(ref)) nspawn.add(ref.pid);
  const id = netnsIdentity(h.netns);
  const inside = new Set<number>([...(id ? pidsInNetns(id) : []), ...(await cgroupPids(h))]);
  for (const p of nspawn) inside.delete(p);
  // The link's packet delayer runs in the host's namespace but is the link's, not the host's: a power cut leaves it.
  for (const p of delayerPids(state)) inside.delete(p);
  return { nspawn: [...nspawn], inside: [...inside] };
}

/**
 * Stops a host. graceful: SIGTERM to nspawn, which asks the container's systemd for a clean halt; hard (or
 * after `graceMs`): SIGKILL to every process of the container (a power cut), then to nspawn.
 */
export async function stopHost(state: LabState, h: LabHostPlan, graceful: boolean, graceMs = 10_000, onEffect?: (at: number) => void): Promise<void> {
  let { nspawn, inside } = await hostProcesses(state, h);
  // A frozen host cannot shut down: thaw first.
  for (const p of inside) signal(p, 'SIGCONT');
  if (graceful && nspawn.length > 0) {
    for (const p of nspawn) signal(p, 'SIGTERM');
    if (await waitGone(nspawn, graceMs)) ({ nspawn, inside } = await hostProcesses(state, h));
  }
  const ref = state.processes[h.name];
  const init = containerInit(ref);
  const all = [...new Set([...(init !== undefined ? containerPids(init) : []), ...inside])];
  // Stop everything before killing anything, so that no process of the host can react to another one's death (a
  // child told of its parent's death by a signal may shut down cleanly: keepalived would send a priority-0 advert).
  // Measured with power-off drills of the VIP holder: killed one by one, 6 of 48 let the peer take over within
  // ~0.15 s, as after a clean stop; stopped first, 0 of 24 did (all took the ~0.7 s master-down interval of a power
  // cut). Suggestive, not proof (p ≈ 0.08); the mechanism is not confirmed in keepalived's source.
  for (const p of all) signal(p, 'SIGSTOP');
  for (const p of all) signal(p, 'SIGKILL');
  onEffect?.(Date.now());
  await waitGone(all, 5000);
  for (const p of nspawn) if (isAlive(p)) signal(p, 'SIGKILL');
  await waitGone(nspawn, 5000);
}

/** `onEffect`: told the time (epoch ms) the fault took effect (a power-off's kill, before the clean-up that follows). */
export async function applyFault(state: LabState, hostName: string, fault: LabFault, onEffect: (at: number) => void = () => undefined): Promise<string> {
  const h = hostOf(state, hostName);
  const ref = state.processes[h.name];
  switch (fault) {
    case 'power-off': {
      if (!isSameProcess(ref)) return `${h.name} is already off`;
      await stopHost(state, h, false, undefined, onEffect);
      // A machine without power has no NIC either: nothing answers at its address (no ARP reply, no RST).
      await setHostNic(h, 'down');
      state.processes[h.name] = undefined;
      await writeState(state);
      return `${h.name}: powered off (all its processes killed)`;
    }
    case 'power-on': {
      if (isSameProcess(ref)) return `${h.name} is already on`;
      // Leftovers of a host killed from outside would hold the netns: clear them first.
      await stopHost(state, h, false);
      await setHostNic(h, 'up');
      state.processes[h.name] = bootHost(h, await prepareCgroups(h));
      onEffect(Date.now());
      await writeState(state);
      return `${h.name}: booting (pid ${state.processes[h.name]?.pid ?? '?'})`;
    }
    case 'link-down':
    case 'link-up':
      await setPort(state.plan, h, fault === 'link-down' ? 'down' : 'up');
      onEffect(Date.now());
      return `${h.name}: link ${fault === 'link-down' ? 'down' : 'up'} (switch port ${h.port})`;
    case 'freeze':
    case 'thaw': {
      const init = containerInit(ref);
      if (init === undefined) throw new EnvironmentError(`${h.name} is not running`, `power it on: kubeha lab fault ${h.name} power-on`);
      const pids = containerPids(init);
      for (const p of pids) signal(p, fault === 'freeze' ? 'SIGSTOP' : 'SIGCONT');
      onEffect(Date.now());
      // Signals land asynchronously: return once every process shows the new state.
      const settled = (p: number): boolean => {
        const st = procState(p);
        return st === undefined || (fault === 'freeze') === (st === 'T' || st === 't');
      };
      for (let i = 0; i < 100 && !pids.every(settled); i++) await new Promise((r) => setTimeout(r, 20));
      return `${h.name}: ${fault === 'freeze' ? 'frozen' : 'thawed'} (${pids.length} processes)`;
    }
  }
}

// ---------- link faults: delay and loss on a host's link, VRRP cut between two hosts ----------

/** nftables table of the link faults in a host's namespace (only kubeha's: never the host's own rules). */
const LOSS_TABLE = 'kubeha_link_loss';
const CUT_TABLE = 'kubeha_vrrp_cut';

async function nft(netns: string, script: string, host: string): Promise<void> {
  const r = await run(['ip', 'netns', 'exec', netns, 'nft', '-f', '-'], { input: script });
  if (r.code !== 0 && /exec of "nft" failed/.test(r.stderr))
    throw new EnvironmentError('nft (nftables) is not installed on this machine', 'install it: apt-get install nftables', host);
  if (r.code !== 0) throw new EnvironmentError(`nft in ${netns} failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`, 'the kernel needs nf_tables (CONFIG_NF_TABLES_INET)', host);
}

/** Removes one of kubeha's tables in a namespace; absent is fine. */
async function dropTable(netns: string, table: string): Promise<void> {
  await run(['ip', 'netns', 'exec', netns, 'nft', 'delete', 'table', 'inet', table]);
}

/** Both ends of the host's link: its NIC (what it sends) and its switch port (what it receives). */
function linkEnds(state: LabState, h: LabHostPlan): { netns: string; dev: string }[] {
  return [
    { netns: h.netns, dev: h.ifname },
    { netns: state.plan.switchNetns, dev: h.port },
  ];
}

/** Whether `tc` refused netem because the kernel has no such qdisc (as against another failure). */
export const noNetem = (stderr: string): boolean => /unknown|not supported|No such file/i.test(stderr);

/**
 * Degrades the host's link in both directions, or clears it. `delay`: netem on the host's NIC and on its switch port
 * (each direction delayed by that much, so a round trip gains twice); on a kernel without netem, the packet delayer
 * (src/lab/delayer.ts: NFQUEUE in the host's namespace) holds what the host receives and what it sends on its NIC.
 * `loss`: nftables in the host's namespace drops that share of packets it receives and of those it sends on its link (numgen
 * random; loopback is spared), which needs no netem either.
 */
export async function applyLinkFault(state: LabState, hostName: string, fault: LinkFault): Promise<string> {
  const h = hostOf(state, hostName);
  switch (fault.kind) {
    case 'delay': {
      for (const end of linkEnds(state, h)) {
        const r = await run(['tc', '-n', end.netns, 'qdisc', 'replace', 'dev', end.dev, 'root', 'netem', 'delay', `${fault.ms}ms`]);
        if (r.code !== 0) {
          if (noNetem(r.stderr)) {
            await startDelayer(state, h, fault.ms);
            return `${h.name}: link delayed by ${fault.ms} ms each way (packet delayer: this kernel has no netem)`;
          }
          throw new EnvironmentError(`tc on ${end.dev} in ${end.netns} failed: ${r.stderr.trim()}`, 'is the host powered on? kubeha lab status', h.name);
        }
      }
      return `${h.name}: link delayed by ${fault.ms} ms each way`;
    }
    case 'loss': {
      // Out of 10000, so that fractions of a percent work.
      const n = Math.round(fault.percent * 100);
      const rule = n >= 10_000 ? 'drop' : `numgen random mod 10000 < ${n} drop`;
      await nft(
        h.netns,
        [
          `table inet ${LOSS_TABLE} {}`,
          `delete table inet ${LOSS_TABLE}`,
          `table inet ${LOSS_TABLE} {`,
          // Only the link: loopback traffic (keepalived's port probe of HAProxy on 127.0.0.1) is not the link, and
          // dropping it made the holder's probe fail and the VIP move during the loss soak.
          `  chain in { type filter hook prerouting priority -300; policy accept; iifname != "lo" ${rule}; }`,
          `  chain out { type filter hook postrouting priority 300; policy accept; oifname != "lo" ${rule}; }`,
          '}',
        ].join('\n') + '\n',
        h.name,
      );
      return `${h.name}: link drops ${fault.percent}% of packets each way`;
    }
    case 'clear': {
      for (const end of linkEnds(state, h)) await run(['tc', '-n', end.netns, 'qdisc', 'del', 'dev', end.dev, 'root']);
      await stopDelayer(state, h);
      await dropTable(h.netns, LOSS_TABLE);
      return `${h.name}: link cleared (no delay, no loss)`;
    }
  }
}

/**
 * Cuts VRRP (IP protocol 112) between two hosts, both ways, in each host's own namespace; everything else (clients,
 * HAProxy's health checks, SSH) still flows. `heal` removes the cut.
 */
export async function cutVrrp(state: LabState, names: readonly [string, string], action: 'cut' | 'heal'): Promise<string> {
  const [a, b] = [hostOf(state, names[0]), hostOf(state, names[1])];
  for (const [self, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    if (action === 'heal') {
      await dropTable(self.netns, CUT_TABLE);
      continue;
    }
    await nft(
      self.netns,
      [
        `table inet ${CUT_TABLE} {}`,
        `delete table inet ${CUT_TABLE}`,
        `table inet ${CUT_TABLE} {`,
        `  chain in { type filter hook prerouting priority -300; policy accept; ip saddr ${peer.address} ip protocol vrrp drop; }`,
        `  chain out { type filter hook postrouting priority 300; policy accept; ip daddr ${peer.address} ip protocol vrrp drop; }`,
        '}',
      ].join('\n') + '\n',
      self.name,
    );
  }
  return action === 'cut' ? `VRRP cut between ${a.name} and ${b.name}` : `VRRP between ${a.name} and ${b.name} flows again`;
}
