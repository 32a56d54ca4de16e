// NetCDF4/HDF5 reader via h5wasm (in a worker process with a time limit): netCDF-4 dimensions from HDF5
// dimension scales, hyperslab reads of chunked (deflate/shuffle) or contiguous datasets. RAW dataset (no CF).
// Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html (netCDF-4 format)
import { CHAR_ENCODING_KEY } from "../core/cf.js";
import { Dataset } from "../core/dataset.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import { allocate, itemSize, sizeOf, type DType, type NdArray, type TypedArray } from "../core/ndarray.js";
import { normalizeSelection, selectionShape, type Selection } from "../core/selection.js";
import { Variable, type Attrs, type Encoding } from "../core/variable.js";
import type { FileSystem } from "../fs/types.js";
import { H5RestartError, H5TimeoutError, pickH5Worker, type H5Entry, type H5Meta, type H5Worker } from "./netcdf4-worker.js";
import { checkChunkSize, checkReadSize } from "./limits.js";
import type { FormatOpenOptions, FormatReader } from "./registry.js";

/** Attributes netCDF-4 uses internally; hidden like netCDF4-python/xarray hide them. */
const HIDDEN_ATTRS = new Set([
  "_Netcdf4Dimid",
  "_NCProperties",
  "DIMENSION_LIST",
  "CLASS",
  "NAME",
  "REFERENCE_LIST",
  "_Netcdf4Coordinates",
  "_nc3_strict",
  "_IsNetcdf4",
  "_SuperblockVersion",
]);

/** The NAME a netCDF-4 dimension scale carries when it is a dimension but not a variable. */
const DIM_WITHOUT_VARIABLE = "This is a netCDF dimension but not a netCDF variable";

let fileCounter = 0;

/**
 * The eocube dtype of an HDF5 datatype, or undefined when unsupported (compound, vlen of numbers, references).
 * A netCDF-4 enum has the dtype of its base integer type.
 */
function dtypeOf(e: H5Entry): { dtype: DType; char: boolean } | undefined {
  if (e.type === 0 || (e.type === 8 && e.enumMembers)) {
    const bits = e.size * 8;
    if (![8, 16, 32, 64].includes(bits)) return undefined;
    return { dtype: `${e.signed ? "" : "u"}int${bits}` as DType, char: false };
  }
  if (e.type === 1) {
    if (e.size === 4) return { dtype: "float32", char: false };
    if (e.size === 8) return { dtype: "float64", char: false };
    return undefined;
  }
  if (e.type === 3) return { dtype: "str", char: !e.vlen && e.size === 1 };
  return undefined;
}

/**
 * The attrs of an enum variable with its members as CF flags (`flag_values` ascending, `flag_meanings`
 * space-separated), as xarray ≥ 2024.06 gives them; flags the file sets itself are kept.
 */
function withEnumFlags(attrs: Attrs, members: Record<string, number>): Attrs {
  if (attrs.flag_values !== undefined || attrs.flag_meanings !== undefined) return attrs;
  const sorted = Object.entries(members).sort((a, b) => a[1] - b[1]);
  return { ...attrs, flag_values: sorted.map(([, v]) => v), flag_meanings: sorted.map(([k]) => k.replace(/\s+/g, "_")).join(" ") };
}

/** A plain attribute value: one-element arrays → scalars, bigint → number when safe. */
function attrValue(v: unknown): unknown {
  const conv = (x: unknown): unknown =>
    typeof x === "bigint" && x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(x) : x;
  if (Array.isArray(v)) {
    const arr = v.map(conv);
    return arr.length === 1 ? arr[0] : arr;
  }
  return conv(v);
}

