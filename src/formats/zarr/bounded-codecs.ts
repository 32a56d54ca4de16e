// Zarr chunk decompression with a ceiling: the gzip, zlib, zstd, lz4 and blosc decoders zarrita uses are
// replaced by ones that stop at the chunk's declared size (the bounded decoders of ../bounded.ts), so a crafted
// chunk that inflates to gigabytes fails after a few megabytes instead of being inflated whole before the size check.
import { MAX_CHUNK_BYTES } from "../limits.js";
import { inflateBounded, le32, overflow, zstdBounded } from "../bounded.js";

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
