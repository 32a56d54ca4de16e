// Chunk compressors the Zarr writer can encode with, and their v2 / v3 metadata.
import { gzipSync } from "node:zlib";
import { EocubeError } from "../../core/errors.js";
import { encodeBloscLz4 } from "./blosc-encode.js";

/**
 * Compressors the writer encodes: "blosc" (LZ4 inside, byte shuffle: zarr-python's default, encoded in
 * TypeScript), "blosc-zstd" (zstd inside, byte shuffle), "zstd", "gzip", or none.
 */
export type ZarrCompressorName = "blosc" | "blosc-zstd" | "zstd" | "gzip";

/** The compressor names the writer knows (for validating requests). */
export const ZARR_COMPRESSORS: readonly ZarrCompressorName[] = ["blosc", "blosc-zstd", "zstd", "gzip"];

/** Compression level used for every compressor (numcodecs' usual default for blosc is 5). */
export const LEVEL = 5;

interface Encoder {
  encode(data: Uint8Array, typesize: number): Uint8Array | Promise<Uint8Array>;
}

const encoders = new Map<ZarrCompressorName, Promise<Encoder>>();

async function loadEncoder(name: ZarrCompressorName): Promise<Encoder> {
  switch (name) {
    case "blosc":
      return { encode: (data: Uint8Array, typesize: number) => encodeBloscLz4(data, typesize, LEVEL) };
    case "blosc-zstd": {
      // numcodecs.js shuffles with the typesize of its input (bytes): 1, i.e. no effective shuffle
      const Blosc = (await import("numcodecs/blosc")).default;
      return Blosc.fromConfig({ id: "blosc", cname: "zstd", clevel: LEVEL, shuffle: 1, blocksize: 0 });
    }
    case "zstd": {
      const Zstd = (await import("numcodecs/zstd")).default;
      return Zstd.fromConfig({ id: "zstd", level: LEVEL });
    }
    case "gzip":
      return { encode: (data: Uint8Array) => new Uint8Array(gzipSync(data, { level: LEVEL })) };
    default:
      throw new EocubeError("INVALID_ARGUMENT", `unknown Zarr compressor ${JSON.stringify(name)}`, {
        field: "compressor",
        hint: 'use "blosc", "blosc-zstd", "zstd", "gzip" or null',
      });
  }
}

/**
 * Compresses encoded chunk bytes with the named compressor (TypeScript blosc-lz4, numcodecs.js wasm for
 * blosc-zstd/zstd, Node's zlib for gzip). `null` returns the bytes unchanged.
 * @param typesize bytes per element (blosc's shuffle unit; default 1)
 * @throws EocubeError INVALID_ARGUMENT for an unknown compressor name.
 */
export async function compress(name: ZarrCompressorName | null, bytes: Uint8Array, typesize = 1): Promise<Uint8Array> {
  if (name === null) return bytes;
  let enc = encoders.get(name);
  if (!enc) {
    enc = loadEncoder(name);
    encoders.set(name, enc);
    enc.catch(() => encoders.delete(name));
  }
  return (await enc).encode(bytes, typesize);
}

/**
 * The v2 `.zarray` `compressor` object for a compressor (numcodecs ids, readable by zarr-python 2
 * and numcodecs ≥ 0.10). https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html#metadata
 */
export function v2Compressor(name: ZarrCompressorName | null): Record<string, unknown> | null {
  switch (name) {
    case null:
      return null;
    case "blosc":
      return { id: "blosc", cname: "lz4", clevel: LEVEL, shuffle: 1, blocksize: 0 };
    case "blosc-zstd":
      return { id: "blosc", cname: "zstd", clevel: LEVEL, shuffle: 1, blocksize: 0 };
    case "zstd":
      return { id: "zstd", level: LEVEL };
    case "gzip":
      return { id: "gzip", level: LEVEL };
  }
}

/**
 * The v3 `codecs` list for a compressor: `bytes` (little endian) then the compressor.
 * https://zarr-specs.readthedocs.io/en/latest/v3/codecs/index.html
 * @param itemSize bytes per element (blosc's `typesize`).
 */
export function v3Codecs(name: ZarrCompressorName | null, itemSize: number): Record<string, unknown>[] {
  const codecs: Record<string, unknown>[] = [{ name: "bytes", configuration: { endian: "little" } }];
  if (name === "blosc" || name === "blosc-zstd") {
    const cname = name === "blosc" ? "lz4" : "zstd";
    codecs.push({
      name: "blosc",
      configuration: { cname, clevel: LEVEL, shuffle: "shuffle", typesize: Math.max(1, itemSize), blocksize: 0 },
    });
  } else if (name === "zstd") {
    codecs.push({ name: "zstd", configuration: { level: LEVEL, checksum: false } });
  } else if (name === "gzip") {
    codecs.push({ name: "gzip", configuration: { level: LEVEL } });
  }
  return codecs;
}