function visibleAttrs(attrs: Record<string, unknown>): Attrs {
  const out: Attrs = {};
  for (const [name, v] of Object.entries(attrs)) if (!HIDDEN_ATTRS.has(name)) out[name] = attrValue(v);
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

/** The error for an HDF5 call that exceeded its time limit. */
function timedOut(path: string, doing: string, err: H5TimeoutError): EocubeError {
  return new EocubeError("CORRUPT_DATA", `${path}: HDF5 did not answer within ${err.ms} ms while ${doing}; the file may be damaged`, {
    path,
    cause: err,
    hint: "check the file with h5dump; for very large reads raise EOCUBE_HDF5_TIMEOUT_MS (milliseconds)",
  });
}

/** HDF5 filter ids → names xarray's netCDF4 encoding uses. */
function filterEncoding(filters: H5Entry["filters"]): Encoding {
  const enc: Encoding = { zlib: false, shuffle: false };
  const others: unknown[] = [];
  for (const f of filters) {
    if (f.id === 1) {
      enc.zlib = true;
      enc.complevel = f.cd_values?.[0] ?? 4;
    } else if (f.id === 2) enc.shuffle = true;
    else if (f.id === 3) enc.fletcher32 = true;
    else others.push({ id: f.id, name: f.name });
  }
  if (others.length) enc.filters = others;
  return enc;
}

/** True when the HDF5 superblock signature is at byte 0, 512, 1024, 2048, … (HDF5 spec §II.A). */
function hasHdf5Signature(bytes: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (sig.every((b, i) => bytes[off + i] === b)) return true;
  }
  return false;
}

/**
 * Frees the worker's copy of a file once its {@link FileHandle} is unreachable, i.e. once no Dataset,
 * Variable or read closure derived from it (CF-decoded copies included) can read it any more.
 */
const unclosed = new FinalizationRegistry<OpenFile>((file) => file.release());

/**
 * The handle every read closure and the Dataset's `close` hold; the file is freed on GC of the handle
 * (not of the raw Dataset, which CF decoding drops while its variables' read closures live on).
 * The OpenFile must never point back to its handle, or the handle would never be collected.
 */
class FileHandle {
  constructor(readonly file: OpenFile) {}
}

/** One file open in the HDF5 worker; reopened transparently when the worker was restarted. */
class OpenFile {
  closed = false;
  #generation: number;
  #reopening?: Promise<void>;

  constructor(
    readonly name: string,
    readonly bytes: Uint8Array,
    readonly path: string,
    readonly worker: H5Worker,
    generation: number,
  ) {
    this.#generation = generation;
  }

  /** Opens the file in a fresh worker when the one that held it was stopped. */
  async ensure(): Promise<void> {
    if (this.worker.ensure() === this.#generation) return;
    this.#reopening ??= (async () => {
      const gen = this.worker.ensure();
      await this.worker.call({ op: "open", name: this.name, bytes: this.bytes });
      this.#generation = gen;
    })().finally(() => {
      this.#reopening = undefined;
    });
    await this.#reopening;
  }

  /** Reads `ranges` ([start, stop) per dim; empty for a scalar) of dataset `key`, retrying once after a restart. */
  async read(key: string, ranges: [number, number][]): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensure();
        return (await this.worker.call({ op: "read", name: this.name, key, ranges })).data;
      } catch (err) {
        if (err instanceof H5RestartError && attempt === 0) continue;
        if (err instanceof H5TimeoutError) throw timedOut(this.path, `reading variable ${key}`, err);
        throw new EocubeError("CORRUPT_DATA", `cannot read variable ${key} of ${this.path}: ${hdf5Message(err)}`, {
          path: this.path,
          field: key,
          cause: err,
          hint: "the file may be truncated or use an unsupported HDF5 filter",
        });
      }
    }
  }

  /** Frees the worker's copy (safe to call twice). */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.worker.liveGeneration !== this.#generation) return;
    this.worker.queueClose(this.name);
  }
}

/**
 * Opens a NetCDF4/HDF5 file as a **raw** Dataset (the root group, or `options.group` as xarray's `group`;
 * sub-groups are listed in `encoding.groups`), through h5wasm running in a worker
 * process (one by default; up to `EOCUBE_HDF5_WORKERS` when many files are opened at once; coordinate values
 * come with the metadata): the file's bytes (`fs.get`) are copied into h5wasm's in-memory file system under a unique name
 * and freed by `close()` (or once neither the Dataset nor any of its variables, CF-decoded copies
 * included, is reachable). Every HDF5 call has a time limit
 * (`EOCUBE_HDF5_TIMEOUT_MS`, default 60 s), so a damaged file that sends HDF5 into a loop fails instead of hanging.
 * Dimensions: netCDF-4 dimension scales (`CLASS=DIMENSION_SCALE`) attached to each dataset's axes; scales
 * named "This is a netCDF dimension but not a netCDF variable" are dimensions only (not variables); axes
 * without a scale get netCDF-C's `phony_dim_N` names (one per distinct length). netCDF-4 internal attributes
 * (`_Netcdf4Dimid`, `_NCProperties`, `DIMENSION_LIST`, `CLASS`, `NAME`, `REFERENCE_LIST`,
 * `_Netcdf4Coordinates`) are hidden. Chunks are the HDF5 chunk shape (full shape when contiguous);
 * `read(selection)` reads only the selected hyperslab (h5wasm `slice`).
 * @throws EocubeError NOT_FOUND (no file, or no such group: the hint lists the groups), CORRUPT_DATA (not HDF5, truncated, damaged or HDF5 timed out,
 *   naming the path), OUT_OF_RANGE (selection outside a variable), INVALID_ARGUMENT (read after close).
 */
