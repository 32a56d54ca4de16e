// Zarr v2/v3 reader: metadata into a raw Dataset at open, values through zarrita chunk by chunk.
import { readdirSync } from "node:fs";
import type * as zarr from "zarrita";
import { Dataset } from "../../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../../core/errors.js";
import { allocate, itemSize, sizeOf, type DType, type NdArray } from "../../core/ndarray.js";
import { normalizeSelection, type NormalizedDim, type Selection } from "../../core/selection.js";
import { Variable, type Attrs, type Encoding, type ReadOptions } from "../../core/variable.js";
import { FileFileSystem } from "../../fs/file.js";
import type { FileSystem } from "../../fs/types.js";
import { UNREADABLE_KEY, type FormatOpenOptions, type FormatReader } from "../registry.js";
import { decodeFillValue, dtypeOf, readGroupMetadata, storedChunkKey, type ZarrArrayMeta, type ZarrGroupMeta } from "./metadata.js";
import { checkChunkSize, checkReadSize, MAX_CHUNK_BYTES } from "../limits.js";
import { installBoundedCodecs } from "./bounded-codecs.js";
import { CheckedChunkStore, checkChunkBytes, chunkExpectation } from "./check.js";
import { decodeBlosc, decodeBloscRange, frameSlot } from "./blosc.js";
import { readLocalChunk, reusable } from "./local-chunks.js";
import { resultBuffer } from "./spare.js";
import { decodeInThreads } from "./decode-pool.js";
import { FileSystemStore, joinStoreKey, MetadataOverlayStore } from "./store.js";
import { halfAsUint16, halfFillValue, halfToFloat32, isHalfFloat } from "./half.js";

/** Chunks fetched at once by one `read`. */
const CONCURRENCY = 8;

/**
 * Opens the Zarr group (or single array) at `path` as a **raw** Dataset: every array of the group
 * is a data variable with its stored dtype (float16 is widened to float32: zarrita cannot hold it); attrs
 * are the stored attributes without `_ARRAY_DIMENSIONS`, plus (v2 only, as xarray does) `_FillValue`
 * taken from the array's numeric `fill_value`. A bool array's `fill_value` (zarr-python writes `false`)
 * only fills unwritten chunks and is not made a `_FillValue`: the array stays bool, as zarr-python and
 * v3 read it (xarray 2023-2025 would mask every `false` and give an object array of True/NaN). Dims come from `_ARRAY_DIMENSIONS` (v2) or `dimension_names` (v3), else `dim_0`, …
 * (prefixed with the array name when sizes clash). Only metadata is read: one request for a
 * consolidated v2 store. Values are read by `Variable.read`, which fetches only the chunks the
 * selection touches.
 * Specs: https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html, …/v3/core/v3.0.html
 * @throws EocubeError NOT_FOUND (no store), CORRUPT_DATA (metadata not JSON / inconsistent, naming the key).
 */
export async function openZarr(fs: FileSystem, path: string, options: FormatOpenOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  const group = await readGroupMetadata(fs, path, options);
  const store = new MetadataOverlayStore(new FileSystemStore(fs, group.storePrefix), group.documents);
  const data_vars: Record<string, Variable> = {};
  const dimSizes = new Map<string, number>();
  for (const a of group.arrays) {
    const v = arrayVariable(store, group, a, dimSizes);
    data_vars[a.name] = v;
  }
  return new Dataset({
    data_vars,
    attrs: { ...group.attrs },
    encoding: { format: "zarr", source: joinStoreKey(fs.root, path), zarr_format: group.version, consolidated: group.consolidated },
  });
}

/** The Zarr reader of the format registry (see {@link openZarr}). */
export const zarrReader: FormatReader = {
  id: "zarr",
  open: openZarr,
};

function dimsOf(a: ZarrArrayMeta, version: 2 | 3, dimSizes: Map<string, number>): string[] {
  const shape = a.meta.shape as number[];
  let names: unknown = version === 3 ? a.meta.dimension_names : undefined;
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) names = a.attrs._ARRAY_DIMENSIONS;
  if (Array.isArray(names) && names.length === shape.length && names.every((n) => typeof n === "string")) {
    return names as string[];
  }
  const plain = shape.map((_, i) => `dim_${i}`);
  const clash = plain.some((d, i) => dimSizes.has(d) && dimSizes.get(d) !== shape[i]);
  const dims = clash ? shape.map((_, i) => `${a.name}_dim_${i}`) : plain;
  return dims;
}

