import { createHash } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { INDEX_FILE as INDEX, MANIFEST_FILE as MANIFEST, hostFileInMirror } from '../model/mirror-layout.js';
import type { RenderedHost } from '../render/types.js';
import { formatIndex, parseIndex, type IndexEntry } from './mirror-index.js';

/**
 * Writing a mirror (`kubeha render --out DIR`) so that it stays inside DIR and removes only what an earlier render
 * wrote there:
 * - DIR is new, empty, or a previous render's (its hosts.yaml and an index whose every path stays inside). A
 *   hand-written mirror (hosts.yaml without an index), any other non-empty directory, or an index naming a path
 *   outside is refused before anything is written.
 * - No symbolic link is followed: a link anywhere on a path render would write, create or delete (a host folder, a
 *   sub-folder, hosts.yaml, the index, a stale file) is refused, naming it.
 * - Two phases: every new file is first written next to its target under a temporary name (`.kubeha-new.*`, created
 *   exclusively, so never through a link); any failure there removes those files and the directories this run made,
 *   and the tree is as before. Then each temporary file is renamed over its target (rename replaces a name, never
 *   follows it), the index last; only then are the stale files of the previous render unlinked.
 * Not a defence against a process that swaps directories for links while render runs: DIR is the user's own.
 */

/** The files of one planned write: what goes where. */
export interface MirrorFile {
  /** Relative to the mirror: `<host>/<path>`. */
  rel: string;
  content: Buffer;
  mode: number;
  /** What is at the target now (lstat at planning), undefined when nothing. */
  before?: Stats;
}

export interface MirrorPlan {
  out: string;
  files: MirrorFile[];
  manifest: string;
  /** The previous render's index, when DIR is one. */
  previous?: Map<string, IndexEntry | undefined>;
  /** Previous files no longer rendered: removed after the new files are in place. */
  stale: string[];
}

export interface WriteResult {
  written: number;
  unchanged: number;
}

/** For tests: called before each file is written, so that a failure half-way can be injected. */
export interface WriteHooks {
  beforeWrite?(target: string): void;
}

const TMP_PREFIX = '.kubeha-new.';

function outError(code: Diagnostic['code'], out: string, message: string, hint: string): InputError {
  return new InputError([{ code, severity: 'error', message, file: out, line: 1, col: 1, hint }]);
}

const symlinkError = (out: string, link: string): InputError =>
  outError(
    'E_OUT_SYMLINK',
    out,
    `${link} is a symbolic link: render never writes, overwrites or deletes through a link inside --out`,
    'remove the link, or render into a new directory; render writes real files and directories only',
  );

