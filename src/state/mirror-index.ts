/**
 * The index `kubeha render` leaves in a mirror (`DIR/.kubeha-files`, named in src/model/mirror-layout.ts): every file it wrote, with what it wrote.
 * A re-render uses it twice: to remove exactly the files no longer rendered (never whole trees), and to leave a file
 * alone when one lstat shows it is still what was written (same size, mode and mtime) and the new content has the
 * same digest. A file edited by hand since then has another mtime and is rewritten.
 */
export interface IndexEntry {
  /** Relative to the mirror: `<host>/<real path without the leading slash>`. */
  path: string;
  /** sha1 of the content, hex: equality only, not security. */
  digest: string;
  mode: number;
  size: number;
  mtimeMs: number;
}

const HEADER = '# kubeha render index v2: digest mode size mtime-ms path';

export function formatIndex(entries: readonly IndexEntry[]): string {
  const lines = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((e) => `${e.digest} ${e.mode.toString(8)} ${e.size} ${e.mtimeMs} ${e.path}`);
  return `${HEADER}\n${lines.join('\n')}\n`;
}

/** A path the index may name: `<host>/<segment>/…`, relative, each segment a plain name (no `.`, `..`, empty or absolute). */
const HOST = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SEGMENT = /^[A-Za-z0-9_+@-][A-Za-z0-9._+@ -]{0,254}$/;
export const MAX_INDEX_PATH = 4096;

/** Why an index path is not one render could have written, or undefined when it is. */
export function badIndexPath(path: string): string | undefined {
  if (path.length > MAX_INDEX_PATH) return 'is longer than any path render writes';
  if (path.startsWith('/')) return 'is absolute';
  const parts = path.split('/');
  if (parts.length < 2) return 'names no file under a host folder';
  if (parts.some((p) => p === '.' || p === '..')) return 'goes through "." or ".."';
  if (parts.some((p) => p === '')) return 'has an empty segment';
  if (!HOST.test(parts[0] ?? '')) return 'does not start with a host name';
  if (parts.slice(1).some((p) => !SEGMENT.test(p) || p.endsWith(' '))) return 'holds a character render never writes in a path';
  return undefined;
}

export type ParsedIndex = { files: Map<string, IndexEntry | undefined> } | { line: number; why: string };

/**
 * Path → entry, or the first line that disqualifies the whole index: a path that is absolute, goes through `.` or
 * `..`, or names no file under a host folder. Such an index was not written by render (or was tampered with), so
 * nothing is removed by it. An index written by an older kubeha lists bare paths: those map to undefined (known, so
 * removable when stale, but always rewritten).
 */
export function parseIndex(text: string): ParsedIndex {
  const files = new Map<string, IndexEntry | undefined>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([0-9a-f]{40}) ([0-7]{1,6}) (\d{1,15}) (\d{1,16}(?:\.\d{1,6})?) (.+)$/.exec(line);
    const path = m?.[5] ?? line;
    const why = badIndexPath(path);
    if (why !== undefined) return { line: i + 1, why: `path ${JSON.stringify(path.slice(0, 200))} ${why}` };
    files.set(path, m ? { path, digest: m[1] ?? '', mode: parseInt(m[2] ?? '0', 8) & 0o7777, size: Number(m[3]), mtimeMs: Number(m[4]) } : undefined);
  }
  return { files };
}
