import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, pidsUsing, signal, waitGone } from './procs.js';
import { unmount } from './run.js';
import { mkdirp } from '../state/mkdirp.js';

/**
 * The lab's cache (`/var/cache/kubeha`, `$KUBEHA_CACHE`): directories built once (the base image, bundles), each
 * complete when its `manifest.json` exists. A build runs under a PID lock file, into a temp directory of its own,
 * and is renamed into place atomically; temp directories of builders that died (SIGKILL) are removed.
 */

export function cacheRoot(): string {
  return process.env['KUBEHA_CACHE'] ?? '/var/cache/kubeha';
}

export const isCached = (dir: string): boolean => existsSync(join(dir, 'manifest.json'));

/** Temp directory name of a builder of `name` (the PID says whether it still lives). */
export const tempDirName = (name: string, pid: number): string => `.tmp-${name}-${pid}`;

/** Builders' temp directories among `entries`, with their PIDs: of `name`, or of any name when absent (pure). */
export function tempDirOwners(entries: readonly string[], name?: string): { entry: string; pid: number }[] {
  return entries.flatMap((entry) => {
    const m = /^\.tmp-(.+)-(\d+)$/.exec(entry);
    return m && (name === undefined || m[1] === name) ? [{ entry, pid: Number(m[2]) }] : [];
  });
}

/** Mount points at or below `dir` in the text of /proc/mounts, deepest first (pure). */
export function mountsUnder(mounts: string, dir: string): string[] {
  const decode = (p: string): string => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return mounts
    .split('\n')
    .map((l) => decode(l.split(' ')[1] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes the temp directory of a builder that died (SIGKILL): first its orphans (debootstrap and the dpkg it
 * runs chrooted in the target, found by root, cwd or argument, killed by PID), then what debootstrap mounted in
 * the target (/proc, /sys), so that nothing is left and the removal never walks into a mounted file system.
 */
export async function removeDeadBuild(path: string): Promise<void> {
  const orphans = pidsUsing(path);
  for (const p of orphans) signal(p, 'SIGKILL');
  await waitGone(orphans, 5000);
  for (const m of mountsUnder(await readFile('/proc/mounts', 'utf8'), path)) {
    await unmount(m).catch(() => undefined);
  }
  if (mountsUnder(await readFile('/proc/mounts', 'utf8'), path).length === 0) await rm(path, { recursive: true, force: true });
}

/** Every dead builder's temp directory and stale lock in the cache, removed (`lab down` calls it). Returns what it removed. */
export async function sweepDeadBuilds(): Promise<string[]> {
  const root = cacheRoot();
  const entries = await readdir(root).catch(() => [] as string[]);
  const done: string[] = [];
  for (const { entry, pid } of tempDirOwners(entries)) {
    if (isAlive(pid)) continue;
    await removeDeadBuild(join(root, entry));
    done.push(`cache ${join(root, entry)} (interrupted build)`);
  }
  for (const lock of entries.filter((e) => e.endsWith('.lock'))) {
    const owner = Number((await readFile(join(root, lock), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      await rm(join(root, lock), { force: true });
      done.push(`cache ${join(root, lock)} (stale lock)`);
    }
  }
  return done;
}

/**
 * The cached directory `<cache>/<name>`, built first when absent: `build(tmp)` fills `tmp` and writes
 * `tmp/manifest.json` last. Concurrent callers wait on one lock; a failed build leaves nothing behind.
 */
export async function cachedDir(name: string, build: (tmp: string) => Promise<void>, onProgress?: (m: string) => void): Promise<{ dir: string; built: boolean }> {
  const root = cacheRoot();
  const dir = join(root, name);
  if (isCached(dir)) return { dir, built: false };
  mkdirp(root);
  const release = await acquireLock(join(root, `${name}.lock`), () => isCached(dir), onProgress);
  try {
    if (isCached(dir)) return { dir, built: false };
    for (const { entry, pid } of tempDirOwners(await readdir(root), name)) if (!isAlive(pid)) await removeDeadBuild(join(root, entry));
    const tmp = join(root, tempDirName(name, process.pid));
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    try {
      await build(tmp);
      if (!isCached(tmp)) throw new Error(`cache build of ${name} wrote no manifest.json`);
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return { dir, built: true };
  } finally {
    await release();
  }
}

/**
 * A lock file holding the owner's PID, created exclusively. A lock whose owner is gone is taken over;
 * otherwise we wait until `done()` says another builder finished.
 */
export async function acquireLock(path: string, done: () => boolean, onProgress?: (m: string) => void): Promise<() => Promise<void>> {
  let told = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const text = (await readFile(path, 'utf8').catch(() => '')).trim();
    const owner = Number(text);
    // An empty file may be a lock whose owner has not written its PID yet: give it a few seconds.
    const young = text === '' && Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) < 5000;
    if (!young && (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner))) {
      await rm(path, { force: true });
      continue;
    }
    if (done()) return () => Promise.resolve();
    if (!told) onProgress?.(`waiting for process ${owner}, which holds ${path}`);
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}
