// Variable: a named, lazily read n-dimensional array with dimensions, chunks and attributes.
import { EocubeError } from "./errors.js";
import { allocate, sizeOf, type DataOf, type DType, type NdArray, type TypedArray } from "./ndarray.js";
import { normalizeSelection, type Selection } from "./selection.js";

/** Attribute values as found in the files: JSON-like scalars and arrays. */
export type Attrs = Record<string, unknown>;

/** Options of every I/O call. */
export interface ReadOptions {
  /** Aborts the read; the promise then rejects with CANCELLED. */
  signal?: AbortSignal;
  /**
   * A typed array of the variable's dtype to read into (`Float32Array` for float32, `Float64Array` for float64 and
   * datetime64[ns], …) with room for the selection (at least its element count; its old contents do not matter).
   * The result's `data` is then a view of `out`'s first elements: a caller reading many blocks of one size
   * (tiles, time series, gen tasks) reuses one buffer instead of allocating and filling a new one per read.
   * Readers that can (the Zarr reader) write straight into it, filling only the parts of chunks that are not
   * stored; other results are copied into it. Only {@link Variable.read} looks at it.
   * @throws EocubeError INVALID_ARGUMENT (through `read`) when it is not the dtype's array or too short.
   */
  out?: TypedArray;
}

/** How a variable is stored (xarray's `.encoding`): everything CF decoding moved out of `attrs`. */
export interface Encoding {
  /** The stored dtype before decoding. */
  dtype?: DType;
  _FillValue?: unknown;
  missing_value?: unknown;
  scale_factor?: number;
  add_offset?: number;
  _Unsigned?: string;
  /** Time units (`days since 1970-01-01`), moved here from attrs for decoded times. */
  units?: string;
  calendar?: string;
  /** Stored chunk shape, same order as dims. */
  chunks?: number[];
  /** Compressor / filter description as the format names it. */
  compressor?: unknown;
  [key: string]: unknown;
}

/** The fields that define a Variable of dtype `D`; `read` does the I/O. */
export interface VariableInit<D extends DType = DType> {
  name: string;
  /** Dimension names, outermost first (`["time", "lat", "lon"]`). */
  dims: string[];
  /** Sizes per dimension, same order as dims. */
  shape: number[];
  /** dtype of the values `read` returns; `read`'s data must be this dtype's array ({@link DTypeArrays}). */
  dtype: D;
  /** Chunk shape (same order as dims); defaults to the full shape. */
  chunks?: number[];
  attrs?: Attrs;
  encoding?: Encoding;
  /** Reads a selection; must read only the chunks/tiles the selection touches. */
  read: ReadFunction;
  /**
   * True when `read` handles {@link ReadOptions.out} itself: it writes into it, or passes the options on to
   * another `Variable.read` of the same values. Otherwise `Variable.read` hides `out` from `read` (a read
   * function forwarding its options to several reads of other shapes must not get it) and copies the result.
   */
  readsInto?: boolean;
}

/** The I/O of a variable: reads a selection; must read only the chunks/tiles the selection touches. */
export type ReadFunction = (selection: Selection, options?: ReadOptions) => Promise<NdArray>;

/**
 * A named n-dimensional array whose values are read lazily, chunk by chunk.
 * Dimension order follows the file (xcube's convention: `time, …, lat, lon`).
 * `D` is the dtype when it is known when compiling (`new Variable({ dtype: "float32", … })`, {@link hasDtype}):
 * `read` then gives that dtype's array (`Float32Array`); a `Variable` of a file is `Variable<DType>`, whose
 * `read` gives any {@link NdData}.
 */
export class Variable<D extends DType = DType> {
  readonly name: string;
  readonly dims: string[];
  readonly shape: number[];
  readonly dtype: D;
  readonly chunks: number[];
  readonly attrs: Attrs;
  readonly encoding: Encoding;
  readonly #read: ReadFunction;
  readonly #readsInto: boolean;

  constructor(init: VariableInit<D>) {
    if (init.dims.length !== init.shape.length) {
      throw new TypeError(`variable ${init.name}: ${init.dims.length} dims but shape has ${init.shape.length} entries`);
    }
    this.name = init.name;
    this.dims = init.dims;
    this.shape = init.shape;
    this.dtype = init.dtype;
    this.chunks = init.chunks ?? init.shape.slice();
    this.attrs = init.attrs ?? {};
    this.encoding = init.encoding ?? {};
    this.#read = init.read;
    this.#readsInto = init.readsInto === true;
  }

