// NetCDF4 writer via h5wasm (HDF5 with netCDF-4's dimension scales): a dataset's coordinates and variables with CF
// attributes, _FillValue, times CF-encoded, gzip-compressed chunks; written beside the target, then renamed into place.
// Spec: NetCDF-4 format (https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html, "NetCDF-4
// Format": dimensions are HDF5 dimension scales; a dimension without a coordinate variable is a scale named
// "This is a netCDF dimension but not a netCDF variable.%10d").
import { rename, rm } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import type { Dataset } from "../core/dataset.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { DType } from "../core/ndarray.js";
import type { Attrs, ReadOptions } from "../core/variable.js";
import { datasetPlan } from "./zarr/writer.js";

/** h5wasm dtype strings of the numeric dtypes (little-endian). */
const H5_DTYPE: Partial<Record<DType, string>> = {
  int8: "<b",
  uint8: "<B",
  int16: "<h",
  uint16: "<H",
  int32: "<i",
  uint32: "<I",
  int64: "<q",
  uint64: "<Q",
  float32: "<f",
  float64: "<d",
  bool: "<b",
};

/** Typed-array constructors of the dtypes, for `_FillValue` attributes of the variable's own type. */
const ARRAY_OF: Partial<Record<DType, (x: number) => ArrayBufferView>> = {
  int8: (x) => Int8Array.of(x),
  uint8: (x) => Uint8Array.of(x),
  int16: (x) => Int16Array.of(x),
  uint16: (x) => Uint16Array.of(x),
  int32: (x) => Int32Array.of(x),
  uint32: (x) => Uint32Array.of(x),
  int64: (x) => BigInt64Array.of(BigInt(Math.trunc(x))),
  uint64: (x) => BigUint64Array.of(BigInt(Math.trunc(x))),
  float32: (x) => Float32Array.of(x),
  float64: (x) => Float64Array.of(x),
};

type H5Node = {
  create_attribute(name: string, data: unknown, shape?: number[] | null, dtype?: string | null): void;
};
type H5Dataset = H5Node & { make_scale(name?: string): void; attach_scale(index: number, path: string): void };
type H5File = H5Node & {
  create_dataset(args: Record<string, unknown>): H5Dataset;
  flush(): void;
  close(): void;
};

/** Writes one attribute as netCDF-4 does: text as a string, numbers as int32 or float64 arrays, others as JSON text. */
function writeAttr(node: H5Node, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const nums =
    typeof value === "number"
      ? [value]
      : Array.isArray(value) && value.every((x) => typeof x === "number")
        ? (value as number[])
        : undefined;
  if (typeof value === "string") node.create_attribute(name, value);
  else if (typeof value === "boolean") node.create_attribute(name, Int8Array.of(value ? 1 : 0), [1], "<b");
  else if (nums && nums.length > 0) {
    if (nums.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 31))
      node.create_attribute(name, Int32Array.from(nums), [nums.length], "<i");
    else node.create_attribute(name, Float64Array.from(nums), [nums.length], "<d");
  } else if (Array.isArray(value) && value.every((x) => typeof x === "string")) node.create_attribute(name, value.join(" "));
  else node.create_attribute(name, JSON.stringify(value));
}

/** netCDF-C's name of a dimension scale that is no variable. */
const pureDimName = (n: number) => `This is a netCDF dimension but not a netCDF variable.${String(n).padStart(10, " ")}`;

