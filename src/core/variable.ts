// Variable: a named, lazily read n-dimensional array with dimensions, chunks and attributes.
import type { DataOf, DType, NdArray } from "./ndarray.js";
import type { Selection } from "./selection.js";

/** Attribute values as found in the files: JSON-like scalars and arrays. */
export type Attrs = Record<string, unknown>;

/** Options of every I/O call. */
export interface ReadOptions {
  /** Aborts the read; the promise then rejects with CANCELLED. */
  signal?: AbortSignal;
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
   * @throws EocubeError OUT_OF_RANGE for a selection outside the shape, CORRUPT_DATA for bad chunks,
   *   plus the I/O errors of the underlying file system.
   */
  read<T extends DType = D>(this: Variable<T>, selection: Selection = [], options?: ReadOptions): Promise<NdArray<DataOf<T>>> {
    // T is D (the method's `this`): a type parameter of the method, so Variable<"float32"> stays a Variable
    return this.#read(selection, options) as Promise<NdArray<DataOf<T>>>;
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
      ...changes,
    } as VariableInit<E>);
  }
}

/**
 * True when `v`'s dtype is one of `dtypes`, narrowing its type so `read` gives that dtype's array:
 * `if (hasDtype(v, "float32")) (await v.read()).data` is a `Float32Array`.
 */
export function hasDtype<D extends DType>(v: Variable, ...dtypes: D[]): v is Variable<D> {
  return (dtypes as DType[]).includes(v.dtype);
}
