// The fixed kernels of the expression interpreter: one tight loop over float64 blocks per operation, with
// numpy's semantics (floor division and remainder signs, NaN rules of minimum/fmin, int64 bit operations).
// No code is generated from user text: programs only choose among these functions.

/**
 * A kernel: computes `o[i] = f(a[i], b[i], c[i])` for `i < n`; `p` is a fixed parameter of some kernels
 * (the all-ones value of an unsigned dtype for `~`). Unused inputs are passed but not read.
 */
export type Kernel = (o: Float64Array, a: Float64Array, b: Float64Array, c: Float64Array, n: number, p: number) => void;

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
  if (b === 0) return NaN;
  let mod = a % b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else mod = b < 0 ? -0 : 0;
  return mod;
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

/** Every kernel by name. */
export const KERNELS = {
  // arithmetic
  add: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! + b[i]!;
  },
  subtract: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! - b[i]!;
  },
  multiply: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! * b[i]!;
  },
  divide: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! / b[i]!;
  },
  floor_divide: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = floorDivide(a[i]!, b[i]!);
  },
  floor_divide_int: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const y = b[i]!;
      o[i] = y === 0 ? 0 : Math.floor(a[i]! / y);
    }
  },
  remainder: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = remainder(a[i]!, b[i]!);
  },
  remainder_int: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const y = b[i]!;
      let r = y === 0 ? 0 : a[i]! % y;
      if (r !== 0 && r < 0 !== y < 0) r += y;
      o[i] = r;
    }
  },
  fmod: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! % b[i]!;
  },
  fmod_int: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const y = b[i]!;
      o[i] = y === 0 ? 0 : a[i]! % y;
    }
  },
  power: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      o[i] = x === 1 ? 1 : x ** b[i]!;
    }
  },
  negative: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = -a[i]!;
  },
  positive: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]!;
  },
  absolute: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.abs(a[i]!);
  },
  square: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! * a[i]!;
  },
  reciprocal: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = 1 / a[i]!;
  },
  sign: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      o[i] = x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x;
    }
  },
  // float functions
  sqrt: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(a[i]!);
  },
  cbrt: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.cbrt(a[i]!);
  },
  exp: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.exp(a[i]!);
  },
  exp2: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = 2 ** a[i]!;
  },
  expm1: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.expm1(a[i]!);
  },
  log: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log(a[i]!);
  },
  log2: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log2(a[i]!);
  },
  log10: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log10(a[i]!);
  },
  log1p: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log1p(a[i]!);
  },
  sin: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sin(a[i]!);
  },
  cos: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.cos(a[i]!);
  },
  tan: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.tan(a[i]!);
  },
  arcsin: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.asin(a[i]!);
  },
  arccos: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.acos(a[i]!);
  },
  arctan: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.atan(a[i]!);
  },
  sinh: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sinh(a[i]!);
  },
  cosh: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.cosh(a[i]!);
  },
  tanh: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.tanh(a[i]!);
  },
  arcsinh: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.asinh(a[i]!);
  },
  arccosh: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.acosh(a[i]!);
  },
  arctanh: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.atanh(a[i]!);
  },
  deg2rad: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! * (Math.PI / 180);
  },
  rad2deg: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! * (180 / Math.PI);
  },
  floor: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.floor(a[i]!);
  },
  ceil: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.ceil(a[i]!);
  },
  trunc: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.trunc(a[i]!);
  },
  rint: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = rint(a[i]!);
  },
  arctan2: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.atan2(a[i]!, b[i]!);
  },
  hypot: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.hypot(a[i]!, b[i]!);
  },
  copysign: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const y = b[i]!;
      o[i] = Math.abs(a[i]!) * (y < 0 || (y === 0 && 1 / y < 0) ? -1 : 1);
    }
  },
  logaddexp: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = logaddexp(a[i]!, b[i]!);
  },
  logaddexp2: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = logaddexp2(a[i]!, b[i]!);
  },
  heaviside: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      o[i] = x < 0 ? 0 : x > 0 ? 1 : x === 0 ? b[i]! : x;
    }
  },
  // minimum/maximum propagate NaN; fmin/fmax ignore it
  minimum: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = x !== x || x <= y ? x : y;
    }
  },
  maximum: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = x !== x || x >= y ? x : y;
    }
  },
  fmin: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = y !== y || x <= y ? x : y;
    }
  },
  fmax: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = y !== y || x >= y ? x : y;
    }
  },
  // tests (results 0 or 1)
  isnan: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! !== a[i]! ? 1 : 0;
  },
  isinf: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      o[i] = x === Infinity || x === -Infinity ? 1 : 0;
    }
  },
  isfinite: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Number.isFinite(a[i]!) ? 1 : 0;
  },
  signbit: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      o[i] = x < 0 || (x === 0 && 1 / x < 0) ? 1 : 0;
    }
  },
  equal: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] === b[i] ? 1 : 0;
  },
  not_equal: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] !== b[i] ? 1 : 0;
  },
  less: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! < b[i]! ? 1 : 0;
  },
  less_equal: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! <= b[i]! ? 1 : 0;
  },
  greater: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! > b[i]! ? 1 : 0;
  },
  greater_equal: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! >= b[i]! ? 1 : 0;
  },
  // logic: any value but 0 is true (NaN too, as in numpy)
  logical_and: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] !== 0 && b[i] !== 0 ? 1 : 0;
  },
  logical_or: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0;
  },
  logical_xor: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = (a[i] !== 0) !== (b[i] !== 0) ? 1 : 0;
  },
  logical_not: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] === 0 ? 1 : 0;
  },
  where: (o, a, b, c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] !== 0 ? b[i]! : c[i]!;
  },
  // bits of whole numbers (int64 semantics, exact below 2**53)
  bitwise_and: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = (x | 0) === x && (y | 0) === y ? x & y : bits64(x, y, 0);
    }
  },
  bitwise_or: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = (x | 0) === x && (y | 0) === y ? x | y : bits64(x, y, 1);
    }
  },
  bitwise_xor: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      o[i] = (x | 0) === x && (y | 0) === y ? x ^ y : bits64(x, y, 2);
    }
  },
  invert_signed: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = -a[i]! - 1;
  },
  /** `~x` of an unsigned dtype whose all-ones value is `p`. */
  invert_unsigned: (o, a, _b, _c, n, p) => {
    for (let i = 0; i < n; i++) o[i] = p - a[i]!;
  },
  left_shift: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! * 2 ** b[i]!;
  },
  right_shift: (o, a, b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.floor(a[i]! / 2 ** b[i]!);
  },
  // casts, in place (o === a allowed)
  /** Floats to whole numbers for bit operations (astype(int64)); NaN and ±inf become 0. */
  to_int: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      o[i] = Number.isFinite(x) ? Math.trunc(x) : 0;
    }
  },
  /** Values to 0/1 (astype(bool)). */
  to_bool: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] !== 0 ? 1 : 0;
  },
  round_float32: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.fround(a[i]!);
  },
  wrap_int8: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = (a[i]! << 24) >> 24;
  },
  wrap_uint8: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! & 0xff;
  },
  wrap_int16: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = (a[i]! << 16) >> 16;
  },
  wrap_uint16: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! & 0xffff;
  },
  wrap_int32: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! | 0;
  },
  wrap_uint32: (o, a, _b, _c, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i]! >>> 0;
  },
} satisfies Record<string, Kernel>;

/** The name of a kernel. */
export type KernelName = keyof typeof KERNELS;

/** Applies kernel `k` to scalars (constant folding): the same code path as arrays, so constants fold exactly as arrays compute. */
export function applyScalar(k: KernelName, a: number, b = 0, c = 0, p = 0): number {
  const o = new Float64Array(1);
  KERNELS[k](o, Float64Array.of(a), Float64Array.of(b), Float64Array.of(c), 1, p);
  return o[0]!;
}