/** The lstat of a path, undefined when it does not exist; a symlink is refused (naming it). */
function lstatNoLink(out: string, path: string): Stats | undefined {
  let st: Stats | undefined;
  try {
    st = lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (st?.isSymbolicLink()) throw symlinkError(out, path);
  return st;
}

/** What DIR holds now: nothing (new or empty) or a previous render's index. Writes nothing. */
export function inspectOut(out: string): Map<string, IndexEntry | undefined> | undefined {
  let st: Stats | undefined;
  try {
    // --out itself may be a link the user named (e.g. a path through /var/run); what lies inside may not.
    st = lstatSync(out, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) st = lstatSync(join(out, '.'), { throwIfNoEntry: false });
  } catch (err) {
    throw fsError(out, err);
  }
  if (st === undefined) return undefined;
  if (!st.isDirectory()) throw outError('E_OUT_DIR', out, `cannot use ${out} as output directory: it is not a directory`, 'pass --out with a directory path');
  let entries: string[];
  try {
    entries = readdirSync(out);
  } catch (err) {
    throw fsError(out, err);
  }
  if (entries.length === 0) return undefined;
  const manifest = join(out, MANIFEST);
  const index = join(out, INDEX);
  if (!entries.includes(MANIFEST))
    throw outError(
      'E_OUT_NOT_MIRROR',
      out,
      `${out} is not empty and holds no ${MANIFEST}: refusing to write a mirror into it`,
      'pass --out with a new or empty directory, or one that kubeha render wrote before',
    );
  const manifestSt = lstatNoLink(out, manifest);
  if (!manifestSt?.isFile()) throw outError('E_OUT_NOT_MIRROR', out, `${manifest} is not a regular file: ${out} is not a mirror render wrote`, 'render into a new or empty directory');
  if (!entries.includes(INDEX))
    throw outError(
      'E_OUT_NOT_MIRROR',
      out,
      `${out} holds a mirror that kubeha render did not write (no ${INDEX}, e.g. one copied from the hosts for kubeha analyze): render never replaces it`,
      'render into a new or empty directory; kubeha analyze reads this mirror as it is',
    );
  const indexSt = lstatNoLink(out, index);
  if (!indexSt?.isFile()) throw outError('E_OUT_BAD_INDEX', out, `${index} is not a regular file`, 'render into a new directory');
  if (indexSt.size > 64 * 1024 * 1024) throw outError('E_OUT_BAD_INDEX', out, `${index} is larger than any index render writes`, 'render into a new directory');
  const parsed = parseIndex(readFileSync(index, 'utf8'));
  if ('why' in parsed)
    throw new InputError([
      {
        code: 'E_OUT_BAD_INDEX',
        severity: 'error',
        message: `${parsed.why}: this index was not written by kubeha render, so render cleans nothing by it`,
        file: index,
        line: parsed.line,
        col: 1,
        hint: 'render into a new directory (or delete the index if you wrote it by hand, and empty the directory)',
      },
    ]);
  return parsed.files;
}

/**
 * Checks every path of the plan against the tree as it is: no link on the way, directories where directories go,
 * no foreign file overwritten. Throws InputError before anything is written.
 */
export function planMirror(out: string, rendered: RenderedHost[], manifest: string, previous: Map<string, IndexEntry | undefined> | undefined): MirrorPlan {
  const files: MirrorFile[] = [];
  for (const h of rendered) for (const f of h.files) files.push({ rel: hostFileInMirror(h.host, f.path), content: Buffer.from(f.content), mode: f.mode });
  const wanted = new Set(files.map((f) => f.rel));
  const dirs = new Map<string, boolean>(); // path → exists (as a real directory)
  const checkDir = (dir: string): void => {
    if (dir === out || dirs.has(dir)) return;
    checkDir(dirname(dir));
    if (dirs.get(dirname(dir)) === false) {
      dirs.set(dir, false);
      return;
    }
    const st = lstatNoLink(out, dir);
    if (st && !st.isDirectory()) throw outError('E_OUT_DIR', out, `${dir} is not a directory, and render needs one there`, 'remove it or render into a new directory');
    dirs.set(dir, st !== undefined);
  };
  for (const f of files) {
    const target = join(out, f.rel);
    checkDir(dirname(target));
    if (dirs.get(dirname(target)) === false) continue;
    const st = lstatNoLink(out, target);
    if (st) f.before = st;
    if (st && !st.isFile()) throw outError('E_OUT_DIR', out, `${target} is not a regular file, and render writes one there`, 'remove it or render into a new directory');
    if (st && !previous?.has(f.rel))
      throw outError('E_OUT_NOT_MIRROR', out, `${target} exists and is not a file render wrote: render never overwrites it`, 'move it away, or render into a new directory');
  }
  for (const top of [MANIFEST, INDEX]) {
    const st = lstatNoLink(out, join(out, top));
    if (st && !st.isFile()) throw outError('E_OUT_DIR', out, `${join(out, top)} is not a regular file`, 'remove it or render into a new directory');
  }
  const stale: string[] = [];
  for (const rel of previous?.keys() ?? []) {
    if (wanted.has(rel)) continue;
    const target = join(out, rel);
    checkDir(dirname(target));
    if (dirs.get(dirname(target)) === false) continue;
    const st = lstatNoLink(out, target);
    if (st?.isFile()) stale.push(rel);
  }
  return { out, files, manifest, ...(previous ? { previous } : {}), stale };
}

/** Still the file the index describes: a regular file with its size, mode and mtime (a hand edit changes the mtime). */
function unchangedSince(st: Stats | undefined, before: IndexEntry): boolean {
  return st !== undefined && st.isFile() && st.size === before.size && st.mtimeMs === before.mtimeMs && (st.mode & 0o7777) === before.mode;
}

/** Writes `content` to a new file at `path` (never an existing name, never through a link) with exactly `mode`; returns its mtime. */
function writeNew(path: string, content: Buffer, mode: number): number {
  const fd = openSync(path, 'wx', mode);
  try {
    for (let done = 0; done < content.length; ) done += writeSync(fd, content, done);
    const st = fstatSync(fd);
    if ((st.mode & 0o7777) !== mode) fchmodSync(fd, mode);
    return st.mtimeMs;
  } finally {
    closeSync(fd);
  }
}

/**
 * Carries out a plan: phase 1 writes every changed file under a temporary name next to its target (a failure
 * removes them and the directories made, leaving the tree as it was); phase 2 renames them into place, the index
 * last, then unlinks the stale files and the directories they leave empty.
 */
export function commitMirror(plan: MirrorPlan, hooks: WriteHooks = {}): WriteResult {
  const { out } = plan;
  const made: string[] = [];
  const temps: { tmp: string; target: string }[] = [];
  const index: IndexEntry[] = [];
  let unchanged = 0;
  /** A directory inside the mirror: made here, or an existing real directory (a link is refused). */
  const mkdir = (dir: string, known: Set<string>): void => {
    if (known.has(dir)) return;
    if (dir.length <= out.length) return mkOut(dir, known);
    mkdir(dirname(dir), known);
    try {
      mkdirSync(dir);
      made.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = lstatSync(dir);
      if (st.isSymbolicLink()) throw symlinkError(out, dir);
      if (!st.isDirectory()) throw err;
    }
    known.add(dir);
  };
  /** --out and its parents: links there are the user's own path and followed; what this run creates is recorded. */
  const mkOut = (dir: string, known: Set<string>): void => {
    let st: Stats | undefined;
    try {
      st = statSync(dir, { throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    if (st === undefined) {
      const parent = dirname(dir);
      if (parent !== dir) mkOut(parent, known);
      mkdirSync(dir);
      made.push(dir);
    }
    known.add(dir);
  };
  const known = new Set<string>();
  let n = 0;
  const stage = (target: string, content: Buffer, mode: number): number => {
    hooks.beforeWrite?.(target);
    const tmp = join(dirname(target), `${TMP_PREFIX}${process.pid}.${n++}`);
    temps.push({ tmp, target });
    return writeNew(tmp, content, mode);
  };
  try {
    mkdir(out, known);
    for (const f of plan.files) {
      const target = join(out, f.rel);
      const digest = createHash('sha1').update(f.content).digest('hex');
      const before = plan.previous?.get(f.rel);
      if (before && before.digest === digest && before.mode === f.mode && unchangedSince(f.before, before)) {
        index.push(before);
        unchanged++;
        continue;
      }
      mkdir(dirname(target), known);
      index.push({ path: f.rel, digest, mode: f.mode, size: f.content.length, mtimeMs: stage(target, f.content, f.mode) });
    }
    stage(join(out, MANIFEST), Buffer.from(plan.manifest), 0o644);
    stage(join(out, INDEX), Buffer.from(formatIndex(index)), 0o644);
  } catch (err) {
    for (const { tmp } of temps) unlinkQuietly(tmp);
    for (const dir of made.reverse()) rmdirQuietly(dir);
    throw err;
  }
  for (const { tmp, target } of temps) renameSync(tmp, target);
  const emptied = new Set<string>();
  for (const rel of plan.stale) {
    unlinkQuietly(join(out, rel));
    for (let d = dirname(join(out, rel)); d.length > out.length; d = dirname(d)) emptied.add(d);
  }
  // Deepest first; rmdir removes only directories left empty (a user's own file keeps its folder).
  for (const d of [...emptied].sort((a, b) => b.length - a.length)) rmdirQuietly(d);
  return { written: index.length - unchanged, unchanged };
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty, or gone
  }
}

/** A file-system error while inspecting or writing the mirror is bad input about --out (exit 2), not an internal error. */
export function fsError(out: string, err: unknown): Error {
  if (err instanceof InputError || !(err instanceof Error) || typeof (err as NodeJS.ErrnoException).code !== 'string') return err instanceof Error ? err : new Error(String(err));
  const e = err as NodeJS.ErrnoException;
  const why: Readonly<Record<string, string>> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ENOTDIR: 'a part of the path is not a directory',
    ENOENT: 'cannot create a directory there',
    ELOOP: 'too many levels of symbolic links',
    ENAMETOOLONG: 'the path is too long',
  };
  return outError(
    'E_OUT_DIR',
    out,
    `cannot write the mirror under ${out}: ${why[e.code ?? ''] ?? e.code ?? ''}${e.path && e.path !== out ? ` (${e.path})` : ''}`,
    'pass --out with a directory this user can create and write, on a real file system',
  );
}
