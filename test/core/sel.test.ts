// sel (core/sel.ts) on the real cube against xarray's `.sel` (test/fixtures/sel-expected/cube.json, made by
// test/fixtures/make-sel-expected.py): exact labels, partial time strings, nearest with ties and beyond the extent,
// inclusive ranges on the descending latitudes, the dataset; then the errors and the laziness of the view.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { sel, type Labels } from "../../src/core/sel.js";
import type { Variable } from "../../src/core/variable.js";
import { openDataset } from "../../src/stores/open.js";
import { ZARR_CUBE } from "../helpers/paths.js";
import { memVariable } from "./helpers.js";

interface Expected {
  dims: string[];
  shape: number[];
  coords: Record<string, (number | string)[]>;
  scalars: Record<string, number | string>;
  values: (number | string)[];
}
interface Case {
  name: string;
  var: string | null;
  labels: Labels;
  method?: "nearest";
  expected: Expected | Record<string, Expected> | { error: string } | "empty";
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/sel-expected/cube.json", import.meta.url), "utf8")) as { cases: Case[] };
const num = (x: number | string): number => (x === "NaN" ? NaN : Number(x));
const times = new Set(["time"]);

let ds: Dataset;
beforeAll(async () => {
  ds = await openDataset(ZARR_CUBE);
});
afterAll(() => ds?.close());

/** Checks a selected variable and the coordinates of the selected dataset against xarray's result. */
async function expectLike(v: Variable, selected: Dataset, e: Expected, what: string): Promise<void> {
  expect(v.dims, what).toEqual(e.dims);
  expect(v.shape, what).toEqual(e.shape);
  const arr = await v.read();
  expect(arr.shape, what).toEqual(e.shape);
  if (v.dtype === "datetime64[ns]") {
    Array.from(arr.data as Float64Array).forEach((t, i) => {
      expect(Math.abs(t - num(e.values[i]!)), `${what}[${i}]`).toBeLessThan(1e-3);
    });
  } else {
    expect(Array.from(arr.data as Float64Array), what).toEqual(e.values.map(num));
  }
  for (const [dim, values] of Object.entries(e.coords)) {
    const got = Array.from((await selected.variable(dim).read()).data as Float64Array);
    if (times.has(dim)) {
      got.forEach((t, i) => {
        expect(Math.abs(t - num(values[i]!)), `${what} ${dim}[${i}]`).toBeLessThan(1e-3);
      });
    } else expect(got, `${what} ${dim}`).toEqual(values.map(num));
  }
  for (const [dim, value] of Object.entries(e.scalars)) {
    const c = selected.variable(dim);
    expect(c.shape, `${what} scalar ${dim}`).toEqual([]); // a dropped dimension's coordinate stays as a 0-d coordinate
    const got = ((await c.read()).data as Float64Array)[0]!;
    expect(Math.abs(got - num(value)), `${what} scalar ${dim}`).toBeLessThan(times.has(dim) ? 1e-3 : 1e-12);
  }
}

describe("sel on the real cube, as xarray", () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const options = c.method ? { method: c.method } : {};
      const selected = await sel(ds, c.labels, options).catch((err: unknown) => err);
      const e = c.expected;
      if (e === "empty" || "error" in e) {
        // xarray: KeyError, or an empty selection for a date without a step; eocube: NOT_FOUND naming the nearest label
        for (const got of [selected, await sel(ds.variable(c.var!), c.labels, { ...options, coords: ds }).catch((err: unknown) => err)]) {
          expect(got).toMatchObject({
            code: "NOT_FOUND",
            message: expect.stringMatching(/is not a label of coordinate (lat|lon|time); nearest: \S+ \(index \d+\)/),
          });
        }
        return;
      }
      expect(selected).toBeInstanceOf(Dataset);
      if (c.var === null) {
        for (const [name, expected] of Object.entries(e as Record<string, Expected>))
          await expectLike((selected as Dataset).variable(name), selected as Dataset, expected, name);
      } else {
        const v = await sel(ds.variable(c.var), c.labels, { ...options, coords: ds });
        expect(v.dtype).toBe(ds.variable(c.var).dtype);
        await expectLike(v, selected as Dataset, e as Expected, c.var);
        await expectLike((selected as Dataset).variable(c.var), selected as Dataset, e as Expected, `${c.var} of the dataset`);
      }
    });
  }

  it("a range selects the same labels written in either order (xarray needs north→south on descending lat)", async () => {
    const a = await sel(ds.variable("conc_chl"), { time: "2017-01-28", lat: [52.0, 51.9], lon: [2.4, 2.41] }, { coords: ds });
    const b = await sel(ds.variable("conc_chl"), { time: "2017-01-28", lat: [51.9, 52.0], lon: [2.41, 2.4] }, { coords: ds });
    expect(b.shape).toEqual(a.shape);
    expect(Array.from((await b.read()).data as Float64Array)).toEqual(Array.from((await a.read()).data as Float64Array));
  });

  it("Dates select times; a coordinate selects itself; the messages name what to fix", async () => {
    const t = await sel(ds, { time: new Date(Date.UTC(2017, 0, 27, 12)) }, { method: "nearest" });
    expect(t.variable("time").shape).toEqual([]);
    const lat = await sel(ds.variable("lat"), { lat: [52, 51.99] });
    expect(Array.from((await lat.read()).data as Float64Array)).toEqual([51.99875, 51.99625, 51.99375, 51.99125]);

    await expect(sel(ds, { latitude: 52 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      hint: expect.stringContaining('did you mean "lat"'),
    });
    await expect(sel(ds.variable("conc_chl"), { lat: 52 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      hint: expect.stringContaining("coords: dataset"),
    });
    await expect(sel(ds, { bnds: 0 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("dimension bnds has no coordinate"),
    });
    await expect(sel(ds, { lat: "52" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("is not a number"),
    });
    await expect(sel(ds, { time: "2017-02-30" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("not an ISO 8601 time"),
    });
    await expect(sel(ds, { time: 1484561361834 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(sel(ds, { lon: [10, 12] })).rejects.toMatchObject({
      code: "OUT_OF_RANGE",
      message: expect.stringContaining("0.00125 … 4.99875"),
    });
    await expect(sel(ds, { time: ["2018-01-01", null] })).rejects.toMatchObject({
      code: "OUT_OF_RANGE",
      message: expect.stringContaining("2017-01-16T10:09:21.834Z … 2017-01-30T10:46:33.837Z"),
    });
    const other = await sel(ds, { lat: [52, 51.99] });
    await expect(sel(ds.variable("conc_chl"), { lat: 52.49875 }, { coords: other })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("4 values but dimension lat has 1000"),
    });
    const signal = AbortSignal.abort();
    await expect(sel(ds, { lat: 52.49875 }, { signal })).rejects.toMatchObject({ code: "CANCELLED" });
  });
});

describe("sel's view", () => {
  it("reads only the selected values, and index reads of the view map onto the source", async () => {
    const reads: number[] = [];
    const values = Array.from({ length: 4 * 6 }, (_, i) => i);
    const data = memVariable("v", ["y", "x"], values, "float32", {}, [4, 6], reads);
    const coords = { y: memVariable("y", ["y"], [40, 30, 20, 10], "float64"), x: memVariable("x", ["x"], [0, 1, 2, 3, 4, 5], "float64") };
    const v = await sel(data, { y: [35, 15], x: 4 }, { coords });
    expect(v.dims).toEqual(["y"]);
    expect(v.shape).toEqual([2]);
    const all = await v.read();
    expect(Array.from(all.data)).toEqual([10, 16]); // rows y=30, 20 at x=4
    expect(reads).toEqual([2]);
    expect(Array.from((await v.read([1])).data)).toEqual([16]);
    await expect(v.read([2])).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    expect(await sel(data, {}, { coords })).toBe(data);
  });

  it("string labels: exact, ranges, and no nearest", async () => {
    const bands = memVariable("band", ["band"], [0, 0, 0], "float64");
    const named = bands.with({ dtype: "str", read: async () => ({ data: ["B02", "B03", "B04"], shape: [3], dtype: "str" }) });
    const data = memVariable("r", ["band"], [2, 3, 4], "float64");
    expect(Array.from((await (await sel(data, { band: "B03" }, { coords: { band: named } })).read()).data)).toEqual([3]);
    expect(Array.from((await (await sel(data, { band: ["B03", "B04"] }, { coords: { band: named } })).read()).data)).toEqual([3, 4]);
    await expect(sel(data, { band: "B8A" }, { coords: { band: named } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(sel(data, { band: "B03" }, { coords: { band: named }, method: "nearest" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("a range over an unsorted coordinate is refused", async () => {
    const data = memVariable("r", ["x"], [1, 2, 3], "float64");
    const x = memVariable("x", ["x"], [1, 3, 2], "float64");
    await expect(sel(data, { x: [1, 2] }, { coords: { x } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("not sorted"),
    });
    expect(Array.from((await (await sel(data, { x: 3 }, { coords: { x } })).read()).data)).toEqual([2]);
  });
});
