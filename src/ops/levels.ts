// Pyramid levels: downsample a dataset's spatial grid by an integer factor (first/mean/min/max/median).
import { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import { isFloat, type DType } from "../core/ndarray.js";
import type { Selection } from "../core/selection.js";
import type { Variable } from "../core/variable.js";
import { readCoord, spatialDims } from "./coords.js";
import { memoryVariable } from "./grid.js";
import { dropDims, numericValues, spatialRead } from "./lazy.js";
import { isFlagVariable } from "./resample-space.js";

/** Aggregation methods of pyramid levels. */
export type LevelAgg = "first" | "mean" | "min" | "max" | "median";

/** The methods, for option parsing and messages. */
export const LEVEL_AGGS: readonly LevelAgg[] = ["first", "mean", "min", "max", "median"];

/** Options of {@link coarsen}. */
export interface CoarsenOptions {
  /** Method for all variables or per name (default `first`; integers and flags always `first`). */
  agg?: LevelAgg | Record<string, LevelAgg>;
  /** Output chunk shape `[height, width]` (default: the input's spatial chunks). */
  tileSize?: [number, number];
  signal?: AbortSignal;
}

/**
 * Downsamples the x/y dims by `factor` (xarray `coarsen(boundary="pad")`): output pixel (r, c)
 * covers input rows `[r·f, r·f + f)` and cols likewise (clipped at the edge); `first` takes the
 * block's top-left value, `mean`/`min`/`max`/`median` reduce its non-NaN values. The new x/y
 * coordinates are the block centres (means of the input coordinates), so the grid stays exact.
 * Lazy: reading an output window reads only the input window under it.
 * @throws EocubeError INVALID_ARGUMENT for a factor < 1 or an unknown method; UNSUPPORTED without 1-D x/y.
 */
export async function coarsen(ds: Dataset, factor: number, options: CoarsenOptions = {}): Promise<Dataset> {
  if (!Number.isInteger(factor) || factor < 1)
    throw new EocubeError("INVALID_ARGUMENT", `the coarsening factor must be a positive integer, got ${factor}`, { field: "factor" });
  const sd = spatialDims(ds);
  if (!sd) throw new EocubeError("UNSUPPORTED", "pyramid levels need 1-D x/y (lon/lat) coordinates");
  if (factor === 1) return ds;
  const { xDim, yDim } = sd;
  const newCoord = async (name: string): Promise<Variable> => {
    const c = await readCoord(ds, name, options.signal);
    const n = Math.ceil(c.length / factor);
    const out = new Float64Array(n);
    // block centre: mean of the first and last centre of a full block (extrapolated at a partial edge)
    const step = c.length > 1 ? c[1]! - c[0]! : 0;
    for (let i = 0; i < n; i++) out[i] = c[i * factor]! + ((factor - 1) / 2) * step;
    const src = ds.coords[name]!;
    const attrs = { ...src.attrs };
    delete attrs.bounds;
    return memoryVariable(name, [name], { data: out, shape: [n], dtype: "float64" }, attrs);
  };
  const coords: Record<string, Variable> = {};
  for (const [name, c] of Object.entries(ds.coords)) {
    if (name === xDim || name === yDim) coords[name] = await newCoord(name);
    else if (!c.dims.includes(xDim) && !c.dims.includes(yDim)) coords[name] = c;
  }
  const data_vars: Record<string, Variable> = {};
  for (const [name, v] of Object.entries(ds.data_vars)) {
    const n = v.ndim;
    if (n < 2 || v.dims[n - 2] !== yDim || v.dims[n - 1] !== xDim) {
      if (!v.dims.includes(xDim) && !v.dims.includes(yDim)) data_vars[name] = v;
      continue;
    }
    const requested = (typeof options.agg === "string" ? options.agg : options.agg?.[name]) ?? "first";
    if (!LEVEL_AGGS.includes(requested))
      throw new EocubeError("INVALID_ARGUMENT", `unknown aggregation ${JSON.stringify(requested)}`, {
        field: "agg",
        hint: `use one of ${LEVEL_AGGS.join(", ")}`,
      });
    data_vars[name] = coarsenedVariable(v, factor, levelAggOf(v, requested), options.tileSize);
  }
  return new Dataset({ coords, data_vars, attrs: { ...ds.attrs }, encoding: { ...ds.encoding } });
}

/**
 * The aggregation {@link coarsen} actually applies to `v` when `requested` is asked for: integers
 * and CF flag variables always take `first` (averaging flags or class codes makes no sense),
 * floats take `requested`. This is what `.zlevels` `agg_methods` must say.
 */
export function levelAggOf(v: Variable, requested: LevelAgg): LevelAgg {
  return !isFloat(v.dtype) || isFlagVariable(v) ? "first" : requested;
}

function coarsenedVariable(v: Variable, f: number, agg: LevelAgg, tile?: [number, number]): Variable {
  const n = v.ndim;
  const H = v.shape[n - 2]!;
  const W = v.shape[n - 1]!;
  const h = Math.ceil(H / f);
  const w = Math.ceil(W / f);
  const shape = [...v.shape.slice(0, n - 2), h, w];
  const dtype: DType = v.dtype;
  const chunks = [
    ...v.chunks.slice(0, n - 2).map(() => 1),
    Math.min(tile?.[0] ?? v.chunks[n - 2]!, h),
    Math.min(tile?.[1] ?? v.chunks[n - 1]!, w),
  ];
  return v.with({
    shape,
    chunks,
    encoding: { ...v.encoding, chunks: undefined },
    read: async (selection: Selection = [], options) => {
      const { norm, rows, cols, outer, nOuter, h: oh, w: ow, out, result } = spatialRead(v.name, shape, selection, dtype);
      if (oh * ow * nOuter === 0) return dropDims(result, norm);
      const r0 = rows.start * f;
      const r1 = Math.min(H, rows.stop * f);
      const c0 = cols.start * f;
      const c1 = Math.min(W, cols.stop * f);
      const block = await v.read([...outer.map((d) => [d.start, d.stop] as [number, number]), [r0, r1], [c0, c1]], options);
      const src = numericValues(block);
      const bh = r1 - r0;
      const bw = c1 - c0;
      const scratch = new Float64Array(f * f);
      for (let k = 0; k < nOuter; k++) {
        const so = k * bh * bw;
        const oo = k * oh * ow;
        for (let r = 0; r < oh; r++) {
          const ra = r * f;
          const rb = Math.min(bh, ra + f);
          for (let c = 0; c < ow; c++) {
            const ca = c * f;
            const cb = Math.min(bw, ca + f);
            let res: number;
            if (agg === "first") {
              res = src[so + ra * bw + ca]!;
            } else {
              let m = 0;
              for (let y = ra; y < rb; y++) {
                for (let x = ca; x < cb; x++) {
                  const val = src[so + y * bw + x]!;
                  if (val === val) scratch[m++] = val;
                }
              }
              if (m === 0) res = NaN;
              else if (agg === "mean") {
                let s = 0;
                for (let i = 0; i < m; i++) s += scratch[i]!;
                res = s / m;
              } else if (agg === "min") {
                res = Infinity;
                for (let i = 0; i < m; i++) if (scratch[i]! < res) res = scratch[i]!;
              } else if (agg === "max") {
                res = -Infinity;
                for (let i = 0; i < m; i++) if (scratch[i]! > res) res = scratch[i]!;
              } else {
                const s = scratch.subarray(0, m).sort();
                res = m % 2 ? s[(m - 1) >> 1]! : (s[m / 2 - 1]! + s[m / 2]!) / 2;
              }
            }
            out[oo + r * ow + c] = res;
          }
        }
      }
      return dropDims(result, norm);
    },
  });
}

/**
 * Number of levels of a pyramid for a `[height, width]` grid and `[tileH, tileW]` tiles: level
 * i has size ceil(size / 2^i); levels are added while the coarsest is larger than one tile.
 */
export function numLevelsFor(height: number, width: number, tileH: number, tileW: number): number {
  let n = 1;
  while (Math.ceil(height / 2 ** (n - 1)) > tileH || Math.ceil(width / 2 ** (n - 1)) > tileW) n++;
  return n;
}

/**
 * The most levels a `[height, width]` grid can have that still shrink it: level i is
 * `ceil(size / 2^i)`, so after the level that is 1 × 1 every further level would repeat it.
 * That is `1 + ceil(log2(max(height, width)))` levels (1 for a 1 × 1 grid).
 */
export function maxLevelsFor(height: number, width: number): number {
  let n = 1;
  while (Math.ceil(height / 2 ** (n - 1)) > 1 || Math.ceil(width / 2 ** (n - 1)) > 1) n++;
  return n;
}
