import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` without `recursive: true`: Node 20's recursive mkdir (sync and promise) loops forever where mkdir
 * answers ENOENT although the parent exists (e.g. anywhere under /proc). One syscall when the parent exists, as
 * fast as the recursive form; throws the file system's error (ENOENT, EACCES, EROFS, …) instead of hanging.
 */
export function mkdirp(dir: string, mode?: number): void {
  const make = (): void => {
    mkdirSync(dir, mode === undefined ? undefined : { mode });
  };
  try {
    make();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    mkdirp(parent, mode);
    try {
      make();
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}
