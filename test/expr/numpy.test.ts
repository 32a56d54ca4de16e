// The expression engine against numpy itself: each expression is evaluated by eocube and by numpy
// (/usr/bin/python3) over the same arrays of several dtypes (NaN, ±inf, -0, flags with bit 31), and
// dtype and values must agree (exactly for arithmetic, within an ulp or two for transcendental functions).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { NdData } from "../../src/core/ndarray.js";
import { checkExpression, compileExpression, runProgram, type InputBlock } from "../../src/expr/index.js";

const N = 48;
/** Deterministic inputs: name → [dtype, values]. */
function inputs(): Record<string, [string, number[]]> {
  const x: number[] = [];
  const y: number[] = [];
  const i16: number[] = [];
  const u8: number[] = [];
  const flags: number[] = [];
  const b: number[] = [];
  for (let k = 0; k < N; k++) {
    x.push(k === 3 ? NaN : k === 5 ? Infinity : k === 6 ? -Infinity : k === 7 ? -0 : ((k * 37) % 23) / 3 - 3.5);
    y.push(k === 4 ? NaN : Math.fround(((k * 11) % 17) / 7 - 1.1));
    i16.push(((k * 1237) % 6000) - 3000);
    u8.push((k * 29) % 256);
    flags.push(k % 3 === 0 ? 2147483648 + k : k * 5);
    b.push(k % 4 === 1 ? 1 : 0);
  }
  return {
    x: ["float64", x],
    y: ["float32", y],
    i16: ["int16", i16],
    u8: ["uint8", u8],
    flags: ["uint32", flags],
    b: ["bool", b],
  };
}

/** [eocube expression, numpy expression (default the same), ulps allowed]. */
const CASES: [string, string?, number?][] = [
  ["x / (y + 1)"],
  ["y * 0.1 + 2"],
  ["y * y - y / 3"],
  ["x // 0.7"],
  ["x % 0.7"],
  ["-x % 3"],
  ["x // -2"],
  ["i16 // 7"],
  ["i16 % -7"],
  ["i16 // 0"],
  ["i16 / 3"],
  ["i16 * 2.5"],
  ["i16 + y"],
  ["u8 + i16"],
  ["u8 * 3"],
  ["u8 - 200"],
  ["i16 * i16"],
  ["x ** 2"],
  ["-x ** 2"],
  ["2 ** -1 * x"],
  ["abs(x) ** 0.5"],
  ["y ** 2"],
  ["sqrt(x)"],
  ["sqrt(y)"],
  ["sqrt(i16)"],
  ["exp(y)", undefined, 2],
  ["log(x)", undefined, 1],
  ["log10(abs(x) + 1)", undefined, 1],
  ["sin(x)", undefined, 2],
  ["cos(x)", undefined, 2],
  ["tan(x)", undefined, 2],
  ["cos(y)", undefined, 1],
  ["arctan2(x, y)", undefined, 1],
  ["hypot(x, y)", undefined, 1],
  ["floor(x) + ceil(y) - trunc(x)"],
  ["rint(x * 2)"],
  ["round(y * 3)"],
  ["sign(x)"],
  ["minimum(x, y)"],
  ["maximum(x, y)"],
  ["fmin(x, y)"],
  ["min(x, y)", "fmin(x, y)"],
  ["max(x, 1)", "fmax(x, 1)"],
  ["isnan(x) | isnan(y)"],
  ["isinf(x)"],
  ["isfinite(x)"],
  ["x > y"],
  ["x == x"],
  ["x != x"],
  ["y >= 0.1"],
  ["i16 < 0"],
  ["flags & 1"],
  ["(flags & 2147483648) != 0"],
  ["flags | 7"],
  ["flags ^ 255"],
  ["~flags"],
  ["~u8"],
  ["~i16"],
  ["~b"],
  ["u8 << 2"],
  ["i16 >> 3"],
  ["b & (x > 0)"],
  ["x > 0 and y < 0", "logical_and(x > 0, y < 0)"],
  ["x > 0 or not b", "logical_or(x > 0, logical_not(b))"],
  ["not x > 0", "logical_not(x > 0)"],
  ["where(x > 0, x, y)"],
  ["where(b, i16, u8)"],
  ["x if x > 0 else y", "where(x > 0, x, y)"],
  ["where(isnan(x), 0, x) + 1"],
  ["x * pi + e"],
  ["x + nan"],
  ["(x - y) / (x + y)"],
  ["logaddexp(x, y)", undefined, 2],
  ["copysign(y, x)"],
  ["square(i16)"],
  ["reciprocal(y)"],
  ["expm1(y)", undefined, 1],
  ["log1p(abs(x))", undefined, 1],
  ["cbrt(x)", undefined, 1],
  ["deg2rad(x)"],
  ["heaviside(x, 0.5)"],
  ["logical_xor(b, x > 0)"],
  ["float_power(y, 2)"],
];

