import { join } from 'node:path';
import type { Code } from '../diag/catalog.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { cidrBounds, cidrOf, cidrsOverlap, formatCidr, formatIPv4, inCidr, parseCidr, parseIPv4, type Cidr } from '../net/ipv4.js';
import {
  RESERVED_HOST_NAMES,
  TASKBOX_IFNAME,
  TASKBOX_PORT,
  bridgeName,
  hostNetns,
  ifnameProblem,
  labNameProblem,
  macFor,
  machineName,
  switchNetns,
  switchPortName,
  taskboxNetns,
} from './names.js';

/**
 * The plan of a lab (pure): from the hosts of a spec and a lab name to the name of every namespace, interface,
 * directory and address `lab up` will create, and that `lab down` removes. Nothing here touches the machine.
 */

export interface LabHostInput {
  name: string;
  address: string;
  /** Interface carrying the address inside the host. @default 'eth0' */
  interface?: string;
}

export interface LabInput {
  lab: string;
  hosts: LabHostInput[];
  /** The hosts' subnet, e.g. `10.77.0.0/24`. @default the /24 of the first host */
  hostCIDR?: string;
  /** Addresses the taskbox must not take (the VIP, the endpoint). */
  reserved?: string[];
  /** Where labs keep their state. @default '/var/lib/kubeha/labs' */
  stateRoot?: string;
  /** File the input came from, for diagnostics. */
  file?: string;
}

export interface LabHostPlan {
  name: string;
  address: string;
  prefix: number;
  netns: string;
  /** Interface name inside the host. */
  ifname: string;
  /** The veth end on the bridge, in the switch namespace. */
  port: string;
  mac: string;
  machine: string;
  dir: string;
  upper: string;
  work: string;
  merged: string;
  log: string;
  /** The host's own cgroup, relative to each hierarchy root: containers must not share one (their systemds would collide). */
  cgroup: string;
}

export interface TaskboxPlan {
  netns: string;
  ifname: string;
  port: string;
  address: string;
  mac: string;
}

export interface LabPlan {
  lab: string;
  subnet: string;
  prefix: number;
  /** True when no hostCIDR was given and the /24 was assumed. */
  assumedPrefix: boolean;
  switchNetns: string;
  bridge: string;
  taskbox: TaskboxPlan;
  hosts: LabHostPlan[];
  dir: string;
  stateFile: string;
  keyFile: string;
  knownHostsFile: string;
}

export const DEFAULT_STATE_ROOT = '/var/lib/kubeha/labs';
const DEFAULT_PREFIX = 24;

function diag(code: Code, message: string, hint: string | undefined, file: string | undefined, host?: string): Diagnostic {
  return { code, severity: 'error', message, ...(hint ? { hint } : {}), ...(file ? { file } : {}), ...(host ? { host } : {}) };
}

/** Lab input from a spec: every host, its address and interface; the VIP and endpoint reserved. */
export function labInputFromSpec(spec: ClusterSpec, lab: string, file?: string): LabInput {
  const hostCIDR = (spec.network as { hostCIDR?: unknown }).hostCIDR;
  const reserved = [spec.loadBalancer.vip, spec.controlPlane.endpoint.address].filter((a): a is string => Boolean(a));
  return {
    lab,
    hosts: spec.hosts.map((h) => ({ name: h.name, address: h.address, interface: h.interface })),
    ...(typeof hostCIDR === 'string' ? { hostCIDR } : {}),
    reserved,
    ...(file ? { file } : {}),
  };
}

