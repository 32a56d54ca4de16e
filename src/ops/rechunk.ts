// rechunk: set the chunk shape of a dataset's variables (how it will be written and computed).
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { Variable } from "../core/variable.js";

/**
 * Sets each variable's `chunks` from a size per dimension name (dims not given keep their chunk
 * size, clipped to the dimension; 0 or -1 = the whole dimension). Lazy: values are not read.
 * @throws EocubeError INVALID_ARGUMENT for a non-integer or negative chunk size.
 */
export function rechunk(ds: Dataset, chunks: Record<string, number>): Dataset {
  for (const [d, n] of Object.entries(chunks)) {
    if (!Number.isInteger(n) || n < -1) {
      throw new EocubeError("INVALID_ARGUMENT", `chunk size of ${d} must be a positive integer (or -1 for the whole dimension), got ${n}`, {
        field: `chunks.${d}`,
      });
    }
  }
  const apply = (v: Variable): Variable => {
    if (v.ndim === 0) return v;
    const c = v.dims.map((d, i) => {
      const size = v.shape[i]!;
      const want = chunks[d];
      if (want === undefined) return Math.max(1, Math.min(v.chunks[i] ?? size, size));
      return want <= 0 ? Math.max(1, size) : Math.max(1, Math.min(want, size));
    });
    return v.with({ chunks: c, encoding: { ...v.encoding, chunks: c } });
  };
  const map = (vars: Record<string, Variable>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, apply(v)]));
  return ds.with({ coords: map(ds.coords), data_vars: map(ds.data_vars) });
}
