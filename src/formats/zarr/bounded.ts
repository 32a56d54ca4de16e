// Chunk decompression with a ceiling: the gzip, zlib, zstd, lz4 and blosc decoders zarrita uses are replaced
// by ones that stop at the chunk's declared size, so a crafted chunk that inflates to gigabytes fails after a
// few megabytes instead of being inflated whole before the size check (a decompression bomb).
import { promisify } from "node:util";
import { gunzip, inflate, type ZlibOptions } from "node:zlib";
import { formatBytes } from "../../core/bytes.js";
import { MAX_CHUNK_BYTES } from "../limits.js";

const gunzipAsync = promisify<Uint8Array, ZlibOptions, Buffer>(gunzip);
const inflateAsync = promisify<Uint8Array, ZlibOptions, Buffer>(inflate);

/** What zarrita hands a codec's `fromConfig` about the chunks it decodes. */
interface ChunkMeta {
  dataType?: unknown;
  shape?: readonly number[];
}

/** Bytes per element of a zarrita data type (`float32` → 4, `v2:U13` → 52), or undefined when variable. */
function itemBytes(dataType: unknown): number | undefined {
  if (typeof dataType !== "string") return undefined;
  if (dataType === "bool") return 1;
  let m = /^(?:u?int|float|complex)(\d+)$/.exec(dataType);
  if (m) return Number(m[1]) / 8;
  m = /^v2:([US])(\d+)$/.exec(dataType);
  if (m) return Number(m[2]) * (m[1] === "U" ? 4 : 1);
  return undefined;
}

/**
 * The most bytes a bytes-to-bytes decoder may produce for one chunk: the chunk's size (elements × item size)
 * plus a margin for codecs between it and the values (a crc32c checksum, a shard index), never more than
 * {@link MAX_CHUNK_BYTES}; MAX_CHUNK_BYTES when the size is not fixed (strings, objects).
 */
export function chunkByteLimit(meta: ChunkMeta): number {
  const item = itemBytes(meta.dataType);
  if (item === undefined || !Array.isArray(meta.shape)) return MAX_CHUNK_BYTES;
  const bytes = meta.shape.reduce((a, b) => a * b, 1) * item;
  return Math.min(MAX_CHUNK_BYTES, bytes + Math.floor(bytes / 64) + 65_536);
}

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

const le32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

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

/** A bytes-to-bytes codec of zarrita's registry (decode only; eocube writes through its own encoders). */
interface BytesCodec {
  kind: "bytes_to_bytes";
  encode(data: Uint8Array): never;
  decode(data: Uint8Array): Promise<Uint8Array>;
}

function codecClass(name: string, decode: (data: Uint8Array, limit: number, config: Record<string, unknown>) => Promise<Uint8Array>) {
  return {
    fromConfig(config: Record<string, unknown> | undefined, meta: ChunkMeta): BytesCodec {
      const limit = chunkByteLimit(meta);
      return {
        kind: "bytes_to_bytes",
        encode: () => {
          throw new Error(`the ${name} codec of the reader does not encode`);
        },
        decode: (data) => decode(data, limit, config ?? {}),
      };
    },
  };
}

/** numcodecs' wasm blosc / lz4 (loaded on first use), decoded only after their size headers were checked. */
const wasmCodec = (mod: "blosc" | "lz4") => {
  let codec: Promise<{ decode(d: Uint8Array): Promise<Uint8Array> }> | undefined;
  return (config: Record<string, unknown>) => {
    codec ??= (mod === "blosc" ? import("numcodecs/blosc") : import("numcodecs/lz4")).then(
      (m) => m.default.fromConfig(config as never) as never,
    );
    return codec;
  };
};
const blosc = wasmCodec("blosc");
const lz4 = wasmCodec("lz4");

const gzipCodec = codecClass("gzip", (d, limit) => inflateBounded(d, "gzip", limit));
const zlibCodec = codecClass("zlib", (d, limit) => inflateBounded(d, "zlib", limit));
const zstdCodec = codecClass("zstd", (d, limit) => zstdBounded(d, limit));
const bloscCodec = codecClass("blosc", async (d, limit, config) => {
  // blosc header: nbytes (decoded size) at bytes 4..7 (https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst)
  if (d.length >= 16 && le32(d, 4) > limit) throw overflow("blosc", limit);
  return (await blosc(config)).decode(d);
});
const lz4Codec = codecClass("lz4", async (d, limit, config) => {
  // numcodecs' lz4: a 4-byte little-endian decoded size, then one LZ4 block
  if (d.length >= 4 && le32(d, 0) > limit) throw overflow("lz4", limit);
  return (await lz4(config)).decode(d);
});

let installed = false;

/**
 * Replaces the gzip, zlib, zstd, blosc and lz4 decoders of zarrita's codec registry (v3 names and the
 * `numcodecs.*` names of v2 compressors) by the bounded ones of this module. Idempotent.
 * @param registry zarrita's `registry` (name → loader of a codec class)
 */
export function installBoundedCodecs(registry: Map<string, () => unknown>): void {
  if (installed) return;
  installed = true;
  const table: Record<string, unknown> = { gzip: gzipCodec, zlib: zlibCodec, zstd: zstdCodec, blosc: bloscCodec, lz4: lz4Codec };
  for (const [name, codec] of Object.entries(table)) {
    registry.set(name, () => codec);
    registry.set(`numcodecs.${name}`, () => codec);
  }
}
