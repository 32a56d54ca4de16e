// TIFF LZW decoding (TIFF 6.0 §13) into a buffer of the tile's expected size, stopping at it.
import { overflow } from "../bounded.js";

const LZW_CLEAR = 256;
const LZW_EOI = 257;

/**
 * Decodes TIFF LZW data (TIFF 6.0 §13: MSB-first codes of 9 to 12 bits, the width growing one code early as
 * LibTIFF writes it) into at most `limit` bytes, stopping with an error as soon as a code's string would pass
 * it: a stream of ever longer repeated codes cannot expand beyond the tile. Data ending without an EOI code
 * give what they hold (as LibTIFF does).
 * @param unit what the data are, for messages ("tile", "strip")
 * @throws Error when the output would pass `limit`, or a code is not in the table (damaged data).
 */
export function lzwDecodeBounded(input: Uint8Array, limit: number, unit = "tile"): Uint8Array {
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(limit);
  const nbits = input.length * 8;
  let bit = 0,
    width = 9,
    next = 258,
    old = -1,
    pos = 0;
  const add = (ch: number): void => {
    prefix[next] = old;
    suffix[next] = ch;
    first[next] = first[old]!;
    length[next] = length[old]! + 1;
    next++;
  };
  for (;;) {
    if (bit + width > nbits) break;
    const b = bit >>> 3;
    const word = (input[b]! << 16) | ((input[b + 1] ?? 0) << 8) | (input[b + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === LZW_EOI) break;
    if (code === LZW_CLEAR) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old < 0) {
      if (code > 255) throw new Error(`lzw: code ${code} where a literal must follow a clear code (a damaged ${unit})`);
    } else if (code < next) {
      if (next < 4096) add(first[code]!);
    } else if (code === next && next < 4096) {
      add(first[old]!);
    } else {
      throw new Error(`lzw: code ${code} is not in the table of ${next} codes (a damaged ${unit})`);
    }
    const n = length[code]!;
    if (pos + n > limit) throw overflow("lzw", limit, unit);
    for (let i = pos + n - 1, k = code; i >= pos; i--) {
      out[i] = suffix[k]!;
      k = prefix[k]!;
    }
    pos += n;
    old = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return pos === limit ? out : out.subarray(0, pos);
}
