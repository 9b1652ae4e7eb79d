import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { FileSource } from '../parse/file-source.js';

/** Files larger than this are not config files; they read as absent. @default 1 MiB */
export const MAX_TEXT_FILE_BYTES = 1024 * 1024;

/**
 * A FileSource over a real directory: `/etc/x` inside the source is `<dir>/etc/x` on disk. Only regular text files
 * under the cap are readable (binary files, with a NUL byte, read as absent); paths never escape `dir`.
 */
export function dirFileSource(dir: string, maxBytes = MAX_TEXT_FILE_BYTES): FileSource {
  const root = resolve(dir);
  const inside = (p: string): string | undefined => {
    const full = resolve(join(root, p));
    return full === root || full.startsWith(root + sep) ? full : undefined;
  };
  return {
    readFile(p) {
      const full = inside(p);
      if (!full) return undefined;
      try {
        const st = statSync(full);
        if (!st.isFile() || st.size > maxBytes) return undefined;
        const buf = readFileSync(full);
        if (buf.includes(0)) return undefined;
        return buf.toString('utf8');
      } catch {
        return undefined;
      }
    },
    listDir(p) {
      const full = inside(p);
      if (!full) return undefined;
      try {
        return readdirSync(full).sort();
      } catch {
        return undefined;
      }
    },
  };
}
