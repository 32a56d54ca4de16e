// Zarr v2/v3 writer: chunks first into a temporary store, metadata (consolidated last) at commit, then the
// temporary store is moved into place, so a failure never leaves a valid-looking half store at the target.
import { endianness } from "node:os";
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { allocate, isFloat, itemSize, sizeOf, stridesOf, type DType, type NdArray, type TypedArray } from "../../core/ndarray.js";
import { encodeTimes } from "../../core/time.js";
import type { Attrs, ReadOptions, Variable } from "../../core/variable.js";
import { recoverSiblings, siblingPath, storeExists, swapInto } from "../../fs/swap.js";
import type { FileSystem } from "../../fs/types.js";
import { compress, v2Compressor, v3Codecs, type ZarrCompressorName } from "./codecs.js";
import { stringifyZarrJson } from "./json.js";
import { joinStoreKey } from "./store.js";

/** One array to write. */
export interface ZarrArraySpec {
  /** Array name (a key inside the store: no '/', not starting with '.'). */
  name: string;
  /** Dimension names, outermost first (written as `_ARRAY_DIMENSIONS` (v2) / `dimension_names` (v3)). */
  dims: string[];
  /** Sizes per dimension, same order as dims. */
  shape: number[];
  /** Chunk shape, same order as dims (each ≥ 1). */
  chunks: number[];
  /** Stored dtype (numeric or bool; `str`/`object`/`datetime64[ns]` cannot be stored directly). */
  dtype: DType;
  /** Array attributes (`_FillValue` is taken from `fillValue`, not from here). */
  attrs?: Attrs;
  /** Zarr fill value (NaN allowed); null/undefined = none (floats then default to NaN like xarray). */
  fillValue?: number | null;
}

/** The arrays and group attributes of one store. */
export interface ZarrStoreSpec {
  arrays: ZarrArraySpec[];
  /** Group (global) attributes. */
  attrs?: Attrs;
}

/** Options of the writer. */
export interface ZarrWriteOptions extends ReadOptions {
  /** Zarr format version (default 2). */
  version?: 2 | 3;
  /** Chunk compressor (default "blosc": blosc with LZ4 inside, byte shuffle, level 5); null = uncompressed. */
  compressor?: ZarrCompressorName | null;
  /** Replace an existing store at the path (default false → ALREADY_EXISTS). */
  replace?: boolean;
  /**
   * Write straight at the path, with no temporary sibling and no swap at commit (metadata written, consolidated
   * last): for a store inside a temporary folder that is itself swapped into place (a pyramid's levels). The path
   * is not checked for an existing store.
   */
  inPlace?: boolean;
}

/** Options of {@link writeDataset}. */
export interface WriteDatasetOptions extends ZarrWriteOptions {
  /** Called after each chunk is written, with the chunks written and the chunks of the whole store. */
  onChunk?: (done: number, total: number) => void;
}

/** A store being written; see {@link createZarrWriter}. */
export interface ZarrWriter {
  /** Where chunks go until {@link ZarrWriter.commit} (a hidden sibling of the target path). */
  readonly tempPath: string;
  /** Encodes and writes one chunk of array `name` (data of the full chunk shape or the clipped edge chunk). */
  writeChunk(name: string, chunkIndex: number[], data: NdArray): Promise<void>;
  /**
   * Writes array metadata (`.zarray` + `.zattrs` with `_ARRAY_DIMENSIONS` / v3 `zarr.json` with
   * `dimension_names`), the group metadata, and the consolidated metadata LAST, then puts the temporary
   * store in place of the target with `swapInto` (fs/swap.ts: the old store is moved aside first and
   * removed last, so a kill never loses both).
   */
  commit(): Promise<void>;
  /** Removes everything written so far. */
  abort(): Promise<void>;
}

