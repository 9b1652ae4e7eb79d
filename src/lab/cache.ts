import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './procs.js';

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

/** PIDs of the builders of `name` whose temp directories are among `entries` (pure). */
export function tempDirOwners(name: string, entries: readonly string[]): { entry: string; pid: number }[] {
  const prefix = tempDirName(name, 0).slice(0, -1);
  return entries.flatMap((entry) => {
    const rest = entry.startsWith(prefix) ? entry.slice(prefix.length) : '';
    return /^\d+$/.test(rest) ? [{ entry, pid: Number(rest) }] : [];
  });
}

/**
 * The cached directory `<cache>/<name>`, built first when absent: `build(tmp)` fills `tmp` and writes
 * `tmp/manifest.json` last. Concurrent callers wait on one lock; a failed build leaves nothing behind.
 */
export async function cachedDir(name: string, build: (tmp: string) => Promise<void>, onProgress?: (m: string) => void): Promise<{ dir: string; built: boolean }> {
  const root = cacheRoot();
  const dir = join(root, name);
  if (isCached(dir)) return { dir, built: false };
  await mkdir(root, { recursive: true });
  const release = await acquireLock(join(root, `${name}.lock`), () => isCached(dir), onProgress);
  try {
    if (isCached(dir)) return { dir, built: false };
    for (const { entry, pid } of tempDirOwners(name, await readdir(root))) if (!isAlive(pid)) await rm(join(root, entry), { recursive: true, force: true });
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
