// Pure helpers over a time axis (epoch ms, ascending): nearest step and the chunks a series loads in.

/** Index of the time nearest to `ms` (ties go to the earlier step); 0 for an empty axis. */
export function nearestIndex(times: readonly number[], ms: number): number {
  let best = 0;
  for (let i = 1; i < times.length; i++) if (Math.abs(times[i]! - ms) < Math.abs(times[best]! - ms)) best = i;
  return best;
}

/**
 * An ISO time between steps i and j = i + 1 of `times` (1 s beyond the axis at its ends): chunk bounds
 * that never coincide with a label, so that rounding of labels cannot drop or repeat a step with the
 * server's inclusive startDate/endDate.
 */
export function chunkBound(times: readonly number[], i: number, j: number): string {
  const ms = i < 0 ? times[0]! - 1000 : j >= times.length ? times[times.length - 1]! + 1000 : (times[i]! + times[j]!) / 2;
  return new Date(Math.round(ms)).toISOString();
}

/** Steps per request when a series of `n` steps loads newest first: a quarter of the axis, 2…100. */
export function chunkLength(n: number): number {
  return Math.max(2, Math.min(100, Math.ceil(n / 4)));
}

/** The chunks `[start, end]` (inclusive indices) of an axis of `n` steps, newest first. */
export function chunksNewestFirst(n: number, step = chunkLength(n)): [number, number][] {
  const out: [number, number][] = [];
  for (let end = n - 1; end >= 0; end -= step) out.push([Math.max(0, end - step + 1), end]);
  return out;
}
