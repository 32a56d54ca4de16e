// float16 for Zarr: zarrita cannot hold IEEE half floats (Node 20 has no Float16Array), so such arrays are
// read as uint16 bit patterns and widened here to float32 (exact: every half value is a float32 value).

/** True for a v3 `data_type` `float16` or a v2 dtype `<f2` / `>f2` / `=f2`. */
export function isHalfFloat(meta: Record<string, unknown>, version: 2 | 3): boolean {
  return version === 3 ? meta.data_type === "float16" : typeof meta.dtype === "string" && /^[<>=|]?f2$/.test(meta.dtype);
}

/**
 * The value of an IEEE 754 binary16 bit pattern (sign 1, exponent 5 with bias 15, fraction 10 bits;
 * exponent 0: subnormal, 31: ±Infinity or NaN). Source: IEEE 754-2019 §3.4.
 */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 values of binary16 bit patterns `[n]` → `[n]` (a new array). */
export function halfToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfToNumber(bits[i]!);
  return out;
}

/**
 * The binary16 bit pattern nearest to `x` (ties away from zero; beyond ±65504 → ±Infinity, NaN → 0x7e00),
 * for fill values.
 */
export function numberToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | Math.round(a * 2 ** 24); // subnormal (0x400, the least normal, when it rounds up)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = Math.round((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return e + 15 >= 31 ? sign | 0x7c00 : sign | ((e + 15) << 10) | m;
}

/**
 * A float16 array's metadata rewritten as uint16 of the same byte order (v2 `<f2` → `<u2`, v3 `float16` →
 * `uint16`), its fill value as the half's bit pattern (`"NaN"`, `"Infinity"`, numbers, v3 hex `"0x7e00"`).
 */
export function halfAsUint16(meta: Record<string, unknown>, version: 2 | 3): Record<string, unknown> {
  const fill = meta.fill_value;
  let bits: number | null;
  if (fill === null || fill === undefined) bits = version === 2 ? null : 0;
  else if (typeof fill === "string" && /^0x[0-9a-f]+$/i.test(fill)) bits = parseInt(fill, 16) & 0xffff;
  else bits = numberToHalf(fill === "NaN" ? NaN : fill === "Infinity" ? Infinity : fill === "-Infinity" ? -Infinity : Number(fill));
  if (version === 3) return { ...meta, data_type: "uint16", fill_value: bits };
  return { ...meta, dtype: String(meta.dtype).replace(/f2$/, "u2").replace(/^=/, "<"), fill_value: bits };
}

/** The fill value of a float16 array as a number (hex bit patterns decoded), or the value unchanged. */
export function halfFillValue(fill: unknown): unknown {
  return typeof fill === "string" && /^0x[0-9a-f]+$/i.test(fill) ? halfToNumber(parseInt(fill, 16) & 0xffff) : fill;
}
