// CF decoding of one variable (xarray's decode_cf_variable): char arrays → strings, _Unsigned,
// _FillValue/missing_value → NaN, scale_factor/add_offset, CF times → datetime64[ns]. Lazy: wraps `read`.
// Spec: CF conventions §2.5.1, §8.1, §4.4 (https://cfconventions.org/cf-conventions/cf-conventions.html);
// behaviour follows xarray 2023.01 `xarray.conventions.decode_cf_variable` and `xarray.coding.variables`.
import { EocubeError } from "./errors.js";
import { allocate, numberAt, sizeOf, toFloat64, type DType, type NdArray, type TypedArray } from "./ndarray.js";
import type { Selection } from "./selection.js";
import { decodeTimes, isTimeUnits, normalizeCalendar, parseTimeUnits } from "./time.js";
import { Variable, type Attrs, type Encoding, type ReadOptions } from "./variable.js";

/** Options of {@link decodeCF}; defaults are those of `xarray.open_dataset`. */
export interface DecodeCFOptions {
  /** Apply `_Unsigned`, `_FillValue`/`missing_value` (→ NaN) and `scale_factor`/`add_offset` (default true). */
  maskAndScale?: boolean;
  /** Decode variables with CF time units (`… since …`) to `datetime64[ns]` (default true). */
  decodeTimes?: boolean;
  /** Join NetCDF char arrays along their last dimension into strings (default true). */
  concatCharacters?: boolean;
  /** Move variables named in `coordinates` attributes into coords (default true). */
  decodeCoords?: boolean;
}

/**
 * Marker a reader sets in a raw variable's `encoding` when its `str` values are single characters
 * (NetCDF `NC_CHAR`, numpy `S1`): decodeCF then joins them along the last dimension like xarray.
 */
export const CHAR_ENCODING_KEY = "char";

type Transform = (arr: NdArray) => NdArray;

/** Removes `key` from attrs and stores it in encoding (xarray's `pop_to`); returns the value. */
function popTo(attrs: Attrs, encoding: Encoding, key: string): unknown {
  if (!(key in attrs)) return undefined;
  const value = attrs[key];
  delete attrs[key];
  encoding[key] = value;
  return value;
}

/** A scalar from an attribute value that may be a one-element array. */
function scalarOf(v: unknown): unknown {
  return Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>)[0] : v;
}

/** The float dtype able to hold decoded values of `dtype` (xarray's `_choose_float_dtype`). */
export function chooseFloatDtype(dtype: DType, hasOffset: boolean): "float32" | "float64" {
  if (dtype === "float32") return "float32";
  if ((dtype === "int8" || dtype === "uint8" || dtype === "int16" || dtype === "uint16") && !hasOffset) return "float32";
  return "float64";
}

/** The dtype values are promoted to so they can hold NaN (xarray's `dtypes.maybe_promote`). */
export function promoteForNaN(dtype: DType): DType {
  switch (dtype) {
    case "float32":
    case "float64":
    case "datetime64[ns]":
      return dtype;
    case "int8":
    case "uint8":
    case "int16":
    case "uint16":
      return "float32";
    case "int32":
    case "uint32":
    case "int64":
    case "uint64":
      return "float64";
    default:
      return dtype === "str" ? "str" : "object";
  }
}

const UNSIGNED_OF: Partial<Record<DType, DType>> = { int8: "uint8", int16: "uint16", int32: "uint32", int64: "uint64" };
const SIGNED_OF: Partial<Record<DType, DType>> = { uint8: "int8", uint16: "int16", uint32: "int32", uint64: "int64" };

/** Reinterprets an integer typed array as another integer dtype of the same width (no copy). */
function reinterpret(arr: NdArray, dtype: DType): NdArray {
  const src = arr.data as TypedArray;
  const out = allocate(dtype, 0);
  const Ctor = out.constructor as new (b: ArrayBufferLike, o: number, n: number) => TypedArray;
  return { data: new Ctor(src.buffer, src.byteOffset, src.length), shape: arr.shape, dtype };
}

/** Wraps an integer fill value to the unsigned/signed range of `dtype` (numpy's `dtype.type(value)`). */
function wrapInt(value: unknown, dtype: DType): unknown {
  const v = scalarOf(value);
  if (typeof v !== "number" && typeof v !== "bigint") return value;
  const bits = BigInt(
    8 * ({ int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8 } as Record<string, number>)[dtype]!,
  );
  const b = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  const wrapped = dtype.startsWith("u") ? BigInt.asUintN(Number(bits), b) : BigInt.asIntN(Number(bits), b);
  return bits === 64n ? wrapped : Number(wrapped);
}

