// Byte counts as people read and write them: one formatter for messages, progress lines and size estimates, and
// one parser of sizes in configs and options ("256M", "2T").

/** Bytes with a binary unit, one decimal above bytes (`512 B`, `1.5 MiB`, `3.6 TiB`). */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

/**
 * Parses a byte size like xcube's `DatasetChunkCacheSize`: a number of bytes or "256M", "1G", "512K", "2T"
 * (powers of 1024; a trailing "B" is allowed).
 * @returns bytes, or undefined when the text is not a size.
 */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(value);
  if (!m) return undefined;
  const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.floor(Number(m[1]) * mult);
}
