import { chmodSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { EnvironmentError } from '../diag/errors.js';
import { issuePki } from '../pki/issue.js';
import type { IssueOptions, IssueResult, StoredPki } from '../pki/types.js';
import { mkdirp } from './mkdirp.js';

/**
 * The cluster's PKI in the state directory: `<state dir>/pki/<id>.crt` and `<id>.key` (ids such as `ca`, `etcd/ca`,
 * `users/admin`, `hosts/master1/apiserver`), `sa.key` and `sa.pub`: plain PEM files that openssl reads. Directories
 * 0700, keys 0600; every file is written beside its target and renamed into place. Contents are never logged.
 */

export const pkiDir = (stateDir: string): string => join(stateDir, 'pki');

function files(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** The stored PKI, or undefined when there is none. A certificate without its key (or the reverse) is left out. */
export function loadPki(stateDir: string): StoredPki | undefined {
  const dir = pkiDir(stateDir);
  let all: string[];
  try {
    all = files(dir);
  } catch (err) {
    throw new EnvironmentError(`cannot read the PKI directory ${dir}: ${(err as Error).message}`, 'pass --state-dir DIR with a readable DIR');
  }
  if (all.length === 0) return undefined;
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch (err) {
      throw new EnvironmentError(`cannot read ${p}: ${(err as Error).message}`);
    }
  };
  const pki: StoredPki = { certs: {} };
  const ids = new Set(all.filter((p) => p.endsWith('.crt')).map((p) => relative(dir, p).slice(0, -4).split(sep).join('/')));
  for (const id of ids) {
    const crt = join(dir, `${id}.crt`);
    const key = join(dir, `${id}.key`);
    if (!all.includes(key)) continue;
    pki.certs[id] = { cert: read(crt), key: read(key) };
  }
  const saKey = join(dir, 'sa.key');
  if (all.includes(saKey)) pki.serviceAccount = { key: read(saKey), pub: all.includes(join(dir, 'sa.pub')) ? read(join(dir, 'sa.pub')) : '' };
  return pki;
}

function writeAtomic(path: string, content: string, mode: number): void {
  mkdirp(dirname(path), 0o700);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Writes the PKI (only files whose content changed) and removes stored files the PKI no longer has. */
export function savePki(stateDir: string, pki: StoredPki): void {
  const dir = pkiDir(stateDir);
  try {
    mkdirp(dir, 0o700);
    chmodSync(dir, 0o700);
    const want = new Map<string, { content: string; mode: number }>();
    for (const [id, pair] of Object.entries(pki.certs)) {
      if (!/^[a-z0-9][-a-z0-9./]*$/.test(id) || id.includes('..')) throw new Error(`invalid certificate id "${id}"`);
      want.set(join(dir, `${id}.crt`), { content: pair.cert, mode: 0o644 });
      want.set(join(dir, `${id}.key`), { content: pair.key, mode: 0o600 });
    }
    if (pki.serviceAccount) {
      want.set(join(dir, 'sa.key'), { content: pki.serviceAccount.key, mode: 0o600 });
      want.set(join(dir, 'sa.pub'), { content: pki.serviceAccount.pub, mode: 0o644 });
    }
    for (const [path, f] of want) writeAtomic(path, f.content, f.mode);
    for (const p of files(dir)) if (!want.has(p) && /\.(crt|key|pub)$/.test(p)) rmSync(p);
    removeEmptyDirs(dir, dir);
  } catch (err) {
    throw new EnvironmentError(`cannot write the PKI into ${dir}: ${(err as Error).message}`, 'pass --state-dir DIR with a writable DIR');
  }
}

function removeEmptyDirs(dir: string, root: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeEmptyDirs(join(dir, e.name), root);
  if (dir !== root && readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * The PKI the spec needs: loaded from the state directory, with whatever is missing, wrong or due issued and saved
 * (only files that changed are written).
 */
export async function loadOrIssuePki(stateDir: string, spec: ClusterSpec, now: Date, options: IssueOptions = {}): Promise<IssueResult> {
  const existing = loadPki(stateDir);
  const result = await issuePki(spec, existing, now, options);
  // Also when nothing was issued: only changed files are written, dropped hosts' files go, modes are restored.
  if (result.issued.length > 0 || existing !== undefined) savePki(stateDir, result.pki);
  return result;
}
