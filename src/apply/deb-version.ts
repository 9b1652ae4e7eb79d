/**
 * Debian version numbers and their order, as dpkg defines them (deb-version(7); lib/dpkg/version.c). PURE.
 *
 * `[epoch:]upstream[-revision]`: the epoch is an unsigned integer (0 when absent); the revision is what follows the
 * LAST hyphen (empty when there is none); the upstream part is the rest. Two versions compare by epoch (as numbers),
 * then upstream, then revision, each of the last two with dpkg's `verrevcmp`: alternately a run of non-digits, compared
 * character by character where `~` sorts before everything (even the end of the string), then letters, then every
 * other character; and a run of digits, compared as a number. So `1.0~rc1 < 1.0 < 1.0-1 < 1.0+b1 < 1:0.9`.
 * kubeha uses it to tell an upgrade of its own packages from a downgrade (src/apply/phases/packages.ts).
 */

export interface DebVersion {
  epoch: number;
  upstream: string;
  /** '' when the version has no hyphen (a native package). */
  revision: string;
}

/**
 * A version's parts, or why it is not one. As dpkg's parseversion: an empty version, a non-numeric epoch, an empty
 * upstream part or revision after a separator, or characters outside `[A-Za-z0-9.+~-]` (`:` only in the epoch) are
 * errors. An upstream part that does not start with a digit is only a warning for dpkg: accepted here too.
 */
export function parseDebVersion(text: string): DebVersion | { error: string } {
  const v = text.trim();
  if (v === '') return { error: 'the version is empty' };
  if (/\s/.test(v)) return { error: `"${v}" has embedded spaces` };
  const colon = v.indexOf(':');
  let epoch = 0;
  let rest = v;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d+$/.test(e)) return { error: `"${v}": the epoch "${e}" is not a number` };
    epoch = Number(e);
    if (!Number.isSafeInteger(epoch) || epoch > 2147483647) return { error: `"${v}": the epoch is too large` };
    rest = v.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (upstream === '') return { error: `"${v}": nothing before the revision (the upstream version is empty)` };
  if (hyphen >= 0 && revision === '') return { error: `"${v}": the revision after the last "-" is empty` };
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream)) return { error: `"${v}": the upstream version has a character outside A-Z a-z 0-9 . + ~ - :` };
  if (!/^[A-Za-z0-9.+~]+$/.test(revision) && revision !== '') return { error: `"${v}": the revision has a character outside A-Z a-z 0-9 . + ~` };
  return { epoch, upstream, revision };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/** dpkg's `order()`: the end of the string and digits 0, `~` -1, letters their code, anything else its code + 256. */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp` over one part (upstream or revision): negative, 0 or positive. */
export function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (i < a.length && j < b.length && isDigit(a[i]!) && isDigit(b[j]!)) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a[i]!)) return 1;
    if (j < b.length && isDigit(b[j]!)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** -1, 0 or 1, as `dpkg --compare-versions a lt|eq|gt b` would say. */
export function compareDebVersions(a: DebVersion, b: DebVersion): -1 | 0 | 1 {
  const d = a.epoch !== b.epoch ? a.epoch - b.epoch : compareVersionPart(a.upstream, b.upstream) || compareVersionPart(a.revision, b.revision);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/** Compares two version strings; throws on a string that is not a Debian version (use {@link parseDebVersion} first for input). */
export function compareDebVersionText(a: string, b: string): -1 | 0 | 1 {
  const pa = parseDebVersion(a);
  const pb = parseDebVersion(b);
  if ('error' in pa) throw new Error(`not a Debian version: ${pa.error}`);
  if ('error' in pb) throw new Error(`not a Debian version: ${pb.error}`);
  return compareDebVersions(pa, pb);
}
