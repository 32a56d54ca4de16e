// NetCDF3 reader (classic and 64-bit offset): the header is parsed by netcdfjs, values are read as
// big-endian hyperslabs straight from the file's bytes. Returns a RAW dataset (no CF decoding).
// Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
import { NetCDFReader } from "netcdfjs";
import { CHAR_ENCODING_KEY } from "../core/cf.js";
import { Dataset } from "../core/dataset.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import { allocate, itemSize, sizeOf, type DType, type NdArray } from "../core/ndarray.js";
import { normalizeSelection, selectionShape, type Selection } from "../core/selection.js";
import { Variable, type Attrs } from "../core/variable.js";
import type { FileSystem } from "../fs/types.js";
import type { FormatOpenOptions, FormatReader } from "./registry.js";

/** NetCDF3 external types → eocube dtypes (`char` values are single-character strings). */
const DTYPES: Record<string, DType> = { byte: "int8", char: "str", short: "int16", int: "int32", float: "float32", double: "float64" };

/** Where one variable's values sit in the file. */
interface Layout {
  name: string;
  dtype: DType;
  /** Bytes per element (1 for char). */
  size: number;
  shape: number[];
  /** Byte offset of the first value (of record 0 for record variables). */
  offset: number;
  /** Bytes between records, or 0 for non-record variables. */
  recordStep: number;
}

type RawAttr = { name: string; type: string; value: unknown };

/** Converts a netcdfjs attribute value: bytes signed (NC_BYTE is int8), one-element arrays to scalars. */
function attrValue(a: RawAttr): unknown {
  let v = a.value;
  if (a.type === "byte" && Array.isArray(v)) v = v.map((b: number) => (b > 127 ? b - 256 : b));
  if (Array.isArray(v) && v.length === 1) return v[0];
  return v;
}

function attrsOf(list: RawAttr[]): Attrs {
  const out: Attrs = {};
  for (const a of list) out[a.name] = attrValue(a);
  return out;
}

/** A CORRUPT_DATA error naming the file. */
function corrupt(path: string, what: string, cause?: unknown): EocubeError {
  return new EocubeError("CORRUPT_DATA", `${path} is not a readable NetCDF3 file: ${what}`, {
    path,
    cause,
    hint: "the file may be truncated or not NetCDF; check it with ncdump -h or gdalinfo",
  });
}

/** Reads the values of a selection from the file bytes (big-endian, C order, records `recordStep` apart). */
function readHyperslab(bytes: Uint8Array, l: Layout, selection: Selection, path: string): NdArray {
  let norm: ReturnType<typeof normalizeSelection>;
  try {
    norm = normalizeSelection(l.shape, selection);
  } catch (err) {
    throw new EocubeError("OUT_OF_RANGE", `variable ${l.name}: ${(err as Error).message}`, { path, field: l.name, cause: err });
  }
  const outShape = selectionShape(norm);
  const n = sizeOf(norm.map((d) => d.stop - d.start));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isChar = l.dtype === "str";
  const out: NdArray["data"] = isChar ? new Array<string>(n) : allocate(l.dtype, n);
  const nd = l.shape.length;
  // element strides inside one record (or the whole variable); dim 0 of a record variable uses recordStep
  const strides = new Array<number>(nd).fill(1);
  for (let i = nd - 2; i >= 0; i--) strides[i] = strides[i + 1]! * l.shape[i + 1]!;
  const byteStride = strides.map((s, i) => (i === 0 && l.recordStep > 0 ? l.recordStep : s * l.size));
  const last = nd - 1;
  const runStart = nd === 0 ? 0 : norm[last]!.start;
  const runLen = nd === 0 ? 1 : norm[last]!.stop - norm[last]!.start;
  const runStride = nd === 0 ? l.size : byteStride[last]!; // recordStep when the only dim is the record dim
  const idx = norm.map((d) => d.start);
  let o = 0;
  const get = getter(view, l.dtype);
  if (n === 0) return { data: out, shape: outShape, dtype: l.dtype };
  for (;;) {
    let base = l.offset;
    for (let i = 0; i < last; i++) base += idx[i]! * byteStride[i]!;
    if (nd > 0) base += runStart * byteStride[last]!;
    if (isChar) {
      for (let k = 0; k < runLen; k++) {
        const c = bytes[base + k * runStride]!;
        (out as string[])[o++] = c === 0 ? "" : String.fromCharCode(c);
      }
    } else {
      const arr = out as unknown as { [i: number]: number | bigint };
      for (let k = 0; k < runLen; k++) arr[o++] = get(base + k * runStride);
    }
    // odometer over the outer dims
    let i = last - 1;
    for (; i >= 0; i--) {
      idx[i]!++;
      if (idx[i]! < norm[i]!.stop) break;
      idx[i] = norm[i]!.start;
    }
    if (i < 0) break;
  }
  return { data: out, shape: outShape, dtype: l.dtype };
}

/** A big-endian element reader for a dtype. */
function getter(view: DataView, dtype: DType): (byte: number) => number {
  switch (dtype) {
    case "int8":
      return (b) => view.getInt8(b);
    case "int16":
      return (b) => view.getInt16(b, false);
    case "int32":
      return (b) => view.getInt32(b, false);
    case "float32":
      return (b) => view.getFloat32(b, false);
    case "float64":
      return (b) => view.getFloat64(b, false);
    default:
      return (b) => view.getUint8(b);
  }
}

