import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { readBoundedSync } from './bounded-read.js';
import { join, resolve, sep } from 'node:path';
import type { FileSource } from '../parse/file-source.js';

/** Files larger than this are not config files; they read as absent. @default 1 MiB */
export const MAX_TEXT_FILE_BYTES = 1024 * 1024;

/**
 * A FileSource over a real directory: `/etc/x` inside the source is `<dir>/etc/x` on disk. Only regular text files
 * under the cap are readable (binary files, with a NUL byte, read as absent); paths never escape `dir`, symlinks
 * included (a mirror copied from a host may hold absolute links that would read this machine's files).
 * `whyUnreadable` says why an existing path reads as absent.
 */
export function dirFileSource(dir: string, maxBytes = MAX_TEXT_FILE_BYTES): FileSource {
  const root = resolve(dir);
  const within = (base: string, full: string): boolean => full === base || full.startsWith(base + sep);
  let realRoot: string | undefined;
  const inside = (p: string): string | undefined => {
    const full = resolve(join(root, p));
    return within(root, full) ? full : undefined;
  };
  /** The real path when it stays inside the tree; undefined when it does not exist or leaves it. */
  const confined = (full: string): string | undefined => {
    try {
      realRoot ??= realpathSync.native(root);
      const real = realpathSync.native(full);
      return within(realRoot, real) ? real : undefined;
    } catch {
      return undefined;
    }
  };
  /** [content, why not] for a path inside the tree. */
  const read = (p: string): [string | undefined, string | undefined] => {
    const full = inside(p);
    if (!full) return [undefined, undefined];
    try {
      lstatSync(full);
    } catch {
      return [undefined, undefined];
    }
    const real = confined(full);
    if (!real) return [undefined, `it is a symlink that leaves the mirror (or dangles): copy the target in (e.g. rsync -L)`];
    try {
      const st = statSync(real);
      if (!st.isFile()) return [undefined, 'it is not a regular file'];
      if (st.size > maxBytes) return [undefined, `it is larger than ${maxBytes} bytes`];
      // Through the bounded reader all the same: a file may grow between stat and read.
      const r = readBoundedSync(real, maxBytes);
      if (r.kind === 'directory') return [undefined, 'it is not a regular file'];
      if (r.kind === 'too-large') return [undefined, `it is larger than ${maxBytes} bytes`];
      if (r.kind === 'idle') return [undefined, 'it gave no data for 5 s (not a regular file any more?)'];
      if (r.buf.includes(0)) return [undefined, 'it is binary (holds a NUL byte)'];
      return [r.buf.toString('utf8'), undefined];
    } catch (e) {
      return [undefined, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`];
    }
  };
  return {
    readFile: (p) => read(p)[0],
    whyUnreadable: (p) => read(p)[1],
    listDir(p) {
      const full = inside(p);
      if (!full) return undefined;
      const real = confined(full);
      if (!real) return undefined;
      try {
        return readdirSync(real).sort();
      } catch {
        return undefined;
      }
    },
  };
}
