// The operations of the expression language as JavaScript code templates with numpy's semantics (floor
// division and remainder signs, NaN rules of minimum/fmin, int64 bit operations), fused by compile.ts into one
// loop per expression. Templates are written here, by us; their arguments are only identifiers compile.ts makes
// (`t3`, `k0`) and numbers it formats: no user text ever reaches the generated code.

const TWO32 = 4294967296;
const LN2 = Math.LN2;

/** numpy's floor division of floats (npy_divmod): 1 // 0.1 is 9, x // 0 is ±inf or nan. */
function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return (a / b < 0 ? -0 : 0) as number;
  let fd = Math.floor(div);
  if (div - fd > 0.5) fd += 1;
  return fd;
}

/** numpy's remainder of floats (Python's %: the sign of the divisor); x % 0 is nan. */
function remainder(a: number, b: number): number {
  if (b === 0) return Number.NaN;
  let mod = a % b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else mod = b < 0 ? -0 : 0;
  return mod;
}

/** numpy's remainder of integers: the sign of the divisor; x % 0 is 0. */
function remainderInt(a: number, b: number): number {
  let r = b === 0 ? 0 : a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return r;
}

/** Round half to even (numpy's rint/round). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** `a & b`, `a | b`, `a ^ b` on whole numbers with int64 two's-complement semantics (exact below 2**53). */
function bits64(a: number, b: number, op: 0 | 1 | 2): number {
  const alo = a >>> 0;
  const blo = b >>> 0;
  const ahi = Math.floor(a / TWO32);
  const bhi = Math.floor(b / TWO32);
  const lo = op === 0 ? (alo & blo) >>> 0 : op === 1 ? (alo | blo) >>> 0 : (alo ^ blo) >>> 0;
  const hi = op === 0 ? ahi & bhi : op === 1 ? ahi | bhi : ahi ^ bhi;
  return hi * TWO32 + lo;
}

function logaddexp(x: number, y: number): number {
  if (x === y) return x + LN2;
  const t = x - y;
  if (t > 0) return x + Math.log1p(Math.exp(-t));
  if (t <= 0) return y + Math.log1p(Math.exp(t));
  return t;
}

function logaddexp2(x: number, y: number): number {
  if (x === y) return x + 1;
  const t = x - y;
  if (t > 0) return x + Math.log1p(2 ** -t) / LN2;
  if (t <= 0) return y + Math.log1p(2 ** t) / LN2;
  return t;
}

/** The helper functions templates call, by the name they use (bound once per compiled expression). */
export const HELPERS = { floorDivide, remainder, remainderInt, rint, bits64, logaddexp, logaddexp2 };

/**
 * A template: the JavaScript expression computing one element from its arguments `a`, `b`, `c` (identifiers
 * of float64 locals) and `p` (a number literal: the all-ones value of an unsigned dtype for `~`).
 */
export type Template = (a: string, b: string, c: string, p: string) => string;