  /** Whether `read` writes into {@link ReadOptions.out} itself (else Variable.read copies its result there). */
  get readsInto(): boolean {
    return this.#readsInto;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.dims.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * Reads the values of a selection by index (see {@link Selection}); the whole array when omitted. The data
   * are the dtype's array ({@link DataOf}: `Float32Array` for "float32"). To select by coordinate labels
   * (times, latitudes), see {@link sel}.
   * With `options.out` the values land in that buffer (see {@link ReadOptions.out}).
   * @throws EocubeError OUT_OF_RANGE for a selection outside the shape, CORRUPT_DATA for bad chunks,
   *   INVALID_ARGUMENT for an `out` of another dtype or too short, plus the I/O errors of the underlying file system.
   */
  read<T extends DType = D>(this: Variable<T>, selection: Selection = [], options?: ReadOptions): Promise<NdArray<DataOf<T>>> {
    // T is D (the method's `this`): a type parameter of the method, so Variable<"float32"> stays a Variable
    if (options?.out === undefined) return this.#read(selection, options) as Promise<NdArray<DataOf<T>>>;
    return this.#readInto(selection, options, options.out) as Promise<NdArray<DataOf<T>>>;
  }

  async #readInto(selection: Selection, options: ReadOptions, out: TypedArray): Promise<NdArray> {
    let n: number | undefined;
    try {
      n = sizeOf(normalizeSelection(this.shape, selection).map((d) => d.stop - d.start));
    } catch {
      // a bad selection: the read function reports it
    }
    checkOut(this, out, n);
    if (this.#readsInto) {
      const r = await this.#read(selection, options);
      return sameStart(r.data, out) ? r : copyInto(r, out);
    }
    const { out: _, ...rest } = options;
    return copyInto(await this.#read(selection, rest), out);
  }

  /** A copy with some fields replaced (the read function is kept unless given); a new `dtype` retypes it. */
  with<E extends DType = D>(changes: Partial<VariableInit<E>>): Variable<E> {
    return new Variable<E>({
      name: this.name,
      dims: this.dims,
      shape: this.shape,
      dtype: this.dtype,
      chunks: this.chunks,
      attrs: this.attrs,
      encoding: this.encoding,
      read: this.#read,
      readsInto: changes.read ? changes.readsInto : this.#readsInto,
      ...changes,
    } as VariableInit<E>);
  }
}

/** Whether `data` is a typed array starting where `out` does (so it is `out` or a view of its start). */
function sameStart(data: unknown, out: TypedArray): boolean {
  return ArrayBuffer.isView(data) && data.buffer === out.buffer && data.byteOffset === out.byteOffset;
}

/** The result with its values copied into the start of `out`. */
function copyInto(r: NdArray, out: TypedArray): NdArray {
  const n = sizeOf(r.shape);
  const data = out.length === n ? out : out.subarray(0, n);
  (data as Float64Array).set(r.data as unknown as Float64Array);
  return { data, shape: r.shape, dtype: r.dtype };
}

/**
 * Checks an `out` buffer for a read of `v`: the typed array `allocate` gives for its dtype, with at least `n` elements
 * (when the selection's size is known).
 */
function checkOut(v: Variable, out: unknown, n: number | undefined): void {
  let want: string;
  try {
    want = allocate(v.dtype, 0).constructor.name;
  } catch {
    throw new EocubeError("INVALID_ARGUMENT", `variable ${v.name}: a ${v.dtype} variable cannot be read into an out buffer`, {
      field: v.name,
      hint: "read it without the out option",
    });
  }
  const got = ArrayBuffer.isView(out) ? out.constructor.name : typeof out;
  if (got !== want) {
    throw new EocubeError("INVALID_ARGUMENT", `variable ${v.name}: out is a ${got}, its ${v.dtype} values need a ${want}`, {
      field: v.name,
      hint: `pass a ${want} or read without the out option`,
    });
  }
  const length = (out as TypedArray).length;
  if (n !== undefined && length < n) {
    throw new EocubeError("INVALID_ARGUMENT", `variable ${v.name}: out holds ${length} values, the selection ${n}`, {
      field: v.name,
      hint: "pass a buffer at least as long as the selection",
    });
  }
}

/**
 * True when `v`'s dtype is one of `dtypes`, narrowing its type so `read` gives that dtype's array:
 * `if (hasDtype(v, "float32")) (await v.read()).data` is a `Float32Array`.
 */
export function hasDtype<D extends DType>(v: Variable, ...dtypes: D[]): v is Variable<D> {
  return (dtypes as DType[]).includes(v.dtype);
}
