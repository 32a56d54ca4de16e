// stack_mode of the stac store: the items of a search stacked along time into one cube (xcube-stac's
// StackStoreMode for items sharing one grid); items without a time dimension get one from their datetime.
import type { Dataset } from "../../core/dataset.js";
import { timeDim } from "../../core/coords.js";
import { EocubeError } from "../../core/errors.js";
import { normalizeSelection } from "../../core/selection.js";
import { Variable } from "../../core/variable.js";
import { memoryVariable } from "../../ops/grid.js";

/** One opened item to stack: its dataset, its STAC datetime (ISO) and its id (for messages). */
export interface StackInput {
  ds: Dataset;
  datetime: string;
  id: string;
}

/**
 * Stacks item datasets along time (sorted by time, lazily): each dataset's own time dimension is kept; one without
 * gets a `time` dimension of length 1 at the item's datetime. The non-time grid must be the same in every item
 * (same dimension sizes and the same first/last x/y coordinates); a time step present in several items is taken
 * from the first (ops/merge).
 * @throws EocubeError UNSUPPORTED naming the two items whose grids differ (reprojecting onto a common grid is not
 *   implemented), NOT_FOUND when there is no item.
 */
export async function stackItems(inputs: StackInput[], signal?: AbortSignal): Promise<Dataset> {
  if (inputs.length === 0) {
    throw new EocubeError("NOT_FOUND", "no item matches the search", { hint: "widen time_range or bbox, or check the collection id" });
  }
  const sorted = [...inputs].sort((a, b) => Date.parse(a.datetime) - Date.parse(b.datetime));
  const timed = sorted.map((it) => (timeDim(it.ds) ? it.ds : withTimeDim(it.ds, Date.parse(it.datetime))));
  const ref = timed[0]!;
  const td = timeDim(ref)!;
  for (const [i, ds] of timed.entries()) {
    for (const [d, n] of Object.entries(ds.dims)) {
      if (d === timeDim(ds) || d === "bnds") continue;
      if (ref.dims[d] !== undefined && ref.dims[d] !== n) {
        throw new EocubeError(
          "UNSUPPORTED",
          `items ${sorted[0]!.id} and ${sorted[i]!.id} have different grids (${d}: ${ref.dims[d]} vs ${n})`,
          {
            hint: "stack_mode stacks items on one grid; reprojecting items onto a common grid is not implemented: open the items one by one",
          },
        );
      }
    }
    for (const c of ["x", "y", "lon", "lat"]) {
      const a = ref.coords[c];
      const b = ds.coords[c];
      if (!a || !b || a.dims.length !== 1 || a.size === 0) continue;
      const [a0, a1, b0, b1] = await Promise.all([a.read([0]), a.read([a.size - 1]), b.read([0]), b.read([b.size - 1])]);
      const same = (p: { data: ArrayLike<unknown> }, q: { data: ArrayLike<unknown> }) =>
        Math.abs(Number(p.data[0]) - Number(q.data[0])) < 1e-9;
      if (!same(a0, b0) || !same(a1, b1)) {
        throw new EocubeError("UNSUPPORTED", `items ${sorted[0]!.id} and ${sorted[i]!.id} have different grids (coordinate ${c})`, {
          hint: "stack_mode stacks items on one grid; reprojecting items onto a common grid is not implemented",
        });
      }
    }
    if (timeDim(ds) !== td) {
      throw new EocubeError("UNSUPPORTED", `items ${sorted[0]!.id} and ${sorted[i]!.id} name their time dimension differently`);
    }
  }
  const { merge } = await import("../../ops/merge.js");
  const merged = await merge(timed, { names: sorted.map((s) => `item ${s.id}`), signal });
  return merged.with({ close: async () => void (await Promise.all(sorted.map((s) => s.ds.close()))) });
}

/** The dataset with a `time` dimension of length 1 at `ms` (epoch milliseconds) in front of every data variable. */
export function withTimeDim(ds: Dataset, ms: number): Dataset {
  const data_vars: Record<string, Variable> = {};
  for (const [k, v] of Object.entries(ds.data_vars)) {
    if (v.dims.length === 0 || v.attrs.grid_mapping_name !== undefined) {
      data_vars[k] = v;
      continue;
    }
    data_vars[k] = new Variable({
      name: v.name,
      dims: ["time", ...v.dims],
      shape: [1, ...v.shape],
      dtype: v.dtype,
      chunks: [1, ...v.chunks],
      attrs: v.attrs,
      encoding: v.encoding,
      read: async (selection, options) => {
        const [t] = normalizeSelection([1, ...v.shape], selection);
        const inner = await v.read(selection.slice(1), options);
        return t!.drop ? inner : { ...inner, shape: [t!.stop - t!.start, ...inner.shape] };
      },
    });
  }
  const time = memoryVariable(
    "time",
    ["time"],
    { data: Float64Array.of(ms), shape: [1], dtype: "datetime64[ns]" },
    { standard_name: "time", axis: "T" },
  );
  return ds.with({ coords: { ...ds.coords, time }, data_vars });
}
