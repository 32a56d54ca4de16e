// Checks a stored Zarr chunk against its compressor's own header before decoding, so that a truncated or
// padded chunk fails with CORRUPT_DATA naming the chunk instead of decoding to garbage (blosc does that).
import type { AbsolutePath, AsyncReadable, GetOptions, RangeQuery } from "@zarrita/storage";
import { EocubeError } from "../../core/errors.js";
import type { MetadataOverlayStore } from "./store.js";

/** What a stored chunk must look like: its outermost compressor and the byte size it decodes to. */
export interface ChunkExpectation {
  /** The outermost (last applied) compressor: numcodecs id (v2) or codec name (v3); undefined when none. */
  compressor?: string;
  /** Bytes the compressor's output decodes to (chunk elements × item size), when the codecs make it known. */
  decodedBytes?: number;
}

/** Item size in bytes of a v2 dtype string (`<f8` → 8, `<U13` → 52, `|b1` → 1); undefined for objects. */
function v2ItemSize(dtype: unknown): number | undefined {
  if (typeof dtype !== "string") return undefined;
  const m = /^[<>|=]?([biufcmMSUV])(\d+)(\[\w+\])?$/.exec(dtype);
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === "U" ? n * 4 : n;
}

/** Item size in bytes of a v3 `data_type` (`float32` → 4, `bool` → 1); undefined for variable-size types. */
function v3ItemSize(dataType: unknown): number | undefined {
  if (dataType === "bool") return 1;
  if (typeof dataType !== "string") return undefined;
  const m = /^(?:u?int|float|complex)(\d+)$/.exec(dataType);
  return m ? Number(m[1]) / 8 : undefined;
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * The expectation for the chunks of an array (`.zarray` v2 or `zarr.json` v3 document). The decoded size
 * is only known when nothing between the values and the compressor changes the byte count: v2 without
 * filters, v3 with only `transpose` before `bytes` and one bytes-to-bytes codec. Sharded v3 arrays (inner
 * chunks read by range) get no expectation.
 * Specs: https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html#metadata, …/v3/core/v3.0.html#chunk-encoding
 */
export function chunkExpectation(meta: Record<string, unknown>, version: 2 | 3): ChunkExpectation {
  if (version === 2) {
    const compressor = (meta.compressor as { id?: unknown } | null | undefined)?.id;
    const filters = meta.filters as unknown[] | null | undefined;
    const item = v2ItemSize(meta.dtype);
    const chunks = meta.chunks as number[];
    return {
      compressor: typeof compressor === "string" ? compressor : undefined,
      decodedBytes: (!filters || filters.length === 0) && item !== undefined ? product(chunks) * item : undefined,
    };
  }
  const codecs = (Array.isArray(meta.codecs) ? meta.codecs : []) as { name?: unknown }[];
  const names = codecs.map((c) => String(c?.name));
  const at = names.indexOf("bytes");
  if (at < 0) return {};
  const after = names.slice(at + 1);
  const compressor = after.length > 0 ? after[after.length - 1] : undefined;
  const item = v3ItemSize(meta.data_type);
  const chunks = (meta.chunk_grid as { configuration?: { chunk_shape?: number[] } } | undefined)?.configuration?.chunk_shape;
  const known = item !== undefined && Array.isArray(chunks) && names.slice(0, at).every((n) => n === "transpose") && after.length <= 1;
  return { compressor, decodedBytes: known ? product(chunks!) * item! : undefined };
}

function corruptChunk(key: string, what: string): EocubeError {
  return new EocubeError("CORRUPT_DATA", `chunk ${key} is damaged: ${what}`, {
    path: key,
    hint: "the chunk file is truncated or was overwritten; rewrite it from the source data",
  });
}

/**
 * Checks stored chunk bytes against the compressor's header (blosc: 16-byte header with `nbytes` at bytes
 * 4..7 and `cbytes` at 12..15, little endian, https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst;
 * numcodecs lz4: 4-byte little-endian decoded size) and against the expected decoded size; without a
 * compressor, the stored size itself must be the decoded size.
 * @param chunkKey the chunk's key, named in the error (e.g. `cube.zarr/conc_chl/0.0.1`), or a function giving it (made
 *   only for an error)
 * @throws EocubeError CORRUPT_DATA naming the chunk.
 */
export function checkChunkBytes(bytes: Uint8Array, expect: ChunkExpectation, chunkKey: string | (() => string)): void {
  const corrupt = (what: string) => corruptChunk(typeof chunkKey === "string" ? chunkKey : chunkKey(), what);
  const want = expect.decodedBytes;
  const le32 = (off: number) => (bytes[off]! | (bytes[off + 1]! << 8) | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24)) >>> 0;
  switch (expect.compressor) {
    case undefined:
      if (want !== undefined && bytes.length !== want) {
        throw corrupt(`it holds ${bytes.length} bytes, an uncompressed chunk of this array holds ${want}`);
      }
      return;
    case "blosc": {
      if (bytes.length < 16) throw corrupt(`${bytes.length} bytes is shorter than blosc's 16-byte header`);
      const cbytes = le32(12);
      if (cbytes !== bytes.length) {
        throw corrupt(`its blosc header gives ${cbytes} compressed bytes but the chunk has ${bytes.length}`);
      }
      const nbytes = le32(4);
      if (want !== undefined && nbytes !== want) {
        throw corrupt(`its blosc header gives ${nbytes} decoded bytes, a chunk of this array has ${want}`);
      }
      return;
    }
    case "lz4": {
      if (bytes.length < 4) throw corrupt(`${bytes.length} bytes is shorter than lz4's 4-byte size header`);
      const n = le32(0);
      if (want !== undefined && n !== want) throw corrupt(`its lz4 header gives ${n} decoded bytes, a chunk of this array has ${want}`);
      return;
    }
    default:
      return; // gzip, zlib, zstd, … fail by themselves when truncated; the decoded size is checked after decoding
  }
}

/**
 * A store for one array that checks every chunk it returns with {@link checkChunkBytes}; metadata keys and
 * byte ranges (shard parts) pass through unchecked.
 */
export class CheckedChunkStore implements AsyncReadable {
  readonly #inner: MetadataOverlayStore;
  readonly #expect: ChunkExpectation;

  /** @param inner the group's store; @param expect the array's chunk expectation ({@link chunkExpectation}). */
  constructor(inner: MetadataOverlayStore, expect: ChunkExpectation) {
    this.#inner = inner;
    this.#expect = expect;
  }

  /** The object at `key`; chunk objects are checked first. @throws EocubeError CORRUPT_DATA naming the chunk. */
  async get(key: AbsolutePath, opts?: GetOptions): Promise<Uint8Array | undefined> {
    const bytes = await this.#inner.get(key, opts);
    if (bytes !== undefined && !/(^|\/)(\.zarray|\.zgroup|\.zattrs|zarr\.json)$/.test(key)) {
      checkChunkBytes(bytes, this.#expect, this.#inner.inner.keyOf(key));
    }
    return bytes;
  }

  /** Byte ranges come unchecked from the group's store. */
  getRange(key: AbsolutePath, range: RangeQuery, opts?: GetOptions): Promise<Uint8Array | undefined> {
    return this.#inner.getRange(key, range, opts);
  }
}
