// The data types of expression values and numpy's promotion rules for them (NEP 50: Python number
// literals are "weak" and take the array's type), so results have the dtype numpy would give.
import type { DType } from "../core/ndarray.js";

/** The dtypes an expression computes with (no datetimes, strings or objects). */
export type NumDType = "bool" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "int64" | "uint64" | "float32" | "float64";

/** The type of an expression value: dtype, whether it is a Python literal ("weak"), and its dimensions. */
export interface ValueType {
  dtype: NumDType;
  /** True for number literals and constants: they take the dtype of the array they meet (numpy NEP 50). */
  weak?: boolean;
  /** Dimension names, outermost first; `[]` for scalars. */
  dims: string[];
}

const NUM_DTYPES = new Set<string>([
  "bool",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
]);

/** True when an expression can use a variable of this dtype (numbers and booleans; not datetimes, strings or objects). */
export function isNumDType(dtype: DType | string): dtype is NumDType {
  return NUM_DTYPES.has(dtype);
}

/** The kind of a dtype: b(ool), i(nt), u(nsigned), f(loat), as numpy's `dtype.kind`. */
export function kindOf(dtype: NumDType): "b" | "i" | "u" | "f" {
  return dtype === "bool" ? "b" : dtype.startsWith("float") ? "f" : dtype.startsWith("u") ? "u" : "i";
}

/** Bits of a dtype (bool: 1). */
export function bitsOf(dtype: NumDType): number {
  return dtype === "bool" ? 1 : Number(dtype.replace(/\D/g, ""));
}

const intOf = (bits: number, signed: boolean): NumDType => `${signed ? "" : "u"}int${bits}` as NumDType;

/**
 * The dtype numpy gives to an operation on two values (`np.result_type` with NEP 50 weak scalars):
 * a weak int literal takes the array's dtype (bool arrays become int64), a weak float literal makes
 * integer arrays float64 and keeps float32; two arrays follow numpy's table (uint8 + int8 → int16,
 * int16 + float32 → float32, int32 + float32 → float64, uint64 + int → float64).
 */
export function promote(a: ValueType, b: ValueType): NumDType {
  if (a.weak && b.weak) return weakPair(a.dtype, b.dtype);
  if (a.weak) return weakWith(a.dtype, b.dtype);
  if (b.weak) return weakWith(b.dtype, a.dtype);
  return strongPair(a.dtype, b.dtype);
}

/** Two Python literals: bool < int < float. */
function weakPair(a: NumDType, b: NumDType): NumDType {
  if (a === "float64" || b === "float64") return "float64";
  if (a === "int64" || b === "int64") return "int64";
  return "bool";
}

/** A Python literal meeting an array of dtype `strong`. */
function weakWith(weak: NumDType, strong: NumDType): NumDType {
  const k = kindOf(strong);
  if (weak === "bool") return strong;
  if (weak === "int64") return k === "b" ? "int64" : strong;
  return k === "f" ? strong : "float64";
}

/** Two arrays (numpy's promotion table). */
function strongPair(a: NumDType, b: NumDType): NumDType {
  if (a === b) return a;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === "b") return b;
  if (kb === "b") return a;
  const ba = bitsOf(a);
  const bb = bitsOf(b);
  if (ka === "f" || kb === "f") {
    if (ka === "f" && kb === "f") return ba >= bb ? a : b;
    const [f, i] = ka === "f" ? [a, b] : [b, a];
    return f === "float32" && bitsOf(i) <= 16 ? "float32" : "float64";
  }
  if (ka === kb) return ba >= bb ? a : b;
  const [u, s] = ka === "u" ? [ba, bb] : [bb, ba];
  if (u < s) return intOf(s, true);
  return u < 64 ? intOf(u * 2, true) : "float64";
}

/** The result dtype of numpy's float functions (sqrt, exp, sin …): float32 stays, small ints and bool give float32, others float64. */
export function floatResult(dtype: NumDType): NumDType {
  if (dtype === "float32") return "float32";
  const k = kindOf(dtype);
  return k === "b" || (k !== "f" && bitsOf(dtype) <= 16) ? "float32" : "float64";
}

/** The dtype arithmetic gives for a promoted dtype: bool arithmetic counts as int8 (as Python's True + True == 2). */
export function arithmetic(dtype: NumDType): NumDType {
  return dtype === "bool" ? "int8" : dtype;
}

/**
 * Dimensions of a value combining `a` and `b` (broadcast by name, as xarray): the dims of the one with
 * more dims, then the other's missing dims in their order.
 */
export function unionDims(a: readonly string[], b: readonly string[]): string[] {
  const [first, second] = b.length > a.length ? [b, a] : [a, b];
  const out = first.slice();
  for (const d of second) if (!out.includes(d)) out.push(d);
  return out;
}
