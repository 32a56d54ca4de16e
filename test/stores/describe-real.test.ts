// Every dataset of ../shared/data described through the stores API and compared with xarray/GDAL.
// Expectations: test/fixtures/describe-expected/*.json, made once by
// `/usr/bin/python3 test/fixtures/describe-expected/generate.py` (xarray.open_dataset for NetCDF/Zarr,
// GDAL for GeoTIFF; see the script's docstring for what each field means).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeDatasetObject, jsonSafe, summarizeCoords } from "../../src/stores/descriptor.js";
import { openDataset } from "../../src/stores/open.js";
import { SHARED_DATA } from "../helpers/paths.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/describe-expected/", import.meta.url));

interface Expected {
  data_id: string;
  dims: Record<string, number>;
  coords?: Record<string, { dims: string[]; shape: number[]; dtype: string; len?: number; first?: unknown; last?: unknown }>;
  data_vars: Record<string, { dims: string[]; shape: number[]; dtype: string; attrs?: Record<string, unknown> }>;
  attrs?: Record<string, unknown>;
  time_range?: [string, string];
  bbox?: [number, number, number, number];
  gdal_bbox?: [number, number, number, number];
  spatial_res?: number;
  crs?: string | null;
}

const cases: Expected[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(FIXTURES + f, "utf8")) as Expected);

/** JSON round trip as the descriptor does it (NaN → "NaN", typed arrays → arrays). */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, jsonSafe));

function closeTo(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

describe("describe every file of shared/data vs xarray/GDAL", () => {
  it("has a fixture for every dataset", () => {
    expect(cases.length).toBe(17);
  });

  for (const exp of cases) {
    it(exp.data_id, async () => {
      const ds = await openDataset(SHARED_DATA + exp.data_id);
      try {
        const d = await describeDatasetObject(ds, exp.data_id);
        expect(d.data_id).toBe(exp.data_id);
        expect(d.data_type).toBe("dataset");
        expect(d.dims).toEqual(exp.dims);
        // variables: same names in coords/data_vars, dims, shapes, decoded dtypes
        const got = { ...d.coords, ...d.data_vars };
        const want = { ...(exp.coords ?? {}), ...exp.data_vars };
        if (exp.coords) {
          expect(Object.keys(d.coords).sort()).toEqual(Object.keys(exp.coords).sort());
          expect(Object.keys(d.data_vars).sort()).toEqual(Object.keys(exp.data_vars).sort());
        } else {
          for (const name of Object.keys(exp.data_vars)) expect(Object.keys(d.data_vars)).toContain(name);
        }
        const isTiff = exp.data_id.startsWith("geotiff/");
        for (const [name, w] of Object.entries(want)) {
          const g = got[name]!;
          // GeoTIFF: GDAL gives the stored dtype (before masking nodata), which the reader keeps in encoding.dtype.
          const dtype = isTiff ? (ds.variables[name]!.encoding.dtype ?? g.dtype) : g.dtype === "str" ? "object" : g.dtype;
          expect({ name, dims: g.dims, shape: g.shape, dtype }).toEqual({
            name,
            dims: w.dims,
            shape: w.shape,
            dtype: w.dtype.startsWith("<U") || w.dtype.startsWith("|S") ? "object" : w.dtype,
          });
        }
        for (const [name, w] of Object.entries(exp.data_vars)) {
          if (w.attrs) expect(plain(d.data_vars[name]!.attrs), name).toEqual(w.attrs);
        }
        if (exp.attrs) expect(plain(d.attrs)).toEqual(exp.attrs);
        // 1-D coordinate values: first, last, length
        const summaries = await summarizeCoords(ds);
        for (const [name, w] of Object.entries(exp.coords ?? {})) {
          if (w.len === undefined) continue;
          const s = summaries[name]!;
          expect(s.size, name).toBe(w.len);
          for (const [a, b] of [
            [s.first, w.first],
            [s.last, w.last],
          ] as const) {
            if (typeof b === "number") expect(closeTo(a as number, b), `${name}: ${a} vs ${b}`).toBe(true);
            else if (typeof b === "string" && /^\d{4}-/.test(b)) expect(Date.parse(a as string)).toBe(Date.parse(b));
            else expect(a).toEqual(b);
          }
        }
        // time range, bbox (pixel edges), resolution, CRS
        if (exp.time_range) expect(d.time_range!.map(Date.parse)).toEqual(exp.time_range.map(Date.parse));
        else expect(d.time_range).toBeUndefined();
        if (exp.bbox) {
          expect(d.bbox, "bbox").toBeDefined();
          d.bbox!.forEach((x, i) => {
            expect(closeTo(x, exp.bbox![i]!), `bbox ${d.bbox} vs ${exp.bbox}`).toBe(true);
          });
          expect(closeTo(d.spatial_res!, exp.spatial_res!)).toBe(true);
        }
        if (exp.gdal_bbox) {
          d.bbox!.forEach((x, i) => {
            expect(Math.abs(x - exp.gdal_bbox![i]!)).toBeLessThan(1e-3);
          });
        }
        if (exp.crs) expect(d.crs).toBe(exp.crs);
        // projected data carry their WGS 84 extent too
        if (d.crs && /^EPSG:(32[67]\d\d|3857)$|\+proj=(geos|tmerc|utm)/.test(d.crs)) {
          expect(d.bbox_wgs84).toHaveLength(4);
          const [w, s, e, n] = d.bbox_wgs84!;
          expect(w >= -180 && e <= 180 && s >= -90 && n <= 90 && w < e && s < n).toBe(true);
        } else {
          expect(d.bbox_wgs84).toBeUndefined();
        }
      } finally {
        await ds.close();
      }
    });
  }
});
