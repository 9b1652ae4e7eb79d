import { parse } from 'yaml';

/**
 * Moves a mirror (a tutorial's or another installer's configs, one folder per host) onto other hosts: its hosts
 * renamed, every IPv4 address of its hosts (and the extra ones named, such as the VIP) rewritten to the new hosts'
 * addresses, its interface names rewritten. The text is otherwise kept as written (comments, spacing, settings), so
 * that the configs run elsewhere behave as they did where they were written. Pure: `npm run bench:ha` reads a seed
 * mirror, relocates it onto a lab's hosts, pushes the result and analyses the same relocated mirror.
 */

export interface MirrorHost {
  name: string;
  address: string;
}

/** Where a mirror goes. */
export interface Placement {
  /** Mirror host name → new host name; every host of the mirror must be placed. */
  hosts: Readonly<Record<string, string>>;
  /** New host name → its address. */
  addresses: Readonly<Record<string, string>>;
  /** Further addresses to rewrite (old → new): the VIP, a cloud LB's address. */
  extraAddresses?: Readonly<Record<string, string>>;
  /** Interface names (old → new), e.g. `ens192` → `eth0`. */
  interfaces?: Readonly<Record<string, string>>;
}

/** A mirror in memory: `hosts.yaml`'s meaning and each host's files by absolute path on the host. */
export interface RelocatedMirror {
  endpoint: string;
  hosts: MirrorHost[];
  /** Host name → absolute path on the host → content. */
  files: Record<string, Record<string, string>>;
  /** IPv4 addresses found in the files that no mapping covered (loopback and wildcard excepted), per host. */
  unmapped: Record<string, string[]>;
}

export type RelocateResult = { ok: true; mirror: RelocatedMirror } | { ok: false; why: string };

const IPV4 = /(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.]*\d)/g;
const LEFT_ALONE = (a: string): boolean => a.startsWith('127.') || a === '0.0.0.0';

/** Rewrites the IPv4 addresses and interface names of one text. A whole address or name only, never a part of one. */
export function relocateText(text: string, addresses: ReadonlyMap<string, string>, interfaces: ReadonlyMap<string, string> = new Map()): string {
  let out = text.replace(IPV4, (a: string) => addresses.get(a) ?? a);
  for (const [from, to] of interfaces) out = out.replace(new RegExp(`(?<![\\w.:-])${escapeRe(from)}(?![\\w.:-])`, 'g'), to);
  return out;
}

/** The IPv4 addresses of a text that `addresses` does not map (loopback and 0.0.0.0 excepted), in order, once each. */
export function unmappedAddresses(text: string, addresses: ReadonlyMap<string, string>): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(IPV4)) {
    const a = m[1]!;
    if (!addresses.has(a) && !LEFT_ALONE(a) && ![...addresses.values()].includes(a)) seen.add(a);
  }
  return [...seen];
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Relocates a mirror given as a file tree (absolute path in the mirror → content: `/hosts.yaml`, `/<host>/etc/…`).
 * Only `endpoint` and `hosts` of the manifest are read (a mirror with `externalLb` is refused: nothing to place).
 */
export function relocateMirror(tree: Readonly<Record<string, string>>, placement: Placement): RelocateResult {
  const manifest = readManifestText(tree['/hosts.yaml']);
  if (!manifest.ok) return manifest;
  const { endpoint, hosts } = manifest;
  const addresses = new Map<string, string>(Object.entries(placement.extraAddresses ?? {}));
  const moved: MirrorHost[] = [];
  for (const h of hosts) {
    const to = placement.hosts[h.name];
    if (to === undefined) return { ok: false, why: `host ${h.name} of the mirror is not placed (placement.hosts has no "${h.name}")` };
    const address = placement.addresses[to];
    if (address === undefined) return { ok: false, why: `host ${h.name} is placed on ${to}, which has no address in placement.addresses` };
    if (moved.some((m) => m.name === to)) return { ok: false, why: `two hosts of the mirror are placed on ${to}` };
    addresses.set(h.address, address);
    moved.push({ name: to, address });
  }
  const interfaces = new Map(Object.entries(placement.interfaces ?? {}));
  const files: RelocatedMirror['files'] = {};
  const unmapped: RelocatedMirror['unmapped'] = {};
  for (const [path, content] of Object.entries(tree)) {
    const m = /^\/([^/]+)(\/.+)$/.exec(path);
    if (!m) continue;
    const from = m[1]!;
    const to = placement.hosts[from];
    if (to === undefined) continue; // a README, or a folder no host names: not part of any host
    (files[to] ??= {})[m[2]!] = relocateText(content, addresses, interfaces);
    const missed = unmappedAddresses(content, addresses);
    if (missed.length > 0) unmapped[to] = [...new Set([...(unmapped[to] ?? []), ...missed])];
  }
  return { ok: true, mirror: { endpoint: relocateText(endpoint, addresses), hosts: moved, files, unmapped } };
}

function readManifestText(text: string | undefined): { ok: true; endpoint: string; hosts: MirrorHost[] } | { ok: false; why: string } {
  if (text === undefined) return { ok: false, why: 'the mirror has no /hosts.yaml' };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return { ok: false, why: `hosts.yaml is not YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  if (typeof doc !== 'object' || doc === null) return { ok: false, why: 'hosts.yaml is not a mapping' };
  const d = doc as { endpoint?: unknown; hosts?: unknown; externalLb?: unknown };
  if (d.externalLb !== undefined) return { ok: false, why: 'the mirror has an externalLb: a cloud LB cannot be relocated' };
  if (typeof d.endpoint !== 'string') return { ok: false, why: 'hosts.yaml has no endpoint' };
  if (!Array.isArray(d.hosts)) return { ok: false, why: 'hosts.yaml has no hosts list' };
  const hosts: MirrorHost[] = [];
  for (const h of d.hosts as unknown[]) {
    const e = h as { name?: unknown; address?: unknown };
    if (typeof e?.name !== 'string' || typeof e.address !== 'string') return { ok: false, why: 'every host of hosts.yaml needs a name and an address' };
    hosts.push({ name: e.name, address: e.address });
  }
  return { ok: true, endpoint: d.endpoint, hosts };
}

/** The relocated mirror as a file tree again (`/hosts.yaml` and `/<host>/…`), for the analyser (memoryFileSource). */
export function mirrorTree(m: Pick<RelocatedMirror, 'endpoint' | 'hosts' | 'files'>): Record<string, string> {
  const tree: Record<string, string> = {
    '/hosts.yaml': [`endpoint: ${m.endpoint}`, 'hosts:', ...m.hosts.map((h) => `  - { name: ${h.name}, address: ${h.address} }`)].join('\n') + '\n',
  };
  for (const [host, files] of Object.entries(m.files)) for (const [path, content] of Object.entries(files)) tree[`/${host}${path}`] = content;
  return tree;
}
