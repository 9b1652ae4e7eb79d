import { chmod, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Finding } from '../analyze/types.js';
import { MANIFEST_FILE, hostFileInMirror } from '../model/mirror-layout.js';
import { renderMirrorManifest } from '../render/index.js';
import { mkdirp } from '../state/mkdirp.js';
import { driftFindings } from './drift.js';
import { observeHosts } from './plan.js';
import type { Session } from './session.js';

/**
 * `kubeha analyze --from`: the files the hosts actually run, collected read-only over SSH into a mirror directory
 * (`DIR/hosts.yaml` + `DIR/<host>/<path>`, the layout `kubeha analyze DIR` reads), with a finding for every file that
 * drifted from what the spec renders and for every host that could not be read.
 */
export async function collectRunning(session: Session, dir: string, describe?: (err: unknown) => string): Promise<Finding[]> {
  mkdirp(dir);
  await writeFile(join(dir, MANIFEST_FILE), renderMirrorManifest(session.spec));
  const { observed, failed } = await observeHosts(session, describe);
  const findings: Finding[] = [];
  for (const r of session.rendered) {
    const error = failed.get(r.host);
    if (error !== undefined) findings.push({ severity: 'error', rule: 'collect-failed', host: r.host, message: `cannot collect the running files of ${r.host}: ${error}` });
    const seen = observed.get(r.host);
    if (!seen) continue;
    for (const [path, f] of Object.entries(seen.files)) {
      if (!f) continue;
      const target = join(dir, hostFileInMirror(r.host, path));
      mkdirp(dirname(target));
      await writeFile(target, f.content);
      await chmod(target, f.mode & 0o777);
    }
    findings.push(...driftFindings(r, seen));
  }
  return findings.sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || (a.file ?? '').localeCompare(b.file ?? ''));
}
