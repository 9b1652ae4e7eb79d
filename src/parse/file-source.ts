/**
 * Read-only access to a file tree, given to the pure parsers by the shell (a directory on disk,
 * files fetched over SSH, or an in-memory map in tests). Paths are absolute inside the tree: `/etc/haproxy/haproxy.cfg`.
 */
export interface FileSource {
  /** Content of a file, or undefined when it does not exist or is not readable text. */
  readFile(path: string): string | undefined;
  /** Names (not paths) of the entries of a directory, or undefined when it is not a directory. */
  listDir(path: string): string[] | undefined;
  /**
   * Why a path that exists reads as undefined (binary, too large, not a regular file, a symlink leaving the tree),
   * or undefined when it does not exist or reads fine. Optional: sources that cannot tell omit it.
   */
  whyUnreadable?(path: string): string | undefined;
}

/** A FileSource over an in-memory map of absolute path → content; directories are implied. */
export function memoryFileSource(files: Readonly<Record<string, string>>): FileSource {
  // Built on first use: a mirror of thousands of hosts is listed once per host, so each listing must be O(1).
  let dirs: Map<string, Set<string>> | undefined;
  const index = (): Map<string, Set<string>> => {
    if (dirs) return dirs;
    dirs = new Map();
    for (const p of Object.keys(files)) {
      const parts = p.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/') || '/';
        const name = parts[i];
        if (!name) continue;
        let set = dirs.get(dir);
        if (!set) dirs.set(dir, (set = new Set()));
        set.add(name);
      }
    }
    return dirs;
  };
  return {
    readFile: (p) => files[p],
    listDir: (dir) => {
      const key = dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
      const names = index().get(key);
      return names && names.size > 0 ? [...names].sort() : undefined;
    },
  };
}
