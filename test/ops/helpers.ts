// Test helpers for ops: real data paths, opening decoded datasets, synthetic grids, fixture comparison.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeCF } from "../../src/core/cf.js";
import { Dataset } from "../../src/core/dataset.js";
import type { NdArray } from "../../src/core/ndarray.js";
import { memoryVariable } from "../../src/ops/grid.js";
import { openDataset } from "../../src/stores/open.js";

/** ../shared/data (real input files, never copied into the repo). */
export const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
/** The three OSTIA NetCDF3 files. */
export const OSTIA = ["05", "06", "07"].map((d) => `${DATA}netcdf3/201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`);
export const CUBE = `${DATA}zarr/cube-1-250-250.zarr`;
export const RGB = `${DATA}geotiff/RGB.byte.tif`;
export const OLCI = `${DATA}netcdf4/O_L2_0001_SNS_2017104102450_v1.0.nc`;

/** Opens a real dataset and CF-decodes it. */
export async function openDecoded(path: string): Promise<Dataset> {
  return decodeCF(await openDataset(path));
}

/** A reference fixture made by test/fixtures/gen-expected/make.py (xarray / gdalwarp). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/gen-expected/${name}`, import.meta.url), "utf8")) as T;
}

/** A dataset with `lat`/`lon` (descending lat) and one [time?, lat, lon] float64 variable. */
export function syntheticGrid(
  values: number[][],
  options: { x0?: number; y0?: number; res?: number; times?: number[]; name?: string } = {},
): Dataset {
  const h = values.length;
  const w = values[0]!.length;
  const res = options.res ?? 1;
  const x0 = options.x0 ?? 0;
  const y0 = options.y0 ?? h * res;
  const lon = Float64Array.from({ length: w }, (_, i) => x0 + (i + 0.5) * res);
  const lat = Float64Array.from({ length: h }, (_, j) => y0 - (j + 0.5) * res);
  const name = options.name ?? "v";
  const coords: Record<string, ReturnType<typeof memoryVariable>> = {
    lat: memoryVariable("lat", ["lat"], { data: lat, shape: [h], dtype: "float64" }, { units: "degrees_north", standard_name: "latitude" }),
    lon: memoryVariable("lon", ["lon"], { data: lon, shape: [w], dtype: "float64" }, { units: "degrees_east", standard_name: "longitude" }),
  };
  let data: NdArray;
  if (options.times) {
    const nt = options.times.length;
    coords.time = memoryVariable("time", ["time"], { data: Float64Array.from(options.times), shape: [nt], dtype: "datetime64[ns]" });
    const flat = new Float64Array(nt * h * w);
    for (let t = 0; t < nt; t++) for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) flat[(t * h + j) * w + i] = values[j]![i]! + t;
    data = { data: flat, shape: [nt, h, w], dtype: "float64" };
    return new Dataset({ coords, data_vars: { [name]: memoryVariable(name, ["time", "lat", "lon"], data, { units: "1" }) } });
  }
  data = { data: Float64Array.from(values.flat()), shape: [h, w], dtype: "float64" };
  return new Dataset({ coords, data_vars: { [name]: memoryVariable(name, ["lat", "lon"], data, { units: "1" }) } });
}

/** Statistics of the agreement of two arrays (null/NaN = missing). */
export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number | null>,
  tol: number,
): { n: number; maxDiff: number; within: number; nanMismatch: number } {
  let n = 0,
    within = 0,
    nanMismatch = 0,
    maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i]!;
    const eNaN = e === null || e === undefined || Number.isNaN(e);
    const aNaN = Number.isNaN(a);
    if (eNaN || aNaN) {
      if (eNaN !== aNaN) nanMismatch++;
      continue;
    }
    n++;
    const d = Math.abs(a - (e as number));
    if (d > maxDiff) maxDiff = d;
    if (d <= tol) within++;
  }
  return { n, maxDiff, within, nanMismatch };
}
