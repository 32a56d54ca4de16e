// Decompression with a ceiling (gzip, zlib, zstd) for the Zarr chunks and TIFF tiles/strips: the output stops at
// the size the data may have, so crafted data that inflate to gigabytes fail after a few megabytes instead of
// being inflated whole before a size check (a decompression bomb).
import { promisify } from "node:util";
import { gunzip, inflate, type ZlibOptions } from "node:zlib";
import { formatBytes } from "../core/bytes.js";

const gunzipAsync = promisify<Uint8Array, ZlibOptions, Buffer>(gunzip);
const inflateAsync = promisify<Uint8Array, ZlibOptions, Buffer>(inflate);

/**
 * The error of a chunk that decodes to more than its limit (CORRUPT_DATA once the reader names the chunk).
 * @param unit what the data are, for the message: "chunk" (Zarr), "tile" or "strip" (TIFF)
 */
export function overflow(codec: string, limit: number, unit = "chunk"): Error {
  return new Error(`${codec} data inflates to more than the ${unit}'s ${formatBytes(limit)} (a decompression bomb or a damaged ${unit})`);
}

/**
 * Inflates gzip (RFC 1952) or zlib (RFC 1950) data with Node's zlib, stopping once the output would pass
 * `limit` bytes (zlib `maxOutputLength`): memory stays within the limit whatever the data claim.
 * @param unit what the data are, for the message ("chunk", "tile", "strip") [default "chunk"]
 * @throws Error naming the format when the output passes the limit or the data are not valid.
 */
export async function inflateBounded(bytes: Uint8Array, format: "gzip" | "zlib", limit: number, unit = "chunk"): Promise<Uint8Array> {
  try {
    const out = await (format === "gzip" ? gunzipAsync : inflateAsync)(bytes, { maxOutputLength: Math.max(1, limit) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw overflow(format, limit, unit);
    throw new Error(`${format}: ${(err as Error).message}`);
  }
}

/** The unsigned 32-bit little-endian integer at byte `o` of `b` (size fields of zstd, blosc and lz4 headers). */
export const le32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/**
 * The content sizes of the zstd frames in `bytes` (RFC 8878 §3.1.1), summed; undefined when a frame does not
 * declare its size (streamed frames) or the data are not zstd frames (the decoder then reports the error).
 */
export function zstdContentSize(bytes: Uint8Array): number | undefined {
  let pos = 0;
  let total = 0;
  while (pos < bytes.length) {
    if (pos + 4 > bytes.length) return undefined;
    const magic = le32(bytes, pos);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // a skippable frame: magic, 4-byte size, data
      if (pos + 8 > bytes.length) return undefined;
      pos += 8 + le32(bytes, pos + 4);
      continue;
    }
    if (magic !== 0xfd2fb528 || pos + 5 > bytes.length) return undefined;
    const fhd = bytes[pos + 4]!;
    const fcsFlag = fhd >> 6;
    const single = (fhd & 0x20) !== 0;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    if (fcsBytes === 0) return undefined;
    const at = pos + 5 + (single ? 0 : 1) + dictBytes;
    if (at + fcsBytes > bytes.length) return undefined;
    let size: number;
    if (fcsBytes === 1) size = bytes[at]!;
    else if (fcsBytes === 2) size = (bytes[at]! | (bytes[at + 1]! << 8)) + 256;
    else if (fcsBytes === 4) size = le32(bytes, at);
    else size = le32(bytes, at) + le32(bytes, at + 4) * 2 ** 32;
    total += size;
    // the frame's blocks: 3-byte headers (last-block bit, type, size), then an optional 4-byte checksum
    let p = at + fcsBytes;
    for (;;) {
      if (p + 3 > bytes.length) return undefined;
      const h = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
      const type = (h >> 1) & 3;
      p += 3 + (type === 1 ? 1 : h >>> 3);
      if (h & 1) break;
    }
    if (fhd & 0x04) p += 4;
    pos = p;
  }
  return total;
}

type ZstdStream = { init(): Promise<void>; decodeStreaming(arrays: Uint8Array[]): Iterable<Uint8Array> };
let zstdStream: Promise<ZstdStream> | undefined;

/**
 * Decodes zstd data into at most `limit` bytes: frames that declare their size are checked before decoding
 * (numcodecs' wasm decoder then allocates exactly that); frames without one are decoded as a stream
 * (zstddec) and stopped once the output passes the limit.
 * @param unit what the data are, for the message ("chunk", "tile", "strip") [default "chunk"]
 * @throws Error when the output would pass the limit or the data are not valid zstd.
 */
export async function zstdBounded(bytes: Uint8Array, limit: number, unit = "chunk"): Promise<Uint8Array> {
  const declared = zstdContentSize(bytes);
  if (declared !== undefined) {
    if (declared > limit) throw overflow("zstd", limit, unit);
    const Zstd = (await import("numcodecs/zstd")).default;
    return Zstd.fromConfig({ level: 0 } as never).decode(bytes);
  }
  zstdStream ??= import("zstddec/stream").then(async (m) => {
    const d = new m.ZSTDDecoder() as unknown as ZstdStream;
    await d.init();
    return d;
  });
  const decoder = await zstdStream;
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const part of decoder.decodeStreaming([bytes])) {
    n += part.length;
    if (n > limit) throw overflow("zstd", limit, unit);
    parts.push(part);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
