import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The one way kubeha reads a user's input: through an open file descriptor, with a byte budget. The size a file
 * claims is never trusted (a character device, a FIFO, `<(cmd)` or a file that grows while read has none), so the
 * read stops at `max + 1` bytes, and at the first chunk holding a NUL byte when `stopAtNul` (the caller reports a
 * binary file; /dev/zero ends after one chunk).
 */

export type BoundedRead =
  | { kind: 'ok'; buf: Buffer; regular: boolean }
  /** More than `max` bytes; `buf` holds the first max + 1. */
  | { kind: 'too-large'; buf: Buffer; regular: boolean }
  | { kind: 'directory' };

const CHUNK = 1 << 16;

function collect(readChunk: (into: Buffer) => number, max: number, stopAtNul: boolean): { buf: Buffer; over: boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const want = Math.min(CHUNK, max + 1 - size);
    if (want <= 0) break;
    const b = Buffer.allocUnsafe(want);
    const n = readChunk(b);
    if (n <= 0) break;
    const got = b.subarray(0, n);
    chunks.push(got);
    size += n;
    if (stopAtNul && got.includes(0)) break;
  }
  return { buf: Buffer.concat(chunks, size), over: size > max };
}

/** Reads at most max + 1 bytes of `path` (synchronously: the parsers' FileSource is synchronous). */
export function readBoundedSync(path: string, max: number, stopAtNul = true): BoundedRead {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { kind: 'directory' };
    const { buf, over } = collect((into) => readSync(fd, into, 0, into.length, null), max, stopAtNul);
    return { kind: over ? 'too-large' : 'ok', buf, regular: st.isFile() };
  } finally {
    closeSync(fd);
  }
}

/** Reads at most max + 1 bytes of `path`. */
export async function readBounded(path: string, max: number, stopAtNul = true): Promise<BoundedRead> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (st.isDirectory()) return { kind: 'directory' };
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const want = Math.min(CHUNK, max + 1 - size);
      if (want <= 0) break;
      const b = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(b, 0, want, null);
      if (bytesRead <= 0) break;
      const got = b.subarray(0, bytesRead);
      chunks.push(got);
      size += bytesRead;
      if (stopAtNul && got.includes(0)) break;
    }
    const buf = Buffer.concat(chunks, size);
    return { kind: size > max ? 'too-large' : 'ok', buf, regular: st.isFile() };
  } finally {
    await fh.close();
  }
}

/** What standard input is, from fstat(0): 'directory' for `kubeha check - < /`. */
export function stdinKind(): 'directory' | 'other' {
  try {
    return fstatSync(0).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'other';
  }
}