/** Re-decodes byte strings (one char per byte, as the readers give them) in a charset such as utf-8 (`_Encoding`). */
function recode(a: NdArray, charset: string): NdArray {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    return a; // unknown charset: keep the bytes as latin-1
  }
  const src = a.data as ArrayLike<unknown>;
  const out = Array.from(src, (s) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: tells Latin-1 byte strings from other text
    if (typeof s !== "string" || !/[\x80-\xff]/.test(s) || /[^\x00-\xff]/.test(s)) return s;
    return decoder.decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  });
  return { data: out, shape: a.shape, dtype: a.dtype };
}

/** Joins single characters along the last axis into strings (trailing NULs dropped, like numpy `S<n>`). */
function stackChars(arr: NdArray): NdArray {
  const shape = arr.shape.slice(0, -1);
  const width = arr.shape[arr.shape.length - 1] ?? 1;
  const n = sizeOf(shape);
  const src = arr.data as ArrayLike<unknown>;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let s = "";
    for (let j = 0; j < width; j++) {
      const c = src[i * width + j];
      if (typeof c === "string") s += c;
      else if (typeof c === "number" && c !== 0) s += String.fromCharCode(c);
    }
    out[i] = s.replace(/\0+$/, "");
  }
  return { data: out, shape, dtype: "str" };
}

/**
 * Decodes one raw variable (xarray's `decode_cf_variable`), lazily: the returned Variable's `read`
 * reads the raw values and applies the transforms. Attributes consumed move to `encoding`.
 * @param stackChar join a char array along its last dimension (decided by {@link decodeCF} for the dataset)
 * @throws EocubeError CORRUPT_DATA for invalid CF time units (open with `decodeTimes: false` to skip them).
 */