export async function openNetcdf4(fs: FileSystem, path: string, options: FormatOpenOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  const bytes = await fs.get(path, options);
  if (bytes === undefined) {
    throw new EocubeError("NOT_FOUND", `no such file: ${path}`, { path, hint: `check the path (looked in ${fs.root})` });
  }
  if (!hasHdf5Signature(bytes)) throw corrupt(path, "no HDF5 signature (\\x89HDF) found");
  const group = options.group?.replace(/^\/+|\/+$/g, "") || undefined;
  const name = `/eocube-${process.pid}-${++fileCounter}-${Math.random().toString(36).slice(2, 8)}.h5`;
  const worker = pickH5Worker();
  const generation = worker.ensure();
  let meta: H5Meta;
  try {
    meta = (await worker.call({ op: "open", name, bytes, group })).meta as H5Meta;
  } catch (err) {
    if (err instanceof H5TimeoutError) throw timedOut(path, "reading its metadata", err);
    throw corrupt(path, `HDF5 cannot open it (${hdf5Message(err)})`, err);
  }
  if (meta.missingGroup) {
    const groups = meta.groups ?? [];
    throw new EocubeError("NOT_FOUND", `no group ${JSON.stringify(group)} in ${path}`, {
      path,
      field: "open_params/group",
      hint: groups.length > 0 ? `groups of the file: ${groups.join(", ")}` : "the file has no groups",
    });
  }
  throwIfAborted(options.signal);
  const file = new OpenFile(name, bytes, path, worker, generation);
  const handle = new FileHandle(file);
  unclosed.register(handle, file);
  return buildDataset(meta, handle, group ? `${group}/` : "");
}

