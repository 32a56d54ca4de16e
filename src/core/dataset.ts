// Dataset: dimensions, coordinate variables, data variables and global attributes (xarray's model).
import { EocubeError } from "./errors.js";
import type { Attrs, Variable } from "./variable.js";

/** The fields that define a Dataset. */
export interface DatasetInit {
  coords?: Record<string, Variable>;
  data_vars?: Record<string, Variable>;
  attrs?: Attrs;
  /** Overviews (reduced-resolution versions, finest first) kept for pyramids, e.g. COG overviews. */
  overviews?: Dataset[];
  /** Format-specific facts (format name, source path, …). */
  encoding?: Attrs;
  /** Releases resources (file handles, wasm memory). */
  close?: () => Promise<void>;
}

/**
 * A set of variables sharing dimensions, like `xarray.Dataset`.
 * `coords` hold index coordinates (variables named like their dimension) and auxiliary
 * coordinates (CF `coordinates` attribute); everything else is in `data_vars`.
 */
export class Dataset {
  readonly coords: Record<string, Variable>;
  readonly data_vars: Record<string, Variable>;
  readonly attrs: Attrs;
  readonly overviews: Dataset[];
  readonly encoding: Attrs;
  readonly #close?: () => Promise<void>;

  constructor(init: DatasetInit = {}) {
    this.coords = init.coords ?? {};
    this.data_vars = init.data_vars ?? {};
    this.attrs = init.attrs ?? {};
    this.overviews = init.overviews ?? [];
    this.encoding = init.encoding ?? {};
    this.#close = init.close;
    this.dims; // validates dimension sizes
  }

  /**
   * Dimension sizes, in order of first appearance (coords first, then data_vars).
   * @throws EocubeError CORRUPT_DATA when two variables disagree on a dimension's size.
   */
  get dims(): Record<string, number> {
    const dims: Record<string, number> = {};
    for (const v of Object.values({ ...this.coords, ...this.data_vars })) {
      v.dims.forEach((d, i) => {
        const size = v.shape[i]!;
        if (dims[d] !== undefined && dims[d] !== size) {
          throw new EocubeError("CORRUPT_DATA", `dimension ${d} has size ${dims[d]} but variable ${v.name} gives ${size}`);
        }
        dims[d] = size;
      });
    }
    return dims;
  }

  /** All variables, coords first. */
  get variables(): Record<string, Variable> {
    return { ...this.coords, ...this.data_vars };
  }

  /**
   * The variable called `name` (coordinate or data variable).
   * @throws EocubeError NOT_FOUND naming the variables that exist.
   */
  variable(name: string): Variable {
    const v = this.coords[name] ?? this.data_vars[name];
    if (!v) {
      throw new EocubeError("NOT_FOUND", `variable ${JSON.stringify(name)} not found`, {
        field: name,
        hint: `available variables: ${Object.keys(this.variables).join(", ")}`,
      });
    }
    return v;
  }

  /** A copy with some parts replaced; the close function is shared. */
  with(changes: DatasetInit): Dataset {
    return new Dataset({
      coords: this.coords,
      data_vars: this.data_vars,
      attrs: this.attrs,
      overviews: this.overviews,
      encoding: this.encoding,
      close: this.#close,
      ...changes,
    });
  }

  /** Releases resources held by the reader. Safe to call twice. */
  async close(): Promise<void> {
    await this.#close?.();
  }
}
