// The WebAssembly SIMD loop of float64 expressions (src/expr/simd.ts) against the JavaScript loop: the same
// values bit for bit (signed zeros, subnormals, ±inf; NaN where NaN) on real cube chunks (NaN fills, and
// special values put in or made by the expression), blocks of odd length, inputs of other dtypes; which
// expressions get one; hostile text refused before compiling.
import { beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import type { Dataset } from "../../src/core/dataset.js";
import { checkExpression, compileExpression, runProgram, type InputBlock, type VariableInfo } from "../../src/expr/index.js";
import { simdModule } from "../../src/expr/simd.js";
import { openDataset } from "../../src/stores/open.js";
import { differences } from "../helpers/bits.js";
import { DATA } from "../server/helpers.js";

const NAMES = ["conc_chl", "conc_tsm", "kd489", "c2rcc_flags"];
const DIMS = ["lat", "lon"];

/** Expressions covering every operation with a SIMD form. */
const SIMD_CASES = [
  "(kd489 - conc_chl) / (kd489 + conc_chl)",
  "conc_chl / (conc_tsm + 1)",
  "conc_chl / (conc_tsm - conc_tsm)", // ±inf and 0/0
  "-conc_chl * 1e308 * 10 + +kd489", // overflow to -inf, unary plus
  "conc_chl * 1e-310 + square(kd489) - reciprocal(conc_tsm - 1)", // subnormals
  "sqrt(kd489 - 0.5) + absolute(conc_tsm - 3)", // sqrt of negatives: NaN
  "floor(conc_chl) + ceil(conc_tsm) * trunc(-kd489)",
  "deg2rad(conc_chl) - rad2deg(kd489)",
  "minimum(conc_chl, conc_tsm) + maximum(kd489, conc_tsm) + fmin(conc_chl, kd489) - fmax(conc_tsm, nan)",
  "minimum(conc_chl * 0, -conc_tsm * 0) + maximum(-0.0 * kd489, 0.0)", // signed zeros
  "isnan(conc_chl) + isinf(conc_chl / (kd489 - kd489)) * 2 + isfinite(conc_tsm) * 4 + 0.5",
  "(conc_chl == conc_tsm) + (conc_chl != kd489) * 2 + (kd489 < 1) * 4 + (kd489 <= 1) * 8 + (conc_tsm > 2) * 16 + (conc_tsm >= 2) * 32 + 0.0",
  "((conc_chl > 1) & (kd489 < 1)) + ((conc_chl > 1) | (kd489 < 1)) * 2 + ((conc_chl > 1) ^ (kd489 < 1)) * 4 + ~(kd489 > 1) * 8 + 0.0",
  "logical_and(conc_chl, kd489 - 1) + logical_or(conc_tsm - 1, 0) * 2 + logical_xor(kd489, conc_chl) * 4 + logical_not(conc_tsm) * 8 + 0.0",
  "where(kd489 > 0.5, conc_chl, where(isnan(conc_tsm), inf, -conc_tsm))",
  "sign(kd489 - 1) + sign(conc_chl * 0) + heaviside(conc_tsm - 2, 0.5) + heaviside(kd489 * 0, nan)",
  "conc_chl",
  "where(c2rcc_flags.Valid_PE, conc_chl / (conc_tsm + 1), nan)", // flag test: float-to-int cast, int64 `&` per lane
  "(c2rcc_flags & 1) + (c2rcc_flags | 6) * 0.5 - (c2rcc_flags ^ -2147483648) + 0.0",
];

/** Expressions that keep the JavaScript loop only. */
const JS_CASES = [
  "exp(kd489)", // transcendental
  "kd489 ** 2",
  "conc_chl % 3",
  "c2rcc_flags & 1", // integer result
  "conc_chl > 1", // bool result
  "rint(conc_chl)",
];

describe("SIMD loop of float64 expressions", () => {
  let ds: Dataset;
  let vars: Record<string, VariableInfo>;
  const chunks: Map<string, InputBlock>[] = [];

  beforeAll(async () => {
    ds = await openDataset(`${DATA}zarr/cube-1-250-250.zarr`);
    vars = Object.fromEntries(NAMES.map((n) => [n, { ...ds.data_vars[n]!, dims: DIMS, shape: [250, 250] }]));
    // a chunk of sea and coast (values and NaN fills) and one with special values put in
    for (const [t, y, x] of [
      [0, 250, 500],
      [2, 500, 250],
    ] as const) {
      const m = new Map<string, InputBlock>();
      for (const n of NAMES) {
        const a = await ds.data_vars[n]!.read([t, [y, y + 250], [x, x + 250]]);
        m.set(n, { data: a.data, dims: DIMS, shape: a.shape });
      }
      chunks.push(m);
    }
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 5e-324, -2.2e-308, 1.7976931348623157e308];
    const m = new Map<string, InputBlock>();
    NAMES.forEach((n, k) => {
      const data = Float64Array.from(chunks[0]!.get(n)!.data as Float64Array);
      for (let i = k; i < data.length; i += 97) data[i] = special[(i + k) % special.length]!;
      m.set(n, { data, dims: DIMS, shape: [250, 250] });
    });
    chunks.push(m);
  }, 60_000);

  it("has NaN fills and numbers in the chunks it compares", () => {
    const chl = chunks[0]!.get("conc_chl")!.data as Float64Array;
    const nan = chl.filter(Number.isNaN).length;
    expect(nan).toBeGreaterThan(100);
    expect(nan).toBeLessThan(chl.length - 100);
  });

  it.each(SIMD_CASES)("%s: the same values as the JavaScript loop", (expr) => {
    const checked = checkExpression(expr, vars);
    const simd = compileExpression(checked);
    const js = compileExpression(checked, { simd: false });
    expect(simd.simd).toBeTypeOf("function");
    expect(js.simd).toBeUndefined();
    for (const c of chunks) {
      const a = runProgram(simd, c, DIMS, [250, 250]);
      const b = runProgram(js, c, DIMS, [250, 250]);
      expect(a.data).toBeInstanceOf(Float64Array);
      expect(differences(a.data as Float64Array, b.data as Float64Array)).toEqual([]);
    }
  });

  it("gives the same values on blocks of odd length over several SIMD blocks, and into a larger `out`", () => {
    const checked = checkExpression("(kd489 - conc_chl) / (kd489 + conc_chl) + where(conc_tsm > 1, nan, -0.0)", vars);
    const simd = compileExpression(checked);
    const js = compileExpression(checked, { simd: false });
    for (const n of [63, 64, 65, 8191, 8193, 16385, 3 * 250 * 83 + 1]) {
      const blocks = new Map<string, InputBlock>();
      for (const name of checked.variables) {
        const all = new Float64Array(3 * 62500);
        for (const [k, c] of chunks.entries()) all.set(c.get(name)!.data as Float64Array, k * 62500);
        blocks.set(name, { data: all.subarray(0, n), dims: ["i"], shape: [n] });
      }
      const out = new Float64Array(n + 7).fill(42);
      const a = runProgram(simd, blocks, ["i"], [n], out);
      const b = runProgram(js, blocks, ["i"], [n]);
      expect(a.data.length).toBe(n);
      expect(differences(a.data as Float64Array, b.data as Float64Array)).toEqual([]);
      expect(out[n]).toBe(42);
    }
  });

  it("converts inputs of other dtypes (float32, int16, uint8, bool) and broadcast inputs as the JavaScript loop", () => {
    const chl = chunks[2]!.get("conc_chl")!.data as Float64Array;
    const kd = chunks[2]!.get("kd489")!.data as Float64Array;
    const f32 = Float32Array.from(chl);
    const i16 = Int16Array.from(kd, (v) => (Number.isFinite(v) ? Math.round(v * 1000) % 30000 : -1));
    const u8 = Uint8Array.from(kd, (v) => (Number.isFinite(v) ? Math.round(v * 100) & 255 : 0));
    const b = Uint8Array.from(chl, (v) => (v > 1 ? 1 : 0));
    const row = Float64Array.from(kd.subarray(0, 250));
    const info = (dtype: VariableInfo["dtype"], dims = DIMS, shape = [250, 250]): VariableInfo => ({ dtype, dims, shape });
    const v: Record<string, VariableInfo> = {
      f32: info("float32"),
      i16: info("int16"),
      u8: info("uint8"),
      b: info("bool"),
      row: info("float64", ["lon"], [250]),
      kd489: info("float64"),
    };
    const blocks = new Map<string, InputBlock>([
      ["f32", { data: f32, dims: DIMS, shape: [250, 250] }],
      ["i16", { data: i16, dims: DIMS, shape: [250, 250] }],
      ["u8", { data: u8, dims: DIMS, shape: [250, 250] }],
      ["b", { data: b, dims: DIMS, shape: [250, 250] }],
      ["row", { data: row, dims: ["lon"], shape: [250] }],
      ["kd489", { data: kd, dims: DIMS, shape: [250, 250] }],
    ]);
    const checked = checkExpression("f32 / (i16 + 0.5) - u8 * kd489 + where(b, row, -row)", v);
    expect(checked.dtype).toBe("float64");
    const simd = compileExpression(checked);
    expect(simd.simd).toBeTypeOf("function");
    const a = runProgram(simd, blocks, DIMS, [250, 250]);
    const c = runProgram(compileExpression(checked, { simd: false }), blocks, DIMS, [250, 250]);
    expect(differences(a.data as Float64Array, c.data as Float64Array)).toEqual([]);
  });

  it("tests flags of the real c2rcc_flags chunks with NaN, ±inf, negative, huge and fractional values as the JavaScript loop", () => {
    // bit 31 (Valid_PE), values at and beyond ±2**31, ±2**53, ±2**63 and ±2**64 (int64 wrap-around), fractions
    const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.5, -0.5, -1, -1.5, 3.999, -3.999];
    const big = [2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 0.5, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, -(2 ** 63), 2 ** 63 + 4096];
    const huge = [2 ** 64, 2 ** 64 + 8192, -(2 ** 64) - 8192, 1e20, -1e20, 1.7976931348623157e308, 5e-324, -2147483647.9];
    const special = [...odd, ...big, ...huge];
    const exprs = [
      "where(c2rcc_flags.Valid_PE, conc_chl / (conc_tsm + 1), nan)",
      "where(c2rcc_flags.Rtosa_OOS | c2rcc_flags.Cloud_risk, -kd489, kd489) + c2rcc_flags.Kd489_OOR",
      "where((c2rcc_flags & 1) == 0, c2rcc_flags & -2147483648, c2rcc_flags | 12) * 1.0",
      "((c2rcc_flags ^ 1e20) & (c2rcc_flags | -7)) + ((conc_chl > 1) & 3) + 0.0",
    ];
    const flagsChunks = chunks.map((c) => {
      const flags = Float64Array.from(c.get("c2rcc_flags")!.data as Float64Array);
      for (let i = 3; i < flags.length; i += 5) flags[i] = special[((i / 5) % special.length) | 0]!;
      return new Map([...c, ["c2rcc_flags", { data: flags, dims: DIMS, shape: [250, 250] }]]);
    });
    const real = chunks[0]!.get("c2rcc_flags")!.data as Float64Array;
    expect(real.some((v) => v >= 2 ** 31)).toBe(true); // Valid_PE set: bit 31 of the real flags
    for (const expr of exprs) {
      const checked = checkExpression(expr, vars);
      const simd = compileExpression(checked);
      expect(simd.simd, expr).toBeTypeOf("function");
      const js = compileExpression(checked, { simd: false });
      for (const c of [...chunks, ...flagsChunks]) {
        const a = runProgram(simd, c, DIMS, [250, 250]);
        const b = runProgram(js, c, DIMS, [250, 250]);
        expect(differences(a.data as Float64Array, b.data as Float64Array), expr).toEqual([]);
      }
    }
    // integer flag dtypes: converted to float64 on the copy in, as the JavaScript loop reads them
    const attrs = vars.c2rcc_flags!.attrs;
    for (const [dtype, data] of [
      ["uint32", Uint32Array.from(real, (v) => (Number.isFinite(v) ? v : 0))],
      ["int32", Int32Array.from(real, (v) => (Number.isFinite(v) ? v | 0 : -1))],
      ["int64", Float64Array.from(real, (v, i) => (!Number.isFinite(v) ? 2 ** 63 : (i >> 2) % 2 ? v : v - 2 ** 40))],
    ] as const) {
      // k: a second integer variable, small and huge (the flags' operand shared by operations of both paths)
      const k = Float64Array.from(real, (v, i) => (i % 3 ? i : Number.isFinite(v) ? -(2 ** 40) : 2 ** 63));
      const v = {
        ...vars,
        c2rcc_flags: { dtype, dims: DIMS, shape: [250, 250], attrs },
        k: { dtype: "int64", dims: DIMS, shape: [250, 250] },
      } as Record<string, VariableInfo>;
      const blocks = new Map([
        ...chunks[0]!,
        ["c2rcc_flags", { data, dims: DIMS, shape: [250, 250] }],
        ["k", { data: k, dims: DIMS, shape: [250, 250] }],
      ]);
      for (const expr of [exprs[0]!, "((c2rcc_flags & 1) + (c2rcc_flags & k) + (c2rcc_flags | k) + (c2rcc_flags ^ 3)) * 1.0"]) {
        const checked = checkExpression(expr, v);
        const simd = compileExpression(checked);
        expect(simd.simd, dtype).toBeTypeOf("function");
        const a = runProgram(simd, blocks, DIMS, [250, 250]);
        const b = runProgram(compileExpression(checked, { simd: false }), blocks, DIMS, [250, 250]);
        expect(differences(a.data as Float64Array, b.data as Float64Array), `${dtype}: ${expr}`).toEqual([]);
      }
    }
  });

  it("compiles an expression near the limit of 2,000 parts (300 calls) and gives the JavaScript loop's values", () => {
    const leaf = (i: number) => (i % 2 ? `sign(kd489-${i % 10})` : `minimum(conc_chl,${i % 10})`);
    const tree = (lo: number, hi: number): string =>
      hi - lo === 1 ? leaf(lo) : `(${tree(lo, (lo + hi) >> 1)}+${tree((lo + hi) >> 1, hi)})`;
    const checked = checkExpression(tree(0, 300), vars);
    const simd = compileExpression(checked);
    expect(simd.simd).toBeTypeOf("function");
    const a = runProgram(simd, chunks[2]!, DIMS, [250, 250]);
    const b = runProgram(compileExpression(checked, { simd: false }), chunks[2]!, DIMS, [250, 250]);
    expect(differences(a.data as Float64Array, b.data as Float64Array)).toEqual([]);
  });

  it.each(JS_CASES)("%s: keeps the JavaScript loop", (expr) => {
    const program = compileExpression(checkExpression(expr, vars));
    expect(program.simd).toBeUndefined();
  });

  it("emits a module holding no user text: only its own names and opcodes", () => {
    const name = "x_require_process_exit";
    const checked = checkExpression(`${name} * 2.5 + nan - 1e300`, {
      [name]: { dtype: "float64", dims: DIMS, shape: [2, 2] },
    });
    const text = Buffer.from(simdModule(checked.root, checked.variables)).toString("latin1");
    expect(text).not.toContain(name);
    expect(text).not.toMatch(/require|process|eval|Function|import/);
    expect(compileExpression(checked).simd).toBeTypeOf("function");
  });

  it.each([
    ["constructor", "constructor", "constructor"],
    ["__proto__", "__proto__", "__proto__"],
    ["kd489.constructor", "kd489.constructor", "attribute access"],
    ["kd489.__proto__", "kd489.__proto__", "protected attribute"],
    ["globalThis", "globalThis", "not defined"],
    ["exp.call(kd489)", "exp.call(kd489)", "function"],
    ["300 nested parentheses", `${"(".repeat(300)}kd489${")".repeat(300)}`, "deep"],
    ["1.2 MB of text", `${"kd489 + ".repeat(150_000)}1`, "long"],
  ])("refuses %s before anything is compiled", (_label, expr, problem) => {
    let err: unknown;
    try {
      checkExpression(expr, vars);
    } catch (e) {
      err = e;
    }
    expect(isEocubeError(err, "INVALID_EXPRESSION")).toBe(true);
    expect((err as Error).message.toLowerCase()).toContain(problem.toLowerCase());
  });
});
