import type { ClusterSpec } from '../cluster-spec/types.js';
import { buildBundle } from '../lab/bundle.js';
import { placeholderSecrets, renderCluster } from '../render/index.js';

/**
 * The bundle of a spec whose hosts are a lab's: lab hosts have no route out, so their packages can only come from
 * the offline bundle. It is the one `kubeha bundle --spec SPEC` makes (same packages, same cache key), built when it is
 * missing.
 */

/** Packages every rendered host of the spec needs (RenderedHost.packages), plus curl for checks. */
export function packagesOfSpec(spec: ClusterSpec): string[] {
  // Package names do not depend on secret values: render with placeholders, never touching the state dir.
  const rendered = renderCluster(spec, placeholderSecrets(spec));
  return [...new Set(['curl', ...rendered.flatMap((h) => h.packages)])].sort();
}

/** The spec's bundle in the cache (built now when absent). */
export async function labBundle(spec: ClusterSpec, onProgress?: (message: string) => void): Promise<{ dir: string; built: boolean }> {
  const bundle = await buildBundle({ packages: packagesOfSpec(spec), kubernetesVersion: spec.controlPlane.version, ...(onProgress ? { onProgress } : {}) });
  return { dir: bundle.dir, built: bundle.built };
}