const PY = `
import json, sys
import numpy as np
data = json.load(sys.stdin)
ns = {k: getattr(np, k) for k in dir(np) if isinstance(getattr(np, k), np.ufunc)}
ns.update(where=np.where, pi=np.pi, e=np.e, nan=np.nan, inf=np.inf, round=np.round)
def arr(dtype, values):
    return np.array([float(v) for v in values], dtype="float64").astype(dtype)
for k, (dtype, values) in data["inputs"].items():
    ns[k] = arr(dtype, values)
out = []
with np.errstate(all="ignore"):
    for expr in data["exprs"]:
        r = np.asarray(eval(expr, {"__builtins__": {}}, ns))
        out.append([str(r.dtype), [repr(float(v)) for v in r.astype("float64")]])
print(json.dumps(out))
`;

function numpy(exprs: string[], data: Record<string, [string, number[]]>): [string, number[]][] {
  const text = JSON.stringify({
    exprs,
    inputs: Object.fromEntries(Object.entries(data).map(([k, [d, v]]) => [k, [d, v.map((x) => (Object.is(x, -0) ? "-0.0" : String(x)))]])),
  });
  const out = execFileSync("/usr/bin/python3", ["-c", PY], { input: text, encoding: "utf8" });
  return (JSON.parse(out) as [string, string[]][]).map(([d, v]) => [
    d,
    v.map((s) => Number(s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : s)),
  ]);
}

function typed(dtype: string, values: number[]): NdData {
  const map: Record<string, (n: number[]) => NdData> = {
    float64: (v) => Float64Array.from(v),
    float32: (v) => Float32Array.from(v),
    int16: (v) => Int16Array.from(v),
    uint8: (v) => Uint8Array.from(v),
    uint32: (v) => Uint32Array.from(v),
    bool: (v) => Uint8Array.from(v),
  };
  return map[dtype]!(values);
}

/** Distance in units in the last place (of float32 when `f32`). */
function ulps(a: number, b: number, f32: boolean): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const ulp = (v: number) =>
    f32 ? 2 ** (Math.floor(Math.log2(Math.abs(v) || 2 ** -126)) - 23) : 2 ** (Math.floor(Math.log2(Math.abs(v) || 2 ** -1022)) - 52);
  return Math.abs(a - b) / ulp(Math.max(Math.abs(a), Math.abs(b)));
}

describe("expressions against numpy", () => {
  const data = inputs();
  const vars = Object.fromEntries(Object.entries(data).map(([k, [dtype]]) => [k, { dtype: dtype as "float64", dims: ["i"], shape: [N] }]));
  const blocks = new Map<string, InputBlock>(
    Object.entries(data).map(([k, [d, v]]) => [k, { data: typed(d, v), dims: ["i"], shape: [N] }]),
  );
  const expected = numpy(
    CASES.map(([e, np]) => np ?? e),
    data,
  );
  it.each(CASES.map((c, k) => [c[0], k] as const))("%s", (expr, k) => {
    const checked = checkExpression(expr, vars);
    const r = runProgram(compileExpression(checked), blocks, ["i"], [N]);
    const [dtype, values] = expected[k]!;
    expect(checked.dtype === "bool" ? "bool" : r.dtype).toBe(dtype);
    const got = Array.from(r.data as ArrayLike<number>, Number);
    const tol = CASES[k]![2] ?? 0;
    const bad = got.map((g, i) => [i, g, values[i]!, ulps(g, values[i]!, dtype === "float32")] as const).filter(([, , , u]) => u > tol);
    expect(bad).toEqual([]);
  });
});

describe("compiled loop", () => {
  it("is generated from the checked tree only: no name or text of the user in its source", () => {
    const name = "x_require_process_exit";
    const vars = { [name]: { dtype: "float32" as const, dims: ["y", "x"], shape: [2, 2] } };
    const program = compileExpression(checkExpression(`${name} * 2.5 + nan - 1e300`, vars));
    expect(program.source).not.toContain(name);
    expect(program.source).not.toMatch(/require|process|eval|Function|import/);
    expect(program.source).toContain("d[0]");
    const out = new Float32Array(8);
    const r = runProgram(
      program,
      new Map([[name, { data: Float32Array.of(1, 2, 3, 4), dims: ["y", "x"], shape: [2, 2] }]]),
      ["y", "x"],
      [2, 2],
      out,
    );
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.data.length).toBe(4);
    expect(Number.isNaN((r.data as Float32Array)[0])).toBe(true);
    expect(() => runProgram(program, new Map(), ["y", "x"], [2, 2])).toThrow(/missing/);
    expect(() =>
      runProgram(
        program,
        new Map([[name, { data: new Float32Array(4), dims: ["y", "x"], shape: [2, 2] }]]),
        ["y", "x"],
        [2, 2],
        new Float64Array(4),
      ),
    ).toThrow(/Float32Array/);
  });
});