export function planLab(input: LabInput): { plan?: LabPlan; diagnostics: Diagnostic[] } {
  const { file } = input;
  const ds: Diagnostic[] = [];
  const nameProblem = labNameProblem(input.lab);
  if (nameProblem) ds.push(diag('LAB_NAME', nameProblem, 'choose another with --name, e.g. --name demo', file));
  if (input.hosts.length === 0) ds.push(diag('LAB_NO_HOSTS', 'the spec has no hosts', 'add hosts to the spec', file));

  const seenNames = new Set<string>();
  const seenAddrs = new Map<number, string>();
  const parsed: { h: LabHostInput; addr: number }[] = [];
  for (const h of input.hosts) {
    if ((RESERVED_HOST_NAMES as readonly string[]).includes(h.name))
      ds.push(diag('LAB_RESERVED_NAME', `host name "${h.name}" is reserved by the lab`, `rename the host; ${RESERVED_HOST_NAMES.join(' and ')} name the lab's own namespaces`, file, h.name));
    if (seenNames.has(h.name)) ds.push(diag('LAB_DUPLICATE_HOST', `host "${h.name}" appears twice`, 'give every host its own name', file, h.name));
    seenNames.add(h.name);
    const ifProblem = ifnameProblem(h.interface ?? 'eth0');
    if (ifProblem) ds.push(diag('LAB_IFNAME', `${h.name}: ${ifProblem}`, 'use a short name such as eth0', file, h.name));
    const addr = parseIPv4(h.address);
    if (addr === undefined) {
      ds.push(diag('LAB_ADDRESS', `${h.name}: "${h.address}" is not an IPv4 address`, 'the lab supports IPv4 addresses such as 10.77.0.11', file, h.name));
      continue;
    }
    const other = seenAddrs.get(addr);
    if (other !== undefined) ds.push(diag('LAB_DUPLICATE_ADDRESS', `${h.name} and ${other} share the address ${h.address}`, 'give every host its own address', file, h.name));
    seenAddrs.set(addr, h.name);
    parsed.push({ h, addr });
  }

  let subnet: Cidr | undefined;
  const assumedPrefix = input.hostCIDR === undefined;
  if (input.hostCIDR !== undefined) {
    subnet = parseCidr(input.hostCIDR);
    if (!subnet) ds.push(diag('LAB_SUBNET', `network.hostCIDR "${input.hostCIDR}" is not an IPv4 CIDR`, 'write it as 10.77.0.0/24', file));
  } else if (parsed[0]) {
    subnet = cidrOf(parsed[0].h.address, DEFAULT_PREFIX);
  }
  if (subnet) {
    if (subnet.prefix > 30 || subnet.prefix < 8)
      ds.push(diag('LAB_SUBNET', `subnet ${formatCidr(subnet)} is not usable for a lab`, 'use a prefix between /8 and /30', file));
    const bounds = cidrBounds(subnet);
    for (const { h, addr } of parsed) {
      if (!inCidr(h.address, subnet)) {
        const why = assumedPrefix ? ` (assumed the /24 of ${parsed[0]?.h.name ?? 'the first host'}, since the spec gives no network.hostCIDR)` : '';
        ds.push(diag('LAB_SUBNET_MISMATCH', `${h.name} (${h.address}) is not in the hosts' subnet ${formatCidr(subnet)}${why}`, 'lab hosts share one layer-2 segment: put them in one subnet', file, h.name));
      } else if (addr === bounds.network || addr === bounds.broadcast) {
        ds.push(diag('LAB_ADDRESS', `${h.name}: ${h.address} is the network or broadcast address of ${formatCidr(subnet)}`, 'pick a host address', file, h.name));
      }
    }
  }
  if (ds.length > 0 || !subnet) return { diagnostics: ds };

  const taken = new Set<number>([...seenAddrs.keys()]);
  for (const r of input.reserved ?? []) {
    const a = parseIPv4(r);
    if (a !== undefined) taken.add(a);
  }
  let taskboxAddr: number | undefined;
  const { network, broadcast } = cidrBounds(subnet);
  for (let a = broadcast - 1; a > network; a--) {
    if (!taken.has(a)) {
      taskboxAddr = a;
      break;
    }
  }
  if (taskboxAddr === undefined) return { diagnostics: [diag('LAB_SUBNET_FULL', `no free address in ${formatCidr(subnet)} for the taskbox`, 'use a larger network.hostCIDR', file)] };

  const lab = input.lab;
  const dir = join(input.stateRoot ?? DEFAULT_STATE_ROOT, lab);
  const hosts: LabHostPlan[] = input.hosts.map((h) => {
    const hdir = join(dir, 'hosts', h.name);
    return {
      name: h.name,
      address: h.address,
      prefix: subnet.prefix,
      netns: hostNetns(lab, h.name),
      ifname: h.interface ?? 'eth0',
      port: switchPortName(h.name),
      mac: macFor(lab, h.name),
      machine: machineName(lab, h.name),
      dir: hdir,
      upper: join(hdir, 'upper'),
      work: join(hdir, 'work'),
      merged: join(hdir, 'rootfs'),
      log: join(hdir, 'console.log'),
      cgroup: `kubeha/${lab}/${h.name}`,
    };
  });
  // Two long host names could cut to one port name; fit() hashes the full name, so equal ports mean equal names.
  return {
    plan: {
      lab,
      subnet: formatCidr(subnet),
      prefix: subnet.prefix,
      assumedPrefix,
      switchNetns: switchNetns(lab),
      bridge: bridgeName(lab),
      taskbox: { netns: taskboxNetns(lab), ifname: TASKBOX_IFNAME, port: TASKBOX_PORT, address: formatIPv4(taskboxAddr), mac: macFor(lab, ' taskbox') },
      hosts,
      dir,
      stateFile: join(dir, 'state.json'),
      keyFile: join(dir, 'id_ed25519'),
      knownHostsFile: join(dir, 'known_hosts'),
    },
    diagnostics: [],
  };
}

/** What an existing lab occupies, as read from its state file. */
export interface ExistingLab {
  lab: string;
  subnet: string;
  addresses: string[];
}

/**
 * Clashes of a planned lab with what already exists on this machine: a lab of the same name, addresses
 * another lab uses, a subnet the root namespace has an address or route on (the lab must stay unreachable
 * from it, and the network-safety checks would be ambiguous).
 */
export function checkClashes(plan: LabPlan, existing: ExistingLab[], rootRoutes: string[], file?: string): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const mine = parseCidr(plan.subnet);
  for (const other of existing) {
    if (other.lab === plan.lab) {
      ds.push(diag('LAB_EXISTS', `a lab named "${plan.lab}" already exists`, `remove it with \`kubeha lab down --name ${plan.lab}\`, or choose another name with --name`, file));
      continue;
    }
    const used = new Set(other.addresses);
    for (const h of plan.hosts) {
      if (used.has(h.address))
        ds.push(diag('LAB_ADDRESS_IN_USE', `${h.name}: address ${h.address} is already used by lab "${other.lab}"`, `remove that lab (\`kubeha lab down --name ${other.lab}\`) or give this cluster other addresses`, file, h.name));
    }
  }
  const hits: string[] = [];
  for (const r of rootRoutes) {
    const c = parseCidr(r.includes('/') ? r : `${r}/32`);
    if (c && c.prefix > 0 && mine && cidrsOverlap(c, mine)) hits.push(r);
  }
  if (hits.length > 0)
    ds.push(diag('LAB_SUBNET_ON_HOST', `the lab subnet ${plan.subnet} overlaps this machine's own network (${hits.join(', ')})`, 'give the lab hosts addresses in a subnet this machine does not use (e.g. 10.77.0.0/24)', file));
  return ds;
}
