// Inputs and results in the SIMD loop's WebAssembly memory (src/expr/wasm-memory.ts): views handed out and
// released, the memory never growing under a live view (ordinary arrays instead), runProgram in place on
// views with the JavaScript loop's values bit for bit (odd lengths, mixed with ordinary arrays, float32), and
// computed variables reading their inputs into views and their result into the caller's out, releasing the
// views also when a read fails.
import { beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "../../src/core/dataset.js";
import { Variable } from "../../src/core/variable.js";
import {
  checkExpression,
  compileExpression,
  computedVariable,
  runProgram,
  type InputBlock,
  type VariableInfo,
} from "../../src/expr/index.js";
import { inWasmMemory, releaseWasmArray, reserveWasmArena, wasmArray, wasmMemoryUse } from "../../src/expr/wasm-memory.js";
import { openDataset } from "../../src/stores/open.js";
import { differences } from "../helpers/bits.js";
import { DATA } from "../server/helpers.js";

const NAMES = ["conc_chl", "conc_tsm", "kd489"];
const DIMS = ["lat", "lon"];
const MiB = 1024 * 1024;

describe("expression memory", () => {
  let ds: Dataset;
  let vars: Record<string, VariableInfo>;
  /** One real chunk (sea, coast and NaN fills) per variable, in ordinary arrays. */
  const plain = new Map<string, Float64Array>();

  beforeAll(async () => {
    ds = await openDataset(`${DATA}zarr/cube-1-250-250.zarr`);
    vars = Object.fromEntries(NAMES.map((n) => [n, { ...ds.data_vars[n]!, dims: DIMS, shape: [250, 250] }]));
    for (const n of NAMES) plain.set(n, (await ds.data_vars[n]!.read([0, [250, 500], [500, 750]])).data as Float64Array);
  }, 60_000);

  it("hands out aligned views of every numeric dtype, reuses released space, ignores a second release", () => {
    const a = wasmArray("float64", 1001);
    const b = wasmArray("float32", 3);
    const c = wasmArray("bool", 5);
    expect(a).toBeInstanceOf(Float64Array);
    expect(b).toBeInstanceOf(Float32Array);
    expect(c).toBeInstanceOf(Uint8Array);
    for (const v of [a, b, c]) {
      expect(inWasmMemory(v)).toBe(true);
      expect(v.byteOffset % 16).toBe(0);
    }
    expect(wasmMemoryUse().live).toBe(3);
    const at = b.byteOffset;
    releaseWasmArray(b);
    releaseWasmArray(b); // no-op: must not free what the next caller gets
    const d = wasmArray("float32", 2);
    expect(d.byteOffset).toBe(at);
    const e = wasmArray("float32", 2);
    expect(e.byteOffset).not.toBe(at);
    releaseWasmArray(b);
    expect(wasmMemoryUse().live).toBe(4);
    for (const v of [a, c, d, e]) releaseWasmArray(v);
    releaseWasmArray(new Float64Array(4)); // not a view: no-op
    expect(wasmMemoryUse()).toMatchObject({ used: 0, live: 0 });
  });

  it("never grows under a live view: an ordinary array instead, the view intact; grows once none is live", () => {
    const a = wasmArray("float64", (20 * MiB) / 8) as Float64Array;
    const before = wasmMemoryUse().bytes;
    a[a.length - 1] = 42;
    const b = wasmArray("float64", (20 * MiB) / 8);
    expect(inWasmMemory(a)).toBe(true);
    expect(inWasmMemory(b)).toBe(false); // the arena is full and `a` is live
    expect(wasmMemoryUse().bytes).toBe(before);
    expect(a.byteLength).toBe(20 * MiB); // not detached
    expect(a[a.length - 1]).toBe(42);
    expect(reserveWasmArena(64 * MiB)).toBe(false); // views live: no growing
    releaseWasmArray(b);
    releaseWasmArray(a);
    const c = wasmArray("float64", (40 * MiB) / 8);
    expect(inWasmMemory(c)).toBe(true);
    expect(wasmMemoryUse().bytes).toBeGreaterThan(before);
    releaseWasmArray(c);
    expect(reserveWasmArena(8 * MiB)).toBe(true);
    expect(wasmMemoryUse().live).toBe(0);
  });

  it.each([
    ["(kd489 - conc_chl) / (kd489 + conc_chl)", 62_500],
    ["conc_chl / (conc_tsm + 1)", 62_499],
    ["where(kd489 > 0.5, conc_chl, -conc_tsm) + sqrt(kd489)", 65],
  ])("%s over %i values in place: the JavaScript loop's values, for every mix of views and ordinary arrays", (expr, n) => {
    const checked = checkExpression(expr, vars);
    const simd = compileExpression(checked);
    const js = compileExpression(checked, { simd: false });
    expect(simd.simd).toBeTypeOf("function");
    const shape = [n];
    const dims = ["i"];
    const block = (data: ArrayLike<number>): InputBlock => ({ data: data as Float64Array, dims, shape });
    const want = runProgram(js, new Map(checked.variables.map((v) => [v, block(plain.get(v)!.subarray(0, n))])), dims, shape).data;
    const leased: Float64Array[] = [];
    const view = (src: Float64Array) => {
      const v = wasmArray("float64", n) as Float64Array;
      v.set(src.subarray(0, n));
      leased.push(v);
      return v;
    };
    // every input and the result in memory; the first input in memory, others ordinary; float32 inputs; out ordinary
    const mixes: [(name: string, k: number) => ArrayLike<number>, () => Float64Array][] = [
      [(v) => view(plain.get(v)!), () => wasmArray("float64", n) as Float64Array],
      [(v, k) => (k === 0 ? view(plain.get(v)!) : plain.get(v)!.slice(0, n)), () => wasmArray("float64", n) as Float64Array],
      [(v) => view(plain.get(v)!), () => new Float64Array(n)],
    ];
    for (const [input, output] of mixes) {
      const out = output();
      if (inWasmMemory(out)) leased.push(out);
      const inputs = new Map(checked.variables.map((v, k) => [v, block(input(v, k))]));
      const got = runProgram(simd, inputs, dims, shape, out);
      expect(got.data).toBe(out);
      expect(differences(got.data as Float64Array, want as Float64Array)).toEqual([]);
    }
    // in place: the result over its first input
    const first = view(plain.get(checked.variables[0]!)!);
    const inputs = new Map(checked.variables.map((v, k) => [v, block(k === 0 ? first : view(plain.get(v)!))]));
    runProgram(simd, inputs, dims, shape, first);
    expect(differences(first, want as Float64Array)).toEqual([]);
    // float32 inputs in memory are converted as ordinary ones are
    const f32 = new Map(
      checked.variables.map((v) => {
        const a = wasmArray("float32", n) as Float32Array;
        a.set(plain.get(v)!.subarray(0, n));
        leased.push(a as unknown as Float64Array);
        return [v, { data: a, dims, shape } as InputBlock];
      }),
    );
    const checked32 = checkExpression(expr, Object.fromEntries(NAMES.map((x) => [x, { ...vars[x]!, dtype: "float64" as const }])));
    const a = runProgram(compileExpression(checked32), f32, dims, shape).data;
    const b = runProgram(compileExpression(checked32, { simd: false }), f32, dims, shape).data;
    expect(differences(a as Float64Array, b as Float64Array)).toEqual([]);
    for (const v of leased) releaseWasmArray(v);
    expect(wasmMemoryUse().live).toBe(0);
  });

  it("a computed variable reads its inputs into views, its result into the caller's out, and releases the views", async () => {
    const v = computedVariable(ds.data_vars, "chl_ratio", "conc_chl / (conc_tsm + 1)");
    expect(v.readsInto).toBe(true);
    const sel: [number, [number, number], [number, number]] = [0, [250, 500], [500, 750]];
    const plainResult = (await v.read(sel)).data as Float64Array;
    const js = compileExpression(checkExpression("conc_chl / (conc_tsm + 1)", vars), { simd: false });
    const want = runProgram(
      js,
      new Map(["conc_chl", "conc_tsm"].map((n) => [n, { data: plain.get(n)!, dims: DIMS, shape: [250, 250] }])),
      DIMS,
      [250, 250],
    );
    expect(differences(plainResult, want.data as Float64Array)).toEqual([]);
    for (const out of [new Float64Array(250 * 250 + 7), wasmArray("float64", 250 * 250) as Float64Array]) {
      const r = await v.read(sel, { out });
      expect((r.data as Float64Array).buffer).toBe(out.buffer);
      expect((r.data as Float64Array).byteOffset).toBe(out.byteOffset);
      expect(differences(r.data as Float64Array, want.data as Float64Array)).toEqual([]);
      releaseWasmArray(out);
    }
    expect(wasmMemoryUse().live).toBe(0);
    // a masked variable over a computed one (gen's valid_pixel_expression): the inner result lands in a view
    const masked = computedVariable({ v, m: ds.data_vars.kd489! }, "chl_ratio", "where(m > 0.5, v, nan)");
    const mres = (await masked.read(sel)).data as Float64Array;
    const kd = plain.get("kd489")!;
    expect(
      differences(
        mres,
        Float64Array.from(want.data as Float64Array, (x, i) => (kd[i]! > 0.5 ? x : Number.NaN)),
      ),
    ).toEqual([]);
    expect(wasmMemoryUse().live).toBe(0);
  });

  it("releases the views only after every input read settled, also when one fails", async () => {
    let slowDone = false;
    let intoView = false;
    const base = ds.data_vars.conc_chl!;
    const slow = base.with({
      name: "slow",
      read: async (s, o) => {
        intoView = o?.out !== undefined && inWasmMemory(o.out);
        await new Promise((r) => setTimeout(r, 50));
        const r = await base.read(s, o);
        slowDone = true;
        return r;
      },
      readsInto: true,
    });
    const failing = new Variable({
      name: "failing",
      dims: base.dims,
      shape: base.shape,
      dtype: "float64",
      chunks: base.chunks,
      read: async () => {
        throw new Error("disk on fire");
      },
    });
    const v = computedVariable({ slow, failing }, "x", "slow + failing");
    await expect(v.read([0, [0, 100], [0, 100]])).rejects.toThrow("disk on fire");
    expect(intoView).toBe(true); // read straight into a view of the expression memory
    expect(slowDone).toBe(true);
    expect(wasmMemoryUse().live).toBe(0);
  });
});
