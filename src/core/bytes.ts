// Byte counts as people read them: one formatter for messages, progress lines and size estimates.

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
