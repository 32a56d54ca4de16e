// ops/statistics: spatial aggregation of masked values and the density histogram of /statistics.
import { describe, expect, it } from "vitest";
import { aggregate, BIN_COUNT, summarize } from "../../src/ops/statistics.js";

describe("aggregate", () => {
  it("takes only finite values under the mask; median of an even count is the mid mean", () => {
    const vals = Float64Array.from([1, 2, NaN, 4, 100]);
    const mask = Uint8Array.from([1, 1, 1, 1, 0]);
    const r = aggregate(vals, mask, ["mean", "median", "std", "min", "max", "count"]);
    expect(r.count).toBe(3);
    expect(r.mean).toBeCloseTo(7 / 3, 12);
    expect(r.median).toBe(2);
    expect(r.min).toBe(1);
    expect(r.max).toBe(4);
    expect(r.std).toBeCloseTo(Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3), 12);
    expect(aggregate(Float64Array.from([3, 1, 2, 5]), undefined, ["median"]).median).toBe(2.5);
  });

  it("gives null for every method but count when no value is finite", () => {
    expect(aggregate(Float64Array.from([NaN]), undefined, ["mean", "count"])).toEqual({ mean: null, count: 0 });
  });
});

describe("summarize", () => {
  it("counts the parts as one population; the histogram integrates to 1 over [minimum, maximum]", () => {
    const r = summarize([
      { vals: Float64Array.from([0, 1, NaN]), mask: undefined },
      { vals: Float64Array.from([2, 3, 99]), mask: Uint8Array.from([1, 1, 0]) },
    ]);
    expect(r).toMatchObject({ count: 4, minimum: 0, maximum: 3, mean: 1.5 });
    expect(r.deviation).toBeCloseTo(Math.sqrt(1.25), 12);
    const h = r.histogram!;
    expect(h.edges).toHaveLength(BIN_COUNT + 1);
    expect(h.edges[0]).toBe(0);
    expect(h.edges[BIN_COUNT]).toBe(3);
    const width = 3 / BIN_COUNT;
    expect(h.values.reduce((s, v) => s + v * width, 0)).toBeCloseTo(1, 12);
  });

  it("puts constant values in the middle bin of [v − 0.5, v + 0.5] (numpy's rule); no value: count 0", () => {
    const r = summarize([{ vals: Float64Array.from([7, 7]), mask: undefined }]);
    expect(r.histogram!.edges[0]).toBe(6.5);
    expect(r.histogram!.edges[BIN_COUNT]).toBe(7.5);
    expect(r.histogram!.values[BIN_COUNT / 2]).toBeCloseTo(BIN_COUNT, 9);
    expect(summarize([{ vals: Float64Array.from([NaN]), mask: undefined }])).toEqual({ count: 0 });
  });
});
