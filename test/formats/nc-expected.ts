// Test helper: compares a decoded eocube Dataset with the xarray reference JSON written by
// test/fixtures/make-nc-expected.py (/usr/bin/python3, xarray 2023.01 + netCDF4 1.6 + GDAL).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { Dataset } from "../../src/core/dataset.js";
import { sizeOf, type NdArray } from "../../src/core/ndarray.js";
import { toIsoString } from "../../src/core/time.js";

/** Path of the shared real data folder (../shared/data from the repo root). */
export const DATA_DIR = fileURLToPath(new URL("../../../shared/data/", import.meta.url));

/** One variable as xarray reported it. */
export interface ExpectedVariable {
  dims: string[];
  shape: number[];
  dtype: string;
  attrs: Record<string, unknown>;
  encoding: Record<string, unknown>;
  stats: { first?: unknown; last?: unknown; mean?: unknown; count_nan?: number };
  values?: unknown[];
}

/** One file as xarray (and GDAL, for gridded files) reported it. */
export interface Expected {
  file: string;
  dims: Record<string, number>;
  coords: string[];
  data_vars: string[];
  attrs: Record<string, unknown>;
  variables: Record<string, ExpectedVariable>;
  gdal?: { variable: string; size: [number, number]; geoTransform: number[]; epsg: number | null; bbox: number[]; bbox_wgs84?: number[] };
}

/** Loads test/fixtures/nc-expected/<base>.json for a data file name. */
export function loadExpected(fileName: string): Expected {
  const url = new URL(`../fixtures/nc-expected/${fileName.replace(/\.(nc|h5)$/, ".json")}`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Expected;
}

/** JS value → the JSON form the python script writes (NaN → "NaN", typed arrays → arrays, NULs stripped). */
export function normalize(v: unknown): unknown {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") return v.replace(/\0+$/, "");
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, normalize);
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

/** Deep comparison with a relative tolerance for numbers. */
export function expectClose(actual: unknown, expected: unknown, where: string, rel = 1e-9): void {
  const a = normalize(actual);
  const e = typeof expected === "string" ? expected.replace(/\0+$/, "") : expected;
  if (typeof e === "number" && typeof a === "number") {
    const tol = Math.max(Math.abs(e) * rel, 1e-300);
    if (Math.abs(a - e) > tol) expect.fail(`${where}: ${a} is not within ${rel} of ${e}`);
    return;
  }
  if (Array.isArray(e)) {
    if (!Array.isArray(a)) {
      // netCDF4-python gives one-element arrays as scalars too; accept a scalar for [x]
      if (e.length === 1) {
        expectClose(a, e[0], where, rel);
        return;
      }
      expect.fail(`${where}: expected an array of ${e.length}, got ${JSON.stringify(a)}`);
    }
    expect(a.length, `${where} length`).toBe(e.length);
    e.forEach((x, i) => {
      expectClose((a as unknown[])[i], x, `${where}[${i}]`, rel);
    });
    return;
  }
  if (e && typeof e === "object") {
    expect(Object.keys(a as object).sort(), `${where} keys`).toEqual(Object.keys(e).sort());
    for (const [k, x] of Object.entries(e)) expectClose((a as Record<string, unknown>)[k], x, `${where}.${k}`, rel);
    return;
  }
  expect(a, where).toEqual(e);
}

/** First/last/nanmean/NaN count of an NdArray, as the python script computes them. */
export function statsOf(arr: NdArray): { first: unknown; last: unknown; mean?: number; count_nan: number } {
  const n = sizeOf(arr.shape);
  const d = arr.data as ArrayLike<unknown>;
  let sum = 0;
  let count = 0;
  let nans = 0;
  const numeric = arr.dtype !== "str" && arr.dtype !== "object" && arr.dtype !== "datetime64[ns]";
  if (numeric) {
    for (let i = 0; i < n; i++) {
      const x = Number(d[i]);
      if (Number.isNaN(x)) nans++;
      else {
        sum += x;
        count++;
      }
    }
  }
  return { first: d[0], last: d[n - 1], ...(numeric ? { mean: count ? sum / count : NaN } : {}), count_nan: nans };
}

/**
 * Differences from xarray that are deliberate (see the test files):
 * - masked strings: xarray turns char values equal to `_FillValue` into NaN inside an object array;
 *   eocube keeps strings (the empty string for a NUL fill).
 * - non-standard calendars (noleap, 360_day, …): xarray gives cftime objects ("object(cftime)" in the
 *   fixtures, values as ISO strings); eocube gives datetime64[ns] with the same date fields.
 */
export async function compareDataset(ds: Dataset, exp: Expected): Promise<void> {
  expect(ds.dims).toEqual(exp.dims);
  expect(Object.keys(ds.coords).sort()).toEqual(exp.coords.slice().sort());
  expect(Object.keys(ds.data_vars).sort()).toEqual(exp.data_vars.slice().sort());
  expectClose(ds.attrs, exp.attrs, "attrs");
  for (const [name, ev] of Object.entries(exp.variables)) {
    const v = ds.variable(name);
    expect(v.dims, `${name}.dims`).toEqual(ev.dims);
    expect(v.shape, `${name}.shape`).toEqual(ev.shape);
    const cftime = ev.dtype === "object(cftime)";
    const dtype = cftime ? "datetime64[ns]" : ev.dtype;
    expect(v.dtype, `${name}.dtype`).toBe(dtype);
    expectClose(v.attrs, ev.attrs, `${name}.attrs`);
    for (const [k, x] of Object.entries(ev.encoding)) expectClose(v.encoding[k], x, `${name}.encoding.${k}`);
    let arr = await v.read();
    expect(arr.dtype, `${name} read dtype`).toBe(dtype);
    if (cftime) {
      const labels = Array.from(arr.data as Float64Array, (ms) => toIsoString(ms).replace(/Z$/, ""));
      arr = { data: labels, shape: arr.shape, dtype: "str" };
    }
    expect(arr.shape, `${name} read shape`).toEqual(ev.shape);
    const st = statsOf(arr);
    for (const key of ["first", "last"] as const) {
      if (!(key in ev.stats)) continue;
      const e = ev.stats[key];
      if (ev.dtype === "str" && e === "NaN") expect(st[key], `${name}.${key} (masked string)`).toBe("");
      else expectClose(st[key], e, `${name}.${key}`, 1e-7);
    }
    if (ev.stats.mean !== undefined) expectClose(st.mean, ev.stats.mean, `${name}.mean`, 1e-9);
    if (ev.stats.count_nan !== undefined && ev.dtype.startsWith("float"))
      expect(st.count_nan, `${name} NaN count`).toBe(ev.stats.count_nan);
    if (ev.values) expectClose(arr.data, ev.values, `${name}.values`, 1e-12);
  }
}
