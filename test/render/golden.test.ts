import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCluster, renderMirrorManifest } from '../../src/render/index.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, dedicatedSpec, externalSpec, kubeadmSpec, stackedSpec } from './specs.js';

/**
 * Golden files: test/fixtures/golden/<topology>/<host>/<path> and .../hosts.yaml, for review in diffs.
 * UPDATE_GOLDEN=1 rewrites them from the renderer.
 */
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
const update = process.env['UPDATE_GOLDEN'] === '1';

function expected(spec: ClusterSpec): Map<string, string> {
  const files = new Map<string, string>();
  for (const h of renderCluster(spec, TEST_SECRETS)) for (const f of h.files) files.set(join(h.host, f.path), f.content);
  files.set('hosts.yaml', renderMirrorManifest(spec));
  return files;
}

function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return files;
}

const topologies: [string, () => ClusterSpec][] = [
  ['dedicated-lb', dedicatedSpec],
  ['stacked', stackedSpec],
  ['external-lb', externalSpec],
  ['kubeadm', kubeadmSpec],
];

for (const [name, make] of topologies) {
  test(`golden: ${name} renders exactly the reviewed files`, () => {
    const dir = join(GOLDEN, name);
    const want = expected(make());
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      for (const [p, content] of want) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), content);
      }
    }
    const have = readTree(dir);
    assert.deepEqual([...want.keys()].sort(), [...have.keys()].sort(), `file set differs from ${dir} (UPDATE_GOLDEN=1 to accept)`);
    for (const [p, content] of want) assert.equal(content, have.get(p), `${name}/${p} differs from the golden file (UPDATE_GOLDEN=1 to accept)`);
  });
}
