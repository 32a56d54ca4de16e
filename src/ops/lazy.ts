// Helpers for lazy operations: slicing in-memory arrays, normalising selections, NaN-filled blocks.
import { EocubeError } from "../core/errors.js";
import { allocate, sizeOf, stridesOf, toFloat64, type DType, type NdArray, type TypedArray } from "../core/ndarray.js";
import { normalizeSelection, type NormalizedDim, type Selection } from "../core/selection.js";
import type { NumArray } from "./kernels.js";

/**
 * Normalises a selection against a shape, turning a RangeError into OUT_OF_RANGE naming the variable.
 * @throws EocubeError OUT_OF_RANGE.
 */
export function normSel(name: string, shape: readonly number[], selection: Selection = []): NormalizedDim[] {
  try {
    return normalizeSelection(shape, selection);
  } catch (err) {
    throw new EocubeError("OUT_OF_RANGE", `variable ${name}: ${(err as Error).message}`, { field: name, cause: err });
  }
}

/**
 * Copies the C-order block `norm` of `array` into a new NdArray (dropped dims removed).
 * Works for typed and plain arrays.
 */
export function sliceNorm(array: NdArray, norm: readonly NormalizedDim[]): NdArray {
  const shape = array.shape;
  const outShape = norm.filter((d) => !d.drop).map((d) => d.stop - d.start);
  const fullShape = norm.map((d) => d.stop - d.start);
  const n = sizeOf(fullShape);
  const src = array.data as ArrayLike<unknown> & { subarray?: unknown };
  const isTyped = ArrayBuffer.isView(array.data);
  const out = isTyped ? allocate(array.dtype, n) : new Array<unknown>(n);
  if (shape.length === 0) {
    (out as unknown[])[0] = (array.data as ArrayLike<unknown>)[0];
    return { data: out as NdArray["data"], shape: outShape, dtype: array.dtype };
  }
  const strides = stridesOf(shape);
  const last = shape.length - 1;
  const rowLen = fullShape[last]!;
  const rows = n / (rowLen || 1);
  const idx = new Array<number>(shape.length).fill(0);
  let o = 0;
  for (let r = 0; r < rows && rowLen > 0; r++) {
    let off = norm[last]!.start;
    for (let d = 0; d < last; d++) off += (norm[d]!.start + idx[d]!) * strides[d]!;
    if (isTyped) {
      (out as TypedArray).set((src as unknown as { subarray(a: number, b: number): never }).subarray(off, off + rowLen), o);
    } else {
      for (let k = 0; k < rowLen; k++) (out as unknown[])[o + k] = src[off + k];
    }
    o += rowLen;
    for (let d = last - 1; d >= 0; d--) {
      if (++idx[d]! < fullShape[d]!) break;
      idx[d] = 0;
    }
  }
  return { data: out as NdArray["data"], shape: outShape, dtype: array.dtype };
}

/** Slices an in-memory array by a {@link Selection}. @throws EocubeError OUT_OF_RANGE. */
export function sliceArray(array: NdArray, selection: Selection = [], name = "array"): NdArray {
  return sliceNorm(array, normSel(name, array.shape, selection));
}

/** A read of a variable whose two innermost dims are spatial (`[…outer, y, x]`), planned by {@link spatialRead}. */
export interface SpatialRead {
  norm: NormalizedDim[];
  /** The selected rows (y) and columns (x). */
  rows: NormalizedDim;
  cols: NormalizedDim;
  /** The selection of the outer dims, and how many outer positions it holds. */
  outer: NormalizedDim[];
  nOuter: number;
  /** Rows and columns selected. */
  h: number;
  w: number;
  /** The output values `[nOuter, h, w]` in C order, to fill; `result` wraps them with the full-rank shape. */
  out: NumArray;
  result: NdArray;
}

/**
 * Plans a read of `selection` from a lazy variable of `shape` with spatial innermost dims: the normalised
 * selection split into outer dims, rows and columns, and an output block of `dtype` — new, or the start of `given`
 * (a read's `out` buffer) — (return it with `dropDims(result, norm)`).
 * @throws EocubeError OUT_OF_RANGE (see {@link normSel}).
 */
export function spatialRead(name: string, shape: readonly number[], selection: Selection, dtype: DType, given?: TypedArray): SpatialRead {
  const norm = normSel(name, shape, selection);
  const n = shape.length;
  const rows = norm[n - 2]!;
  const cols = norm[n - 1]!;
  const outer = norm.slice(0, n - 2);
  const nOuter = sizeOf(outer.map((d) => d.stop - d.start));
  const h = rows.stop - rows.start;
  const w = cols.stop - cols.start;
  const size = nOuter * h * w;
  // the caller's buffer (checked by Variable.read) or a new one; the kernels write every element
  const out = (given ? (given.length === size ? given : given.subarray(0, size)) : allocate(dtype, size)) as NumArray;
  return { norm, rows, cols, outer, nOuter, h, w, out, result: { data: out, shape: norm.map((d) => d.stop - d.start), dtype } };
}

/** The values of a block as a numeric array the kernels read: the block's own typed array, or float64 for bigint and plain arrays. */
export function numericValues(block: NdArray): NumArray {
  const d = block.data;
  return d instanceof BigInt64Array || d instanceof BigUint64Array || !ArrayBuffer.isView(d) ? toFloat64(block) : (d as NumArray);
}

/** Removes dropped dimensions from a full-rank block read with ranges only. */
export function dropDims(block: NdArray, norm: readonly NormalizedDim[]): NdArray {
  return { data: block.data, shape: norm.filter((d) => !d.drop).map((d) => d.stop - d.start), dtype: block.dtype };
}

/** The selection of ranges (never dropping) equivalent to `norm`. */
export function rangesOf(norm: readonly NormalizedDim[]): Selection {
  return norm.map((d) => [d.start, d.stop] as [number, number]);
}

/** A block of `shape` filled with `fill` (NaN for floats by default). */
export function filledArray(dtype: DType, shape: number[], fill: number): NdArray {
  const data = allocate(dtype, sizeOf(shape));
  if (fill !== 0) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data.fill(BigInt(Math.trunc(fill)) as never);
    else (data as Float64Array).fill(fill);
  }
  return { data, shape, dtype };
}

/** The fill value of a variable for resampled/absent pixels: NaN for floats, `_FillValue` or 0 for integers. */
export function fillValueOf(dtype: DType, attrs: Record<string, unknown>, encoding: Record<string, unknown> = {}): number {
  if (dtype === "float32" || dtype === "float64") return NaN;
  const fv = attrs._FillValue ?? encoding._FillValue;
  return typeof fv === "number" && Number.isFinite(fv) ? fv : 0;
}
