import { createHash } from 'node:crypto';

/**
 * Names of everything a lab creates (pure). Every name visible in the root namespace (network namespaces,
 * mounts, machine names, state directories) carries the lab name, so that two labs coexist; interfaces live
 * only inside the lab's own namespaces and are ≤ 15 characters (IFNAMSIZ - 1).
 */

export const LAB_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const LAB_NAME_MAX = 24;
/** Host names the lab uses for its own namespaces. */
export const RESERVED_HOST_NAMES = ['switch', 'taskbox'] as const;
export const IFNAMSIZ_MAX = 15;
const IFNAME_RE = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;

/** Why a lab name is not acceptable, or undefined when it is. */
export function labNameProblem(name: string): string | undefined {
  if (!LAB_NAME_RE.test(name)) return `lab name "${name}" must be lower-case letters, digits and "-", starting and ending with a letter or digit`;
  if (name.length > LAB_NAME_MAX) return `lab name "${name}" is longer than ${LAB_NAME_MAX} characters`;
  return undefined;
}

export function ifnameProblem(name: string): string | undefined {
  if (name.length > IFNAMSIZ_MAX) return `interface name "${name}" is longer than ${IFNAMSIZ_MAX} characters`;
  if (!IFNAME_RE.test(name)) return `interface name "${name}" may hold only letters, digits, "-", "_" and "."`;
  return undefined;
}

export function shortHash(text: string, hexChars = 6): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hexChars);
}

/** Shortens `name` to `max` characters, keeping it unique with a hash suffix when it must cut. */
export function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  const h = shortHash(name, 4);
  return `${name.slice(0, max - h.length - 1)}-${h}`;
}

/** Prefix of every network namespace of the lab; `.` cannot occur in a lab name, so prefixes never nest. */
export const netnsPrefix = (lab: string): string => `kubeha-${lab}.`;
export const hostNetns = (lab: string, host: string): string => `${netnsPrefix(lab)}${host}`;
export const switchNetns = (lab: string): string => `${netnsPrefix(lab)}switch`;
export const taskboxNetns = (lab: string): string => `${netnsPrefix(lab)}taskbox`;
/**
 * systemd-nspawn machine name (≤ 64 characters, a valid hostname). `.` joins lab and host: neither holds one, so
 * lab `x-a` host `b` and lab `x` host `a-b` never share a name (with `-` they did, and `lab down` of one, which
 * finds nspawn by `--machine=`, stopped the other's host).
 */
export const machineName = (lab: string, host: string): string => fit(`${lab}.${host}`, 63);
/** The bridge inside the switch namespace. */
export const bridgeName = (lab: string): string => fit(`br-${lab}`, IFNAMSIZ_MAX);
/** The switch-side end of a host's veth, inside the switch namespace. */
export const switchPortName = (host: string): string => fit(`p-${host}`, IFNAMSIZ_MAX);
export const TASKBOX_PORT = 'p--taskbox';
export const TASKBOX_IFNAME = 'eth0';

/**
 * A stable, locally administered unicast MAC for a host of a lab (02:xx:…): the same lab gives the same MACs on
 * every `lab up`, so ARP caches and captures are readable, and two labs never share one.
 */
export function macFor(lab: string, host: string): string {
  const h = createHash('sha256').update(`${lab}/${host}`).digest();
  const bytes = [0x02, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