function checkSpec(spec: ZarrArraySpec): void {
  const bad = (why: string): never => {
    throw new EocubeError("INVALID_ARGUMENT", `Zarr array ${JSON.stringify(spec.name)}: ${why}`, { field: spec.name });
  };
  if (!spec.name || spec.name.includes("/") || spec.name.startsWith("."))
    bad("the name must be non-empty, without '/', not starting with '.'");
  if (spec.dims.length !== spec.shape.length) bad(`${spec.dims.length} dims for a shape of ${spec.shape.length} entries`);
  if (spec.chunks.length !== spec.shape.length || spec.chunks.some((c) => !Number.isInteger(c) || c < 1))
    bad("chunks must give a positive size per dimension");
  if (itemSize(spec.dtype) === 0 || spec.dtype === "datetime64[ns]")
    bad(`dtype ${spec.dtype} cannot be written (encode it as numbers first)`);
}

/** v2 dtype string (`<f8`, `|u1`, `|b1`). */
function v2Dtype(dtype: DType): string {
  const n = itemSize(dtype);
  if (dtype === "bool") return "|b1";
  const kind = isFloat(dtype) ? "f" : dtype.startsWith("u") ? "u" : "i";
  return `${n === 1 ? "|" : "<"}${kind}${n}`;
}

/** The fill value as written in JSON metadata ("NaN"/"Infinity" strings for non-finite floats). */
function jsonFill(spec: ZarrArraySpec, version: 2 | 3): unknown {
  const fv = effectiveFill(spec);
  if (fv === null) return version === 3 ? (spec.dtype === "bool" ? false : 0) : null;
  if (spec.dtype === "bool") return Boolean(fv);
  if (Number.isNaN(fv)) return "NaN";
  if (fv === Infinity) return "Infinity";
  if (fv === -Infinity) return "-Infinity";
  return fv;
}

function effectiveFill(spec: ZarrArraySpec): number | null {
  if (spec.fillValue !== undefined && spec.fillValue !== null) return spec.fillValue;
  return isFloat(spec.dtype) ? NaN : null;
}

/**
 * Key (relative to the store root) of a chunk: `conc_chl/0.1.2` (v2), `conc_chl/c/0/1/2` (v3, default
 * chunk key encoding); a 0-d array has the single chunk `name/0` (v2) / `name/c` (v3).
 */
export function chunkKey(spec: ZarrArraySpec, chunkIndex: number[], version: 2 | 3): string {
  if (version === 3) return `${spec.name}/${["c", ...chunkIndex].join("/")}`;
  return `${spec.name}/${chunkIndex.length === 0 ? "0" : chunkIndex.join(".")}`;
}

/**
 * Encodes one chunk → compressed bytes: the values are converted to the spec's dtype, padded with the
 * fill value to the full chunk shape when `data` is a clipped edge chunk, laid out C-order little-endian,
 * then compressed. Pure (no I/O), so it can run in worker threads.
 * @param data `[chunk dims…]` values, of the full chunk shape or smaller (edge chunk)
 * @throws EocubeError INVALID_ARGUMENT when data has the wrong rank or exceeds the chunk shape.
 */
export async function encodeChunk(spec: ZarrArraySpec, data: NdArray, options: ZarrWriteOptions = {}): Promise<Uint8Array> {
  const cs = spec.chunks;
  if (data.shape.length !== cs.length || data.shape.some((s, i) => s > cs[i]!)) {
    throw new EocubeError("INVALID_ARGUMENT", `chunk of ${spec.name} has shape [${data.shape}] but the chunk shape is [${cs}]`, {
      field: spec.name,
    });
  }
  const n = sizeOf(cs);
  const exact = data.shape.every((s, i) => s === cs[i]);
  const compressor = options.compressor === undefined ? "blosc" : options.compressor;
  if (
    exact &&
    ArrayBuffer.isView(data.data) &&
    (data.data as TypedArray).length === n &&
    data.data.constructor === allocate(spec.dtype, 0).constructor
  ) {
    // already the stored layout: compress the values' bytes as they are (no copy)
    return compress(compressor, toLittleEndianBytes(data.data as TypedArray), itemSize(spec.dtype));
  }
  const out = allocate(spec.dtype, n);
  const fv = effectiveFill(spec);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  if (fv !== null && !exact) {
    if (big) (out as BigInt64Array).fill(BigInt(Math.trunc(fv)));
    else (out as Float64Array).fill(fv);
  }
  const src = data.data as ArrayLike<unknown>;
  const conv = (v: unknown): number | bigint => {
    if (big) return typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
    return typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? Number(v) : (v as number);
  };
  if (exact && !big && ArrayBuffer.isView(src) && !(src instanceof BigInt64Array) && !(src instanceof BigUint64Array)) {
    (out as Float64Array).set(src as unknown as Float64Array);
  } else if (sizeOf(data.shape) > 0) {
    copyInto(src, data.shape, out, cs, conv);
  }
  const bytes = toLittleEndianBytes(out);
  return compress(compressor, bytes, itemSize(spec.dtype));
}

