// Variable: a named, lazily read n-dimensional array with dimensions, chunks and attributes.
import type { DType, NdArray } from "./ndarray.js";
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

/** The fields that define a Variable; `read` does the I/O. */
export interface VariableInit {
  name: string;
  /** Dimension names, outermost first (`["time", "lat", "lon"]`). */
  dims: string[];
  /** Sizes per dimension, same order as dims. */
  shape: number[];
  /** dtype of the values `read` returns. */
  dtype: DType;
  /** Chunk shape (same order as dims); defaults to the full shape. */
  chunks?: number[];
  attrs?: Attrs;
  encoding?: Encoding;
  /** Reads a selection; must read only the chunks/tiles the selection touches. */
  read: (selection: Selection, options?: ReadOptions) => Promise<NdArray>;
}

/**
 * A named n-dimensional array whose values are read lazily, chunk by chunk.
 * Dimension order follows the file (xcube's convention: `time, …, lat, lon`).
 */
export class Variable {
  readonly name: string;
  readonly dims: string[];
  readonly shape: number[];
  readonly dtype: DType;
  readonly chunks: number[];
  readonly attrs: Attrs;
  readonly encoding: Encoding;
  readonly #read: VariableInit["read"];

  constructor(init: VariableInit) {
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
   * Reads the values of a selection (see {@link Selection}); the whole array when omitted.
   * @throws EocubeError OUT_OF_RANGE for a selection outside the shape, CORRUPT_DATA for bad chunks,
   *   plus the I/O errors of the underlying file system.
   */
  read(selection: Selection = [], options?: ReadOptions): Promise<NdArray> {
    return this.#read(selection, options);
  }

  /** A copy with some fields replaced (the read function is kept unless given). */
  with(changes: Partial<VariableInit>): Variable {
    return new Variable({
      name: this.name,
      dims: this.dims,
      shape: this.shape,
      dtype: this.dtype,
      chunks: this.chunks,
      attrs: this.attrs,
      encoding: this.encoding,
      read: this.#read,
      ...changes,
    });
  }
}
