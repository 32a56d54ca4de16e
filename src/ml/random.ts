// Seeded pseudo-random numbers for reproducible epochs, shuffles and splits (mulberry32).

/**
 * A seeded generator of floats in [0, 1) (mulberry32, 32-bit state): the same seed gives the same sequence on
 * every platform. Not for cryptography.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a seed and an epoch number into one 32-bit seed (so epoch 1 of seed 0 ≠ epoch 0 of seed 1). */
export function mixSeed(seed: number, epoch: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((epoch + 1) >>> 0, 0x85ebca6b)) >>> 0;
}

/** Shuffles `items` in place (Fisher–Yates) with `random`; returns it. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}
