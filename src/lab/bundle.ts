import { createHash } from 'node:crypto';
import { cp, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Diagnostic } from '../diag/diagnostic.js';
import { EnvironmentError, InputError } from '../diag/errors.js';
import { releaseSourceLines } from './apt-sources.js';
import { BASE_SUITE, ensureBaseImage, readMachineAptSources } from './base-image.js';
import { cachedDir } from './cache.js';
import { binariesStamp, ensureK8sBinaries, type K8sBinaries } from './k8s-binaries.js';
import { isK8sDeb, k8sDebs } from './k8s-debs.js';
import { CONTROL_PLANE_PACKAGES } from '../render/control-plane-packages.js';
import { tail } from '../diag/output-tail.js';
import { must, run } from './run.js';
import { mkdirp } from '../state/mkdirp.js';

/**
 * The offline bundle: the .deb packages a cluster needs, with every dependency the TARGET lacks (resolved by
 * apt against the base image's own dpkg status, not this machine's), as a flat apt repository:
 *   deb [trusted=yes] file:/opt/kubeha/bundle ./
 * Lab hosts have no route out; this is how packages reach them, as in an air-gapped site.
 */

export const DEFAULT_BUNDLE_PACKAGES = ['haproxy', 'keepalived', 'curl'];
/** The Kubernetes version of kubeha's packages when no spec says (the spec's own default). */
export const DEFAULT_KUBERNETES_VERSION = 'v1.37.2';
/** Where hosts expect the bundle, and the apt source line for it. */
export const BUNDLE_HOST_DIR = '/opt/kubeha/bundle';
export const BUNDLE_SOURCE_LINE = `deb [trusted=yes] file:${BUNDLE_HOST_DIR} ./`;

export interface BundleDeb {
  package: string;
  version: string;
  file: string;
  bytes: number;
}

export interface Bundle {
  dir: string;
  key: string;
  packages: string[];
  debs: BundleDeb[];
  sourceLine: string;
  built: boolean;
  seconds: number;
}

/** Debian package names (Debian Policy 5.6.7), optionally with `=version`; anything else is refused before apt runs. */
const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/;

/** Bad package names (pure). */
export function packageNameProblems(packages: readonly string[]): Diagnostic[] {
  return packages
    .filter((p) => !PACKAGE_RE.test(p))
    .map((p) => ({ code: 'BUNDLE_PACKAGE_NAME', severity: 'error' as const, message: `"${p}" is not a Debian package name`, hint: 'lower-case letters, digits and + - . (e.g. socat), optionally =version' }));
}

/** Packages apt could not find, from its stderr (pure). */
export function unknownPackages(aptStderr: string): string[] {
  return [...aptStderr.matchAll(/Unable to locate package (\S+)/g)].map((m) => m[1] ?? '');
}

