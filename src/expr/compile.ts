// Checked expression → one specialised loop (JavaScript generated from the checked tree only, never from the
// text): each element's inputs read once from their typed arrays, every operation a local, the result stored
// straight into the output typed array. Inputs laid out otherwise (broadcast, transposed, bigint) are gathered first.
// float64 expressions of plain arithmetic, comparisons and where also get a WebAssembly SIMD loop (simd.ts)
// with the same values, used for blocks of 64 values or more.
import { allocate, sizeOf, stridesOf, type NdArray, type NdData, type TypedArray } from "../core/ndarray.js";
import type { CheckedExpression, ExprNode } from "./check.js";
import type { NumDType } from "./dtypes.js";
import { HELPER_NAMES, HELPERS, numberLiteral, TEMPLATES } from "./kernels.js";
import { simdLoop } from "./simd.js";

/** The generated loop: `o[i] = f(d0[i], d1[i], …)` for `i < n`, where `dk = d[k]` holds the values of `inputs[k]`. */
type Loop = (o: TypedArray, n: number, d: ArrayLike<number>[]) => void;

/**
 * A compiled expression: one loop over the result's elements. Immutable; {@link runProgram} may be called
 * concurrently.
 */
export interface Program {
  /** Result dtype (numpy's). */
  dtype: NumDType;
  /** Input variable names (the loop's `d[i]` holds inputs[i]). */
  inputs: string[];
  /** The generated source of the loop (made of identifiers, number literals and the templates of kernels.ts). */
  source: string;
  loop: Loop;
  /**
   * The same loop as WebAssembly SIMD (two float64 lanes per step), when the result is float64 and every
   * operation has a SIMD form (see simd.ts); same values as `loop`, bit for bit.
   */
  simd?: (o: Float64Array, n: number, d: ArrayLike<number>[]) => void;
}

/** Options of {@link compileExpression}. */
export interface CompileOptions {
  /** Also build the WebAssembly SIMD loop when the expression allows it [default true]. */
  simd?: boolean;
}

/** Fewer result values than this run through the JavaScript loop even when there is a SIMD one. */
export const SIMD_MIN = 64;

/**
 * Compiles a checked expression into a {@link Program}: the tree becomes one `for` loop whose body assigns each
 * operation to a local (`t<k>`) through its template in kernels.ts. Names in the code are made here: inputs are
 * `d<i>` (their order in `checked.variables`), finite constants are number literals (JSON), NaN and ±inf are
 * locals bound from an array; the user's text and names never enter the code. A float64 expression made only
 * of operations with a SIMD form also gets {@link Program.simd}: a WebAssembly module whose bytes are emitted
 * from the same checked tree (opcodes, local indices, constants' bits).
 */
export function compileExpression(checked: CheckedExpression, options: CompileOptions = {}): Program {
  const inputs = checked.variables.slice();
  const consts: number[] = [];
  const body: string[] = [];
  let temps = 0;
  const emit = (n: ExprNode): string => {
    if (n.kind === "var") {
      const k = inputs.indexOf(n.name);
      if (k < 0) throw new Error(`compileExpression: variable ${n.name} not among the inputs`);
      return `v${k}`;
    }
    if (n.kind === "const") {
      if (Number.isFinite(n.value)) return `(${numberLiteral(n.value)})`;
      consts.push(n.value);
      return `k${consts.length - 1}`;
    }
    const args = n.args.map(emit);
    const [a = "0", b = a, c = b] = args;
    const p = numberLiteral(n.param ?? 0);
    if (!Object.hasOwn(TEMPLATES, n.kernel)) throw new Error(`compileExpression: no operation ${n.kernel}`);
    let t = `t${temps++}`;
    body.push(`const ${t} = (${TEMPLATES[n.kernel](a, b, c, p)});`);
    if (n.post) {
      if (!Object.hasOwn(TEMPLATES, n.post)) throw new Error(`compileExpression: no operation ${n.post}`);
      const u = `t${temps++}`;
      body.push(`const ${u} = (${TEMPLATES[n.post](t, t, t, "0")});`);
      t = u;
    }
    return t;
  };
  const result = emit(checked.root);
  const big = checked.dtype === "int64" || checked.dtype === "uint64";
  const source = [
    '"use strict";',
    `const { ${HELPER_NAMES.join(", ")} } = H;`,
    ...consts.map((_, k) => `const k${k} = K[${k}];`),
    "return function expression(o, n, d) {",
    ...inputs.map((_, k) => `  const d${k} = d[${k}];`),
    "  for (let i = 0; i < n; i++) {",
    ...inputs.map((_, k) => `    const v${k} = d${k}[i];`),
    ...body.map((line) => `    ${line}`),
    `    o[i] = ${big ? `B(${result})` : result};`,
    "  }",
    "};",
  ].join("\n");
  const toBig = (x: number) => BigInt(Number.isFinite(x) ? Math.trunc(x) : 0);
  const loop = new Function("H", "K", "B", source)(HELPERS, consts.slice(), toBig) as Loop;
  const simd = options.simd !== false && checked.dtype === "float64" ? simdLoop(checked.root, inputs) : undefined;
  return { dtype: checked.dtype, inputs, source, loop, ...(simd ? { simd } : {}) };
}

