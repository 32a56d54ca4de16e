// Finding and reading a dataset's spatial coordinates (1-D, CF-decoded); the time coordinate is core/coords.ts'.
import type { Dataset } from "../core/dataset.js";
import { toFloat64 } from "../core/ndarray.js";
import type { Variable } from "../core/variable.js";

const X_NAMES = ["lon", "longitude", "x", "X", "Lon", "Longitude"];
const Y_NAMES = ["lat", "latitude", "y", "Y", "Lat", "Latitude"];

/** Names of the x and y dimensions of a dataset (1-D coordinate variables or dimension names). */
export function spatialDims(ds: Dataset): { xDim: string; yDim: string } | undefined {
  const dims = ds.dims;
  const byAttr = (axis: "X" | "Y", std: string[]): string | undefined => {
    for (const v of Object.values(ds.coords)) {
      if (v.dims.length !== 1 || v.dims[0] !== v.name) continue;
      if (v.attrs.axis === axis || std.includes(String(v.attrs.standard_name ?? ""))) return v.name;
    }
    return undefined;
  };
  const xDim = byAttr("X", ["longitude", "projection_x_coordinate", "grid_longitude"]) ?? X_NAMES.find((n) => n in dims);
  const yDim = byAttr("Y", ["latitude", "projection_y_coordinate", "grid_latitude"]) ?? Y_NAMES.find((n) => n in dims);
  return xDim && yDim ? { xDim, yDim } : undefined;
}

/** Reads a 1-D coordinate as float64 (datetimes as ms since the epoch). @throws EocubeError NOT_FOUND. */
export async function readCoord(ds: Dataset, name: string, signal?: AbortSignal): Promise<Float64Array> {
  const v: Variable = ds.variable(name);
  return toFloat64(await v.read([], { signal }));
}
