// resampleInTime against xarray's resample (references made once by test/fixtures/gen-expected/make.py:
// `cube[var].resample(time="8D" | "1MS").<method>()` on the real Zarr cube, every 50th pixel kept).
import { describe, expect, it } from "vitest";
import { toFloat64 } from "../../src/core/ndarray.js";
import { isEocubeError } from "../../src/core/errors.js";
import { Dataset } from "../../src/core/dataset.js";
import { memoryVariable } from "../../src/ops/grid.js";
import { aggregate, resampleInTime, TIME_METHODS } from "../../src/ops/resample-time.js";
import { parsePeriod, periodBins } from "../../src/ops/time.js";
import { compare, CUBE, fixture, openDecoded, syntheticGrid } from "./helpers.js";

interface TimeFixture {
  time: string[];
  step: number;
  shape: number[];
  variables: Record<string, Record<string, Array<number | null>>>;
}

const DAY = 86_400_000;

async function sampled(
  v: { read: (s: never) => Promise<{ data: unknown; shape: number[] }> },
  nt: number,
  step: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let t = 0; t < nt; t++) {
    const a = toFloat64((await v.read([t] as never)) as never);
    for (let j = 0; j < 1000; j += step) for (let i = 0; i < 2000; i += step) out.push(a[j * 2000 + i]!);
  }
  return out;
}

describe("resampleInTime against xarray", () => {
  for (const period of ["8D", "1M"]) {
    it(`${period}: same bins, labels and values as xarray (rel. 1e-6)`, async () => {
      const f = fixture<TimeFixture>(`time-${period}.json`);
      const cube = await openDecoded(CUBE);
      for (const [name, byMethod] of Object.entries(f.variables)) {
        for (const [method, expected] of Object.entries(byMethod)) {
          const out = await resampleInTime(cube, { period, method: method as never });
          const t = toFloat64(await out.coords.time!.read());
          expect(Array.from(t, (ms) => new Date(ms).toISOString().replace(".000Z", "Z"))).toEqual(f.time);
          const actual = await sampled(out.data_vars[name]! as never, t.length, f.step);
          const c = compare(
            actual,
            expected.map((e) => (method === "count" && e === null ? 0 : e)),
            1e-6 * 100,
          );
          expect(c.nanMismatch, `${name} ${method}`).toBe(0);
          expect(c.within, `${name} ${method} max diff ${c.maxDiff}`).toBe(c.n);
        }
      }
      await cube.close();
    });
  }

  it("writes time_bnds [start, end) and a cell_methods attribute", async () => {
    const cube = await openDecoded(CUBE);
    const out = await resampleInTime(cube, { period: "8D", method: "mean" });
    const b = toFloat64(await out.coords.time_bnds!.read());
    expect(b[1]! - b[0]!).toBe(8 * DAY);
    expect(out.data_vars.conc_chl!.attrs.cell_methods).toBe("time: mean");
    expect(out.attrs.time_coverage_resolution).toBe("P8D");
    // flag variables are never averaged: they take the first value
    expect(out.data_vars.c2rcc_flags!.attrs.cell_methods).toBe("time: first");
    await cube.close();
  });

  it("concurrent reads of 8-day means (steps folded as they are read) give the bits of reads one at a time", async () => {
    const cube = await openDecoded(CUBE);
    for (const method of ["mean", "max", "sum"] as const) {
      const v = (await resampleInTime(cube, { period: "8D", method })).data_vars.conc_chl!;
      const sels = [
        [0, [0, 250], [0, 250]],
        [1, [250, 500], [0, 250]],
        [
          [0, 2],
          [0, 250],
          [250, 500],
        ],
        [1, [0, 250], [0, 250]],
      ];
      const one: Buffer[] = [];
      const bytes = (d: Float64Array) => Buffer.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)); // a copy
      for (const sel of sels) one.push(bytes((await v.read(sel as never)).data as Float64Array));
      const together = await Promise.all(sels.map((sel) => v.read(sel as never)));
      together.forEach((r, i) => {
        expect(bytes(r.data as Float64Array).equals(one[i]!), `${method} ${i}`).toBe(true);
      });
    }
    await cube.close();
  });
});

