import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
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
  let buf: Buffer;
  if (STDIN_PATHS.has(path)) {
    buf = await readStdin(path);
    return decodeText(path, buf);
  }
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw fileError(path, 'KUBEHA_FILE_IS_DIRECTORY', 'is a directory, not a file', 'name the file inside it, e.g. cluster.yaml');
    }
    if (st.size > MAX_INPUT_BYTES) {
      throw fileError(path, 'KUBEHA_FILE_TOO_LARGE', `is ${st.size} bytes; kubeha reads files up to ${MAX_INPUT_BYTES}`, 'is this the right file?');
    }
    buf = await readFile(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
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
  return decodeText(path, buf);
}

/**
 * `-` and `/dev/stdin` read standard input as a stream: opening /dev/stdin fails (ENXIO) when stdin is a socket,
 * which is what Node's child_process and many CI runners hand a child.
 */
const STDIN_PATHS = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

async function readStdin(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of process.stdin) {
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

/** The checks every input goes through once read: binary, UTF-8, BOM, blank. */
function decodeText(path: string, buf: Buffer): string {
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

/**
 * Writes an output file (-o/--out of init, import, export). Every failure is bad input at `path:1:1`
 * (KUBEHA_FILE_EXISTS when `overwrite` is false and the file exists, else KUBEHA_FILE_UNWRITABLE), never an
 * internal error.
 */
export async function writeOutputFile(path: string, text: string, opts: { overwrite: boolean; existsHint?: string; mode?: number }): Promise<void> {
  try {
    if (opts.mode !== undefined) {
      // A file holding a secret: never readable by others, not even for a moment (an existing file is narrowed first).
      await writeFile(path, '', { flag: opts.overwrite ? 'a' : 'wx', mode: opts.mode });
      await chmod(path, opts.mode);
      await writeFile(path, text, { flag: 'w' });
    } else await writeFile(path, text, { flag: opts.overwrite ? 'w' : 'wx' });
  } catch (err) {
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
  }
}
