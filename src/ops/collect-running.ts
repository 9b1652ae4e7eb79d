import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Finding } from '../analyze/types.js';
import { InputError } from '../diag/errors.js';
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
  mkdirp(dir, 0o700);
  // 'wx': created here, never written through a name that exists (a link included).
  await writeFile(join(dir, MANIFEST_FILE), renderMirrorManifest(session.spec), { flag: 'wx' });
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
      makeDirsInside(dir, dirname(target));
      await writeFile(target, f.content, { flag: 'wx', mode: 0o600 });
      await chmod(target, f.mode & 0o777);
    }
    findings.push(...driftFindings(r, seen));
  }
  return findings.sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || (a.file ?? '').localeCompare(b.file ?? ''));
}

const collectDirError = (dir: string, why: string): InputError =>
  new InputError([
    {
      code: 'E_COLLECT_DIR_NOT_EMPTY',
      severity: 'error',
      message: `--mirror ${dir} ${why}: analyze --from collects only into a new or empty directory`,
      file: dir,
      line: 1,
      col: 1,
      hint: 'name a directory that does not exist yet (kubeha creates it, mode 0700) or an empty one',
    },
  ]);

/**
 * Checks `--mirror DIR` before anything is collected: DIR must not exist, or be an empty real directory. A symbolic
 * link (even to an empty directory), a file, or a directory with anything in it is refused (E_COLLECT_DIR_NOT_EMPTY),
 * so the collected files never overwrite anything and never go through a link.
 */
export function checkCollectDir(dir: string): void {
  let st;
  try {
    st = lstatSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    throw collectDirError(dir, `cannot be examined (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (st === undefined) return;
  if (st.isSymbolicLink()) throw collectDirError(dir, 'is a symbolic link');
  if (!st.isDirectory()) throw collectDirError(dir, 'exists and is not a directory');
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw collectDirError(dir, `cannot be listed (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (entries.length > 0) throw collectDirError(dir, `is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries.sort()[0] ?? ''})`);
}

/** mkdir -p of `sub` under `root`, refusing any part that exists and is not a real directory (a link). */
function makeDirsInside(root: string, sub: string): void {
  let cur = root;
  for (const part of relative(root, sub).split(sep).filter(Boolean)) {
    cur = join(cur, part);
    try {
      mkdirSync(cur, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!lstatSync(cur).isDirectory()) throw collectDirError(root, `holds ${cur}, which is not a directory (a link?)`);
    }
  }
}
