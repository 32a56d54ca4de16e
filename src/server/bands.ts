// GeoTIFF bands as xcube names them: `band_1 … band_N` (rioxarray's `band_as_variable`, xcube's GeoTIFF
// opener) served beside eocube's `band_data[band, y, x]`, as lazy 2-D views of it.
import type { Dataset } from "../core/dataset.js";
import { Variable } from "../core/variable.js";

/** The name xcube gives band `i` (1-based) of a GeoTIFF. */
export function bandName(i: number): string {
  return `band_${i}`;
}

/** The `band_N` views of a `band_data[band, y, x]` variable (none when the dataset has no such variable). */
function bandViews(ds: Dataset): Record<string, Variable> {
  const bd = ds.data_vars.band_data;
  if (bd?.ndim !== 3 || bd.dims[0] !== "band") return {};
  const out: Record<string, Variable> = {};
  const [, ...rest] = bd.dims;
  for (let i = 0; i < bd.shape[0]!; i++) {
    const name = bandName(i + 1);
    if (ds.data_vars[name] || ds.coords[name]) continue;
    out[name] = new Variable({
      name,
      dims: rest,
      shape: bd.shape.slice(1),
      dtype: bd.dtype,
      chunks: bd.chunks.slice(1),
      attrs: bd.attrs,
      encoding: { ...bd.encoding, ...(Array.isArray(bd.encoding.chunks) ? { chunks: bd.encoding.chunks.slice(1) } : {}) },
      read: (selection, options) => bd.read([i, ...selection], options),
    });
  }
  return out;
}

/**
 * The dataset with xcube's GeoTIFF variable names added: `band_1 … band_N`, each a lazy view of one band of
 * `band_data[band, y, x]` (reads go to `band_data`, only the chunks of that band), after `band_data`; the same
 * for every overview. Datasets without a 3-D `band_data` are returned unchanged.
 */
export function withBandVariables(ds: Dataset): Dataset {
  const views = bandViews(ds);
  if (Object.keys(views).length === 0) return ds;
  return ds.with({
    data_vars: { ...ds.data_vars, ...views },
    overviews: ds.overviews.map((o) => withBandVariables(o)),
  });
}