/**
 * Opens a NetCDF3 file (classic `CDF\x01` or 64-bit offset `CDF\x02`) as a **raw** Dataset: every
 * variable in `data_vars` with its stored dtype (`byte` → int8, `char` → "str" of single characters
 * marked `encoding.char = true`, joined into strings by decodeCF), attributes as stored (one-value
 * arrays → scalars, `byte` attributes signed). The UNLIMITED dimension has the number of records;
 * record variables are assembled across records. The whole file is fetched (`fs.get`), then values
 * are decoded per selection. Chunks: the full shape (1 along the record dimension).
 * @throws EocubeError NOT_FOUND (no file), CORRUPT_DATA (truncated or not NetCDF3, naming the path),
 *   UNSUPPORTED (CDF-5), OUT_OF_RANGE (selection outside a variable).
 */
export async function openNetcdf3(fs: FileSystem, path: string, options: FormatOpenOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  const bytes = await fs.get(path, options);
  if (bytes === undefined) {
    throw new EocubeError("NOT_FOUND", `no such file: ${path}`, { path, hint: `check the path (looked in ${fs.root})` });
  }
  if (bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) {
    throw new EocubeError("CORRUPT_DATA", `${path} is a NetCDF4/HDF5 file, not NetCDF3`, {
      path,
      hint: "open it with the NetCDF4/HDF5 reader (format id netcdf4)",
    });
  }
  if (bytes.length < 4 || bytes[0] !== 0x43 || bytes[1] !== 0x44 || bytes[2] !== 0x46) {
    throw corrupt(path, "it does not start with the NetCDF3 magic bytes 'CDF'");
  }
  if (bytes[3] === 5) {
    throw new EocubeError("UNSUPPORTED", `${path} is a CDF-5 (64-bit data) NetCDF file, which eocube cannot read`, {
      path,
      hint: "convert it with nccopy -k nc4 or nccopy -k classic",
    });
  }
  let reader: NetCDFReader;
  try {
    reader = new NetCDFReader(bytes);
  } catch (err) {
    throw corrupt(path, `its header cannot be parsed (${(err as Error).message})`, err);
  }
  const header = reader.header;
  const dimList = header.dimensions ?? [];
  const recordId = header.recordDimension.id;
  let numRecs = header.recordDimension.length;
  const vars0 = header.variables ?? [];
  const recordVars = vars0.filter((v) => v.record);
  // a single record variable's records are not padded to 4 bytes (spec: "unless there is only one record variable")
  const recordStep =
    recordVars.length === 1
      ? sizeOf(recordVars[0]!.dimensions.slice(1).map((id) => header.dimensions[id]?.size ?? 0)) *
        (recordVars[0]!.type === "char" || recordVars[0]!.type === "byte" ? 1 : itemSize(DTYPES[recordVars[0]!.type] ?? "int8"))
      : (header.recordDimension.recordStep ?? 0);
  const dimSize = (id: number) => (id === recordId ? numRecs : (dimList[id]?.size ?? NaN));

  // streaming files (numrecs = 0xFFFFFFFF) count the records that fit in the file
  const vars = vars0;
  if (numRecs === 0xffffffff && recordStep > 0) {
    const firstRecord = Math.min(...vars.filter((v) => v.record).map((v) => v.offset));
    numRecs = Math.floor((bytes.length - firstRecord) / recordStep);
  }

  const data_vars: Record<string, Variable> = {};
  for (const v of vars) {
    const dtype = DTYPES[v.type];
    if (!dtype) throw corrupt(path, `variable ${v.name} has an unknown type`);
    const dims = v.dimensions.map((id) => dimList[id]?.name);
    if (dims.some((d) => d === undefined)) throw corrupt(path, `variable ${v.name} refers to a missing dimension`);
    const shape = v.dimensions.map(dimSize);
    const size = dtype === "str" ? 1 : itemSize(dtype);
    const layout: Layout = { name: v.name, dtype, size, shape, offset: v.offset, recordStep: v.record ? recordStep : 0 };
    // the last byte the variable needs must lie inside the file
    const slab = sizeOf(v.record ? shape.slice(1) : shape) * size;
    const end = v.record ? (shape[0]! > 0 ? v.offset + (shape[0]! - 1) * recordStep + slab : 0) : v.offset + slab;
    if (!Number.isFinite(end) || end > bytes.length) {
      throw corrupt(path, `variable ${v.name} needs bytes up to ${end} but the file has ${bytes.length} (truncated?)`);
    }
    const chunks = v.record ? [1, ...shape.slice(1)] : shape.slice();
    data_vars[v.name] = new Variable({
      name: v.name,
      dims: dims as string[],
      shape,
      dtype,
      chunks,
      attrs: attrsOf(v.attributes as RawAttr[]),
      encoding: dtype === "str" ? { [CHAR_ENCODING_KEY]: true } : {},
      read: async (selection, opts) => {
        throwIfAborted(opts?.signal);
        return readHyperslab(bytes, layout, selection, path);
      },
    });
  }
  const unlimited = recordId !== undefined ? [dimList[recordId]!.name] : [];
  return new Dataset({
    data_vars,
    attrs: attrsOf(header.globalAttributes as RawAttr[]),
    encoding: {
      format: "netcdf3",
      source: path,
      netcdf_version: header.version === 2 ? "64-bit offset" : "classic",
      unlimited_dims: unlimited,
    },
  });
}

/** The NetCDF3 reader of the format registry (see {@link openNetcdf3}). */
export const netcdf3Reader: FormatReader = {
  id: "netcdf3",
  open: openNetcdf3,
};