/**
 * Writes `ds` as a NetCDF4 (HDF5) file at the local `path`: each dimension a dimension scale (its 1-D coordinate
 * variable, or netCDF's pure dimension), coordinates and data variables with their dims attached, attributes
 * (text as strings, numbers as int32/float64 arrays), `_FillValue` of the variable's type, datetimes CF-encoded as
 * float64 (`units`, `calendar`), a string grid-mapping scalar (`crs`, `spatial_ref`) as int32 with its attributes,
 * non-index coordinates in the `coordinates` attribute, data gzip level 4 in the variables' chunks. Values are read
 * whole, one variable at a time: meant for bounded subsets (the server's Coverages, `eocube subset`). Written to a
 * temporary sibling, then renamed, so a failure leaves no half file.
 * An existing file at `path` is replaced.
 * @throws EocubeError UNSUPPORTED for string variables (other than a grid-mapping scalar) and unwritable dtypes;
 *   the read errors of the variables; INTERNAL when HDF5 fails.
 */
export async function writeNetcdf4(ds: Dataset, path: string, options: ReadOptions = {}): Promise<void> {
  const { plans, attrs } = datasetPlan(ds);
  const h5wasm = (await import("h5wasm/node")) as unknown as { ready: Promise<unknown>; File: new (p: string, mode: string) => H5File };
  await h5wasm.ready;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  const file = new h5wasm.File(tmp, "w");
  let closed = false;
  try {
    const variables = Object.values(ds.variables);
    const dims = ds.dims;
    // dimension scales first: a 1-D coordinate of the same name, else netCDF's pure dimension
    const scales = new Set<string>();
    for (const [name, size] of Object.entries(dims)) {
      const i = plans.findIndex((p) => p.spec.name === name && p.spec.dims.length === 1 && p.spec.dims[0] === name);
      if (i >= 0) continue;
      const d = file.create_dataset({ name, data: new Float32Array(size), shape: [size], dtype: "<f" });
      d.make_scale(pureDimName(size));
      scales.add(name);
    }
    const order = plans
      .map((p, i) => ({ p, i }))
      .sort(
        (a, b) =>
          Number(b.p.spec.dims.length === 1 && b.p.spec.dims[0] === b.p.spec.name) -
          Number(a.p.spec.dims.length === 1 && a.p.spec.dims[0] === a.p.spec.name),
      );
    for (const { p, i } of order) {
      throwIfAborted(options.signal);
      const { spec, convert } = p;
      const h5type = H5_DTYPE[spec.dtype];
      if (!h5type)
        throw new EocubeError("UNSUPPORTED", `variable ${spec.name}: dtype ${spec.dtype} cannot be written to NetCDF4`, {
          field: spec.name,
        });
      const values = convert(await variables[i]!.read([], options));
      const isScale = spec.dims.length === 1 && spec.dims[0] === spec.name;
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const chunked = spec.shape.length > 0 && n > 0 && !isScale;
      const d = file.create_dataset({
        name: spec.name,
        data: values.data,
        shape: spec.shape,
        dtype: h5type,
        ...(chunked ? { chunks: spec.chunks, compression: "gzip", compression_opts: 4 } : {}),
      });
      const fill = spec.fillValue;
      if (fill !== null && fill !== undefined && ARRAY_OF[spec.dtype])
        d.create_attribute("_FillValue", ARRAY_OF[spec.dtype]!(fill), [1], h5type);
      const a: Attrs = { ...(spec.attrs ?? {}) };
      delete a._FillValue;
      for (const [k, v] of Object.entries(a)) writeAttr(d, k, v);
      if (isScale) {
        d.make_scale(spec.name);
        scales.add(spec.name);
      }
    }
    for (const { spec } of plans) {
      if (spec.dims.length === 1 && spec.dims[0] === spec.name) continue;
      const d = (file as unknown as { get(n: string): H5Dataset }).get(spec.name);
      spec.dims.forEach((dim, k) => {
        if (scales.has(dim)) d.attach_scale(k, `/${dim}`);
      });
    }
    for (const [k, v] of Object.entries(attrs)) writeAttr(file, k, v);
    file.flush();
    file.close();
    closed = true;
    await rename(tmp, path);
  } catch (err) {
    if (!closed) {
      try {
        file.close();
      } catch {
        // already failed
      }
    }
    await rm(tmp, { force: true });
    throw err;
  }
}
