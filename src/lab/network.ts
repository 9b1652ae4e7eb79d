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
export async function createAttachment(plan: LabPlan, a: Attachment): Promise<void> {
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

/** One namespace with one interface on the bridge, as createAttachment takes it. */
interface Attachment {
  netns: string;
  ifname: string;
  port: string;
  mac: string;
  address: string;
  prefix: number;
}

const attachmentsOf = (plan: LabPlan): Attachment[] => [
  { netns: plan.taskbox.netns, ifname: plan.taskbox.ifname, port: plan.taskbox.port, mac: plan.taskbox.mac, address: plan.taskbox.address, prefix: plan.prefix },
  ...plan.hosts.map((h) => ({ netns: h.netns, ifname: h.ifname, port: h.port, mac: h.mac, address: h.address, prefix: h.prefix })),
];

/**
 * The whole lab's network as `ip -batch` input (pure): the namespaces and the veth pairs, made from the root namespace
 * (each end created directly in its namespace, as createAttachment does); the bridge and its ports, in the switch;
 * then, in each attachment's namespace, its loopback, address and link. One `ip` process per namespace instead of
 * seven per host: on a 2-core machine the ~70 processes of the step-by-step way took about 2 s of a lab's start.
 */
export function labNetworkBatches(plan: LabPlan): { root: string[]; inside: Map<string, string[]> } {
  const sw = plan.switchNetns;
  const attachments = attachmentsOf(plan);
  const root = [
    ...[sw, ...attachments.map((a) => a.netns)].map((n) => `netns add ${n}`),
    ...attachments.map((a) => `link add name ${a.ifname} netns ${a.netns} address ${a.mac} type veth peer name ${a.port} netns ${sw}`),
  ];
  const inside = new Map<string, string[]>();
  inside.set(sw, [
    'link set lo up',
    // No STP (ports forward at once); no multicast snooping, so VRRP adverts reach every host without a querier.
    `link add ${plan.bridge} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`,
    `link set ${plan.bridge} up`,
    ...attachments.map((a) => `link set ${a.port} master ${plan.bridge} up`),
  ]);
  for (const a of attachments) inside.set(a.netns, ['link set lo up', `addr add ${a.address}/${a.prefix} dev ${a.ifname}`, `link set ${a.ifname} up`]);
  return { root, inside };
}

/**
 * Creates the lab's network (switch, taskbox, every host's): in batches when none of its namespaces exists yet, the
 * usual case; step by step, skipping what is there, when something is left of an earlier lab of that name.
 */
export async function createLabNetwork(plan: LabPlan): Promise<void> {
  const names = [plan.switchNetns, ...attachmentsOf(plan).map((a) => a.netns)];
  const present = await Promise.all(names.map(netnsExists));
  if (present.some(Boolean)) {
    await createSwitch(plan);
    for (const a of attachmentsOf(plan)) await createAttachment(plan, a);
    return;
  }
  const { root, inside } = labNetworkBatches(plan);
  await must(['ip', '-batch', '-'], { input: root.join('\n') + '\n' });
  await Promise.all([...inside].map(([ns, lines]) => must(['ip', '-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' })));
}

export async function setPort(plan: LabPlan, h: LabHostPlan, state: 'up' | 'down'): Promise<void> {
  await ip('-n', plan.switchNetns, 'link', 'set', h.port, state);
}

/** The host's own interface (its NIC), inside its namespace. */
export async function setHostNic(h: LabHostPlan, state: 'up' | 'down'): Promise<void> {
  await ip('-n', h.netns, 'link', 'set', h.ifname, state);
}

/** The state of every port on the lab's switch, by name, in one `ip` call (a port not listed is absent). */
export async function switchPortStates(plan: LabPlan): Promise<Map<string, 'up' | 'down'>> {
  const r = await run(['ip', '-n', plan.switchNetns, '-o', 'link', 'show']);
  return parsePortStates(r.code === 0 ? r.stdout : '');
}

/** `ip -o link show` output → port name → up/down (pure). Names come as `name@peer:` for veths. */
export function parsePortStates(text: string): Map<string, 'up' | 'down'> {
  const out = new Map<string, 'up' | 'down'>();
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@[^:]*)?:\s+<([^>]*)>/.exec(line);
    if (m?.[1]) out.set(m[1], m[2]?.split(',').includes('UP') ? 'up' : 'down');
  }
  return out;
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
