// The one time-coordinate rule (core/coords.ts) on small synthetic datasets: the cases where the layers' old
// copies disagreed (auxiliary time coordinates, undecoded CF units, a "time" coordinate holding no times), and the
// one time range (first and last step only, NaT, CF bounds).
import { describe, expect, it } from "vitest";
import { readTimes, timeCoord, timeDim, timeRange, timeSpan } from "../../src/core/coords.js";
import { Dataset } from "../../src/core/dataset.js";
import type { DType } from "../../src/core/ndarray.js";
import type { Variable, Attrs } from "../../src/core/variable.js";
import { memVariable } from "./helpers.js";

const DAY = 86_400_000;
const v = (name: string, dims: string[], values: number[], dtype: DType, attrs: Attrs = {}): Variable =>
  memVariable(name, dims, values, dtype, attrs);

describe("timeCoord / timeDim", () => {
  it("prefers the dimension coordinate called time, then standard_name/axis, then the first", () => {
    const t = v("time", ["time"], [0, DAY], "datetime64[ns]");
    const other = v("valid", ["valid"], [0], "datetime64[ns]", { axis: "T" });
    expect(timeCoord(new Dataset({ coords: { valid: other, time: t } }))?.name).toBe("time");
    const plain = v("a", ["a"], [0], "datetime64[ns]");
    expect(timeCoord(new Dataset({ coords: { a: plain, valid: other } }))?.name).toBe("valid");
    expect(timeCoord(new Dataset({ coords: { a: plain } }))?.name).toBe("a");
  });

  it("a coordinate called time that holds no times is not the time coordinate; the time dimension stays", () => {
    const ds = new Dataset({ coords: { time: v("time", ["time"], [1, 2], "float64") } });
    expect(timeCoord(ds)).toBeUndefined();
    expect(timeDim(ds)).toBe("time");
  });

  it("undecoded CF time units count and are decoded by readTimes", async () => {
    const t = v("t", ["t"], [0, 1.5], "float64", { units: "days since 2017-01-16", calendar: "standard" });
    const ds = new Dataset({ coords: { t } });
    expect(timeCoord(ds)?.name).toBe("t");
    expect(timeDim(ds)).toBe("t");
    expect(Array.from(await readTimes(t))).toEqual([Date.UTC(2017, 0, 16), Date.UTC(2017, 0, 17, 12)]);
  });

  it("an auxiliary time coordinate (station data) only when asked", () => {
    const ds = new Dataset({ coords: { time: v("time", ["obs"], [0, DAY], "datetime64[ns]") } });
    expect(timeCoord(ds)).toBeUndefined();
    expect(timeCoord(ds, { auxiliary: true })?.dims).toEqual(["obs"]);
    expect(timeDim(ds)).toBeUndefined();
  });
});

describe("timeRange / timeSpan", () => {
  const t0 = Date.UTC(2017, 0, 16);
  it("reads only the first and last step of the time coordinate", async () => {
    const reads: number[] = [];
    const t = memVariable("time", ["time"], [t0, t0 + DAY, t0 + 2 * DAY, t0 + 3 * DAY], "datetime64[ns]", {}, undefined, reads);
    expect(await timeRange(new Dataset({ coords: { time: t } }))).toEqual(["2017-01-16T00:00:00Z", "2017-01-19T00:00:00Z"]);
    expect(reads).toEqual([1, 1]);
  });

  it("reads all values when the first or last is NaT, and skips NaT", async () => {
    const t = v("time", ["time"], [NaN, t0 + DAY, t0, NaN], "datetime64[ns]");
    expect(await timeRange(new Dataset({ coords: { time: t } }))).toEqual(["2017-01-16T00:00:00Z", "2017-01-17T00:00:00Z"]);
    expect(await timeRange(new Dataset({ coords: { time: v("time", ["time"], [NaN], "datetime64[ns]") } }))).toBeUndefined();
  });

  it("with bounds, widens to the CF bounds variable (bounds attribute, encoding or <name>_bnds)", async () => {
    const time = v("time", ["time"], [t0 + DAY / 2, t0 + 1.5 * DAY], "datetime64[ns]");
    const bnds = memVariable("time_bnds", ["time", "nv"], [t0, t0 + DAY, t0 + DAY, t0 + 2 * DAY], "datetime64[ns]", {}, [2, 2]);
    const ds = new Dataset({ coords: { time }, data_vars: { time_bnds: bnds } });
    expect(await timeRange(ds)).toEqual(["2017-01-16T12:00:00Z", "2017-01-17T12:00:00Z"]);
    expect(await timeRange(ds, { bounds: true })).toEqual(["2017-01-16T00:00:00Z", "2017-01-18T00:00:00Z"]);
  });

  it("an auxiliary time coordinate only when asked; timeSpan over several arrays", async () => {
    const ds = new Dataset({ coords: { time: v("time", ["obs"], [t0 + DAY, t0], "datetime64[ns]") } });
    expect(await timeRange(ds)).toBeUndefined();
    expect(await timeRange(ds, { auxiliary: true })).toEqual(["2017-01-16T00:00:00Z", "2017-01-17T00:00:00Z"]);
    expect(timeSpan([NaN, t0 + 1.5], [t0 - DAY])).toEqual(["2017-01-15T00:00:00Z", "2017-01-16T00:00:00.002Z"]);
    expect(timeSpan([], [NaN])).toBeUndefined();
  });
});