function arrayVariable(store: MetadataOverlayStore, group: ZarrGroupMeta, a: ZarrArrayMeta, dimSizes: Map<string, number>): Variable {
  const { version } = group;
  const shape = (a.meta.shape as number[]).slice();
  const dims = dimsOf(a, version, dimSizes);
  dims.forEach((d, i) => {
    dimSizes.set(d, shape[i]!);
  });
  const chunks =
    version === 2
      ? (a.meta.chunks as number[]).slice()
      : (a.meta.chunk_grid as { configuration: { chunk_shape: number[] } }).configuration.chunk_shape.slice();
  const dtype = dtypeOf(a.meta, version);
  const half = isHalfFloat(a.meta, version);
  const fillValue = half ? halfFillValue(decodeFillValue(a.meta.fill_value)) : decodeFillValue(a.meta.fill_value);
  const attrs: Attrs = { ...a.attrs };
  delete attrs._ARRAY_DIMENSIONS;
  if (version === 3 && typeof attrs._FillValue === "string") attrs._FillValue = decodeV3FillAttr(attrs._FillValue, dtype);
  if (version === 2 && typeof fillValue === "number" && dtype !== "bool" && !("_FillValue" in attrs)) {
    attrs._FillValue = fillValue;
  }
  const encoding: Encoding = {
    dtype: dtype ?? "object",
    chunks,
    zarr_format: version,
    fill_value: fillValue,
    compressor: version === 2 ? (a.meta.compressor ?? null) : undefined,
    filters: version === 2 ? (a.meta.filters ?? null) : undefined,
    codecs: version === 3 ? a.meta.codecs : undefined,
    order: version === 2 ? a.meta.order : undefined,
  };
  if (!dtype) encoding[UNREADABLE_KEY] = unreadableText(version === 2 ? a.meta.dtype : a.meta.data_type);
  for (const key of Object.keys(encoding)) if (encoding[key] === undefined) delete encoding[key];

  const arrayKey = joinStoreKey(store.inner.keyOf(""), a.name);
  const checked = new CheckedChunkStore(store, chunkExpectation(a.meta, version));
  let opened: Promise<zarr.Array<zarr.DataType, zarr.AsyncReadable>> | undefined;
  const open = () => {
    opened ??= (async () => {
      if (!dtype) {
        throw new EocubeError("UNSUPPORTED", `array ${arrayKey}: ${encoding[UNREADABLE_KEY]}`, { path: arrayKey });
      }
      try {
        const zarr = await import("zarrita"); // loaded on first use: most v2 arrays are read without it
        installBoundedCodecs(zarr.registry as unknown as Map<string, () => unknown>);
        const loc = zarr.root(half ? halfOverlay(checked, a, version) : checked).resolve(a.name);
        return version === 2 ? await zarr.open.v2(loc, { kind: "array" }) : await zarr.open.v3(loc, { kind: "array" });
      } catch (err) {
        throw new EocubeError("UNSUPPORTED", `cannot read array ${arrayKey}: ${(err as Error).message}`, { path: arrayKey, cause: err });
      }
    })();
    opened.catch(() => undefined);
    return opened;
  };

  const direct = version === 2 && dtype ? directV2Source(checked, a, dtype, chunks, fillValue, store.inner) : undefined;
  const fill = typeof fillValue === "number" ? fillValue : typeof fillValue === "boolean" ? Number(fillValue) : 0;
  const item = dtype && dtype !== "str" && dtype !== "object" ? itemSize(dtype) : 8;
  /**
   * The chunk source, unless a chunk of `shape` decodes to more than MAX_CHUNK_BYTES: then a stored chunk is
   * refused (TOO_LARGE naming it) before it is fetched, and a chunk that is not stored is the fill value.
   */
  const bounded = (source: ChunkSource, shape: readonly number[], label: (coords: number[]) => string): ChunkSource => {
    const bytes = sizeOf([...shape]) * item;
    if (bytes <= MAX_CHUNK_BYTES) return source;
    return async (coords, signal) => {
      const stored = coords.map((c, i) => Math.floor((c * shape[i]!) / chunks[i]!)); // the shard of an inner chunk
      const key = `/${a.name}/${storedChunkKey(a.meta, version, stored)}`;
      if (await store.inner.fs.exists(store.inner.keyOf(key), { signal })) {
        checkChunkSize(bytes, `chunk ${label(coords)} (${shape.join("×")} values)`, { path: label(coords), field: a.name });
      }
      return { fill };
    };
  };

  return new Variable({
    name: a.name,
    dims,
    shape,
    dtype: dtype ?? "object",
    chunks,
    attrs,
    encoding,
    readsInto: true,
    read: async (selection: Selection, options?: ReadOptions) => {
      let norm: NormalizedDim[];
      try {
        norm = normalizeSelection(shape, selection);
      } catch (err) {
        throw new EocubeError("OUT_OF_RANGE", `${a.name}: ${(err as Error).message}`, { path: arrayKey, field: a.name, cause: err });
      }
      checkReadSize(
        sizeOf(norm.map((d) => d.stop - d.start)),
        dtype && dtype !== "str" && dtype !== "object" ? itemSize(dtype) : 8,
        `array ${arrayKey}`,
        { path: arrayKey, field: a.name },
      );
      if (direct) {
        const label = (coords: number[]) => chunkLabel(a, version, arrayKey, chunks, chunks, coords);
        return readSelection(bounded(direct, chunks, label), chunks, norm, dtype!, label, options);
      }
      const arr = await open();
      const viaZarrita: ChunkSource = half
        ? async (coords, signal) => {
            const c = (await arr.getChunk(coords, { signal })) as { data: Uint16Array; shape: number[]; stride: number[] };
            return { data: halfToFloat32(c.data), shape: c.shape, stride: c.stride, owned: true };
          }
        : (coords, signal) => arr.getChunk(coords, { signal }) as Promise<Chunk>;
      const label = (coords: number[]) => chunkLabel(a, version, arrayKey, chunks, arr.chunks, coords);
      return readSelection(bounded(viaZarrita, arr.chunks, label), arr.chunks, norm, dtype ?? "object", label, options);
    },
  });
}

