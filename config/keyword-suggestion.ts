// "did you mean 'balance' maybe ?": the closest known keyword to a misspelt one, for unknown-keyword errors.
// HAProxy 2.6 ranks candidates by a digram fingerprint; for section keywords orcalb uses edit distance (Levenshtein
// with adjacent transpositions counted as one edit), which finds the same answer for the usual one- or two-letter
// typos; for rule actions (actionSuggestion) the fingerprint itself, whose answers differ more visibly there.

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

/** A word's bigram fingerprint (HAProxy's make_word_fingerprint: letters, digits as one class, the rest as another). */
function fingerprint(word: string): Int16Array {
  const fp = new Int16Array(1024);
  let from = 28;
  for (let i = 0; i < word.length; i++) {
    const c = word.toLowerCase().charCodeAt(i);
    const to = c >= 0x61 && c <= 0x7a ? c - 0x60 : c >= 0x30 && c <= 0x39 ? 27 : 28;
    fp[32 * from + to] = (fp[32 * from + to] ?? 0) + 1;
    from = to;
  }
  fp[32 * from + 28] = (fp[32 * from + 28] ?? 0) + 1;
  return fp;
}

/**
 * The action HAProxy suggests for a mistyped one ("Did you mean 'set-header' maybe ?"): the nearest fingerprint,
 * first in the list's order, unless it is too far. The cut-off (1.5 × the shorter word) is fitted to 20 words
 * measured on 2.6.12 (frobnicate, xyz: none; set-status: set-dst; replace: replace-uri…).
 */
export function actionSuggestion(word: string, list: readonly string[]): string | undefined {
  const w = fingerprint(word);
  let best: string | undefined;
  let bestDistance = Number.MAX_SAFE_INTEGER;
  for (const entry of list) {
    const name = entry.endsWith('(*)') ? entry.slice(0, -3) : entry;
    const fp = fingerprint(name);
    let d = 0;
    for (let i = 0; i < 1024; i++) d += Math.abs((w[i] ?? 0) - (fp[i] ?? 0));
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  if (best === undefined || bestDistance > 1.5 * Math.min(word.length, best.length)) return undefined;
  return best;
}