export function decodeVariable(raw: Variable, options: DecodeCFOptions = {}, stackChar = false): Variable {
  if (raw.dtype === "datetime64[ns]") return raw; // already decoded (xarray passes datetime-like variables through)
  const attrs: Attrs = { ...raw.attrs };
  const encoding: Encoding = { ...raw.encoding };
  delete encoding[CHAR_ENCODING_KEY];
  let dims = raw.dims;
  let shape = raw.shape;
  let chunks = raw.chunks;
  let dtype: DType = raw.dtype;
  const transforms: Transform[] = [];

  if (stackChar) {
    encoding.char_dim_name = dims[dims.length - 1];
    dims = dims.slice(0, -1);
    shape = shape.slice(0, -1);
    chunks = chunks.slice(0, -1);
    dtype = "str";
    transforms.push(stackChars);
  }
  if (options.concatCharacters !== false && "_Encoding" in attrs) {
    const charset = String(popTo(attrs, encoding, "_Encoding"));
    if (dtype === "str") transforms.push((a) => recode(a, charset));
  }

  if (options.maskAndScale !== false) {
    // _Unsigned
    if ("_Unsigned" in attrs) {
      const unsigned = String(popTo(attrs, encoding, "_Unsigned")).toLowerCase();
      const target = unsigned === "true" ? UNSIGNED_OF[dtype] : unsigned === "false" ? SIGNED_OF[dtype] : undefined;
      if (target) {
        const t = target;
        transforms.push((a) => reinterpret(a, t));
        dtype = target;
        if ("_FillValue" in attrs) attrs._FillValue = wrapInt(attrs._FillValue, target);
      }
    }
    // _FillValue / missing_value → NaN
    if ("missing_value" in attrs || "_FillValue" in attrs) {
      const raws = [popTo(attrs, encoding, "missing_value"), popTo(attrs, encoding, "_FillValue")];
      const fills: unknown[] = [];
      for (const r of raws) {
        if (r === undefined) continue;
        const list = Array.isArray(r) || ArrayBuffer.isView(r) ? Array.from(r as ArrayLike<unknown>) : [r];
        for (const f of list) if (!(typeof f === "number" && Number.isNaN(f)) && f !== null) fills.push(f);
      }
      if (fills.length > 0 && dtype !== "str" && dtype !== "object") {
        const promoted = promoteForNaN(dtype);
        const fillNums = new Set(fills.map((f) => Number(f)));
        transforms.push((a) => {
          const n = sizeOf(a.shape);
          const out = allocate(promoted, n) as Float32Array | Float64Array;
          const src = numericView(a);
          if (fillNums.size === 1) {
            const f = fillNums.values().next().value as number;
            for (let i = 0; i < n; i++) {
              const x = src[i]!;
              out[i] = x === f ? NaN : x;
            }
          } else {
            for (let i = 0; i < n; i++) {
              const x = src[i]!;
              out[i] = fillNums.has(x) ? NaN : x;
            }
          }
          return { data: out, shape: a.shape, dtype: promoted };
        });
        dtype = promoted;
      }
    }
    // scale_factor / add_offset
    if ("scale_factor" in attrs || "add_offset" in attrs) {
      const sf = scalarOf(popTo(attrs, encoding, "scale_factor"));
      const ao = scalarOf(popTo(attrs, encoding, "add_offset"));
      if (sf !== undefined) encoding.scale_factor = Number(sf);
      if (ao !== undefined) encoding.add_offset = Number(ao);
      const target = chooseFloatDtype(dtype, ao !== undefined);
      const scale = sf === undefined ? undefined : Number(sf);
      const offset = ao === undefined ? undefined : Number(ao);
      transforms.push((a) => scaleOffset(a, target, scale, offset));
      dtype = target;
    }
  }

  if (options.decodeTimes !== false && isTimeUnits(attrs.units) && dtype !== "str" && dtype !== "object") {
    const units = attrs.units;
    const calendar = attrs.calendar;
    try {
      parseTimeUnits(units);
      normalizeCalendar(typeof calendar === "string" ? calendar : undefined);
    } catch (err) {
      throw new EocubeError("CORRUPT_DATA", `cannot decode the times of variable ${raw.name}: units ${JSON.stringify(units)}`, {
        field: raw.name,
        cause: err,
        hint: "open the dataset with decodeTimes: false to keep the raw numbers",
      });
    }
    popTo(attrs, encoding, "units");
    popTo(attrs, encoding, "calendar");
    const cal = typeof calendar === "string" ? calendar : undefined;
    transforms.push((a) => ({ data: decodeTimes(toFloat64(a), units, cal), shape: a.shape, dtype: "datetime64[ns]" }));
    dtype = "datetime64[ns]";
  }

  if (encoding.dtype === undefined) encoding.dtype = raw.dtype;
  if (attrs.dtype === "bool") {
    delete attrs.dtype;
    transforms.push((a) => {
      const n = sizeOf(a.shape);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = numberAt(a.data, i) ? 1 : 0;
      return { data: out, shape: a.shape, dtype: "bool" };
    });
    dtype = "bool";
  }

  if (transforms.length === 0 && dtype === raw.dtype) return raw.with({ attrs, encoding });
  const rawRead = (sel: Selection, opts?: ReadOptions) => raw.read(stackChar ? [...padSelection(sel, dims.length), null] : sel, opts);
  return new Variable({
    name: raw.name,
    dims,
    shape,
    dtype,
    chunks,
    attrs,
    encoding,
    read: async (sel, opts) => {
      let arr = await rawRead(sel, opts);
      for (const t of transforms) arr = t(arr);
      return arr;
    },
  });
}

/** Pads a selection with `null` up to `ndim` entries. */
function padSelection(sel: Selection, ndim: number): Selection {
  const out = sel.slice();
  while (out.length < ndim) out.push(null);
  return out;
}

/** `data.astype(dtype) * scale + offset`, rounding each step to float32 like numpy when dtype is float32. */
function scaleOffset(a: NdArray, dtype: "float32" | "float64", scale?: number, offset?: number): NdArray {
  const n = sizeOf(a.shape);
  const src = numericView(a);
  if (dtype === "float32") {
    const out = new Float32Array(n);
    out.set(src);
    if (scale !== undefined) {
      const s = Math.fround(scale);
      for (let i = 0; i < n; i++) out[i] = out[i]! * s;
    }
    if (offset !== undefined) {
      const o = Math.fround(offset);
      for (let i = 0; i < n; i++) out[i] = out[i]! + o;
    }
    return { data: out, shape: a.shape, dtype };
  }
  const out = new Float64Array(n);
  const s = scale ?? 1;
  const o = offset ?? 0;
  for (let i = 0; i < n; i++) out[i] = src[i]! * s + o;
  return { data: out, shape: a.shape, dtype };
}

/** The values of a numeric NdArray as numbers: the typed array itself, or a float64 copy (bigint, plain arrays). */
function numericView(a: NdArray): ArrayLike<number> {
  const d = a.data;
  if (ArrayBuffer.isView(d) && !(d instanceof BigInt64Array) && !(d instanceof BigUint64Array)) return d as ArrayLike<number>;
  return toFloat64(a);
}
