import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EnvironmentError } from '../diag/errors.js';
import type { BundleInfo } from './types.js';

/**
 * The offline bundle made by `kubeha bundle` (a flat apt repository: `*.deb` + `Packages[.gz]`), as apply needs it:
 * the package names it holds, a content id (so a host that has this copy is not sent it again) and a tar stream.
 */
export interface LocalBundle {
  dir: string;
  info: BundleInfo;
  tar: () => Promise<Buffer>;
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
  const id = createHash('sha256').update(index).digest('hex').slice(0, 16);
  return { dir, info: { id, packages: packagesInIndex(index) }, tar: () => tarDir(dir) };
}

function tarDir(dir: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new EnvironmentError(`cannot pack the bundle ${dir}: ${err.trim()}`))));
  });
}
