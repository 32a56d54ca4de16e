// NetCDF4/HDF5 reader via h5wasm: netCDF-4 dimensions from HDF5 dimension scales, hyperslab reads of
// chunked (deflate/shuffle) or contiguous datasets. Returns a RAW dataset (no CF decoding).
// Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html (netCDF-4 format)
import type * as H5 from "h5wasm";
import { CHAR_ENCODING_KEY } from "../core/cf.js";
import { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../core/errors.js";
import { allocate, sizeOf, type DType, type NdArray, type TypedArray } from "../core/ndarray.js";
import { normalizeSelection, selectionShape, type Selection } from "../core/selection.js";
import { Variable, type Attrs, type Encoding } from "../core/variable.js";
import type { FileSystem } from "../fs/types.js";
import type { FormatOpenOptions, FormatReader } from "./registry.js";

type H5Module = typeof import("h5wasm");

/** Attributes netCDF-4 uses internally; hidden like netCDF4-python/xarray hide them. */
const HIDDEN_ATTRS = new Set([
  "_Netcdf4Dimid", "_NCProperties", "DIMENSION_LIST", "CLASS", "NAME", "REFERENCE_LIST",
  "_Netcdf4Coordinates", "_nc3_strict", "_IsNetcdf4", "_SuperblockVersion",
]);

/** The NAME a netCDF-4 dimension scale carries when it is a dimension but not a variable. */
const DIM_WITHOUT_VARIABLE = "This is a netCDF dimension but not a netCDF variable";

let modulePromise: Promise<{ h5: H5Module; FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } }> | undefined;

/** Loads h5wasm (Node build) once. */
function loadH5(): NonNullable<typeof modulePromise> {
  modulePromise ??= (async () => {
    const h5 = (await import("h5wasm/node")) as unknown as H5Module & { default?: H5Module };
    const lib = (h5.default ?? h5) as H5Module;
    const mod = (await lib.ready) as unknown as {
      FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
      activate_throwing_error_handler?: () => number;
    };
    // HDF5 errors become JS exceptions (summarised by hdf5Message) instead of stack dumps on stderr
    mod.activate_throwing_error_handler?.();
    return { h5: lib, FS: mod.FS };
  })();
  return modulePromise;
}

let fileCounter = 0;

/** The eocube dtype of an HDF5 datatype, or undefined when unsupported (compound, enum, references). */
function dtypeOf(md: H5.Metadata): { dtype: DType; char: boolean } | undefined {
  if (md.type === 0) {
    const bits = md.size * 8;
    if (![8, 16, 32, 64].includes(bits)) return undefined;
    return { dtype: `${md.signed ? "" : "u"}int${bits}` as DType, char: false };
  }
  if (md.type === 1) {
    if (md.size === 4) return { dtype: "float32", char: false };
    if (md.size === 8) return { dtype: "float64", char: false };
    return undefined;
  }
  if (md.type === 3) return { dtype: "str", char: !md.vlen && md.size === 1 };
  return undefined;
}

/** A plain JS attribute value: one-element arrays → scalars, typed arrays → number arrays, bigint → number when safe. */
function attrValue(a: H5.Attribute): unknown {
  let v: unknown;
  try {
    v = a.value;
  } catch {
    return undefined;
  }
  const conv = (x: unknown): unknown =>
    typeof x === "bigint" && x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(x) : x;
  if (ArrayBuffer.isView(v)) v = Array.from(v as unknown as ArrayLike<unknown>, conv);
  if (Array.isArray(v)) {
    const arr = v.map(conv);
    return arr.length === 1 ? arr[0] : arr;
  }
  return conv(v);
}

