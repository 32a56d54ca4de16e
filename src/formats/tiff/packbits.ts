// TIFF PackBits decoding (TIFF 6.0 §9) into a buffer of the tile's expected size, stopping at it.
import { overflow } from "../bounded.js";

/**
 * Decodes PackBits data (TIFF 6.0 §9: a header byte n, then n + 1 literal bytes for 0…127, one byte repeated
 * 1 − n times for −127…−1, nothing for −128) into at most `limit` bytes.
 * @throws Error when the output would pass `limit`.
 */
export function packBitsDecodeBounded(input: Uint8Array, limit: number, unit = "tile"): Uint8Array {
  const out = new Uint8Array(limit);
  let pos = 0;
  for (let i = 0; i < input.length; ) {
    const h = (input[i++]! << 24) >> 24;
    if (h >= 0) {
      const n = Math.min(h + 1, input.length - i);
      if (pos + n > limit) throw overflow("packbits", limit, unit);
      out.set(input.subarray(i, i + n), pos);
      pos += n;
      i += n;
    } else if (h !== -128) {
      const n = 1 - h;
      if (pos + n > limit) throw overflow("packbits", limit, unit);
      out.fill(input[i++] ?? 0, pos, pos + n);
      pos += n;
    }
  }
  return pos === limit ? out : out.subarray(0, pos);
}
