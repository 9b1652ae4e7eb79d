import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EnvironmentError } from '../diag/errors.js';
import { indexId, packagesIndexText, parsePackagesIndex, type BundlePackage } from './bundle-index.js';
import type { BundleInfo } from './types.js';

/**
 * The offline bundle made by `kubeha bundle` (a flat apt repository: `*.deb` + `Packages[.gz]`), as apply needs it:
 * the package names it holds, a content id (so a host that has this copy is not sent it again) and a tar stream.
 */
export interface LocalBundle {
  dir: string;
  info: BundleInfo;
  /** A tar of the given package files with a `Packages` index of just those, or of the whole bundle. */
  tar: (files?: readonly string[]) => Promise<Buffer>;
}

/** Package names in an apt `Packages` index. */
export function packagesInIndex(index: string): string[] {
  return [...new Set([...index.matchAll(/^Package:\s*(\S+)\s*$/gm)].map((m) => m[1]!))].sort();
}

export async function readBundle(dir: string): Promise<LocalBundle> {
  let index: string | undefined;
  try {
    index = await readFile(join(dir, 'Packages'), 'utf8');
  } catch {
    try {
      index = gunzipSync(await readFile(join(dir, 'Packages.gz'))).toString('utf8');
    } catch {
      index = undefined;
    }
  }
  if (index === undefined) {
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    throw new EnvironmentError(
      exists ? `${dir} is not an offline bundle (no Packages or Packages.gz index)` : `bundle directory ${dir} does not exist`,
      'make one with `kubeha bundle --out DIR` and pass --bundle DIR',
    );
  }
  const parsed = parsePackagesIndex(index);
  // Per-host shares need plain `./name.deb` files beside the index (what `kubeha bundle` writes); anything else
  // (a hand-made repository with pool/ paths) goes to every host whole.
  const flat = parsed.length > 0 && parsed.every((p) => /^\.\/[^/\s]+\.deb$/.test(p.filename));
  return {
    dir,
    info: { id: indexId(index), packages: packagesInIndex(index), ...(flat ? { index: parsed } : {}) },
    tar: (files) => (files ? tarSubset(dir, parsed, files) : tarDir(dir, ['.'])),
  };
}

/** The files of a subset and their own index (written to a temp dir, packed as `./Packages`). */
async function tarSubset(dir: string, index: readonly BundlePackage[], files: readonly string[]): Promise<Buffer> {
  const wanted = new Set(files);
  const tmp = await mkdtemp(join(tmpdir(), 'kubeha-bundle-'));
  try {
    await writeFile(join(tmp, 'Packages'), packagesIndexText(index.filter((p) => wanted.has(p.filename))));
    return await tarDir(dir, [...files], tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function tarDir(dir: string, entries: string[], indexDir?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Entries are `.` or the index's `./name.deb` paths: none can be taken for an option.
    const args = ['-C', dir, '-cf', '-', ...entries, ...(indexDir ? ['-C', indexDir, './Packages'] : [])];
    const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new EnvironmentError(`cannot pack the bundle ${dir}: ${err.trim()}`))));
  });
}
