/**
 * "Did you mean" for a mistyped key or value: the closest known word by edit distance, when it
 * is close enough to be the likely intent (a third of the word's length, at least 1), else ''.
 * Case differences count as one edit in total, so ">50k" finds ">50K".
 */
export function didYouMean(word: string, known: readonly string[]): string {
  let best = '', bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === word.toLowerCase() ? 1 : distance(word, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best && bestD <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** Levenshtein distance, one row at a time. */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return a === b ? 0 : Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
