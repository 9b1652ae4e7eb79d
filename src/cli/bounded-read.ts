import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The one way kubeha reads a user's input: through an open file descriptor, with a byte budget and an idle bound.
 * The size a file claims is never trusted (a character device, a FIFO, `<(cmd)` or a file that grows while read has
 * none), so the read stops at `max + 1` bytes, and at the first chunk holding a NUL byte when `stopAtNul` (the caller
 * reports a binary file; /dev/zero ends after one chunk).
 *
 * The file is opened with O_NONBLOCK, so opening a FIFO nobody writes returns at once instead of waiting for a writer
 * (as `cat` would, for ever). Reading then polls: a FIFO without a writer yet, or one whose writer sends nothing
 * (EAGAIN), is waited for until INPUT_IDLE_MS pass without a byte; then the read ends as `idle` and the caller
 * refuses the input (KUBEHA_FILE_IDLE). Regular files ignore O_NONBLOCK (Linux open(2)).
 */

export type BoundedRead =
  | { kind: 'ok'; buf: Buffer; regular: boolean }
  /** More than `max` bytes; `buf` holds the first max + 1. */
  | { kind: 'too-large'; buf: Buffer; regular: boolean }
  /** INPUT_IDLE_MS passed without a byte (a FIFO nobody writes, a terminal nobody types into). */
  | { kind: 'idle'; buf: Buffer }
  | { kind: 'directory' };

/** How long an input may give no data before kubeha gives up on it (docs/security.md). */
export const INPUT_IDLE_MS = 5000;

/** How often a silent input is asked again: a few hundred wake-ups over the idle bound, no measurable CPU. */
const POLL_MS = 20;

const CHUNK = 1 << 16;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** The outcome of one read(2): bytes, end of file, or nothing yet (EAGAIN, or a FIFO whose writer has not come). */
type Step = number | 'again';

/**
 * The read loop both readers share, as a generator: it yields whenever it must wait (the caller sleeps, in its own
 * way) and returns the result. `readChunk` returns the byte count, 0 at end of file, or 'again' for EAGAIN.
 */
function* collect(readChunk: (into: Buffer) => Step, st: Stats, max: number, stopAtNul: boolean, idleMs: number, now: () => number): Generator<void, BoundedRead, void> {
  const chunks: Buffer[] = [];
  let size = 0;
  // A FIFO read returns 0 both before any writer opened it and after the last writer closed it: only the second is
  // the end. A byte or an EAGAIN (which needs a writer) shows that a writer came.
  let writerSeen = !st.isFIFO();
  let lastData = now();
  for (;;) {
    const want = Math.min(CHUNK, max + 1 - size);
    if (want <= 0) break;
    const b = Buffer.allocUnsafe(want);
    const n = readChunk(b);
    if (n === 'again' || (n === 0 && !writerSeen)) {
      if (n === 'again') writerSeen = true;
      if (now() - lastData >= idleMs) return { kind: 'idle', buf: Buffer.concat(chunks, size) };
      yield;
      continue;
    }
    if (n <= 0) break;
    writerSeen = true;
    lastData = now();
    const got = b.subarray(0, n);
    chunks.push(got);
    size += n;
    if (stopAtNul && got.includes(0)) break;
  }
  return { kind: size > max ? 'too-large' : 'ok', buf: Buffer.concat(chunks, size), regular: st.isFile() };
}

function isAgain(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Reads at most max + 1 bytes of `path` (synchronously: the parsers' FileSource is synchronous). */
export function readBoundedSync(path: string, max: number, stopAtNul = true, idleMs = INPUT_IDLE_MS): BoundedRead {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { kind: 'directory' };
    const loop = collect(readStep(fd), st, max, stopAtNul, idleMs, () => performance.now());
    for (;;) {
      const r = loop.next();
      if (r.done) return r.value;
      Atomics.wait(sleeper, 0, 0, POLL_MS);
    }
  } finally {
    closeSync(fd);
  }
}

/** One non-blocking read of a descriptor: the bytes read (0 at the end), or 'again' when nothing is there yet. */
function readStep(fd: number): (into: Buffer) => Step {
  return (into) => {
    try {
      return readSync(fd, into, 0, into.length, null);
    } catch (e) {
      if (isAgain(e)) return 'again';
      throw e;
    }
  };
}

/** Reads at most max + 1 bytes of `path`. */
export async function readBounded(path: string, max: number, stopAtNul = true, idleMs = INPUT_IDLE_MS): Promise<BoundedRead> {
  const fh = await open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) return { kind: 'directory' };
    // The generator's reads are synchronous on the handle's descriptor (non-blocking, so they never wait); the
    // waits between them are timers, so the event loop (signals, ^C) runs.
    const loop = collect(readStep(fh.fd), st, max, stopAtNul, idleMs, () => performance.now());
    for (;;) {
      const r = loop.next();
      if (r.done) return r.value;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
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
