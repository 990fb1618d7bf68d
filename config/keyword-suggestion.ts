// "did you mean 'balance' maybe ?": the closest known keyword to a misspelt one, for unknown-keyword errors.
// HAProxy 2.6 ranks candidates by a digram fingerprint; orcalb uses edit distance (Levenshtein with adjacent
// transpositions counted as one edit), which finds the same answer for the usual one- or two-letter typos.

/**
 * Returns the candidate nearest to `word`, or undefined when none is close enough to be a plausible typo
 * (distance at most a third of the word's length, and at least 1). Ties keep the earlier candidate. Pure.
 */
export function suggestKeyword(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    // Cheap bound first: lengths further apart than the limit can never be close enough.
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** The suffix HAProxy appends to an unknown-keyword message: `; did you mean 'x' maybe ?`, or ''. */
export function suggestionSuffix(word: string, candidates: Iterable<string>): string {
  const s = suggestKeyword(word, candidates);
  return s === undefined ? '' : `; did you mean '${s}' maybe ?`;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}