/** Why a stored Zarr data type cannot be read: what it is, and what eocube reads. */
function unreadableText(stored: unknown): string {
  const text = JSON.stringify(stored) ?? String(stored);
  const m = typeof stored === "string" ? /^[<>|=]?([a-zA-Z])(\d*)/.exec(stored) : null;
  const what = !m
    ? "a data type eocube does not know"
    : m[1] === "f" || m[1] === "c"
      ? `${Number(m[2]) * 8}-bit ${m[1] === "c" ? "complex" : "floating point"} numbers`
      : m[1] === "V"
        ? `raw records of ${m[2]} bytes (numpy void)`
        : m[1] === "M" || m[1] === "m"
          ? "numpy datetimes/timedeltas"
          : "a data type eocube does not know";
  return `its stored data type ${text} (${what}) cannot be read: eocube reads bool, (u)int8…64, float16/32/64 and strings`;
}

/**
 * The store as zarrita sees it for a float16 array: the array's own metadata (`.zarray` / `zarr.json`)
 * says uint16 (halfAsUint16), so zarrita hands over the bit patterns, which the reader widens to float32.
 */
function halfOverlay(store: CheckedChunkStore, a: ZarrArrayMeta, version: 2 | 3): zarr.AsyncReadable {
  const key = `/${a.name}/${version === 2 ? ".zarray" : "zarr.json"}`.replace(/^\/+/, "/");
  const doc = new TextEncoder().encode(JSON.stringify(halfAsUint16(a.meta, version)));
  return {
    get: (k, opts) => (k === key ? Promise.resolve(doc) : store.get(k, opts)),
    getRange: (k, range, opts) => store.getRange(k, range, opts),
  };
}

/**
 * A v3 `_FillValue` attribute given as a string: "NaN"/"Infinity"/"-Infinity", or xarray's base64 of
 * the little-endian float (xarray's FillValueCoder for zarr v3); other strings are kept.
 */
function decodeV3FillAttr(value: string, dtype: DType | undefined): unknown {
  const named = decodeFillValue(value);
  if (typeof named === "number") return named;
  if ((dtype === "float32" || dtype === "float64") && /^[A-Za-z0-9+/]+=*$/.test(value)) {
    const b = Buffer.from(value, "base64");
    if (b.length === 8) return b.readDoubleLE(0);
    if (b.length === 4) return b.readFloatLE(0);
  }
  return value;
}

/** The store key of the (stored) chunk or shard holding inner chunk `coords`, for error messages. */
function chunkLabel(
  a: ZarrArrayMeta,
  version: 2 | 3,
  arrayKey: string,
  gridChunks: number[],
  innerChunks: readonly number[],
  coords: number[],
): string {
  const stored = coords.map((c, i) => Math.floor((c * innerChunks[i]!) / gridChunks[i]!));
  return `${arrayKey}/${storedChunkKey(a.meta, version, stored)}`;
}

type Indexable = ArrayLike<unknown> & { [i: number]: unknown };

/** The chunk's values as something indexable (typed arrays as they are; bool/string views copied). */
function indexable(data: unknown, length: number, dtype: DType): Indexable {
  if (ArrayBuffer.isView(data)) {
    const d = data as unknown as Indexable;
    if (dtype === "float32" && !(data instanceof Float32Array)) return Float32Array.from(data as unknown as ArrayLike<number>);
    return d;
  }
  if (Array.isArray(data)) return data;
  const g = data as { get(i: number): unknown; length: number };
  const out = new Array<unknown>(length);
  if (dtype === "bool") for (let i = 0; i < length; i++) out[i] = g.get(i) ? 1 : 0;
  else for (let i = 0; i < length; i++) out[i] = g.get(i);
  return out;
}

/**
 * A result array of `n` elements whose every element the read writes (each lies in exactly one chunk, which is
 * copied or filled): typed arrays are left uninitialized (Node's unpooled unsafe allocation), sparing the
 * zeroing of a buffer that is overwritten anyway; a large one repeated may get memory already touched (spare.ts).
 */
function allocateOut(dtype: DType, n: number): Indexable {
  if (dtype === "str" || dtype === "object") return new Array<unknown>(n);
  const zeroed = allocate(dtype, 0) as unknown as { constructor: new (b: ArrayBuffer, o: number, n: number) => Indexable };
  const B = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  if (!B || n === 0) return allocate(dtype, n) as unknown as Indexable;
  return new zeroed.constructor(resultBuffer(n * itemSize(dtype)), 0, n);
}

/**
 * A decoded chunk: its values (C order unless `stride` says otherwise) and their strides in elements, and
 * `owned` when the values sit in a buffer of their own that nothing else refers to (a fresh decode, not
 * the store's bytes); or, for a chunk that is not stored, just the fill value its elements all have; or, when a
 * range was asked for, just the values of that range (`run`).
 */
