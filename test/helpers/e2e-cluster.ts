import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureBaseImage } from '../../src/lab/base-image.js';

/** The lab end-to-end tests' shared steps: the CLI from source, and a lab with kubeha's cluster applied on it. */

const ROOT = resolve(import.meta.dirname, '../..');

/** `kubeha ARGS` from the sources (tsx), in the repository, bounded in time. */
export function kubehaCli(args: string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
}

/**
 * A fresh lab `lab` for `spec` with the cluster applied from its offline bundle (written to `bundle`): the base image
 * first (a cold cache builds it under the caller's hook bound, not under `lab up`'s), a leftover lab of the same name
 * removed, then lab up, bundle and apply, each asserted.
 */
export async function labWithCluster(spec: string, lab: string, stateDir: string, bundle = join(stateDir, 'bundle')): Promise<void> {
  await ensureBaseImage();
  kubehaCli(['lab', 'down', '--name', lab], 120_000);
  const up = kubehaCli(['lab', 'up', spec, '--name', lab, '--ssh-timeout', '180'], 600_000);
  assert.equal(up.status, 0, `lab up: ${up.stderr}`);
  const b = kubehaCli(['bundle', '--spec', spec, '--out', bundle], 900_000);
  assert.equal(b.status, 0, `kubeha bundle: ${b.stderr}`);
  const a = kubehaCli(['apply', spec, '--yes', '--bundle', bundle, '--state-dir', stateDir, '--output', 'json'], 900_000);
  assert.equal(a.status, 0, `apply: ${a.stderr}`);
}
