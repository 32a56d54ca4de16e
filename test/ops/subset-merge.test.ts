// subset, merge, rechunk, coarsen and CF/ACDD metadata on synthetic and real data.
import { describe, expect, it } from "vitest";
import type { Dataset } from "../../src/core/dataset.js";
import { isEocubeError } from "../../src/core/errors.js";
import { toFloat64 } from "../../src/core/ndarray.js";
import { coarsen, numLevelsFor } from "../../src/ops/levels.js";
import { merge } from "../../src/ops/merge.js";
import { flattenAcdd, updateCubeMetadata } from "../../src/ops/metadata.js";
import { rechunk } from "../../src/ops/rechunk.js";
import { subset } from "../../src/ops/subset.js";
import { CUBE, DATA, OSTIA, openDecoded, syntheticGrid } from "./helpers.js";

const DAY = 86_400_000;

describe("subset", () => {
  it("selects variables, a bbox (cells intersecting it) and a time range on the real cube", async () => {
    const cube = await openDecoded(CUBE);
    const s = await subset(cube, { variable_names: ["conc_chl"], bbox: [1, 51, 2, 52], time_range: ["2017-01-20", "2017-01-28"] });
    expect(Object.keys(s.data_vars)).toEqual(["conc_chl"]);
    expect(s.dims).toMatchObject({ lat: 400, lon: 400, time: 3 }); // 01-25, 01-26 and 01-28 (the end day is included)
    const lat = toFloat64(await s.coords.lat!.read());
    expect(lat[0]).toBeCloseTo(51.99875, 9);
    const full = toFloat64(await cube.data_vars.conc_chl!.read([1, [199, 201], [400, 402]]));
    expect(Array.from(toFloat64(await s.data_vars.conc_chl!.read([0, [0, 2], [0, 2]])))).toEqual(Array.from(full));
    await cube.close();
  });

  it("raises NOT_FOUND for an unknown variable and OUT_OF_RANGE outside the data", async () => {
    const cube = await openDecoded(CUBE);
    expect(isEocubeError(await subset(cube, { variable_names: ["nope"] }).catch((e) => e), "NOT_FOUND")).toBe(true);
    expect(isEocubeError(await subset(cube, { bbox: [20, 20, 21, 21] }).catch((e) => e), "OUT_OF_RANGE")).toBe(true);
    expect(isEocubeError(await subset(cube, { time_range: ["2020-01-01", "2020-02-01"] }).catch((e) => e), "OUT_OF_RANGE")).toBe(true);
    await cube.close();
  });

  it("keeps the CF grid-mapping variable the selected variables name (GFS's LatLon_Projection sphere)", async () => {
    const gfs = await openDecoded(`${DATA}netcdf4/GFS_global.nc`);
    expect(gfs.data_vars.Temperature_isobaric!.attrs.grid_mapping).toBe("LatLon_Projection");
    const s = await subset(gfs, { variable_names: ["Temperature_isobaric"] });
    expect(Object.keys(s.data_vars)).toEqual(["LatLon_Projection", "Temperature_isobaric"]);
    await gfs.close();
  });
});

describe("merge", () => {
  it("stacks the three daily OSTIA files along time", async () => {
    const parts = await Promise.all(OSTIA.map(openDecoded));
    const m = await merge(parts);
    expect(m.dims).toMatchObject({ time: 3, lat: 720, lon: 1440 });
    const t = toFloat64(await m.coords.time!.read());
    expect(Array.from(t, (x) => new Date(x).toISOString())).toEqual([
      "2017-06-05T12:00:00.000Z",
      "2017-06-06T12:00:00.000Z",
      "2017-06-07T12:00:00.000Z",
    ]);
    const a = toFloat64(
      await m.data_vars.analysed_sst!.read([
        [0, 3],
        [400, 401],
        [20, 21],
      ]),
    );
    for (let i = 0; i < 3; i++) {
      const b = toFloat64(await parts[i]!.data_vars.analysed_sst!.read([0, [400, 401], [20, 21]]));
      expect(a[i]).toBe(b[0]);
    }
    await Promise.all(parts.map((p) => p.close()));
  });

  it("fills time steps an input lacks with NaN and keeps variables of every input", async () => {
    const a = syntheticGrid([[1, 2]], { times: [0, DAY], name: "a" });
    const b = syntheticGrid([[5, 6]], { times: [DAY, 2 * DAY], name: "b" });
    const m = await merge([a, b]);
    expect(m.dims).toMatchObject({ time: 3 });
    expect(Array.from(toFloat64(await m.data_vars.a!.read()))).toEqual([1, 2, 2, 3, NaN, NaN]);
    expect(Array.from(toFloat64(await m.data_vars.b!.read()))).toEqual([NaN, NaN, 5, 6, 6, 7]);
  });

  it("refuses a variable with different units in two inputs (INVALID_CONFIG)", async () => {
    const a = syntheticGrid([[1]], { times: [0] });
    const b0 = syntheticGrid([[1]], { times: [DAY] });
    const b = b0.with({ data_vars: { v: b0.data_vars.v!.with({ attrs: { units: "K" } }) } });
    const err = await merge([a, b]).catch((e) => e);
    expect(isEocubeError(err, "INVALID_CONFIG")).toBe(true);
    expect(err.message).toMatch(/units/);
  });
});

