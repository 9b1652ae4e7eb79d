/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  const w = word.toLowerCase();
  for (const c of candidates) {
    // The distance is at least the difference in length: such a candidate can never be the answer.
    if (Math.abs(c.length - w.length) > Math.min(limit, bestDist)) continue;
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return bestDist <= limit ? best : undefined;
}

/**
 * didYouMean for a run that may ask thousands of times over thousands of candidates (unknown hosts or groups of a
 * hostile file): only the first `max` questions get an answer, as only so many problems of one code are shown
 * (diag/collector.ts), so the work stays linear in the input.
 */
export function boundedDidYouMean(max = 20): (word: string, candidates: readonly string[]) => string | undefined {
  let asked = 0;
  return (word, candidates) => (++asked > max ? undefined : didYouMean(word, candidates));
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] ?? 0;
      prev[j] = Math.min((prev[j] ?? 0) + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] ?? 0;
}