type Chunk = { data: unknown; shape: number[]; stride: number[]; owned?: boolean } | { fill: number } | { run: ArrayLike<number> };
/**
 * Fetches and decodes the chunk at grid position `coords`. `storedSet`, when present, lists the array's
 * stored chunks at once (one directory listing): a read over many chunks then skips the opens of the
 * missing ones. It gives undefined where a listing is not worth it or not possible.
 */
type ChunkSource = ((coords: number[], signal?: AbortSignal, range?: ElementRange) => Promise<Chunk>) & {
  storedSet?: (touched: number, signal?: AbortSignal) => Promise<{ has: (coords: number[]) => boolean; fill: number } | undefined>;
  /**
   * The same chunk read and decoded synchronously (local files only), its values possibly in a buffer the next call
   * reuses: the caller copies them out before calling again. Undefined when this chunk needs the asynchronous path
   * (a frame only the wasm decoder reads, or an I/O error, which the asynchronous path reports). `known`: a listing has
   * just shown the chunk stored. `into` (the chunk's decoded size in bytes, aligned for the dtype): where to put the
   * values of a whole stored chunk (its data is then a view of `into`'s start), instead of the reused buffer.
   */
  sync?: (coords: number[], range?: ElementRange, known?: boolean, into?: Uint8Array) => Chunk | undefined;
  /** {@link storedSet} from a synchronous listing (local files), for the synchronous path. */
  storedSync?: (touched: number) => { has: (coords: number[]) => boolean; fill: number } | undefined;
  /** For {@link decodeInThreads}: the local file of a chunk, its decoded size and compressor, the fill value, and the typed array of decoded bytes. */
  local?: {
    path: (coords: number[]) => string;
    chunkBytes: number;
    blosc: boolean;
    fill: number;
    view: (bytes: Uint8Array) => ArrayLike<number>;
  };
};

/**
 * The one contiguous run of a chunk's elements (C order) a read needs, when it is a small part of the chunk: a source
 * may then give just those values (`{ run }`, `count` of them) instead of the decoded chunk.
 */
type ElementRange = { first: number; count: number };

/** A local read of at least this many whole-chunk parts is decoded by the decoding threads too (decode-pool.ts). */
const THREADS_FROM_CHUNKS = 4;

/** A read touching at least this many chunks lists the array's folder instead of opening each missing chunk. */
const LIST_FROM_CHUNKS = 8;

/** Typed-array constructors of the v2 dtypes the direct path reads (little endian or single byte). */
const DIRECT_V2: Record<string, { dtype: DType; make: (b: ArrayBuffer, off: number, n: number) => ArrayLike<number>; size: number }> = {
  "|b1": { dtype: "bool", make: (b, o, n) => new Uint8Array(b, o, n), size: 1 },
  "|u1": { dtype: "uint8", make: (b, o, n) => new Uint8Array(b, o, n), size: 1 },
  "<u1": { dtype: "uint8", make: (b, o, n) => new Uint8Array(b, o, n), size: 1 },
  "|i1": { dtype: "int8", make: (b, o, n) => new Int8Array(b, o, n), size: 1 },
  "<i1": { dtype: "int8", make: (b, o, n) => new Int8Array(b, o, n), size: 1 },
  "<i2": { dtype: "int16", make: (b, o, n) => new Int16Array(b, o, n), size: 2 },
  "<u2": { dtype: "uint16", make: (b, o, n) => new Uint16Array(b, o, n), size: 2 },
  "<i4": { dtype: "int32", make: (b, o, n) => new Int32Array(b, o, n), size: 4 },
  "<u4": { dtype: "uint32", make: (b, o, n) => new Uint32Array(b, o, n), size: 4 },
  "<f4": { dtype: "float32", make: (b, o, n) => new Float32Array(b, o, n), size: 4 },
  "<f8": { dtype: "float64", make: (b, o, n) => new Float64Array(b, o, n), size: 8 },
  // int64 (e.g. a time coordinate's stored offsets): without these, reading one would load zarrita and the wasm c-blosc
  // (~0.1 s and ~10 MB in a `gen` of a cube whose time is <i8)
  "<i8": { dtype: "int64", make: (b, o, n) => new BigInt64Array(b, o, n) as unknown as ArrayLike<number>, size: 8 },
  "<u8": { dtype: "uint64", make: (b, o, n) => new BigUint64Array(b, o, n) as unknown as ArrayLike<number>, size: 8 },
};

type BloscDecoder = { decode(data: Uint8Array): Promise<Uint8Array> };
let wasmBlosc: Promise<BloscDecoder> | undefined;
/** numcodecs' wasm c-blosc, for the frames {@link decodeBlosc} declines (zstd, blosclz, zlib, bit shuffle). */
function referenceBlosc(): Promise<BloscDecoder> {
  wasmBlosc ??= import("numcodecs/blosc").then(
    (m) => m.default.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 } as never) as unknown as BloscDecoder,
  );
  return wasmBlosc;
}

/**
 * A chunk source that bypasses zarrita for the commonest v2 arrays — no filters, C order, blosc or no
 * compressor, a little-endian numeric or bool dtype — decoding blosc-LZ4 in TypeScript (other blosc frames
 * through numcodecs' wasm) and viewing the decoded bytes as a typed array without another copy. A missing
 * chunk is the array's fill value. Undefined for every other array (zarrita reads those).
 */
