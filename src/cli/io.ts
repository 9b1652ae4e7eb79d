import { InvalidArgumentError } from 'commander';
import type { BigIntStats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { INPUT_IDLE_MS, readBounded, stdinKind, type BoundedRead } from './bounded-read.js';
import type { Code } from '../diag/catalog.js';
import { attachExcerpt, hasErrors, type Diagnostic } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { renderDiagnostics } from '../diag/render.js';
import { parseSpec, type ParseSpecResult } from '../cluster-spec/load.js';
import type { ClusterSpec } from '../cluster-spec/types.js';

/**
 * The shell side of reading input files: every way a file can be unusable becomes one diagnostic
 * at `path:1:1` (or the line of the bad byte) with a stable KUBEHA_FILE_* code, never a stack trace.
 */

/** Larger inputs are refused: no spec, inventory or config is anywhere near this. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

function fileError(path: string, code: Code, message: string, hint: string, at: { line: number; col: number; excerpt?: string } = { line: 1, col: 1 }): InputError {
  const d: Diagnostic = { code, severity: 'error', message, file: path, ...at, hint };
  return new InputError([attachExcerpt(d, undefined)]);
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] ?? 0;
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cont = buf[i + k];
      if (cont === undefined || (cont & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cont & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Line/col (1-based) of a byte offset, columns counted in bytes, and the line up to a little past it
 * (bytes shown as Latin-1 so that each byte is one column; the renderer masks control characters).
 */
function bytePosition(buf: Buffer, offset: number): { line: number; col: number; excerpt: string } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  let end = buf.indexOf(10, offset);
  if (end < 0) end = buf.length;
  end = Math.min(end, offset + 40);
  const excerpt = buf.subarray(lineStart, end).toString('latin1').replace(/[\x80-\xff]/g, '?');
  return { line, col: offset - lineStart + 1, excerpt };
}

/**
 * Reads a UTF-8 text file. Throws InputError for: missing (KUBEHA_FILE_NOT_FOUND), a directory
 * (KUBEHA_FILE_IS_DIRECTORY), unreadable (KUBEHA_FILE_UNREADABLE), too large (KUBEHA_FILE_TOO_LARGE),
 * empty or blank (KUBEHA_FILE_EMPTY), binary (KUBEHA_FILE_BINARY: a NUL byte) and not UTF-8 (KUBEHA_FILE_NOT_UTF8).
 * A UTF-8 byte-order mark is dropped.
 */
export async function readTextFile(path: string): Promise<string> {
  if (STDIN_PATHS.has(path)) {
    if (stdinKind() === 'directory') {
      throw fileError(path, 'KUBEHA_FILE_IS_DIRECTORY', 'standard input is a directory, not a file', 'redirect a file, not a directory: `kubeha check - < cluster.yaml`');
    }
    return decodeText(path, await readStdin(path));
  }
  if (path === '') {
    throw new InputError([{ code: 'KUBEHA_FILE_NOT_FOUND', severity: 'error', message: "the file name is empty ('')", file: '(empty file name)', hint: 'name the file, e.g. cluster.yaml, or - for standard input' }]);
  }
  let r: BoundedRead;
  try {
    r = await readBounded(path, MAX_INPUT_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw fileError(path, 'KUBEHA_FILE_NOT_FOUND', 'no such file', 'check the path; `kubeha init > cluster.yaml` writes an example spec');
    }
    if (code === 'EISDIR') throw fileError(path, 'KUBEHA_FILE_IS_DIRECTORY', 'is a directory, not a file', 'name the file inside it, e.g. cluster.yaml');
    if (code === 'EACCES' || code === 'EPERM') {
      throw fileError(path, 'KUBEHA_FILE_UNREADABLE', 'permission denied', 'make the file readable by this user (chmod u+r), or run as its owner');
    }
    throw fileError(path, 'KUBEHA_FILE_UNREADABLE', `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`, 'check that the path is a regular, readable file');
  }
  if (r.kind === 'directory') throw fileError(path, 'KUBEHA_FILE_IS_DIRECTORY', 'is a directory, not a file', 'name the file inside it, e.g. cluster.yaml');
  if (r.kind === 'idle') throw idleError(path, r.buf.length);
  if (r.kind === 'too-large') {
    const what = r.regular ? 'is' : 'is not a regular file and gives';
    throw fileError(path, 'KUBEHA_FILE_TOO_LARGE', `${what} over ${MAX_INPUT_BYTES} bytes; kubeha reads inputs up to that`, 'is this the right file?');
  }
  return decodeText(path, r.buf);
}

/**
 * `-` and `/dev/stdin` read standard input as a stream: opening /dev/stdin fails (ENXIO) when stdin is a socket,
 * which is what Node's child_process and many CI runners hand a child.
 */