function buildDataset(meta: H5Meta, handle: FileHandle, prefix: string): Dataset {
  const file = handle.file;
  /** A name inside the opened group (a dimension of a parent group keeps its own last segment). */
  const local = (key: string) => (key.startsWith(prefix) ? key.slice(prefix.length) : key.slice(key.lastIndexOf("/") + 1));
  // netCDF-4 dimension scales
  const dimSizes = new Map<string, number>();
  const pureDims = new Set<string>();
  for (const e of meta.entries) {
    if (attrValue(e.attrs.CLASS) !== "DIMENSION_SCALE") continue;
    dimSizes.set(e.key, e.shape[0] ?? 0);
    const nm = attrValue(e.attrs.NAME);
    if (typeof nm === "string" && nm.startsWith(DIM_WITHOUT_VARIABLE)) pureDims.add(e.key);
  }
  const phony = new Map<number, string>();
  const phonyName = (size: number) => {
    if (!phony.has(size)) phony.set(size, `phony_dim_${phony.size}`);
    return phony.get(size)!;
  };

  const data_vars: Record<string, Variable> = {};
  for (const e of meta.entries) {
    if (pureDims.has(e.key)) continue;
    const dt = dtypeOf(e);
    if (!dt) continue; // compound/vlen/reference datasets are not netCDF variables eocube reads
    const { key, shape } = e;
    const dims = shape.map((size, i) => {
      if (dimSizes.has(key) && shape.length === 1) return local(key);
      const s = e.scales[i]?.[0]?.replace(/^\//, "");
      // a scale of a parent group (not walked) is trusted when a group was opened
      return s && (dimSizes.has(s) ? dimSizes.get(s) === size : prefix !== "") ? local(s) : phonyName(size);
    });
    const encoding: Encoding = { ...filterEncoding(e.filters), contiguous: e.chunks === null, chunksizes: e.chunks };
    if (dt.char) encoding[CHAR_ENCODING_KEY] = true;
    const dtype = dt.dtype;
    const values = e.values; // coordinate values sent with the metadata
    data_vars[local(key)] = new Variable({
      name: local(key),
      dims,
      shape,
      dtype,
      chunks: e.chunks ?? shape.slice(),
      attrs: e.enumMembers ? withEnumFlags(visibleAttrs(e.attrs), e.enumMembers) : visibleAttrs(e.attrs),
      encoding,
      read: async (selection, opts) => {
        const file = handle.file; // the closure holds the handle: the file lives as long as this variable
        throwIfAborted(opts?.signal);
        if (file.closed) {
          throw new EocubeError("INVALID_ARGUMENT", `variable ${key} of ${file.path} was read after the dataset was closed`, {
            path: file.path,
            field: key,
            hint: "open the dataset again",
          });
        }
        if (values) return sliceValues(values, key, file.path, dtype, shape, selection);
        return readSlab(file, key, dtype, shape, selection, e.chunks);
      },
    });
  }
  return new Dataset({
    data_vars,
    attrs: visibleAttrs(meta.attrs),
    encoding: {
      format: "netcdf4",
      source: file.path,
      ...(prefix ? { group: prefix.slice(0, -1) } : {}),
      ...(meta.groups?.length ? { groups: meta.groups } : {}),
    },
    close: async () => handle.file.release(),
  });
}

/** A selection of a 1-D dataset whose values were read at open (a copy: callers may modify it). */
function sliceValues(values: ArrayBufferView, key: string, path: string, dtype: DType, fullShape: number[], selection: Selection): NdArray {
  let norm: ReturnType<typeof normalizeSelection>;
  try {
    norm = normalizeSelection(fullShape, selection);
  } catch (err) {
    throw new EocubeError("OUT_OF_RANGE", `variable ${key}: ${(err as Error).message}`, { path, field: key, cause: err });
  }
  const d = norm[0]!;
  return { data: (values as TypedArray).slice(d.start, d.stop), shape: selectionShape(norm), dtype };
}

/**
 * Reads a hyperslab of one dataset, dropping integer-indexed dims.
 * @param chunks the HDF5 chunk shape (null when contiguous): HDF5 decodes every chunk the slab touches whole.
 * @throws EocubeError TOO_LARGE when the slab passes the per-read limit or a chunk the per-chunk limit.
 */
async function readSlab(
  file: OpenFile,
  key: string,
  dtype: DType,
  fullShape: number[],
  selection: Selection,
  chunks: number[] | null = null,
): Promise<NdArray> {
  let norm: ReturnType<typeof normalizeSelection>;
  try {
    norm = normalizeSelection(fullShape, selection);
  } catch (err) {
    throw new EocubeError("OUT_OF_RANGE", `variable ${key}: ${(err as Error).message}`, { path: file.path, field: key, cause: err });
  }
  const shape = selectionShape(norm);
  const n = sizeOf(norm.map((d) => d.stop - d.start));
  if (n === 0) return { data: dtype === "str" ? [] : allocate(dtype, 0), shape, dtype };
  const item = dtype === "str" ? 8 : itemSize(dtype);
  checkReadSize(n, item, `variable ${key} of ${file.path}`, { path: file.path, field: key });
  if (chunks)
    checkChunkSize(sizeOf(chunks) * item, `an HDF5 chunk (${chunks.join("×")} values) of variable ${key} of ${file.path}`, {
      path: file.path,
      field: key,
    });
  const raw = await file.read(
    key,
    norm.map((s) => [s.start, s.stop] as [number, number]),
  );
  if (dtype === "str") {
    const list = (Array.isArray(raw) ? raw : [raw]).map((s) => (typeof s === "string" ? s.replace(/\0+$/, "") : String(s ?? "")));
    return { data: list, shape, dtype };
  }
  let data: TypedArray;
  if (ArrayBuffer.isView(raw))
    data = raw as TypedArray; // h5wasm converts big-endian data to native order
  else {
    data = allocate(dtype, n);
    const src = Array.isArray(raw) ? raw : [raw];
    for (let i = 0; i < n; i++) (data as unknown as { [i: number]: unknown })[i] = src[i];
  }
  return { data, shape, dtype };
}

/** The NetCDF4/HDF5 reader of the format registry (see {@link openNetcdf4}). */
export const netcdf4Reader: FormatReader = {
  id: "netcdf4",
  open: openNetcdf4,
};
