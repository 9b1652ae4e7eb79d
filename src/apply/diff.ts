/**
 * A small unified diff (`diff -u` shape) of two texts, by lines. Config files are small (hundreds of lines), so a
 * longest-common-subsequence table is fast enough and keeps this dependency-free. Pure.
 */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function lcsOps(a: string[], b: string[]): Op[] {
  // Trim the common prefix and suffix first: most changes touch a few lines.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = table[i]!;
    const next = table[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[start + i] === b[start + j] ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < start; k++) ops.push({ kind: ' ', line: a[k]!, a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      ops.push({ kind: ' ', line: a[start + i]!, a: start + i, b: start + j });
      i++;
      j++;
    } else if (i < n && (j >= m || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      // Deletions before insertions, as diff -u prints them.
      ops.push({ kind: '-', line: a[start + i]!, a: start + i, b: start + j });
      i++;
    } else {
      ops.push({ kind: '+', line: b[start + j]!, a: start + i, b: start + j });
      j++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) ops.push({ kind: ' ', line: a[endA + k]!, a: endA + k, b: endB + k });
  return ops;
}

/**
 * Unified diff from `before` to `after` with `context` lines around each change; '' when equal.
 * An absent file is diffed as empty (`--- /dev/null`).
 */
export function unifiedDiff(path: string, before: string | undefined, after: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before ?? '');
  const b = splitLines(after);
  const ops = lcsOps(a, b);
  const changed = ops.map((o, idx) => (o.kind !== ' ' ? idx : -1)).filter((x) => x >= 0);
  const out = [`--- ${before === undefined ? '/dev/null' : `a${path}`}`, `+++ b${path}`];
  if (changed.length === 0) {
    // Only a trailing newline differs.
    out.push('@@ newline at end of file differs @@');
    return out.join('\n') + '\n';
  }
  let h = 0;
  while (h < changed.length) {
    let from = Math.max(0, changed[h]! - context);
    let to = Math.min(ops.length - 1, changed[h]! + context);
    while (h + 1 < changed.length && changed[h + 1]! - context <= to + 1) {
      h++;
      to = Math.min(ops.length - 1, changed[h]! + context);
    }
    h++;
    from = Math.max(0, from);
    const hunk = ops.slice(from, to + 1);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = hunk[0]!.a + (aCount ? 1 : 0);
    const bStart = hunk[0]!.b + (bCount ? 1 : 0);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
  }
  return out.join('\n') + '\n';
}

/** Counts of added and removed lines in a unified diff. */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}