function directV2Source(
  store: CheckedChunkStore,
  a: ZarrArrayMeta,
  dtype: DType,
  chunks: number[],
  fillValue: unknown,
  files: FileSystemStore,
): ChunkSource | undefined {
  const m = a.meta;
  const kind = typeof m.dtype === "string" ? DIRECT_V2[m.dtype] : undefined;
  const compressor = m.compressor as { id?: unknown } | null | undefined;
  if (!kind || kind.dtype !== dtype || (m.order !== undefined && m.order !== "C")) return undefined;
  if (Array.isArray(m.filters) ? m.filters.length > 0 : m.filters !== null && m.filters !== undefined) return undefined;
  if (compressor !== null && compressor !== undefined && compressor.id !== "blosc") return undefined;
  // a 64-bit integer fill value other than a safe integer (JSON numbers lose precision beyond 2^53): zarrita reads it
  if (kind.size === 8 && dtype !== "float64" && fillValue != null && !Number.isSafeInteger(fillValue)) return undefined;
  const stride = cStrides(chunks);
  const chunkBytes = sizeOf(chunks) * kind.size;
  const fill = typeof fillValue === "number" ? fillValue : typeof fillValue === "boolean" ? Number(fillValue) : 0;
  const source: ChunkSource = async (coords, signal, range) => {
    const key = `/${a.name}/${storedChunkKey(m, 2, coords)}` as `/${string}`;
    const stored = await store.get(key, { signal });
    let bytes: Uint8Array;
    if (stored === undefined) return { fill };
    if (range && storedBytes(stored, !!compressor) === chunkBytes) {
      // only the elements asked for: no decode (or unshuffle) of the rest of the chunk (a chunk of another size is
      // decoded whole, which reports it)
      const part = compressor
        ? decodeBloscRange(stored, range.first, range.count, kind.size)
        : stored.slice(range.first * kind.size, (range.first + range.count) * kind.size);
      if (part) return { run: kind.make(part.buffer as ArrayBuffer, part.byteOffset, range.count) };
    }
    let owned = false;
    if (compressor) {
      const fast = decodeBlosc(stored);
      owned = fast !== undefined; // a new buffer of its own (the wasm decoder's output may share its heap)
      bytes = fast ?? (await (await referenceBlosc()).decode(stored));
    } else bytes = stored;
    if (bytes.byteOffset % kind.size !== 0) bytes = bytes.slice();
    const len = Math.floor(bytes.byteLength / kind.size);
    return { data: kind.make(bytes.buffer as ArrayBuffer, bytes.byteOffset, len), shape: chunks, stride, owned };
  };
  // A local file system: chunks read with synchronous calls into one reused buffer and decoded into another (no
  // allocation, no thread-pool round trips: a chunk from the page cache costs ≈20 µs to read), the caller copying
  // the values out at once.
  const sep = typeof m.dimension_separator === "string" ? m.dimension_separator : ".";
  const grid = arrayShape(a).map((s, i) => Math.ceil(s / chunks[i]!));
  const total = grid.reduce((x, y) => x * y, 1);
  /** Whether a read touching this many chunks should list the array's folder instead of opening each chunk. */
  const worthListing = (touched: number) => touched >= LIST_FROM_CHUNKS && total <= 16 * touched;
  if (files.fs instanceof FileFileSystem) {
    const local = files.fs;
    const expect = chunkExpectation(m, 2);
    // the array's folder resolved once: a chunk's key (digits and the separator) is appended to it
    const folderKey = files.keyOf(`/${a.name}`);
    const simple = (sep === "." || sep === "/") && folderKey !== "";
    const folderPath = simple ? local.resolve(folderKey) : "";
    const keyOf = (coords: number[]) =>
      simple ? `${folderKey}/${storedChunkKey(m, 2, coords)}` : files.keyOf(`/${a.name}/${storedChunkKey(m, 2, coords)}`);
    const pathOf = (coords: number[]) => (simple ? `${folderPath}/${storedChunkKey(m, 2, coords)}` : local.resolve(keyOf(coords)));
    source.local = {
      path: pathOf,
      chunkBytes,
      blosc: !!compressor,
      fill,
      view: (bytes) => kind.make(bytes.buffer as ArrayBuffer, bytes.byteOffset, chunkBytes / kind.size),
    };
    source.sync = (coords, range, known, into) => {
      // a blosc chunk is read straight into the WebAssembly decoder's memory (no copy of the frame there); a chunk
      // without a compressor into `into` when it has the decoded size
      const stored = readLocalChunk(
        pathOf(coords),
        known,
        compressor
          ? (size) => frameSlot(size, chunkBytes)
          : into && !range
            ? (size) => (size === chunkBytes ? into : undefined)
            : undefined,
      );
      if (stored === null) return undefined; // an I/O error: the asynchronous path reports it
      if (stored === undefined) return { fill };
      checkChunkBytes(stored, expect, () => keyOf(coords));
      if (range && storedBytes(stored, !!compressor) === chunkBytes) {
        const part = compressor
          ? decodeBloscRange(stored, range.first, range.count, kind.size)
          : stored.slice(range.first * kind.size, (range.first + range.count) * kind.size);
        if (part) return { run: kind.make(part.buffer as ArrayBuffer, part.byteOffset, range.count) };
      }
      let bytes: Uint8Array | undefined = stored;
      if (compressor) {
        // into the caller's buffer, or (copied out before the next decode) the reused one or the decoder's memory
        bytes = into ? decodeBlosc(stored, into) : decodeBlosc(stored, reusable("decoded", chunkBytes), true);
        if (!bytes) return undefined; // the wasm decoder reads it or reports it
      }
      if (bytes.byteOffset % kind.size !== 0) bytes = bytes.slice();
      const len = Math.floor(bytes.byteLength / kind.size);
      return { data: kind.make(bytes.buffer as ArrayBuffer, bytes.byteOffset, len), shape: chunks, stride };
    };
    // the stored chunks from one synchronous listing of the folder (flat keys only), as storedSet below
    if (sep === "." && simple && chunks.length > 0) {
      source.storedSync = (touched) => {
        if (!worthListing(touched)) return undefined;
        try {
          const stored = new Set(readdirSync(folderPath));
          return { has: (coords) => stored.has(coords.join(".")), fill };
        } catch {
          return undefined; // opening each chunk still works (and reports what is wrong)
        }
      };
    }
  }
  // Which chunks are stored, from one listing of the array's folder: only on a local disk (a readdir is far
  // cheaper than the failed opens it replaces) with flat chunk keys ("." separator), and only when the read
  // touches a fair share of the array (the listing holds every chunk of it). Taken per read, never cached:
  // a chunk written after the open is seen as before.
  const fs = files.fs;
  if (sep === "." && fs.root.startsWith("file:") && chunks.length > 0) {
    const folder = files.keyOf(`/${a.name}`).replace(/^\/+/, "");
    source.storedSet = async (touched, signal) => {
      if (!worthListing(touched)) return undefined;
      let names: string[];
      try {
        names = await fs.list(folder, { signal });
      } catch {
        return undefined; // opening each chunk still works
      }
      const stored = new Set(names);
      return { has: (coords) => stored.has(coords.join(".")), fill };
    };
  }
  return source;
}

