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

/**
 * Path → entry. An index written by an older kubeha lists bare paths: those map to undefined (known, so removable
 * when stale, but always rewritten). Lines that escape the mirror (`..`) are ignored.
 */
export function parseIndex(text: string): Map<string, IndexEntry | undefined> {
  const out = new Map<string, IndexEntry | undefined>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([0-9a-f]{40}) ([0-7]{1,6}) (\d+) (\d+(?:\.\d+)?) (.+)$/.exec(line);
    const path = m?.[5] ?? line;
    if (path.split('/').includes('..')) continue;
    out.set(path, m ? { path, digest: m[1] ?? '', mode: parseInt(m[2] ?? '0', 8), size: Number(m[3]), mtimeMs: Number(m[4]) } : undefined);
  }
  return out;
}