function attrsOf(obj: { attrs: Record<string, H5.Attribute> }): Attrs {
  const out: Attrs = {};
  for (const [name, a] of Object.entries(obj.attrs)) {
    if (HIDDEN_ATTRS.has(name)) continue;
    const v = attrValue(a);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The innermost message of an HDF5 error stack ("truncated file: eof = 4000, …"), or the error's message. */
export function hdf5Message(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  const lines = text.split("\n").filter((l) => /#\d+:/.test(l));
  const last = lines[lines.length - 1];
  const m = last ? /\):\s*(.*)$/.exec(last) : null;
  return (m?.[1] ?? text.split("\n")[0] ?? text).trim();
}

function corrupt(path: string, what: string, cause?: unknown): EocubeError {
  return new EocubeError("CORRUPT_DATA", `${path} is not a readable NetCDF4/HDF5 file: ${what}`, {
    path,
    cause,
    hint: "the file may be truncated or not HDF5; check it with h5dump -H or gdalinfo",
  });
}

/** HDF5 filter ids → names xarray's netCDF4 encoding uses. */
function filterEncoding(filters: H5.Filter[]): Encoding {
  const enc: Encoding = { zlib: false, shuffle: false };
  for (const f of filters) {
    if (f.id === 1) {
      enc.zlib = true;
      enc.complevel = f.cd_values?.[0] ?? 4;
    } else if (f.id === 2) enc.shuffle = true;
    else if (f.id === 3) enc.fletcher32 = true;
    else (enc.filters ??= [] as unknown[]) && (enc.filters as unknown[]).push({ id: f.id, name: f.name });
  }
  return enc;
}

/**
 * Opens a NetCDF4/HDF5 file as a **raw** Dataset (root group only), through h5wasm: the file's bytes
 * (`fs.get`) are written to h5wasm's in-memory file system under a unique name and freed by `close()`.
 * Dimensions: netCDF-4 dimension scales (`CLASS=DIMENSION_SCALE`) attached to each dataset's axes; scales
 * named "This is a netCDF dimension but not a netCDF variable" are dimensions only (not variables); axes
 * without a scale get netCDF-C's `phony_dim_N` names (one per distinct length). netCDF-4 internal attributes
 * (`_Netcdf4Dimid`, `_NCProperties`, `DIMENSION_LIST`, `CLASS`, `NAME`, `REFERENCE_LIST`,
 * `_Netcdf4Coordinates`) are hidden. Chunks are the HDF5 chunk shape (full shape when contiguous);
 * `read(selection)` reads only the selected hyperslab (h5wasm `slice`).
 * @throws EocubeError NOT_FOUND (no file), CORRUPT_DATA (not HDF5 or truncated, naming the path),
 *   OUT_OF_RANGE (selection outside a variable).
 */
export async function openNetcdf4(fs: FileSystem, path: string, options: FormatOpenOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  const bytes = await fs.get(path, options);
  if (bytes === undefined) {
    throw new EocubeError("NOT_FOUND", `no such file: ${path}`, { path, hint: `check the path (looked in ${fs.root})` });
  }
  if (!hasHdf5Signature(bytes)) throw corrupt(path, "no HDF5 signature (\\x89HDF) found");
  const { h5, FS } = await loadH5();
  const name = `/eocube-${process.pid}-${++fileCounter}-${Math.random().toString(36).slice(2, 8)}.h5`;
  FS.writeFile(name, bytes);
  let file: H5.File | undefined;
  let closed = false;
  const release = () => {
    if (closed) return;
    closed = true;
    try {
      file?.close();
    } catch {
      // already closed
    }
    try {
      FS.unlink(name);
    } catch {
      // already removed
    }
  };
  try {
    let opened: H5.File;
    try {
      opened = new h5.File(name, "r");
    } catch (err) {
      throw corrupt(path, `HDF5 cannot open it (${hdf5Message(err)})`, err);
    }
    if (Number((opened as unknown as { file_id: bigint }).file_id) < 0) throw corrupt(path, "HDF5 cannot open it");
    file = opened;
    const ds = buildDataset(h5, file, path, release, () => closed);
    unclosed.register(ds, release);
    return ds;
  } catch (err) {
    release();
    if (isEocubeError(err)) throw err;
    throw corrupt(path, hdf5Message(err), err);
  }
}

/** True when the HDF5 superblock signature is at byte 0, 512, 1024, 2048, … (HDF5 spec §II.A). */
function hasHdf5Signature(bytes: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (sig.every((b, i) => bytes[off + i] === b)) return true;
  }
  return false;
}

/** Frees the in-memory copy of files whose Dataset was dropped without `close()`. */
const unclosed = new FinalizationRegistry<() => void>((release) => release());

function buildDataset(h5: H5Module, file: H5.File, path: string, release: () => void, isClosed: () => boolean): Dataset {
  const entries: [string, H5.Dataset][] = [];
  for (const key of file.keys()) {
    const e = file.get(key);
    if (e instanceof h5.Dataset) entries.push([key, e]);
  }
  // netCDF-4 dimension scales
  const dimSizes = new Map<string, number>();
  const pureDims = new Set<string>();
  for (const [key, d] of entries) {
    const cls = d.attrs.CLASS ? attrValue(d.attrs.CLASS) : undefined;
    if (cls !== "DIMENSION_SCALE") continue;
    dimSizes.set(key, d.shape?.[0] ?? 0);
    const nm = d.attrs.NAME ? attrValue(d.attrs.NAME) : undefined;
    if (typeof nm === "string" && nm.startsWith(DIM_WITHOUT_VARIABLE)) pureDims.add(key);
  }
  const phony = new Map<number, string>();
  const phonyName = (size: number) => {
    if (!phony.has(size)) phony.set(size, `phony_dim_${phony.size}`);
    return phony.get(size)!;
  };

  const data_vars: Record<string, Variable> = {};
  for (const [key, d] of entries) {
    if (pureDims.has(key)) continue;
    const md = d.metadata;
    const dt = dtypeOf(md);
    if (!dt) continue; // compound/enum/reference datasets are not netCDF variables eocube reads
    const shape = (d.shape ?? []).map(Number);
    const dims = shape.map((size, i) => {
      if (dimSizes.has(key) && shape.length === 1) return key;
      let scales: string[] = [];
      try {
        scales = d.get_attached_scales(i);
      } catch {
        scales = [];
      }
      const s = scales[0]?.replace(/^\//, "");
      return s && dimSizes.get(s) === size ? s : phonyName(size);
    });
    let filters: H5.Filter[] = [];
    try {
      filters = d.filters;
    } catch {
      filters = [];
    }
    const encoding: Encoding = { ...filterEncoding(filters), contiguous: md.chunks === null, chunksizes: md.chunks ?? null };
    if (dt.char) encoding[CHAR_ENCODING_KEY] = true;
    const layout = { key, dtype: dt.dtype, shape };
    data_vars[key] = new Variable({
      name: key,
      dims,
      shape,
      dtype: dt.dtype,
      chunks: md.chunks ? md.chunks.map(Number) : shape.slice(),
      attrs: attrsOf(d),
      encoding,
      read: async (selection, opts) => {
        throwIfAborted(opts?.signal);
        if (isClosed()) {
          throw new EocubeError("INVALID_ARGUMENT", `variable ${key} of ${path} was read after the dataset was closed`, {
            path,
            field: key,
            hint: "open the dataset again",
          });
        }
        return readSlab(file, layout, selection, path);
      },
    });
  }
  return new Dataset({
    data_vars,
    attrs: attrsOf(file),
    encoding: { format: "netcdf4", source: path },
    close: async () => release(),
  });
}

/** Reads a hyperslab of one dataset with h5wasm `slice`, dropping integer-indexed dims. */
function readSlab(
  file: H5.File,
  l: { key: string; dtype: DType; shape: number[] },
  selection: Selection,
  path: string,
): NdArray {
  let norm;
  try {
    norm = normalizeSelection(l.shape, selection);
  } catch (err) {
    throw new EocubeError("OUT_OF_RANGE", `variable ${l.key}: ${(err as Error).message}`, { path, field: l.key, cause: err });
  }
  const shape = selectionShape(norm);
  const n = sizeOf(norm.map((d) => d.stop - d.start));
  if (n === 0) return { data: l.dtype === "str" ? [] : allocate(l.dtype, 0), shape, dtype: l.dtype };
  let d: H5.Dataset;
  let raw: unknown;
  try {
    d = file.get(l.key) as H5.Dataset;
    raw = l.shape.length === 0 ? d.value : d.slice(norm.map((s) => [s.start, s.stop] as [number, number]));
  } catch (err) {
    throw new EocubeError("CORRUPT_DATA", `cannot read variable ${l.key} of ${path}: ${hdf5Message(err)}`, {
      path,
      field: l.key,
      cause: err,
      hint: "the file may be truncated or use an unsupported HDF5 filter",
    });
  }
  if (l.dtype === "str") {
    const list = Array.isArray(raw) ? raw.map((s) => (typeof s === "string" ? s.replace(/\0+$/, "") : String(s))) : [String(raw ?? "").replace(/\0+$/, "")];
    return { data: list, shape, dtype: "str" };
  }
  let data: TypedArray;
  if (ArrayBuffer.isView(raw)) data = raw as TypedArray;
  else {
    data = allocate(l.dtype, n);
    const src = Array.isArray(raw) ? raw : [raw];
    for (let i = 0; i < n; i++) (data as unknown as { [i: number]: unknown })[i] = src[i];
  }
  return { data, shape, dtype: l.dtype }; // h5wasm converts big-endian data to native order
}

/** The NetCDF4/HDF5 reader of the format registry (see {@link openNetcdf4}). */
export const netcdf4Reader: FormatReader = {
  id: "netcdf4",
  open: openNetcdf4,
};