/** An input block of {@link runProgram}: data in C order with its dims and shape. */
export interface InputBlock {
  data: NdData;
  dims: readonly string[];
  shape: readonly number[];
}

/**
 * Evaluates a program over a block of the result (`dims`, `shape`) in one pass (its SIMD loop when it has one
 * and the block has 64 values or more).
 * Each input's dims must be among `dims` (missing ones broadcast, any order).
 * Float64 inputs (laid out as the result) and an `out` that lie in this thread's expression memory
 * (`wasmArray` of wasm-memory.ts) are read and written there by the SIMD loop, without copying them in or out of it.
 * @param out optional typed array of the result's dtype (as `allocate(program.dtype, n)`) with room for the
 *   result, written and returned instead of a new one: reusing it spares a fresh allocation per chunk, whose
 *   first touch of new memory pages can cost more than the computation. It may be one of the inputs (the
 *   same array: computed in place) but must not overlap an input otherwise.
 * @returns the result as the dtype's typed array (bool as 0/1 bytes, int64 as bigints).
 * @throws Error when an input is missing or `out` is too small or of another type.
 */
export function runProgram(
  program: Program,
  inputs: ReadonlyMap<string, InputBlock>,
  dims: readonly string[],
  shape: readonly number[],
  out?: TypedArray,
): NdArray {
  const total = sizeOf(shape);
  if (out) {
    const want = allocate(program.dtype, 0).constructor;
    if (out.constructor !== want || out.length < total)
      throw new Error(`runProgram: out must be a ${want.name} of at least ${total} values`);
    if (out.length > total) out = out.subarray(0, total);
  } else out = allocate(program.dtype, total);
  const arrays = program.inputs.map((name) => {
    const input = inputs.get(name);
    if (!input) throw new Error(`runProgram: input ${name} missing`);
    return valuesOf(input, dims, shape, total);
  });
  if (program.simd && total >= SIMD_MIN) program.simd(out as Float64Array, total, arrays);
  else program.loop(out, total, arrays);
  return { data: out, shape: shape.slice(), dtype: program.dtype };
}

/**
 * The values of an input in the result's layout, as numbers: its own typed array when it is laid out as the
 * result (any number dtype), else a float64 copy (bigints, broadcast or transposed dims).
 */
function valuesOf(input: InputBlock, dims: readonly string[], shape: readonly number[], total: number): ArrayLike<number> {
  const data = input.data;
  const same = input.dims.length === dims.length && input.dims.every((d, i) => d === dims[i]);
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  if (same && ArrayBuffer.isView(data) && !big && (data as TypedArray).length >= total) return data as ArrayLike<number>;
  return loaderOf(input, dims, shape, Math.max(1, total))(0, total);
}

/**
 * A loader of one input: a view of float64 data laid out as the result, else a conversion into
 * an own register (other dtypes), else a gather through strides (broadcast or transposed dims).
 */
function loaderOf(
  input: InputBlock,
  dims: readonly string[],
  shape: readonly number[],
  size: number,
): (start: number, n: number) => Float64Array {
  const data = input.data;
  const same = input.dims.length === dims.length && input.dims.every((d, i) => d === dims[i]);
  if (same && data instanceof Float64Array) return (start, n) => data.subarray(start, start + n);
  const buf = new Float64Array(size);
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  if (same && ArrayBuffer.isView(data) && !big) {
    const typed = data as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
    return (start, n) => {
      buf.set(typed.subarray(start, start + n));
      return buf;
    };
  }
  const src = data as ArrayLike<number | bigint>;
  if (same) {
    return (start, n) => {
      for (let i = 0; i < n; i++) buf[i] = Number(src[start + i]);
      return buf;
    };
  }
  // strides of the input along the result's dims (0 where the input does not have the dim)
  const inStrides = stridesOf(input.shape);
  const strides = dims.map((d) => {
    const k = input.dims.indexOf(d);
    return k < 0 ? 0 : inStrides[k]!;
  });
  const nd = dims.length;
  const idx = new Array<number>(nd).fill(0);
  return (start, n) => {
    // multi-index of `start`
    let rest = start;
    let off = 0;
    for (let d = nd - 1; d >= 0; d--) {
      const s = shape[d]!;
      idx[d] = rest % s;
      rest = Math.floor(rest / s);
      off += idx[d]! * strides[d]!;
    }
    for (let i = 0; i < n; i++) {
      const x = src[off];
      buf[i] = typeof x === "number" ? x : Number(x);
      for (let d = nd - 1; d >= 0; d--) {
        off += strides[d]!;
        if (++idx[d]! < shape[d]!) break;
        off -= idx[d]! * strides[d]!;
        idx[d] = 0;
      }
    }
    return buf;
  };
}