export function bundleKey(packages: readonly string[], baseKey: string, sources: readonly string[], binaries?: string): string {
  const text = JSON.stringify({ packages: [...new Set(packages)].sort(), baseKey, sources: [...sources].sort(), v: 1, ...(binaries ? { binaries } : {}) });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** apt.conf isolating apt from this machine: its own sources, lists, cache, preferences; the target's dpkg status. */
export function aptConfig(work: string, targetStatus: string, arch: string): string {
  const q = (s: string): string => `"${s}"`;
  return [
    `Dir::Etc::Parts ${q(join(work, 'apt.conf.d'))};`,
    `Dir::Etc::SourceList ${q(join(work, 'sources.list'))};`,
    `Dir::Etc::SourceParts ${q(join(work, 'sources.list.d'))};`,
    `Dir::Etc::Preferences ${q(join(work, 'preferences'))};`,
    `Dir::Etc::PreferencesParts ${q(join(work, 'preferences.d'))};`,
    `Dir::State ${q(join(work, 'state'))};`,
    `Dir::State::Lists ${q(join(work, 'lists'))};`,
    `Dir::State::status ${q(targetStatus)};`,
    `Dir::Cache ${q(join(work, 'cache'))};`,
    `Dir::Cache::archives ${q(join(work, 'archives'))};`,
    `Dir::Log ${q(join(work, 'log'))};`,
    'Debug::NoLocking "true";',
    'APT::Install-Recommends "false";',
    'APT::Install-Suggests "false";',
    `APT::Architecture ${q(arch)};`,
    `APT::Architectures { ${q(arch)}; };`,
    'Acquire::Languages "none";',
    '',
  ].join('\n');
}

export interface BundleOptions {
  packages?: string[];
  /**
   * The Kubernetes version whose binaries the kubeha packages (`kubeha-etcd`, `kubeha-kube-apiserver`, …) among
   * `packages` carry: built (scripts/k8s-binaries.sh) when the cache lacks them. @default v1.37.2
   */
  kubernetesVersion?: string;
  /** Copy the bundle here too. */
  out?: string;
  onProgress?: (m: string) => void;
}

export async function buildBundle(opts: BundleOptions = {}): Promise<Bundle> {
  const t0 = Date.now();
  const packages = [...new Set(opts.packages ?? DEFAULT_BUNDLE_PACKAGES)].sort();
  const bad = packageNameProblems(packages);
  if (bad.length > 0) throw new InputError(bad);
  // kubeha's own packages (the Kubernetes binaries) are made here with dpkg-deb; the rest comes from Debian.
  const local = packages.filter(isK8sDeb);
  const bins = local.length > 0 ? await ensureK8sBinaries(opts.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION, opts.onProgress) : undefined;
  const base = await ensureBaseImage({ onProgress: opts.onProgress });
  const sources = releaseSourceLines(await readMachineAptSources(), BASE_SUITE);
  if (sources.length === 0) throw new EnvironmentError(`no Debian ${BASE_SUITE} source in this machine's apt sources`, `add e.g. "deb http://deb.debian.org/debian ${BASE_SUITE} main" to /etc/apt/sources.list`);
  const key = bundleKey(packages, base.key, sources, bins ? `${bins.dir}#${await binariesStamp(bins)}` : undefined);
  const { dir, built } = await cachedDir(`bundle-${key}`, (tmp) => assemble(tmp, key, packages, base.rootfs, sources, opts.onProgress, bins), opts.onProgress);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { debs: BundleDeb[] };
  if (opts.out) {
    mkdirp(opts.out);
    await cp(dir, opts.out, { recursive: true });
  }
  return { dir: opts.out ?? dir, key, packages, debs: manifest.debs, sourceLine: BUNDLE_SOURCE_LINE, built, seconds: (Date.now() - t0) / 1000 };
}

/** Fills `tmp` (a fresh directory of the cache) with the bundle; manifest.json last. */
async function assemble(tmp: string, key: string, all: string[], rootfs: string, sources: string[], onProgress?: (m: string) => void, bins?: K8sBinaries): Promise<void> {
  // The etcd package's postinst creates its user with useradd (passwd): bundled unless the base image has it.
  const packages = [...all.filter((p) => !isK8sDeb(p)), ...(all.includes(CONTROL_PLANE_PACKAGES.etcd) && !all.includes('passwd') ? ['passwd'] : [])];
  const work = join(tmp, '.apt');
  for (const d of ['apt.conf.d', 'sources.list.d', 'preferences.d', 'state', 'lists/partial', 'cache', 'archives/partial', 'log']) await mkdir(join(work, d), { recursive: true });
  const arch = (await must(['dpkg', '--print-architecture'])).trim();
  await writeFile(join(work, 'apt.conf'), aptConfig(work, join(rootfs, 'var/lib/dpkg/status'), arch));
  await writeFile(join(work, 'sources.list'), sources.join('\n') + '\n');
  const env = { ...process.env, APT_CONFIG: join(work, 'apt.conf'), DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
  onProgress?.(`resolving ${packages.join(', ')} for the target (${BASE_SUITE} base image) from ${sources.length} source(s)`);
  const update = await run(['apt-get', '-q', 'update'], { env, timeoutMs: 10 * 60_000 });
  if (update.code !== 0 || /^(E|Err):/m.test(update.stdout + update.stderr))
    throw new EnvironmentError(`apt-get update for the bundle failed: ${tail(update.stderr || update.stdout, 3)}`, `check that ${sources.join(', ')} are reachable from this machine, then run the command again`);
  const download = await run(['apt-get', '-q', '-y', '--download-only', 'install', ...packages], { env, timeoutMs: 20 * 60_000 });
  if (download.code !== 0) {
    const unknown = unknownPackages(download.stderr);
    if (unknown.length > 0)
      throw new InputError(unknown.map((p) => ({ code: 'BUNDLE_UNKNOWN_PACKAGE', severity: 'error', message: `no package "${p}" in the ${BASE_SUITE} sources (${sources.join('; ')})`, hint: 'check the name, e.g. apt-cache search <word>' })));
    throw new EnvironmentError(`apt-get could not download ${packages.join(', ')} (exit ${download.code ?? download.signal ?? '?'}): ${tail(download.stderr || download.stdout, 3)}`, 'check that the mirrors of this machine\'s apt sources are reachable (apt-get update), then run the command again');
  }
  const debs: BundleDeb[] = [];
  for (const f of (await readdir(join(work, 'archives'))).filter((x) => x.endsWith('.deb')).sort()) {
    await rename(join(work, 'archives', f), join(tmp, f));
    const m = /^([^_]+)_([^_]+)_/.exec(f);
    debs.push({ package: m?.[1] ?? f, version: decodeURIComponent(m?.[2] ?? '').replace(/%3a/gi, ':'), file: f, bytes: (await stat(join(tmp, f))).size });
  }
  const missing = packages.filter((p) => !debs.some((d) => d.package === p));
  if (missing.length > 0) onProgress?.(`already in the base image (not bundled): ${missing.join(', ')}`);
  await rm(work, { recursive: true, force: true });
  if (bins) {
    for (const path of await k8sDebs(bins, all.filter(isK8sDeb), arch, onProgress)) {
      const f = basename(path);
      // A hard link: the cache holds the ~200 MB of packages once (a copy when the bundle is elsewhere).
      await link(path, join(tmp, f)).catch(() => cp(path, join(tmp, f)));
      const m = /^([^_]+)_([^_]+)_/.exec(f);
      debs.push({ package: m?.[1] ?? f, version: m?.[2] ?? '', file: f, bytes: (await stat(join(tmp, f))).size });
    }
  }
  const index = await must(['dpkg-scanpackages', '--multiversion', '.', '/dev/null'], { cwd: tmp });
  await writeFile(join(tmp, 'Packages'), index);
  await writeFile(join(tmp, 'Packages.gz'), gzipSync(index));
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify({ key, packages: all, debs, sources, baseRootfs: rootfs, ...(bins ? { kubernetes: bins.kubernetes, etcd: bins.etcd, binaries: bins.dir } : {}), builtAt: new Date().toISOString() }, null, 2) + '\n');
}