const STDIN_PATHS = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/** KUBEHA_FILE_IDLE: the input gave no byte for INPUT_IDLE_MS (after `got` bytes). */
function idleError(path: string, got: number): InputError {
  const what = got > 0 ? `stopped sending data after ${got} bytes` : 'gave no data';
  return fileError(path, 'KUBEHA_FILE_IDLE', `${what} for ${INPUT_IDLE_MS / 1000} s (a FIFO or device nobody writes?); kubeha does not wait longer`, 'write the whole input at once, e.g. `kubeha check - < cluster.yaml`, or give a regular file');
}

async function readStdin(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Standard input is a stream kubeha did not open (a pipe, a socket, a terminal): the same idle bound as the
  // bounded reader's, between chunks.
  const it = process.stdin[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const next = async (): Promise<IteratorResult<unknown> | 'idle'> => {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<'idle'>((resolve) => (timer = setTimeout(() => resolve('idle'), INPUT_IDLE_MS)));
    try {
      return await Promise.race([it.next(), idle]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    for (;;) {
      const step = await next();
      if (step === 'idle') {
        process.stdin.destroy();
        throw idleError(path, size);
      }
      if (step.done === true) break;
      const chunk = step.value;
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += b.length;
      if (size > MAX_INPUT_BYTES) throw fileError(path, 'KUBEHA_FILE_TOO_LARGE', `is over ${MAX_INPUT_BYTES} bytes; kubeha reads files up to that`, 'is this the right input?');
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw fileError(path, 'KUBEHA_FILE_UNREADABLE', `standard input cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'pipe the spec in, e.g. `kubeha init | kubeha check -`');
  }
  return Buffer.concat(chunks);
}

/** The encoding a UTF-16/32 byte-order mark announces, or undefined. */
function utf16Bom(buf: Buffer): string | undefined {
  const [a, b, c, d] = [buf[0], buf[1], buf[2], buf[3]];
  if (a === 0xff && b === 0xfe) return c === 0 && d === 0 ? 'UTF-32LE' : 'UTF-16LE';
  if (a === 0xfe && b === 0xff) return 'UTF-16BE';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32BE';
  return undefined;
}

/** The checks every input goes through once read: binary, UTF-8, BOM, blank. */
function decodeText(path: string, buf: Buffer): string {
  const utf16 = utf16Bom(buf);
  if (utf16) {
    throw fileError(
      path,
      'KUBEHA_FILE_NOT_UTF8',
      `is ${utf16} (it starts with a ${utf16} byte-order mark), not UTF-8`,
      `convert it to UTF-8, e.g. \`iconv -f ${utf16.startsWith('UTF-16') ? 'UTF-16' : 'UTF-32'} -t UTF-8 FILE > FILE.utf8\``,
    );
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    throw fileError(path, 'KUBEHA_FILE_BINARY', `is a binary file (NUL byte at offset ${nul})`, 'give kubeha a text (YAML) file; is this an archive or an image?', bytePosition(buf, nul));
  }
  const bad = firstInvalidUtf8(buf);
  if (bad >= 0) {
    throw fileError(
      path,
      'KUBEHA_FILE_NOT_UTF8',
      `is not valid UTF-8 (byte 0x${(buf[bad] ?? 0).toString(16).padStart(2, '0')} at offset ${bad})`,
      'save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 FILE`',
      bytePosition(buf, bad),
    );
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw fileError(path, 'KUBEHA_FILE_EMPTY', buf.length === 0 ? 'is empty' : 'holds only whitespace', 'write a spec into it: `kubeha init > cluster.yaml` prints a commented example');
  }
  return text;
}

/** Reads and parses a spec; file problems throw InputError, spec problems come back as diagnostics. */
export async function readSpecFile(path: string, options: { force?: boolean } = {}): Promise<ParseSpecResult> {
  const text = await readTextFile(path);
  return parseSpec(text, path, options);
}

/**
 * The spec at `path`, with defaults. Throws InputError (exit 2) when the file is unusable or the spec has
 * an error; warnings are printed to stderr.
 */
export async function loadSpecFile(path: string, stderr: NodeJS.WritableStream = process.stderr): Promise<ClusterSpec> {
  const result = await readSpecFile(path);
  if (hasErrors(result.diagnostics) || !result.spec) throw new InputError(result.diagnostics);
  if (result.diagnostics.length > 0) stderr.write(renderDiagnostics(result.diagnostics) + '\n');
  return result.spec;
}

/** The input that `path` is (same device and inode: the same name, a symlink or a hard link), if any. */
async function sameFileAs(path: string, inputs: readonly string[]): Promise<string | undefined> {
  let out: BigIntStats;
  try {
    out = await stat(path, { bigint: true });
  } catch {
    return undefined;
  }
  for (const i of inputs) {
    if (STDIN_PATHS.has(i)) continue;
    try {
      const st = await stat(i, { bigint: true });
      if (st.dev === out.dev && st.ino === out.ino) return i;
    } catch {
      /* an input that cannot be stat'ed now cannot be overwritten by name either */
    }
  }
  return undefined;
}

/**
 * Commander's parser for -o/--out: an empty path is refused at the option (exit 2, naming the option), instead of
 * a write error located at an empty file name.
 */
export function nonEmptyPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('the path is empty; name a file or directory');
  return value;
}

/**
 * Writes an output file (-o/--out of init, import, export, kubeconfig): the one writer of a user-named output file.
 * - The name must be absent or a regular file: a symbolic link, FIFO, device, socket or directory is refused at
 *   `path:1:1` (KUBEHA_FILE_NOT_REGULAR, naming it), so kubeha never writes through a link and never blocks opening
 *   a FIFO. An input of the same command is refused too (KUBEHA_FILE_EXISTS).
 * - Atomic: the text goes to a temporary sibling (`.NAME.kubeha-tmp-*`, created exclusively with the final mode,
 *   so never through a link and never readable by others when `mode` is 0600), is flushed, then renamed over the
 *   name (rename replaces the name, never follows it). Without `overwrite` it is linked instead (link(2) fails
 *   when the name exists, with no window between a check and the write). A failure removes the temporary file;
 *   the old file is untouched until the rename.
 * - Mode: `mode` when given (files holding credentials: 0600); else an existing file keeps its mode, a new one gets
 *   0666 less the umask, as a plain write would.
 * Every failure is bad input at `path:1:1` (KUBEHA_FILE_EXISTS when `overwrite` is false and the file exists, else
 * KUBEHA_FILE_UNWRITABLE), never an internal error.
 */
export async function writeOutputFile(path: string, text: string, opts: { overwrite: boolean; existsHint?: string; mode?: number; inputs?: readonly string[] }): Promise<void> {
  const input = await sameFileAs(path, opts.inputs ?? []);
  if (input !== undefined) {
    const via = input === path ? '' : ` (${input})`;
    throw fileError(path, 'KUBEHA_FILE_EXISTS', `is the input file${via}: writing it would overwrite what is being read`, 'write the result to another file');
  }
  let tmp: string | undefined;
  try {
    const before = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (before && !before.isFile() && !before.isDirectory()) {
      const what = before.isSymbolicLink() ? 'a symbolic link' : before.isFIFO() ? 'a FIFO' : before.isCharacterDevice() || before.isBlockDevice() ? 'a device' : before.isSocket() ? 'a socket' : 'not a regular file';
      throw fileError(path, 'KUBEHA_FILE_NOT_REGULAR', `is ${what}: kubeha writes its output only as a regular file, never through a link, FIFO or device`, 'name a new file, or remove what is there first');
    }
    if (before?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (before && !opts.overwrite) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    const mode = opts.mode ?? (before ? before.mode & 0o777 : 0o666 & ~process.umask());
    tmp = join(dirname(path), `.${basename(path)}.kubeha-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode); // the umask narrowed `open`'s mode; an existing file's mode is kept exactly
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.overwrite) await rename(tmp, path);
    else {
      try {
        await link(tmp, path);
        await unlink(tmp);
      } catch (e) {
        // A file system without hard links (EPERM, ENOTSUP, EXDEV): rename, after one more look for the name.
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || (await lstat(path).then(() => true, () => false))) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        await rename(tmp, path);
      }
    }
    tmp = undefined;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw fileError(path, 'KUBEHA_FILE_EXISTS', 'exists already', opts.existsHint ?? 'choose another file');
    const why: Readonly<Record<string, [string, string]>> = {
      ENOENT: ['its directory does not exist', 'create the directory first, or write the file elsewhere'],
      ENOTDIR: ['a part of the path is not a directory', 'check the path'],
      EISDIR: ['is a directory', 'name a file inside it, e.g. DIR/cluster.yaml'],
      EACCES: ['permission denied', 'write into a directory this user may write to'],
      EPERM: ['permission denied', 'write into a directory this user may write to'],
      EROFS: ['the file system is read-only', 'write the file elsewhere'],
      ENOSPC: ['the disk is full', 'free some space or write the file elsewhere'],
    };
    const [message, hint] = why[code ?? ''] ?? [`cannot be written (${code ?? (err instanceof Error ? err.message : String(err))})`, 'check the directory exists and is writable'];
    throw fileError(path, 'KUBEHA_FILE_UNWRITABLE', `cannot be written: ${message}`, hint);
  } finally {
    if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
  }
}
