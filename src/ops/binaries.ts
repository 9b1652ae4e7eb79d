import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { YamlLocator } from '../cluster-spec/locate.js';
import { LineIndex, attachExcerpt, type Diagnostic } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { BinariesUnavailable, BUILD_SCRIPT } from '../lab/k8s-binaries.js';
import { cacheRoot } from '../lab/cache.js';

/**
 * A Kubernetes version with no binaries in the cache and none buildable is bad input in the spec: the error points at
 * `controlPlane.version` (or at `controlPlane`, or the top, when the version is the default) and names the fix.
 */
export function binariesDiagnostic(err: BinariesUnavailable, specPath: string | undefined, specText: string | undefined): Diagnostic {
  const fix =
    err.reason === 'toolchain'
      ? `install Go (https://go.dev/dl) so that kubeha can build them (\`bash ${BUILD_SCRIPT} ${err.version}\`), or put the built binaries under ${cacheRoot()}/k8s-${err.version}-etcd-<version>-<go>/bin`
      : 'use a released Kubernetes version, e.g. v1.37.2 (https://github.com/kubernetes/kubernetes/releases)';
  const message =
    err.reason === 'toolchain'
      ? `no binaries for Kubernetes ${err.version} in ${cacheRoot()}, and none can be built here: there is no Go toolchain`
      : `no binaries for Kubernetes ${err.version}: the Go module proxy has no k8s.io/kubernetes@${err.version} (${err.detail})`;
  const d: Diagnostic = { code: 'BUNDLE_K8S_VERSION', severity: 'error', message, hint: fix };
  if (!specPath || specText === undefined) return d;
  const index = new LineIndex(specText);
  const locator = new YamlLocator(parseDocument(specText), index);
  const path = locator.has(['controlPlane', 'version']) ? ['controlPlane', 'version'] : locator.has(['controlPlane']) ? ['controlPlane'] : [];
  return attachExcerpt({ ...d, file: specPath, ...(path.length > 0 ? locator.value(path) : { line: 1, col: 1 }) }, index);
}

/** Runs `fn`; a {@link BinariesUnavailable} becomes exit 2 at the spec's controlPlane.version. */
export async function withBinariesLocated<T>(specPath: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof BinariesUnavailable)) throw err;
    const text = specPath ? await readFile(specPath, 'utf8').catch(() => undefined) : undefined;
    throw new InputError([binariesDiagnostic(err, specPath, text)]);
  }
}
