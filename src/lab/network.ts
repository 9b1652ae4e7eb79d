import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { LabHostPlan, LabPlan } from './plan.js';
import { must, run } from './run.js';

/**
 * The lab's wires. Everything is created directly inside the lab's own namespaces (`ip link add … netns`),
 * so no interface, address or route on the lab subnet ever exists in the root namespace, not even for a
 * moment. Hosts get their address and no default route: a packet for outside the lab has nowhere to go.
 */

const ip = (...args: string[]): Promise<string> => must(['ip', ...args]);

export async function netnsExists(name: string): Promise<boolean> {
  return Promise.resolve(existsSync(`/run/netns/${name}`));
}

async function addNetns(name: string): Promise<void> {
  if (!(await netnsExists(name))) await ip('netns', 'add', name);
  await ip('-n', name, 'link', 'set', 'lo', 'up');
}

export async function createSwitch(plan: LabPlan): Promise<void> {
  const sw = plan.switchNetns;
  await addNetns(sw);
  const r = await run(['ip', '-n', sw, 'link', 'show', plan.bridge]);
  if (r.code !== 0) {
    // No STP (ports forward at once); no multicast snooping, so VRRP adverts reach every host without a querier.
    await ip('-n', sw, 'link', 'add', plan.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0');
  }
  await ip('-n', sw, 'link', 'set', plan.bridge, 'up');
}

/** One namespace with one interface on the bridge: a host, or the taskbox. */
export async function createAttachment(plan: LabPlan, a: { netns: string; ifname: string; port: string; mac: string; address: string; prefix: number }): Promise<void> {
  const sw = plan.switchNetns;
  await addNetns(a.netns);
  const exists = await run(['ip', '-n', a.netns, 'link', 'show', a.ifname]);
  if (exists.code !== 0) {
    await ip('link', 'add', 'name', a.ifname, 'netns', a.netns, 'address', a.mac, 'type', 'veth', 'peer', 'name', a.port, 'netns', sw);
  }
  await ip('-n', sw, 'link', 'set', a.port, 'master', plan.bridge, 'up');
  await run(['ip', '-n', a.netns, 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', a.ifname]);
  await ip('-n', a.netns, 'link', 'set', a.ifname, 'up');
}

export async function createHostNetwork(plan: LabPlan, h: LabHostPlan): Promise<void> {
  await createAttachment(plan, { netns: h.netns, ifname: h.ifname, port: h.port, mac: h.mac, address: h.address, prefix: h.prefix });
}

export async function createTaskbox(plan: LabPlan): Promise<void> {
  const t = plan.taskbox;
  await createAttachment(plan, { netns: t.netns, ifname: t.ifname, port: t.port, mac: t.mac, address: t.address, prefix: plan.prefix });
}

export async function setPort(plan: LabPlan, h: LabHostPlan, state: 'up' | 'down'): Promise<void> {
  await ip('-n', plan.switchNetns, 'link', 'set', h.port, state);
}

/** The host's own interface (its NIC), inside its namespace. */
export async function setHostNic(h: LabHostPlan, state: 'up' | 'down'): Promise<void> {
  await ip('-n', h.netns, 'link', 'set', h.ifname, state);
}

export async function portState(plan: LabPlan, h: LabHostPlan): Promise<'up' | 'down' | 'absent'> {
  const r = await run(['ip', '-n', plan.switchNetns, '-o', 'link', 'show', h.port]);
  if (r.code !== 0) return 'absent';
  return /[<,]UP[,>]/.test(r.stdout) ? 'up' : 'down';
}

/** Every namespace of the lab that exists: the planned ones and any other with the lab's prefix. */
export async function labNetnsList(plan: LabPlan, prefix: string): Promise<string[]> {
  const planned = [plan.switchNetns, plan.taskbox.netns, ...plan.hosts.map((h) => h.netns)];
  let present: string[] = [];
  try {
    present = await readdir('/run/netns');
  } catch {
    present = [];
  }
  return [...new Set([...planned.filter((n) => present.includes(n)), ...present.filter((n) => n.startsWith(prefix))])];
}

export async function deleteNetns(name: string): Promise<void> {
  if (await netnsExists(name)) await ip('netns', 'delete', name);
}

/** Identity (device, inode) of a named network namespace, to find the processes inside it. */
export function netnsIdentity(name: string): string | undefined {
  try {
    const s = statSync(`/run/netns/${name}`);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** IPv4 routes and addresses of the root namespace, as CIDRs (for the clash check). */
export async function rootNetworks(): Promise<string[]> {
  const out: string[] = [];
  const routes = await run(['ip', '-4', '-o', 'route', 'show', 'table', 'all']);
  for (const line of routes.stdout.split('\n')) {
    const m = /^(?:(?:local|broadcast|unicast)\s+)?(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)\s/.exec(line);
    if (m?.[1] && !m[1].startsWith('127.')) out.push(m[1]);
  }
  const addrs = await run(['ip', '-4', '-o', 'addr', 'show']);
  for (const line of addrs.stdout.split('\n')) {
    const m = /\sinet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (m?.[1] && !m[1].startsWith('127.')) out.push(m[1]);
  }
  return [...new Set(out)];
}
