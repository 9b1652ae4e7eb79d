import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The directory of upstream Kubernetes binaries that scripts/k8s-binaries.sh built for `version`:
 * $KUBEHA_CACHE (default /var/cache/kubeha)/k8s-<version>-etcd-<etcd>-<go>/bin, holding `tool`. Undefined when no build
 * of that version is there, so that a test can skip with a reason instead of failing.
 */
export function k8sBinDir(version = 'v1.37.2', tool = 'kubeadm'): string | undefined {
  const cache = process.env['KUBEHA_CACHE'] ?? '/var/cache/kubeha';
  let entries: string[];
  try {
    entries = readdirSync(cache);
  } catch {
    return undefined;
  }
  return entries
    .filter((e) => e.startsWith(`k8s-${version}-`))
    .sort()
    .map((e) => join(cache, e, 'bin'))
    .find((dir) => existsSync(join(dir, tool)));
}

/** Why a test that needs `tool` of `version` cannot run, or false. */
export function k8sBinSkip(version = 'v1.37.2', tool = 'kubeadm'): string | false {
  return k8sBinDir(version, tool)
    ? false
    : `no ${tool} ${version} under $KUBEHA_CACHE (default /var/cache/kubeha)/k8s-${version}-*/bin: build it with scripts/k8s-binaries.sh ${version}`;
}
