import { createHash } from 'node:crypto';

/**
 * The apt `Packages` index of an offline bundle, and the part of it one host needs. PURE.
 * A bundle holds what every host of the cluster needs (HAProxy, keepalived and their libraries for the LBs, the
 * node prerequisites for the others); each host is sent only the closure of its own packages, so that a worker does
 * not receive keepalived's 15 MiB of Perl and SNMP libraries.
 */

export interface BundlePackage {
  name: string;
  version: string;
  /** Virtual package names (`Provides:`), without versions. */
  provides: string[];
  /** `Pre-Depends:` and `Depends:`: each entry a group of alternatives (`a | b`), as package names. */
  depends: string[][];
  /** As in the index: `./name_version_arch.deb`. */
  filename: string;
  size: number;
  /** The stanza as it stands in the index, for the host's own index. */
  stanza: string;
}

export interface BundleSubset {
  /** Content id of the subset's index: a host that holds this id has exactly these files. */
  id: string;
  packages: BundlePackage[];
  bytes: number;
}

/** `name:any (>= 1.0) [amd64] <!nocheck>` → `name`. */
function relationName(rel: string): string {
  return rel.trim().split(/[\s(:[<]/, 1)[0] ?? '';
}

function field(stanza: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t].*)*)`, 'mi').exec(stanza);
  return m?.[1]?.replace(/\n[ \t]+/g, ' ').trim();
}

export function parsePackagesIndex(text: string): BundlePackage[] {
  const out: BundlePackage[] = [];
  for (const raw of text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    const stanza = raw.trim();
    const name = stanza ? field(stanza, 'Package') : undefined;
    const filename = stanza ? field(stanza, 'Filename') : undefined;
    if (!name || !filename) continue;
    const relations = [field(stanza, 'Pre-Depends'), field(stanza, 'Depends')].filter((f): f is string => f !== undefined && f !== '');
    out.push({
      name,
      version: field(stanza, 'Version') ?? '',
      provides: (field(stanza, 'Provides') ?? '').split(',').map(relationName).filter(Boolean),
      depends: relations.flatMap((f) => f.split(',').map((group) => group.split('|').map(relationName).filter(Boolean))).filter((g) => g.length > 0),
      filename,
      size: Number(field(stanza, 'Size') ?? 0) || 0,
      stanza,
    });
  }
  return out;
}

/**
 * The packages of the bundle that installing `wanted` can need: each wanted package and, transitively, for every
 * dependency group the first alternative the bundle holds (by name, else by Provides). A dependency the bundle does
 * not hold is one the host already has (the bundle was resolved against the base system), as with the whole bundle.
 */
export function bundleSubset(index: readonly BundlePackage[], wanted: readonly string[]): BundleSubset {
  const byName = new Map<string, BundlePackage>();
  const providers = new Map<string, BundlePackage>();
  for (const p of index) {
    if (!byName.has(p.name)) byName.set(p.name, p);
    for (const v of p.provides) if (!providers.has(v)) providers.set(v, p);
  }
  const find = (name: string): BundlePackage | undefined => byName.get(name) ?? providers.get(name);
  const chosen = new Set<BundlePackage>();
  const queue = wanted.map(find).filter((p): p is BundlePackage => p !== undefined);
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    if (chosen.has(p)) continue;
    chosen.add(p);
    for (const group of p.depends) {
      const dep = group.map(find).find((d) => d !== undefined);
      if (dep && !chosen.has(dep)) queue.push(dep);
    }
  }
  const packages = index.filter((p) => chosen.has(p));
  return { id: indexId(packagesIndexText(packages)), packages, bytes: packages.reduce((n, p) => n + p.size, 0) };
}

/** The `Packages` file of a set of packages (their stanzas, in bundle order). */
export function packagesIndexText(packages: readonly BundlePackage[]): string {
  return packages.map((p) => `${p.stanza}\n`).join('\n');
}

/** The id a bundle (or a subset) goes by on a host: the first 16 hex digits of its index's sha256. */
export function indexId(indexText: string): string {
  return createHash('sha256').update(indexText).digest('hex').slice(0, 16);
}
