// Checked expression → program of fixed kernels over float64 registers, and its evaluation over blocks of
// 4096 values (cache-sized, as numexpr): inputs are viewed or converted per block, temporaries are reused.
import { allocate, sizeOf, stridesOf, type NdArray, type NdData, type TypedArray } from "../core/ndarray.js";
import type { CheckedExpression, ExprNode } from "./check.js";
import type { NumDType } from "./dtypes.js";
import { KERNELS, type Kernel, type KernelName } from "./kernels.js";

/** Values per block: registers of 32 KiB stay in the CPU cache between kernels. */
export const BLOCK = 4096;

/** One instruction: `regs[out] = kernel(regs[a], regs[b], regs[c])`, then `post` in place. */
interface Instruction {
  kernel: Kernel;
  post?: Kernel;
  out: number;
  a: number;
  b: number;
  c: number;
  p: number;
}

/**
 * A compiled expression: registers `0…inputs.length-1` hold the input variables' values, then one per
 * constant, then temporaries. Immutable; {@link runProgram} may be called concurrently.
 */
export interface Program {
  /** Result dtype (numpy's). */
  dtype: NumDType;
  /** Input variable names (register i holds inputs[i]). */
  inputs: string[];
  /** Constant values (registers inputs.length + k). */
  consts: number[];
  instructions: Instruction[];
  /** Number of registers. */
  registers: number;
  /** The register holding the result. */
  result: number;
}

/**
 * Compiles a checked expression into a {@link Program}: each variable read once per block, temporaries
 * reused as soon as their value is consumed (kernels are element-wise, so an output may overwrite its input).
 */
export function compileExpression(checked: CheckedExpression): Program {
  const inputs = checked.variables.slice();
  const consts: number[] = [];
  const instructions: Instruction[] = [];
  let registers = inputs.length;
  const free: number[] = [];
  const temps = new Set<number>();
  const emit = (n: ExprNode): number => {
    if (n.kind === "var") return inputs.indexOf(n.name);
    if (n.kind === "const") {
      consts.push(n.value);
      return -consts.length; // placed after the inputs once all are known
    }
    const args = n.args.map(emit);
    for (const r of args) if (temps.has(r) && !free.includes(r)) free.push(r);
    const out = free.pop() ?? registers++;
    temps.add(out);
    const [a = args[0]!, b = a, c = b] = args;
    instructions.push({
      kernel: KERNELS[n.kernel],
      ...(n.post ? { post: KERNELS[n.post as KernelName] } : {}),
      out,
      a,
      b,
      c,
      p: n.param ?? 0,
    });
    return out;
  };
  let result = emit(checked.root);
  // constants go to registers after the temporaries
  const constReg = (r: number) => (r < 0 ? registers + (-r - 1) : r);
  for (const ins of instructions) {
    ins.a = constReg(ins.a);
    ins.b = constReg(ins.b);
    ins.c = constReg(ins.c);
  }
  result = constReg(result);
  return { dtype: checked.dtype, inputs, consts, instructions, registers: registers + consts.length, result };
}

/** An input block of {@link runProgram}: data in C order with its dims and shape. */
export interface InputBlock {
  data: NdData;
  dims: readonly string[];
  shape: readonly number[];
}

/**
 * Evaluates a program over a block of the result (`dims`, `shape`), block by block of {@link BLOCK} values.
 * Each input's dims must be among `dims` (missing ones broadcast, any order).
 * @returns the result as the dtype's typed array (bool as 0/1 bytes, int64 as bigints).
 */
export function runProgram(
  program: Program,
  inputs: ReadonlyMap<string, InputBlock>,
  dims: readonly string[],
  shape: readonly number[],
): NdArray {
  const total = sizeOf(shape);
  const out = allocate(program.dtype, total);
  const regs = new Array<Float64Array>(program.registers);
  const size = Math.min(BLOCK, Math.max(1, total));
  const firstConst = program.registers - program.consts.length;
  for (let r = program.inputs.length; r < program.registers; r++) {
    regs[r] = r >= firstConst ? new Float64Array(size).fill(program.consts[r - firstConst]!) : new Float64Array(size);
  }
  const loaders = program.inputs.map((name) => {
    const input = inputs.get(name);
    if (!input) throw new Error(`runProgram: input ${name} missing`);
    return loaderOf(input, dims, shape, size);
  });
  const direct = out instanceof Float64Array && program.instructions.length > 0 && program.result >= program.inputs.length;
  for (let start = 0; start < total; start += size) {
    const n = Math.min(size, total - start);
    for (let i = 0; i < loaders.length; i++) regs[i] = loaders[i]!(start, n);
    const last = program.instructions.length - 1;
    for (let k = 0; k <= last; k++) {
      const ins = program.instructions[k]!;
      // the last instruction writes straight into a float64 result
      const o = k === last && direct ? (out as Float64Array).subarray(start, start + n) : regs[ins.out]!;
      ins.kernel(o, regs[ins.a]!, regs[ins.b]!, regs[ins.c]!, n, ins.p);
      if (ins.post) ins.post(o, o, o, o, n, 0);
    }
    if (!direct) store(out, regs[program.result]!, start, n);
  }
  return { data: out, shape: shape.slice(), dtype: program.dtype };
}

/** Copies `n` values of a float64 register into the result at `start` (typed-array conversion; bigints by hand). */
function store(out: TypedArray, reg: Float64Array, start: number, n: number): void {
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const x = reg[i]!;
      out[start + i] = BigInt(Number.isFinite(x) ? Math.trunc(x) : 0) as never;
    }
  } else out.set(reg.subarray(0, n), start);
}

/**
 * A per-block loader of one input: a view of float64 data laid out as the result, else a conversion into
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