describe("resampleInTime on synthetic data", () => {
  it("is NaN-aware for every method", async () => {
    const ds = syntheticGrid([[1, NaN]], { times: [0, DAY / 2, DAY, 3 * DAY] });
    // values: t0: [1, NaN], t1: [2, NaN], t2: [3, NaN] (next day), t3: [4, NaN]
    const out = await resampleInTime(ds, { period: "1D", method: "mean" });
    // days 0…3: [1.5, NaN], [3, NaN], empty → [NaN, NaN], [4, NaN]
    expect(Array.from(toFloat64(await out.data_vars.v!.read()))).toEqual([1.5, NaN, 3, NaN, NaN, NaN, 4, NaN]);
    for (const m of TIME_METHODS) {
      const o = await resampleInTime(ds, { period: "1D", method: m });
      const a = Array.from(toFloat64(await o.data_vars.v!.read()));
      const want = { mean: 1.5, min: 1, max: 2, median: 1.5, sum: 3, count: 2, first: 1, last: 2, std: 0.5 }[m];
      expect(a[0], m).toBeCloseTo(want, 12);
      expect(a[4], m).toBe(m === "count" || m === "sum" ? 0 : NaN); // empty day 3 (all-NaN column 1 is index 1)
    }
  });

  it("folds steps into the bits of the block-wise reduction: −0, NaN payloads, ±∞, bins of one and several steps", async () => {
    // 5 steps × 8 pixels of float64: days 0 (2 steps), 1 (1 step), 2 (none), 3 (2 steps); a float64 input's first step
    // of a bin is read straight into the output and turned in place
    const times = [0, DAY / 2, DAY, 3 * DAY, 3.5 * DAY];
    // an even number of pixels (all folded two at a time in WebAssembly where it runs) and an odd one (the last alone)
    for (const P of [8, 9]) await foldsLikeBlocks(times, P);
  });

  async function foldsLikeBlocks(times: number[], P: number): Promise<void> {
    const flat = new Float64Array(times.length * P);
    const px = [-0, NaN, 1.5, -2.25, Infinity, -Infinity, 0, 1e300];
    for (let t = 0; t < times.length; t++) for (let p = 0; p < P; p++) flat[t * P + p] = t % 2 && p === 6 ? -0 : px[(p + t) % 8]! * (t + 1);
    // a NaN with a payload other than the canonical one, and a step that is NaN where the others have values
    const words = new Uint32Array(flat.buffer);
    words[2 * (2 * P + 3)] = 0x1234;
    words[2 * (2 * P + 3) + 1] = 0x7ff80000;
    flat[3 * P + 2] = NaN;
    const ds = new Dataset({
      coords: {
        time: memoryVariable("time", ["time"], { data: Float64Array.from(times), shape: [times.length], dtype: "datetime64[ns]" }),
      },
      data_vars: { v: memoryVariable("v", ["time", "x"], { data: flat, shape: [times.length, P], dtype: "float64" }) },
    });
    const members = [
      [0, 2],
      [2, 1],
      [3, 0],
      [3, 2],
    ];
    for (const method of ["mean", "sum", "min", "max", "count"] as const) {
      const v = (await resampleInTime(ds, { period: "1D", method })).data_vars.v!;
      const want = method === "count" ? new Int32Array(4 * P) : new Float64Array(4 * P);
      for (const [b, [off, k]] of members.entries()) aggregate(method, flat, off! * P, k!, P, want, b * P, new Float64Array(4));
      const bytes = (d: ArrayBufferView) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      // the whole output, each bin alone, and into a dirty buffer
      expect(bytes((await v.read()).data as Float64Array).equals(bytes(want)), method).toBe(true);
      for (let b = 0; b < 4; b++) {
        const one = (await v.read([b])).data as Float64Array;
        expect(bytes(one).equals(bytes(want.subarray(b * P, (b + 1) * P))), `${method} bin ${b}`).toBe(true);
      }
      const dirty = method === "count" ? new Int32Array(4 * P + 3).fill(-7) : new Float64Array(4 * P + 3).fill(-7);
      expect(bytes((await v.read([], { out: dirty })).data as Float64Array).equals(bytes(want)), `${method} into`).toBe(true);
    }
  }

  it("parses periods and builds calendar bins", () => {
    expect(parsePeriod("8D")).toMatchObject({ count: 8, unit: "D" });
    expect(parsePeriod("1MS")).toMatchObject({ count: 1, unit: "M" });
    expect(parsePeriod("P1Y")).toMatchObject({ count: 1, unit: "Y" });
    const bins = periodBins(parsePeriod("1M"), Date.UTC(2017, 0, 16), Date.UTC(2017, 2, 3));
    expect(bins.map(([a]) => new Date(a).toISOString().slice(0, 10))).toEqual(["2017-01-01", "2017-02-01", "2017-03-01"]);
    expect(() => parsePeriod("8X")).toThrow(/period/);
  });

  it("rejects data without time (UNSUPPORTED) and unknown methods (INVALID_ARGUMENT)", async () => {
    const err = await resampleInTime(syntheticGrid([[1]]), { period: "1D" }).catch((e) => e);
    expect(isEocubeError(err, "UNSUPPORTED")).toBe(true);
    const ds = syntheticGrid([[1]], { times: [0] });
    const err2 = await resampleInTime(ds, { period: "1D", method: "avg" as never }).catch((e) => e);
    expect(isEocubeError(err2, "INVALID_ARGUMENT")).toBe(true);
  });
});