/** The decoded size of a stored chunk: a blosc frame's header `nbytes`, or the bytes themselves when not compressed. */
function storedBytes(stored: Uint8Array, blosc: boolean): number {
  if (!blosc) return stored.length;
  return stored.length >= 16 ? stored[4]! + stored[5]! * 2 ** 8 + stored[6]! * 2 ** 16 + stored[7]! * 2 ** 24 : -1;
}

/** The shape of an array from its metadata. */
function arrayShape(a: ZarrArrayMeta): number[] {
  return Array.isArray(a.meta.shape) ? (a.meta.shape as number[]) : [];
}

/**
 * Reads the selection by fetching each stored chunk it touches (at most {@link CONCURRENCY} at a time)
 * and copying the overlap into a C-order result, one contiguous row (innermost dimension) at a time; the
 * parts of chunks not stored get the fill value. The result is `options.out` (its first n elements) when given.
 */
async function readSelection(
  source: ChunkSource,
  cs: readonly number[],
  norm: NormalizedDim[],
  dtype: DType,
  label: (coords: number[]) => string,
  options?: ReadOptions,
): Promise<NdArray> {
  throwIfAborted(options?.signal);
  const fullShape = norm.map((d) => d.stop - d.start);
  const outShape = norm.filter((d) => !d.drop).map((d) => d.stop - d.start);
  const n = sizeOf(fullShape);
  const outStride = cStrides(fullShape);
  // the caller's buffer (Variable.read has checked its type and length)
  const given = options?.out ? ((options.out.length === n ? options.out : options.out.subarray(0, n)) as unknown as Indexable) : undefined;
  if (n === 0) return { data: (given ?? allocateOut(dtype, 0)) as NdArray["data"], shape: outShape, dtype };

  const lo = norm.map((d, i) => Math.floor(d.start / cs[i]!));
  const hi = norm.map((d, i) => Math.ceil(d.stop / cs[i]!));
  const tasks: number[][] = [];
  const idx = lo.slice();
  for (;;) {
    tasks.push(idx.slice());
    let i = idx.length - 1;
    while (i >= 0 && ++idx[i]! >= hi[i]!) {
      idx[i] = lo[i]!;
      i--;
    }
    if (i < 0) break;
  }
  if (norm.length === 0) tasks.splice(1);

  const chunkSize = sizeOf(cs);
  // the selection is exactly one whole chunk (as when gen tiles match the input chunks)
  const oneChunk =
    tasks.length === 1 && norm.length > 0 && norm.every((d, i) => d.start === tasks[0]![i]! * cs[i]! && d.stop === d.start + cs[i]!);
  // … and no buffer is given: a decoded chunk of its own is the result
  const whole = !given && oneChunk;
  // … or a typed array is given: a local chunk is decoded straight into it (no copy of the values)
  const into =
    oneChunk && given && ArrayBuffer.isView(given) && source.sync
      ? new Uint8Array(
          (given as unknown as Uint8Array).buffer,
          (given as unknown as Uint8Array).byteOffset,
          (given as unknown as Uint8Array).byteLength,
        )
      : undefined;
  let result: Indexable | undefined = given; // allocated when first needed: a whole-chunk read may not need it
  const output = (): Indexable => (result ??= allocateOut(dtype, n));
  /** Chunk `coords`'s part of the result: its values, its run, or its fill value. */
  const place = (chunk: Chunk, coords: number[]): void => {
    if ("run" in chunk) {
      copyRun(chunk.run, coords, cs, output(), outStride, norm, label);
      return;
    }
    if ("fill" in chunk) {
      // only this chunk's part: the result (new and uninitialized, or the caller's buffer) holds nothing yet
      fillOverlap(chunk.fill, coords, cs, output(), outStride, norm);
      return;
    }
    const length = (chunk.data as { length: number }).length;
    if (length !== chunkSize) {
      const key = label(coords);
      throw new EocubeError(
        "CORRUPT_DATA",
        `chunk ${key} decodes to ${length} values, expected ${chunkSize} (chunk shape ${cs.join("×")})`,
        {
          path: key,
          hint: "the chunk file is damaged or does not match the array metadata",
        },
      );
    }
    if (whole && chunk.owned && ArrayBuffer.isView(chunk.data)) {
      result = chunk.data as unknown as Indexable; // the selection is exactly this chunk: no copy
      return;
    }
    if (into && ArrayBuffer.isView(chunk.data) && chunk.data.buffer === into.buffer && chunk.data.byteOffset === into.byteOffset) {
      return; // decoded into the caller's buffer
    }
    copyOverlap(indexable(chunk.data, length, dtype), chunk.stride, coords, cs, output(), outStride, norm);
  };
  const failed = (err: unknown, coords: number[]): EocubeError => {
    if (isEocubeError(err)) return err;
    if ((err as Error).name === "AbortError") return new EocubeError("CANCELLED", "The operation was aborted.", { cause: err });
    const key = label(coords);
    return new EocubeError("CORRUPT_DATA", `chunk ${key} cannot be decoded: ${rootMessage(err)}`, {
      path: key,
      cause: err,
      hint: "the chunk file is damaged or does not match the array metadata",
    });
  };

  // local chunks: read, decoded and copied one after the other without yielding (their buffers are reused); the
  // chunks this cannot do go to the asynchronous path below
  let pending = tasks;
  if (source.sync) {
    const sync = source.sync;
    const done: number[][] = [];
    // a read over many chunks lists the folder once: the chunks not stored are filled at once, the others opened
    const listed = source.storedSync?.(tasks.length);
    let stored = tasks;
    if (listed) {
      stored = [];
      for (const coords of tasks) {
        if (listed.has(coords)) stored.push(coords);
        else place({ fill: listed.fill }, coords);
      }
    }
    const own = (coords: number[]) => {
      throwIfAborted(options?.signal);
      let chunk: Chunk | undefined;
      try {
        chunk = sync(coords, smallRun(coords, cs, norm), listed !== undefined, into);
      } catch (err) {
        throw failed(err, coords);
      }
      if (chunk) place(chunk, coords);
      else done.push(coords);
    };
    // many whole-chunk parts: decoded by the main thread and the decoding threads together
    const local = source.local;
    const threaded =
      local !== undefined &&
      stored.length >= THREADS_FROM_CHUNKS &&
      !stored.some((c) => smallRun(c, cs, norm)) &&
      decodeInThreads(
        stored.map(local.path),
        local.chunkBytes,
        local.blosc,
        (i) => own(stored[i]!),
        (i, bytes) =>
          place(bytes ? { data: local.view(bytes), shape: [...cs], stride: cStrides([...cs]) } : { fill: local.fill }, stored[i]!),
      );
    if (!threaded) for (const coords of stored) own(coords);
    pending = done;
    if (pending.length === 0) return { data: output() as NdArray["data"], shape: outShape, dtype };
  }
  const isStored = source.storedSet ? await source.storedSet(pending.length, options?.signal) : undefined;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const coords = pending[next++]!;
      throwIfAborted(options?.signal);
      let chunk: Chunk;
      try {
        chunk =
          isStored && !isStored.has(coords) ? { fill: isStored.fill } : await source(coords, options?.signal, smallRun(coords, cs, norm));
      } catch (err) {
        throw failed(err, coords);
      }
      place(chunk, coords);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
  return { data: output() as NdArray["data"], shape: outShape, dtype };
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  while (e.cause && (e.cause as { message?: string }).message) e = e.cause as typeof e;
  return e.message ?? String(err);
}

function cStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Where chunk `coords` (chunk shape `cs`) meets the selection, per dim: the elements in common (`count`), and
 * where they start in the chunk (`srcOff`) and in the selection's output (`dstOff`).
 */
function chunkOverlap(
  coords: number[],
  cs: readonly number[],
  norm: NormalizedDim[],
): { count: number[]; srcOff: number[]; dstOff: number[] } {
  const count: number[] = [],
    srcOff: number[] = [],
    dstOff: number[] = [];
  for (let i = 0; i < norm.length; i++) {
    const c0 = coords[i]! * cs[i]!;
    const a = Math.max(norm[i]!.start, c0);
    count.push(Math.min(norm[i]!.stop, c0 + cs[i]!) - a);
    srcOff.push(a - c0);
    dstOff.push(a - norm[i]!.start);
  }
  return { count, srcOff, dstOff };
}

/**
 * The elements of chunk `coords` a selection needs, as one run `[first, first + count)` of the chunk's C-order
 * elements, when they are one (a single row, as in a time series at a point) and at most an eighth of the chunk;
 * else undefined (the whole chunk is decoded).
 */
function smallRun(coords: number[], cs: readonly number[], norm: NormalizedDim[]): ElementRange | undefined {
  const nd = norm.length;
  if (nd === 0) return undefined;
  const { count, srcOff } = chunkOverlap(coords, cs, norm);
  let first = 0;
  let stride = 1;
  for (let i = nd - 1; i >= 0; i--) {
    if (i < nd - 1 && count[i] !== 1) return undefined;
    first += srcOff[i]! * stride;
    stride *= cs[i]!;
  }
  const n = count[nd - 1]!;
  return n * 8 <= stride ? { first, count: n } : undefined;
}

