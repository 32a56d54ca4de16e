// "Did you mean" suggestions for configuration, request and parameter messages (server, catalog): the candidates closest to a
// misspelt name by edit distance (case-insensitive).

/** Levenshtein distance between `a` and `b` (insertions, deletions, substitutions; O(|a|·|b|)). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidates closest to `word`, nearest first: those within an edit distance of max(2, ⌊|word|/3⌋)
 * (case-insensitive), or that start with it or it with them (3 characters at least).
 * @param max most names returned [default 5].
 */
export function closeNames(word: string, candidates: Iterable<string>, max = 5): string[] {
  const w = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const l = c.toLowerCase();
    const d = editDistance(w, l);
    const prefix = Math.min(w.length, l.length) >= 3 && (l.startsWith(w) || w.startsWith(l));
    if (d <= limit || prefix) scored.push([c, prefix ? Math.min(d, limit) : d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([c]) => c);
}