/** Every operation by name: a pure expression over numbers (results of tests and logic are 0 or 1). */
export const TEMPLATES = {
  // arithmetic
  add: (a, b) => `${a} + ${b}`,
  subtract: (a, b) => `${a} - ${b}`,
  multiply: (a, b) => `${a} * ${b}`,
  divide: (a, b) => `${a} / ${b}`,
  floor_divide: (a, b) => `floorDivide(${a}, ${b})`,
  floor_divide_int: (a, b) => `${b} === 0 ? 0 : Math.floor(${a} / ${b})`,
  remainder: (a, b) => `remainder(${a}, ${b})`,
  remainder_int: (a, b) => `remainderInt(${a}, ${b})`,
  fmod: (a, b) => `${a} % ${b}`,
  fmod_int: (a, b) => `${b} === 0 ? 0 : ${a} % ${b}`,
  power: (a, b) => `${a} === 1 ? 1 : ${a} ** ${b}`,
  negative: (a) => `-${a}`,
  positive: (a) => `${a}`,
  absolute: (a) => `Math.abs(${a})`,
  square: (a) => `${a} * ${a}`,
  reciprocal: (a) => `1 / ${a}`,
  sign: (a) => `${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a} === 0 ? 0 : ${a}`,
  // float functions
  sqrt: (a) => `Math.sqrt(${a})`,
  cbrt: (a) => `Math.cbrt(${a})`,
  exp: (a) => `Math.exp(${a})`,
  exp2: (a) => `2 ** ${a}`,
  expm1: (a) => `Math.expm1(${a})`,
  log: (a) => `Math.log(${a})`,
  log2: (a) => `Math.log2(${a})`,
  log10: (a) => `Math.log10(${a})`,
  log1p: (a) => `Math.log1p(${a})`,
  sin: (a) => `Math.sin(${a})`,
  cos: (a) => `Math.cos(${a})`,
  tan: (a) => `Math.tan(${a})`,
  arcsin: (a) => `Math.asin(${a})`,
  arccos: (a) => `Math.acos(${a})`,
  arctan: (a) => `Math.atan(${a})`,
  sinh: (a) => `Math.sinh(${a})`,
  cosh: (a) => `Math.cosh(${a})`,
  tanh: (a) => `Math.tanh(${a})`,
  arcsinh: (a) => `Math.asinh(${a})`,
  arccosh: (a) => `Math.acosh(${a})`,
  arctanh: (a) => `Math.atanh(${a})`,
  deg2rad: (a) => `${a} * (Math.PI / 180)`,
  rad2deg: (a) => `${a} * (180 / Math.PI)`,
  floor: (a) => `Math.floor(${a})`,
  ceil: (a) => `Math.ceil(${a})`,
  trunc: (a) => `Math.trunc(${a})`,
  rint: (a) => `rint(${a})`,
  arctan2: (a, b) => `Math.atan2(${a}, ${b})`,
  hypot: (a, b) => `Math.hypot(${a}, ${b})`,
  copysign: (a, b) => `Math.abs(${a}) * (${b} < 0 || (${b} === 0 && 1 / ${b} < 0) ? -1 : 1)`,
  logaddexp: (a, b) => `logaddexp(${a}, ${b})`,
  logaddexp2: (a, b) => `logaddexp2(${a}, ${b})`,
  heaviside: (a, b) => `${a} < 0 ? 0 : ${a} > 0 ? 1 : ${a} === 0 ? ${b} : ${a}`,
  // minimum/maximum propagate NaN; fmin/fmax ignore it
  minimum: (a, b) => `${a} !== ${a} || ${a} <= ${b} ? ${a} : ${b}`,
  maximum: (a, b) => `${a} !== ${a} || ${a} >= ${b} ? ${a} : ${b}`,
  fmin: (a, b) => `${b} !== ${b} || ${a} <= ${b} ? ${a} : ${b}`,
  fmax: (a, b) => `${b} !== ${b} || ${a} >= ${b} ? ${a} : ${b}`,
  // tests (results 0 or 1)
  isnan: (a) => `${a} !== ${a} ? 1 : 0`,
  isinf: (a) => `${a} === Infinity || ${a} === -Infinity ? 1 : 0`,
  isfinite: (a) => `${a} - ${a} === 0 ? 1 : 0`,
  signbit: (a) => `${a} < 0 || (${a} === 0 && 1 / ${a} < 0) ? 1 : 0`,
  equal: (a, b) => `${a} === ${b} ? 1 : 0`,
  not_equal: (a, b) => `${a} !== ${b} ? 1 : 0`,
  less: (a, b) => `${a} < ${b} ? 1 : 0`,
  less_equal: (a, b) => `${a} <= ${b} ? 1 : 0`,
  greater: (a, b) => `${a} > ${b} ? 1 : 0`,
  greater_equal: (a, b) => `${a} >= ${b} ? 1 : 0`,
  // logic: any value but 0 is true (NaN too, as in numpy)
  logical_and: (a, b) => `${a} !== 0 && ${b} !== 0 ? 1 : 0`,
  logical_or: (a, b) => `${a} !== 0 || ${b} !== 0 ? 1 : 0`,
  logical_xor: (a, b) => `(${a} !== 0) !== (${b} !== 0) ? 1 : 0`,
  logical_not: (a) => `${a} === 0 ? 1 : 0`,
  where: (a, b, c) => `${a} !== 0 ? ${b} : ${c}`,
  // bits of whole numbers (int64 semantics, exact below 2**53)
  bitwise_and: (a, b) => `(${a} | 0) === ${a} && (${b} | 0) === ${b} ? ${a} & ${b} : bits64(${a}, ${b}, 0)`,
  bitwise_or: (a, b) => `(${a} | 0) === ${a} && (${b} | 0) === ${b} ? ${a} | ${b} : bits64(${a}, ${b}, 1)`,
  bitwise_xor: (a, b) => `(${a} | 0) === ${a} && (${b} | 0) === ${b} ? ${a} ^ ${b} : bits64(${a}, ${b}, 2)`,
  invert_signed: (a) => `-${a} - 1`,
  /** `~x` of an unsigned dtype whose all-ones value is `p`. */
  invert_unsigned: (a, _b, _c, p) => `${p} - ${a}`,
  left_shift: (a, b) => `${a} * 2 ** ${b}`,
  right_shift: (a, b) => `Math.floor(${a} / 2 ** ${b})`,
  // casts
  /** Floats to whole numbers for bit operations (astype(int64)); NaN and ±inf become 0. */
  to_int: (a) => `${a} - ${a} === 0 ? Math.trunc(${a}) : 0`,
  /** Values to 0/1 (astype(bool)). */
  to_bool: (a) => `${a} !== 0 ? 1 : 0`,
  round_float32: (a) => `Math.fround(${a})`,
  wrap_int8: (a) => `(${a} << 24) >> 24`,
  wrap_uint8: (a) => `${a} & 0xff`,
  wrap_int16: (a) => `(${a} << 16) >> 16`,
  wrap_uint16: (a) => `${a} & 0xffff`,
  wrap_int32: (a) => `${a} | 0`,
  wrap_uint32: (a) => `${a} >>> 0`,
} satisfies Record<string, Template>;

/** The name of an operation. */
export type KernelName = keyof typeof TEMPLATES;

/** The names of {@link HELPERS}, bound as locals of generated code. */
export const HELPER_NAMES = Object.keys(HELPERS);

/** A number as a JavaScript literal of generated code (finite numbers only; others are passed as constants). */
export function numberLiteral(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`numberLiteral: ${x} is not finite`);
  return Object.is(x, -0) ? "-0" : JSON.stringify(x);
}

const scalars = new Map<KernelName, (a: number, b: number, c: number, p: number) => number>();

/**
 * Applies operation `k` to scalars (constant folding) through the same template the compiled loops use,
 * so constants fold exactly as arrays compute.
 */
export function applyScalar(k: KernelName, a: number, b = 0, c = 0, p = 0): number {
  let f = scalars.get(k);
  if (!f) {
    if (!Object.hasOwn(TEMPLATES, k)) throw new Error(`applyScalar: no operation ${k}`);
    const code = `"use strict"; const { ${HELPER_NAMES.join(", ")} } = H; return (a, b, c, p) => (${TEMPLATES[k]("a", "b", "c", "p")});`;
    f = new Function("H", code)(HELPERS) as (a: number, b: number, c: number, p: number) => number;
    scalars.set(k, f);
  }
  return f(a, b, c, p);
}