/** Copies the values of chunk `coords` a selection needs, given as one run (see {@link smallRun}), into `out`. */
function copyRun(
  run: ArrayLike<number>,
  coords: number[],
  cs: readonly number[],
  out: Indexable,
  outStride: number[],
  norm: NormalizedDim[],
  label: (coords: number[]) => string,
): void {
  const { count, dstOff } = chunkOverlap(coords, cs, norm);
  const n = count[norm.length - 1]!;
  if (run.length !== n) {
    const key = label(coords);
    throw new EocubeError("CORRUPT_DATA", `chunk ${key} gives ${run.length} values for a run of ${n}`, {
      path: key,
      hint: "the chunk file is damaged or does not match the array metadata",
    });
  }
  let d = 0;
  for (let i = 0; i < norm.length; i++) d += dstOff[i]! * outStride[i]!;
  if (ArrayBuffer.isView(out) && (out as unknown as object).constructor === (run as unknown as object).constructor) {
    (out as unknown as Float64Array).set(run as Float64Array, d);
  } else for (let j = 0; j < n; j++) out[d + j] = run[j];
}

/** Sets the part of the (not stored) chunk `coords` that lies inside the selection to `value`. */
function fillOverlap(
  value: number,
  coords: number[],
  cs: readonly number[],
  out: Indexable,
  outStride: number[],
  norm: NormalizedDim[],
): void {
  const nd = norm.length;
  if (nd === 0) {
    out[0] = value;
    return;
  }
  const { count, dstOff } = chunkOverlap(coords, cs, norm);
  const last = nd - 1;
  const run = count[last]!;
  const o = out as unknown as { fill(v: number | bigint, from: number, to: number): unknown };
  const v = out instanceof BigInt64Array || out instanceof BigUint64Array ? BigInt(Number.isFinite(value) ? Math.trunc(value) : 0) : value;
  const pos = new Array<number>(nd).fill(0);
  for (;;) {
    let d = dstOff[last]!;
    for (let i = 0; i < last; i++) d += (dstOff[i]! + pos[i]!) * outStride[i]!;
    if (ArrayBuffer.isView(out)) o.fill(v, d, d + run);
    else for (let j = 0; j < run; j++) out[d + j] = value;
    let i = last - 1;
    while (i >= 0 && ++pos[i]! >= count[i]!) {
      pos[i] = 0;
      i--;
    }
    if (i < 0) break;
  }
}

/** Copies the part of chunk `coords` that lies inside the selection into `out`. */
function copyOverlap(
  src: Indexable,
  srcStride: number[],
  coords: number[],
  cs: readonly number[],
  out: Indexable,
  outStride: number[],
  norm: NormalizedDim[],
): void {
  const nd = norm.length;
  if (nd === 0) {
    out[0] = src[0];
    return;
  }
  const { count, srcOff, dstOff } = chunkOverlap(coords, cs, norm);
  const last = nd - 1;
  const run = count[last]!;
  const contiguous =
    srcStride[last] === 1 &&
    ArrayBuffer.isView(src) &&
    ArrayBuffer.isView(out) &&
    (src as unknown as object).constructor === (out as unknown as object).constructor;
  const pos = new Array<number>(nd).fill(0);
  for (;;) {
    let s = 0,
      d = 0;
    for (let i = 0; i < last; i++) {
      s += (srcOff[i]! + pos[i]!) * srcStride[i]!;
      d += (dstOff[i]! + pos[i]!) * outStride[i]!;
    }
    s += srcOff[last]! * srcStride[last]!;
    d += dstOff[last]!;
    if (contiguous) {
      const so = src as unknown as Float64Array;
      (out as unknown as Float64Array).set(so.subarray(s, s + run), d);
    } else {
      const st = srcStride[last]!;
      for (let j = 0; j < run; j++) out[d + j] = src[s + j * st];
    }
    let i = last - 1;
    while (i >= 0 && ++pos[i]! >= count[i]!) {
      pos[i] = 0;
      i--;
    }
    if (i < 0) break;
  }
}
