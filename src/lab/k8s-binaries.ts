import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EnvironmentError } from '../diag/errors.js';
import { cacheRoot } from './cache.js';

/**
 * The upstream Kubernetes binaries of one version (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
 * kubeadm) and the etcd + etcdctl that kubeadm of that release expects, built from the Go module proxy by
 * scripts/k8s-binaries.sh into the cache (`$KUBEHA_CACHE/k8s-<version>-etcd-<version>-<go>/bin`), once per version.
 */

export const K8S_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kubeadm', 'etcd', 'etcdctl'] as const;
export type K8sBinary = (typeof K8S_BINARIES)[number];

export interface K8sBinaries {
  /** The bin directory holding every binary of {@link K8S_BINARIES}. */
  dir: string;
  /** `v1.37.2` */
  kubernetes: string;
  /** `v3.7.0` */
  etcd: string;
  /** The Go toolchain that built them, e.g. `go1.26.8`. */
  go: string;
}

/** Why a version has no binaries and none can be built: `version` (the proxy has no such release) or `toolchain`. */
export class BinariesUnavailable extends Error {
  override readonly name = 'BinariesUnavailable';
  constructor(
    readonly version: string,
    readonly reason: 'version' | 'toolchain',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** `k8s-v1.37.2-etcd-v3.7.0-go1.26.8` → its versions (pure). */
export function parseBinariesDirName(name: string): Omit<K8sBinaries, 'dir'> | undefined {
  const m = /^k8s-(v\d+\.\d+\.\d+[^-]*)-etcd-(v\d+\.\d+\.\d+[^-]*)-(go[\w.]+)$/.exec(name);
  return m ? { kubernetes: m[1]!, etcd: m[2]!, go: m[3]! } : undefined;
}

/** A version as the script and the cache spell it: `1.37.2` → `v1.37.2`. */
export const k8sVersionTag = (v: string): string => (v.startsWith('v') ? v : `v${v}`);

/** The cached binaries of `version`, if a complete build is there (the newest Go toolchain's when several). */
export async function findK8sBinaries(version: string): Promise<K8sBinaries | undefined> {
  const root = cacheRoot();
  const tag = k8sVersionTag(version);
  const names = await readdir(root).catch(() => [] as string[]);
  const found = names
    .map((n) => ({ n, v: parseBinariesDirName(n) }))
    .filter((x): x is { n: string; v: Omit<K8sBinaries, 'dir'> } => x.v?.kubernetes === tag)
    .filter((x) => K8S_BINARIES.every((b) => existsSync(join(root, x.n, 'bin', b))))
    .sort((a, b) => b.v.go.localeCompare(a.v.go, 'en', { numeric: true }));
  const best = found[0];
  return best ? { dir: join(root, best.n, 'bin'), ...best.v } : undefined;
}

/** `etcdctl version`'s first line as a tag (`v3.7.0`), or undefined when it does not run. */
export function parseEtcdctlVersion(out: string): string | undefined {
  const m = /^etcdctl version:\s*(\S+)/m.exec(out);
  return m ? k8sVersionTag(m[1]!) : undefined;
}

/** The version of the etcdctl in `dir` (it must be etcd's: status and certs use it against that etcd). */
export function etcdctlVersion(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(join(dir, 'etcdctl'), ['version'], { timeout: 30_000 }, (err, stdout) => resolve(err ? undefined : parseEtcdctlVersion(stdout)));
  });
}

/**
 * What the binaries of a build are, beyond their directory: each one's size and modification time. A bundle made from
 * them is keyed by it, so that a binary rebuilt in place (etcdctl pinned to etcd's version) makes a new bundle.
 */
export async function binariesStamp(bins: K8sBinaries): Promise<string> {
  const parts = await Promise.all(K8S_BINARIES.map(async (b) => {
    const s = await stat(join(bins.dir, b));
    return `${b}:${s.size}:${Math.round(s.mtimeMs)}`;
  }));
  return parts.join(',');
}

/** scripts/k8s-binaries.sh of this installation (the same relative place from src/lab and dist/lab). */
export const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/k8s-binaries.sh', import.meta.url));

/**
 * The binaries of `version`: from the cache, else built now (about 10 minutes on an idle 2-core machine, much longer on
 * a busy one), with the script's progress lines passed on. Throws {@link BinariesUnavailable} when the version does not
 * exist on the Go module proxy or there is no Go toolchain, EnvironmentError when the build fails otherwise.
 */
export async function ensureK8sBinaries(version: string, onProgress?: (line: string) => void): Promise<K8sBinaries> {
  const cached = await findK8sBinaries(version);
  const tag = k8sVersionTag(version);
  if (cached && (await etcdctlVersion(cached.dir)) === cached.etcd) return cached;
  if (cached) onProgress?.(`etcdctl in ${cached.dir} is not at etcd's version ${cached.etcd}: rebuilding etcdctl only (scripts/k8s-binaries.sh)`);
  else onProgress?.(`Kubernetes ${tag} binaries are not in the cache (${cacheRoot()}): building them from the Go module proxy (scripts/k8s-binaries.sh; ~10 min on an idle 2-core machine)`);
  const { code, stderrTail } = await runScript([BUILD_SCRIPT, tag, ...(cached ? [cached.etcd] : [])], onProgress);
  if (code === 4) throw new BinariesUnavailable(tag, 'version', stderrTail);
  if (code === 5) throw new BinariesUnavailable(tag, 'toolchain', stderrTail);
  if (code !== 0) throw new EnvironmentError(`building the Kubernetes ${tag} binaries failed (exit ${code ?? 'signal'}): ${stderrTail}`, `run \`bash ${BUILD_SCRIPT} ${tag}\` to see the whole output`);
  const built = await findK8sBinaries(tag);
  if (!built) throw new EnvironmentError(`scripts/k8s-binaries.sh ${tag} finished but no complete build is in ${cacheRoot()}`, 'check the cache directory and its free space');
  return built;
}

function runScript(argv: string[], onProgress?: (line: string) => void): Promise<{ code: number | null; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBEHA_CACHE: cacheRoot() } });
    const lines: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        if (lines.length > 20) lines.shift();
        onProgress?.(l);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderrTail: [...lines, partial].filter(Boolean).slice(-3).join(' | ') }));
  });
}