describe("rechunk, coarsen and metadata", () => {
  it("rechunk sets chunks per dim without reading", () => {
    const ds = syntheticGrid(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { times: [0, DAY] },
    );
    const r = rechunk(ds, { time: 1, lat: 1, lon: -1 });
    expect(r.data_vars.v!.chunks).toEqual([1, 1, 3]);
    expect(() => rechunk(ds, { lat: 1.5 })).toThrow(/chunk size/);
  });

  it("coarsen by 2: block-centre coordinates, first and NaN-aware mean", async () => {
    const ds = syntheticGrid([
      [1, 2, 3],
      [4, NaN, 6],
      [7, 8, 9],
    ]);
    const first = await coarsen(ds, 2, { agg: "first" });
    expect(Array.from(toFloat64(await first.data_vars.v!.read()))).toEqual([1, 3, 7, 9]);
    expect(Array.from(toFloat64(await first.coords.lon!.read()))).toEqual([1, 3]);
    const mean = await coarsen(ds, 2, { agg: "mean" });
    expect(Array.from(toFloat64(await mean.data_vars.v!.read()))).toEqual([7 / 3, 4.5, 7.5, 9]);
    expect(numLevelsFor(1000, 2000, 256, 256)).toBe(4);
  });

  it("sets geospatial_*, time_coverage_*, history and flattens legacy metadata", async () => {
    const ds = syntheticGrid(
      [
        [1, 2],
        [3, 4],
      ],
      { times: [Date.UTC(2017, 5, 5, 12), Date.UTC(2017, 5, 7, 12)] },
    );
    const out = await updateCubeMetadata(ds as Dataset, {
      history: "eocube gen test.yml",
      now: new Date(Date.UTC(2026, 0, 1)),
      metadata: { title: "T", creator: [{ name: "BC", url: "https://x", email: "" }] },
      variable_metadata: { v: { long_name: "value" } },
    });
    expect(out.attrs).toMatchObject({
      geospatial_lon_min: 0,
      geospatial_lon_max: 2,
      geospatial_lat_min: 0,
      geospatial_lat_max: 2,
      time_coverage_start: "2017-06-05T12:00:00Z",
      time_coverage_end: "2017-06-07T12:00:00Z",
      history: "2026-01-01T00:00:00Z: eocube gen test.yml",
      title: "T",
      creator_name: "BC",
      creator_url: "https://x",
    });
    expect(out.attrs.creator_email).toBeUndefined();
    expect(out.data_vars.v!.attrs.long_name).toBe("value");
    // a source's date_created is its own: the new cube is dated now (unless its metadata says otherwise)
    const dated = (ds as Dataset).with({ attrs: { ...ds.attrs, date_created: "20170606T061737Z" } });
    const now = new Date(Date.UTC(2026, 0, 1));
    expect((await updateCubeMetadata(dated, { now })).attrs.date_created).toBe("2026-01-01T00:00:00Z");
    expect((await updateCubeMetadata(dated, { now, metadata: { date_created: "2025-12-31" } })).attrs.date_created).toBe("2025-12-31");
    expect(flattenAcdd({ geospatial_lon: { min: 1, max: 2 } })).toEqual({ geospatial_lon_min: 1, geospatial_lon_max: 2 });
  });
});