/**
 * The bytes {@link encodeChunk} compresses for `data` when they are the values' own (a whole chunk of `spec`'s typed
 * array on a little-endian host: no copy), else undefined. A caller may compress them elsewhere (e.g. on the blosc
 * encoding thread, encode-thread.ts) with typesize `itemSize(spec.dtype)`: same bytes as encodeChunk.
 */
export function storedBytes(spec: ZarrArraySpec, data: NdArray): Uint8Array | undefined {
  const cs = spec.chunks;
  if (endianness() !== "LE" || data.shape.length !== cs.length || data.shape.some((s, i) => s !== cs[i])) return undefined;
  if (!ArrayBuffer.isView(data.data)) return undefined;
  const arr = data.data as TypedArray;
  if (arr.length !== sizeOf(cs) || arr.constructor !== allocate(spec.dtype, 0).constructor) return undefined;
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

/** Copies a C-order block of `shape` into the top-left corner of a C-order block of `outShape`. */
function copyInto(
  src: ArrayLike<unknown>,
  shape: number[],
  out: TypedArray,
  outShape: number[],
  conv: (v: unknown) => number | bigint,
): void {
  const nd = shape.length;
  const dst = out as unknown as { [i: number]: number | bigint };
  if (nd === 0) {
    dst[0] = conv(src[0]);
    return;
  }
  const outStride = stridesOf(outShape);
  const inner = shape[nd - 1]!;
  const rows = sizeOf(shape) / inner;
  const pos = new Array<number>(nd - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let d = 0;
    for (let i = 0; i < nd - 1; i++) d += pos[i]! * outStride[i]!;
    const s = r * inner;
    for (let j = 0; j < inner; j++) dst[d + j] = conv(src[s + j]);
    for (let i = nd - 2; i >= 0; i--) {
      if (++pos[i]! < shape[i]!) break;
      pos[i] = 0;
    }
  }
}

function toLittleEndianBytes(arr: TypedArray): Uint8Array {
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  if (endianness() === "LE" || arr.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = arr.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j]!;
  return out;
}

/** The `.zarray` (v2) or `zarr.json` (v3) document of an array. */
export function arrayMetadata(spec: ZarrArraySpec, version: 2 | 3, compressor: ZarrCompressorName | null): Record<string, unknown> {
  if (version === 2) {
    return {
      chunks: spec.chunks,
      compressor: v2Compressor(compressor),
      dimension_separator: ".",
      dtype: v2Dtype(spec.dtype),
      fill_value: jsonFill(spec, 2),
      filters: null,
      order: "C",
      shape: spec.shape,
      zarr_format: 2,
    };
  }
  const attrs: Attrs = { ...(spec.attrs ?? {}) };
  delete attrs._FillValue;
  const fv = effectiveFill(spec);
  if (fv !== null) attrs._FillValue = jsonFill(spec, 3);
  return {
    zarr_format: 3,
    node_type: "array",
    shape: spec.shape,
    data_type: spec.dtype,
    chunk_grid: { name: "regular", configuration: { chunk_shape: spec.chunks } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: jsonFill(spec, 3),
    codecs: v3Codecs(compressor, itemSize(spec.dtype)),
    attributes: attrs,
    dimension_names: spec.dims,
  };
}

/** The v2 `.zattrs` of an array: `_ARRAY_DIMENSIONS` first, without `_FillValue` (it is the fill value). */
export function v2Attrs(spec: ZarrArraySpec): Attrs {
  const attrs: Attrs = { ...(spec.attrs ?? {}) };
  delete attrs._FillValue; // the reader (and xarray) take it from fill_value
  delete attrs._ARRAY_DIMENSIONS;
  return { _ARRAY_DIMENSIONS: spec.dims, ...attrs };
}

const encoder = new TextEncoder();

/**
 * Begins a store at `path`: recovers what killed runs left beside it (`recoverSiblings`: an old store
 * caught mid-swap is restored, dead runs' temporary stores removed), checks `replace` (ALREADY_EXISTS
 * when the path exists and replace is not set), validates the specs, and picks a temporary sibling
 * location for the chunks (`.name.tmp-<pid>-<host>-<token>`).
 * @throws EocubeError ALREADY_EXISTS, INVALID_ARGUMENT (bad spec), READ_ONLY (from the fs).
 */
export async function createZarrWriter(
  fs: FileSystem,
  path: string,
  spec: ZarrStoreSpec,
  options: ZarrWriteOptions & {
    /** Continue writing into this existing temporary store (a resumed distributed gen run): no sibling recovery. */
    resumeTempPath?: string;
  } = {},
): Promise<ZarrWriter> {
  throwIfAborted(options.signal);
  const target = path.replace(/^\/+|\/+$/g, "");
  const version = options.version ?? 2;
  const compressor = options.compressor === undefined ? "blosc" : options.compressor;
  const byName = new Map<string, ZarrArraySpec>();
  for (const a of spec.arrays) {
    checkSpec(a);
    if (byName.has(a.name)) throw new EocubeError("INVALID_ARGUMENT", `Zarr array ${a.name} is given twice`, { field: a.name });
    byName.set(a.name, a);
  }
  // what killed runs left beside the target: restore an old store caught mid-swap, remove their temporary stores
  if (!options.resumeTempPath && !options.inPlace) await recoverSiblings(fs, target, options);
  if (!options.inPlace && (await storeExists(fs, target, options))) {
    if (!options.replace) {
      throw new EocubeError("ALREADY_EXISTS", `${joinStoreKey(fs.root, target)} exists`, {
        path: target,
        hint: "pass replace: true to overwrite it",
      });
    }
  }
  const tempPath = options.inPlace ? target : (options.resumeTempPath ?? siblingPath(target, "tmp"));
  let done = false;
  const put = (key: string, bytes: Uint8Array) => fs.put(joinStoreKey(tempPath, key), bytes, options);
  const putJson = (key: string, doc: unknown) => put(key, encoder.encode(stringifyZarrJson(doc)));

  return {
    tempPath,
    async writeChunk(name, chunkIndex, data) {
      throwIfAborted(options.signal);
      const a = byName.get(name);
      if (!a) throw new EocubeError("INVALID_ARGUMENT", `no array ${JSON.stringify(name)} in this store`, { field: name });
      if (chunkIndex.length !== a.shape.length || chunkIndex.some((c, i) => c < 0 || c * a.chunks[i]! >= Math.max(1, a.shape[i]!))) {
        throw new EocubeError("OUT_OF_RANGE", `chunk [${chunkIndex}] is outside array ${name}`, { field: name });
      }
      const bytes = await encodeChunk(a, data, { ...options, compressor });
      // never write into a store that was aborted (or committed) meanwhile: it would re-create it
      if (done) throw new EocubeError("CANCELLED", "this Zarr writer has been aborted or committed");
      await put(chunkKey(a, chunkIndex, version), bytes);
    },
    async commit() {
      if (done) throw new EocubeError("INTERNAL", "this Zarr writer has already been committed or aborted");
      const consolidated: Record<string, unknown> = {};
      const v3meta: Record<string, unknown> = {};
      for (const a of spec.arrays) {
        const meta = arrayMetadata(a, version, compressor);
        if (version === 2) {
          const attrs = v2Attrs(a);
          await putJson(`${a.name}/.zarray`, meta);
          await putJson(`${a.name}/.zattrs`, attrs);
          consolidated[`${a.name}/.zarray`] = meta;
          consolidated[`${a.name}/.zattrs`] = attrs;
        } else {
          await putJson(`${a.name}/zarr.json`, meta);
          v3meta[a.name] = meta;
        }
      }
      const gattrs = spec.attrs ?? {};
      if (version === 2) {
        await putJson(".zgroup", { zarr_format: 2 });
        await putJson(".zattrs", gattrs);
        await putJson(".zmetadata", {
          metadata: { ".zattrs": gattrs, ".zgroup": { zarr_format: 2 }, ...consolidated },
          zarr_consolidated_format: 1,
        });
      } else {
        await putJson("zarr.json", {
          zarr_format: 3,
          node_type: "group",
          attributes: gattrs,
          consolidated_metadata: { kind: "inline", must_understand: false, metadata: v3meta },
        });
      }
      if (tempPath !== target) await swapInto(fs, tempPath, target, options);
      done = true;
    },
    async abort() {
      done = true;
      await fs.delete(`${tempPath}/`);
    },
  };
}

/** CF time encoding of a datetime64[ns] variable: units/calendar from its encoding, else days since 1970. */
function timeEncoding(v: Variable): { units: string; calendar: string } {
  const units = typeof v.encoding.units === "string" && / since /.test(v.encoding.units) ? v.encoding.units : "days since 1970-01-01";
  const calendar = typeof v.encoding.calendar === "string" ? v.encoding.calendar : "proleptic_gregorian";
  return { units, calendar };
}

/** True for the attrs of a CF grid-mapping variable (`grid_mapping_name`, `crs_wkt` or GDAL's `spatial_ref`). */
function isGridMappingAttrs(attrs: Attrs): boolean {
  return typeof attrs.grid_mapping_name === "string" || typeof attrs.crs_wkt === "string" || typeof attrs.spatial_ref === "string";
}

/**
 * How one variable of a dataset is written: its spec and a converter of read values to stored values (times
 * CF-encoded, a string grid-mapping scalar as int32 0); `extraCoords` go to its `coordinates` attribute.
 * @throws EocubeError UNSUPPORTED for other string/object variables.
 */
export function variablePlan(v: Variable, extraCoords: string[]): { spec: ZarrArraySpec; convert: (a: NdArray) => NdArray } {
  const attrs: Attrs = { ...v.attrs };
  let dtype = v.dtype;
  let convert = (a: NdArray) => a;
  let fill = (attrs._FillValue ?? v.encoding._FillValue) as unknown;
  if (v.dtype === "datetime64[ns]") {
    const { units, calendar } = timeEncoding(v);
    attrs.units = units;
    attrs.calendar = calendar;
    dtype = "float64";
    convert = (a) => ({ data: encodeTimes(a.data as Float64Array, units, calendar), shape: a.shape, dtype: "float64" });
    fill = NaN;
  } else if ((v.dtype === "str" || v.dtype === "object") && v.shape.length === 0 && isGridMappingAttrs(attrs)) {
    // a CF grid-mapping container stored as a char scalar (GDAL's NetCDF3 exports): only its attrs
    // mean something, so it is written as the int32 scalar 0 that xarray/GDAL write for NetCDF4 and Zarr
    dtype = "int32";
    convert = () => ({ data: Int32Array.of(0), shape: [], dtype: "int32" });
    fill = null;
  } else if (v.dtype === "str" || v.dtype === "object") {
    throw new EocubeError("UNSUPPORTED", `variable ${v.name} holds ${v.dtype} values, which the Zarr writer cannot store`, {
      field: v.name,
    });
  }
  if (extraCoords.length > 0) {
    const own = typeof attrs.coordinates === "string" ? attrs.coordinates.split(/\s+/).filter(Boolean) : [];
    attrs.coordinates = [...new Set([...own, ...extraCoords])].join(" ");
  }
  const fillValue =
    typeof fill === "number" ? fill : typeof fill === "bigint" ? Number(fill) : typeof fill === "boolean" ? Number(fill) : null;
  const chunks = v.shape.map((s, i) => Math.max(1, Math.min(v.chunks[i] ?? s, s || 1)));
  return { spec: { name: v.name, dims: v.dims, shape: v.shape, chunks, dtype, attrs, fillValue }, convert };
}

/**
 * How a whole dataset is written: one {@link variablePlan} per variable (coordinates first, then data variables,
 * in `ds.variables` order), non-index coordinates named in the data variables' `coordinates` attribute, those no
 * data variable can carry in the global one (as xarray does), and the group attributes.
 * @throws EocubeError UNSUPPORTED for string/object variables other than a grid-mapping scalar.
 */
export function datasetPlan(ds: Dataset): { plans: Array<ReturnType<typeof variablePlan>>; attrs: Attrs } {
  const dims = Object.keys(ds.dims);
  const extra = Object.keys(ds.coords).filter((c) => !dims.includes(c));
  const used = new Set<string>();
  const coordsOf = (v: Variable) => {
    const list = extra.filter((c) => ds.coords[c]!.dims.every((d) => v.dims.includes(d)));
    for (const c of list) used.add(c);
    return list;
  };
  const plans = [
    ...Object.values(ds.coords).map((v) => variablePlan(v, [])),
    ...Object.values(ds.data_vars).map((v) => variablePlan(v, coordsOf(v))),
  ];
  // coordinates no data variable can carry go to the global `coordinates` attribute (as xarray does)
  const attrs: Attrs = { ...ds.attrs };
  const rest = extra.filter((c) => !used.has(c));
  if (rest.length > 0) {
    const own = typeof attrs.coordinates === "string" ? attrs.coordinates.split(/\s+/).filter(Boolean) : [];
    attrs.coordinates = [...new Set([...own, ...rest])].join(" ");
  }
  return { plans, attrs };
}

/**
 * Writes a whole dataset (coords and data variables) as a Zarr store, chunk by chunk with the variables'
 * chunk shapes (bounded memory: a few chunks at a time). Non-index coordinates are listed in the data
 * variables' `coordinates` attribute (as xarray does); `datetime64[ns]` variables are CF-encoded as
 * float64 with their encoding's `units`/`calendar` (default `days since 1970-01-01`); `_FillValue`
 * (attrs or encoding) becomes the Zarr fill value. A scalar string grid-mapping variable (RGB.nc's
 * `transverse_mercator`) is written as the int32 scalar 0 with its attrs. Metadata is consolidated and written last.
 * @throws EocubeError ALREADY_EXISTS (unless `replace`), UNSUPPORTED (other string/object variables), and read errors.
 */
export async function writeDataset(ds: Dataset, fs: FileSystem, path: string, options: WriteDatasetOptions = {}): Promise<void> {
  const { plans, attrs } = datasetPlan(ds);
  const writer = await createZarrWriter(fs, path, { arrays: plans.map((p) => p.spec), attrs }, options);
  const gridOf = (spec: ZarrArraySpec) => spec.shape.map((s, d) => Math.ceil(s / spec.chunks[d]!));
  const total = plans.reduce((n, p) => n + gridOf(p.spec).reduce((a, b) => a * b, 1), 0);
  let written = 0;
  try {
    for (const [i, v] of Object.values(ds.variables).entries()) {
      const { spec, convert } = plans[i]!;
      const grid = gridOf(spec);
      const tasks: number[][] = [];
      const idx = grid.map(() => 0);
      if (grid.every((g) => g > 0)) {
        for (;;) {
          tasks.push(idx.slice());
          let d = idx.length - 1;
          while (d >= 0 && ++idx[d]! >= grid[d]!) {
            idx[d] = 0;
            d--;
          }
          if (d < 0) break;
        }
      }
      let next = 0;
      let failed = false;
      const worker = async () => {
        while (!failed && next < tasks.length) {
          const c = tasks[next++]!;
          const sel = c.map((ci, d): [number, number] => [ci * spec.chunks[d]!, Math.min(spec.shape[d]!, (ci + 1) * spec.chunks[d]!)]);
          try {
            const values = convert(await v.read(sel, options));
            await writer.writeChunk(spec.name, c, values);
            options.onChunk?.(++written, total);
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      };
      // Wait for every worker to stop before aborting: a chunk write still in flight after abort()
      // would re-create the temporary store.
      const results = await Promise.allSettled(Array.from({ length: Math.min(4, tasks.length) }, worker));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (rejected) throw rejected.reason;
    }
    await writer.commit();
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}
