// merge: combine datasets on a common spatial grid into one — union of variables and of time steps.
import { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import { allocate, isFloat, sizeOf, type DType, type NdArray } from "../core/ndarray.js";
import type { Selection } from "../core/selection.js";
import type { Variable } from "../core/variable.js";
import { readCoord } from "./coords.js";
import { timeDim } from "../core/coords.js";
import { memoryVariable } from "./grid.js";
import { dropDims, fillValueOf, normSel } from "./lazy.js";

/** Options of {@link merge}. */
export interface MergeOptions {
  /** Names of the inputs, used in error messages (default "input 1", "input 2", …). */
  names?: string[];
  signal?: AbortSignal;
}

/**
 * Merges datasets that share their spatial grid (same dims and sizes) into one, lazily:
 * data variables are the union; the time axis is the sorted union of all time steps; a variable
 * found in several inputs takes each time step from the first input having it (so stacking daily
 * files is a merge); time steps an input lacks read as NaN (integers: their `_FillValue` or 0).
 * Non-time coordinates come from the first input; `time_bnds` are kept when every input has them.
 * @throws EocubeError INVALID_CONFIG when a variable has different `units` or dims in two inputs,
 *   or a non-time dimension has different sizes.
 */
export async function merge(datasets: Dataset[], options: MergeOptions = {}): Promise<Dataset> {
  if (datasets.length === 0) throw new EocubeError("INVALID_ARGUMENT", "merge needs at least one dataset");
  if (datasets.length === 1) return datasets[0]!;
  const names = datasets.map((_, i) => options.names?.[i] ?? `input ${i + 1}`);
  const first = datasets[0]!;
  const td = timeDim(first);
  // non-time dimension sizes must agree
  const dims0 = first.dims;
  datasets.forEach((ds, i) => {
    for (const [d, n] of Object.entries(ds.dims)) {
      if (d === td || d === "bnds") continue;
      if (dims0[d] !== undefined && dims0[d] !== n) {
        throw new EocubeError(
          "INVALID_CONFIG",
          `incompatible inputs: dimension ${d} has size ${dims0[d]} in ${names[0]} but ${n} in ${names[i]}`,
          {
            field: d,
            hint: "resample the inputs onto one grid first (cube_config crs/bbox/spatial_res)",
          },
        );
      }
    }
  });
  // union of times
  const times: Float64Array[] = [];
  for (const ds of datasets) {
    const t = td && ds.coords[td] ? await readCoord(ds, td, options.signal) : new Float64Array(0);
    times.push(t);
  }
  const all = [...new Set(times.flatMap((t) => Array.from(t)))].sort((a, b) => a - b);
  const nt = all.length;
  const pos = new Map(all.map((t, i) => [t, i]));
  // source index of output time step k in input i, or -1
  const srcIdx = datasets.map((_, i) => {
    const a = new Int32Array(nt).fill(-1);
    times[i]!.forEach((t, j) => {
      a[pos.get(t)!] = j;
    });
    return a;
  });
  // contributors per variable
  const contributors = new Map<string, Array<{ i: number; v: Variable }>>();
  datasets.forEach((ds, i) => {
    for (const [name, v] of Object.entries(ds.data_vars)) {
      const list = contributors.get(name) ?? [];
      const prev = list[0]?.v;
      if (prev) {
        const u0 = prev.attrs.units;
        const u1 = v.attrs.units;
        if (u0 !== undefined && u1 !== undefined && String(u0) !== String(u1)) {
          throw new EocubeError(
            "INVALID_CONFIG",
            `incompatible inputs: variable ${name} has units ${JSON.stringify(u0)} in ${names[list[0]!.i]} but ${JSON.stringify(u1)} in ${names[i]}`,
            {
              field: name,
              hint: "merge only inputs whose variables have the same units, or rename one of them",
            },
          );
        }
        if (prev.dims.join() !== v.dims.join()) {
          throw new EocubeError(
            "INVALID_CONFIG",
            `incompatible inputs: variable ${name} has dims (${prev.dims}) in ${names[list[0]!.i]} but (${v.dims}) in ${names[i]}`,
            { field: name },
          );
        }
      }
      list.push({ i, v });
      contributors.set(name, list);
    }
  });
  const coords: Record<string, Variable> = { ...first.coords };
  if (td) {
    coords[td] = memoryVariable(
      td,
      [td],
      { data: Float64Array.from(all), shape: [nt], dtype: "datetime64[ns]" },
      { ...(first.coords[td]?.attrs ?? {}) },
    );
    const bname = String(first.coords[td]?.attrs.bounds ?? `${td}_bnds`);
    delete coords[bname];
    const bvars = datasets.map((ds) => ds.variables[bname]);
    if (bvars.every((b) => b)) {
      const bnds = new Float64Array(nt * 2).fill(NaN);
      for (let i = datasets.length - 1; i >= 0; i--) {
        const b = (await bvars[i]!.read()).data as ArrayLike<number>;
        srcIdx[i]!.forEach((j, k) => {
          if (j >= 0) {
            bnds[2 * k] = Number(b[2 * j]);
            bnds[2 * k + 1] = Number(b[2 * j + 1]);
          }
        });
      }
      coords[bname] = memoryVariable(bname, [td, "bnds"], { data: bnds, shape: [nt, 2], dtype: "datetime64[ns]" });
    }
  }
  const data_vars: Record<string, Variable> = {};
  for (const [name, list] of contributors) {
    if (td && (name === `${td}_bnds` || name === coords[td]?.attrs.bounds)) continue;
    const v0 = list[0]!.v;
    if (!td || !v0.dims.includes(td) || (list.length === 1 && datasets.length === 1)) {
      data_vars[name] = v0;
      continue;
    }
    data_vars[name] = mergedVariable(name, list, srcIdx, nt, td);
  }
  const attrs = { ...first.attrs };
  return new Dataset({ coords, data_vars, attrs, encoding: { ...first.encoding } });
}

function mergedVariable(name: string, list: Array<{ i: number; v: Variable }>, srcIdx: Int32Array[], nt: number, td: string): Variable {
  const v0 = list[0]!.v;
  const it = v0.dims.indexOf(td);
  const shape = v0.shape.slice();
  shape[it] = nt;
  const dtype: DType = list.every((c) => c.v.dtype === v0.dtype) ? v0.dtype : list.some((c) => isFloat(c.v.dtype)) ? "float64" : "float64";
  const fill = fillValueOf(dtype, v0.attrs, v0.encoding);
  // owner[k] = index into list of the input providing time k, or -1
  const owner = new Int32Array(nt).fill(-1);
  for (let k = 0; k < nt; k++) {
    for (let c = 0; c < list.length; c++) {
      if (srcIdx[list[c]!.i]![k]! >= 0) {
        owner[k] = c;
        break;
      }
    }
  }
  return v0.with({
    shape,
    dtype,
    chunks: v0.chunks.map((c, d) => (d === it ? 1 : c)),
    // the one-input path passes its options (an out buffer too) to a read of the same values; the other path hides
    // the buffer from its reads (other shapes), and Variable.read copies its result into it
    readsInto: true,
    read: async (selection: Selection = [], options) => {
      const norm = normSel(name, shape, selection);
      const full = norm.map((d) => d.stop - d.start);
      const ntSel = full[it]!;
      const t0 = norm[it]!.start;
      // the whole selection from one input's consecutive steps (a gen task's time step): that input's block as it is
      // (same layout and dtype; read into the caller's buffer when given one), no allocation and copy
      const c0 = ntSel > 0 ? owner[t0]! : -1;
      if (c0 >= 0) {
        const src0 = srcIdx[list[c0]!.i]!;
        let e = 1;
        while (e < ntSel && owner[t0 + e] === c0 && src0[t0 + e] === src0[t0 + e - 1]! + 1) e++;
        if (e === ntSel && list[c0]!.v.dtype === dtype) {
          const sel: Selection = norm.map((d, di) => (di === it ? [src0[t0]!, src0[t0]! + ntSel] : [d.start, d.stop]));
          return dropDims(await list[c0]!.v.read(sel, options), norm);
        }
      }
      const { out: _given, ...rest } = options ?? {};
      const out = allocate(dtype, sizeOf(full)) as Float64Array;
      const inner = sizeOf(full.slice(it + 1));
      const outer = sizeOf(full.slice(0, it));
      let k = 0;
      while (k < ntSel) {
        const c = owner[t0 + k]!;
        if (c < 0) {
          for (let o = 0; o < outer; o++) out.fill(fill, (o * ntSel + k) * inner, (o * ntSel + k + 1) * inner);
          k++;
          continue;
        }
        // a run of consecutive steps from the same input with consecutive source indices
        const src = srcIdx[list[c]!.i]!;
        let e = k + 1;
        while (e < ntSel && owner[t0 + e] === c && src[t0 + e] === src[t0 + e - 1]! + 1) e++;
        const sel: Selection = norm.map((d, di) => (di === it ? [src[t0 + k]!, src[t0 + e - 1]! + 1] : [d.start, d.stop]));
        const block = await list[c]!.v.read(sel, rest);
        const bd = block.data as ArrayLike<number>;
        const typed =
          ArrayBuffer.isView(bd) &&
          !(bd instanceof BigInt64Array || bd instanceof BigUint64Array) &&
          !(out instanceof BigInt64Array || (out as unknown) instanceof BigUint64Array);
        const run = e - k;
        for (let o = 0; o < outer; o++) {
          for (let r = 0; r < run; r++) {
            const so = (o * run + r) * inner;
            const oo = (o * ntSel + k + r) * inner;
            if (typed) (out as Float64Array).set((bd as Float64Array).subarray(so, so + inner), oo);
            else for (let p = 0; p < inner; p++) out[oo + p] = Number(bd[so + p]);
          }
        }
        k = e;
      }
      const result: NdArray = { data: out, shape: full, dtype };
      return dropDims(result, norm);
    },
  });
}
