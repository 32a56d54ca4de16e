// NdArray: a typed array with a shape (C order) and a numpy-style dtype name.

/** numpy-style dtype names used throughout eocube (as xarray reports them). */
export type DType =
  | "bool"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64"
  | "datetime64[ns]"
  | "str"
  | "object";

/** The typed arrays an NdArray may hold. `str`/`object` data are plain arrays. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** Data of an NdArray: a typed array, or a plain array for strings/objects. */
export type NdData = TypedArray | string[] | unknown[];

/**
 * An n-dimensional array in C (row-major) order.
 * `datetime64[ns]` data are a Float64Array of **milliseconds since 1970-01-01T00:00:00Z** (NaN = NaT),
 * so values work with `new Date(ms)`; the dtype name stays xarray's.
 */
export interface NdArray<T extends NdData = NdData> {
  data: T;
  shape: number[];
  dtype: DType;
}

/**
 * The data array of each dtype, as `Variable.read` returns it: numeric dtypes their typed array (`bool` 0/1
 * bytes, `int64`/`uint64` bigints, `datetime64[ns]` epoch milliseconds), `str` a `string[]`, `object` an `unknown[]`.
 */
export interface DTypeArrays {
  bool: Uint8Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
  "datetime64[ns]": Float64Array;
  str: string[];
  object: unknown[];
}

/**
 * The data type of dtype `D` ({@link DTypeArrays}): `DataOf<"float32">` is `Float32Array`, a union of dtypes gives
 * the union of their arrays, and the whole {@link DType} (a dtype not known when compiling) gives {@link NdData}.
 */
export type DataOf<D extends DType> = DType extends D ? NdData : DTypeArrays[D];

/** Number of elements for a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** C-order strides (in elements) for a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Bytes per element of a dtype (8 for datetime64[ns]; 0 for str/object). */
export function itemSize(dtype: DType): number {
  switch (dtype) {
    case "bool":
    case "int8":
    case "uint8":
      return 1;
    case "int16":
    case "uint16":
      return 2;
    case "int32":
    case "uint32":
    case "float32":
      return 4;
    case "int64":
    case "uint64":
    case "float64":
    case "datetime64[ns]":
      return 8;
    default:
      return 0;
  }
}

/** True for float dtypes. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** True for integer (and bool) dtypes. */
export function isInteger(dtype: DType): boolean {
  return /^u?int\d+$/.test(dtype) || dtype === "bool";
}

/** Allocates a zero-filled typed array for a numeric dtype (datetime → Float64Array of ms). */
export function allocate(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case "bool":
    case "uint8":
      return new Uint8Array(length);
    case "int8":
      return new Int8Array(length);
    case "int16":
      return new Int16Array(length);
    case "uint16":
      return new Uint16Array(length);
    case "int32":
      return new Int32Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "uint64":
      return new BigUint64Array(length);
    case "float32":
      return new Float32Array(length);
    case "float64":
    case "datetime64[ns]":
      return new Float64Array(length);
    default:
      throw new TypeError(`cannot allocate a typed array of dtype ${dtype}`);
  }
}

/** Reads element `i` of any NdData as a JS number (bigint converted; strings → NaN). */
export function numberAt(data: NdData, i: number): number {
  const v = (data as ArrayLike<unknown>)[i];
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : NaN;
}

/** Converts any numeric NdArray to a Float64Array (a copy). */
export function toFloat64(arr: NdArray): Float64Array {
  const n = sizeOf(arr.shape);
  const out = new Float64Array(n);
  const d = arr.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(d[i]);
  } else if (ArrayBuffer.isView(d)) {
    out.set(d as Exclude<TypedArray, BigInt64Array | BigUint64Array>);
  } else {
    for (let i = 0; i < n; i++) out[i] = numberAt(d, i);
  }
  return out;
}

/** `[min, max]` of the finite values of one or more numeric arrays (NaN and ±Infinity skipped); undefined when none is finite. */
export function finiteRange(...arrays: ArrayLike<number>[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}
