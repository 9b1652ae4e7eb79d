/**
 * Read-only access to a file tree, given to the pure parsers by the shell (a directory on disk,
 * files fetched over SSH, or an in-memory map in tests). Paths are absolute inside the tree: `/etc/haproxy/haproxy.cfg`.
 */
export interface FileSource {
  /** Content of a file, or undefined when it does not exist or is not readable text. */
  readFile(path: string): string | undefined;
  /** Names (not paths) of the entries of a directory, or undefined when it is not a directory. */
  listDir(path: string): string[] | undefined;
}

/** A FileSource over an in-memory map of absolute path → content; directories are implied. */
export function memoryFileSource(files: Readonly<Record<string, string>>): FileSource {
  return {
    readFile: (p) => files[p],
    listDir: (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const p of Object.keys(files)) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] ?? '');
      names.delete('');
      return names.size > 0 ? [...names].sort() : undefined;
    },
  };
}
