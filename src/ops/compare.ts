// Compares two cubes: the grid (dims, coordinates, CRS) and each data variable's values within a tolerance.
import type { Dataset } from "../core/dataset.js";
import { readGridMapping } from "../core/gridmapping-read.js";
import type { Variable } from "../core/variable.js";

/** Options of {@link compareDatasets}. */
export interface CompareOptions {
  /** Relative tolerance, as numpy's `isclose`: |a − b| ≤ atol + rtol·|b| [default 1e-5]. */
  rtol?: number;
  /** Absolute tolerance, in the variable's (decoded) units [default 1e-8]. */
  atol?: number;
  signal?: AbortSignal;
}

/** How one data variable compares. */
export interface VariableComparison {
  name: string;
  /** `equal` within tolerance; `different` values; `shape` other dims or shape; `missing` only in `expected`; `extra` only in `actual`. */
  status: "equal" | "different" | "shape" | "missing" | "extra";
  /** Cells compared (the variable's size when the shapes agree, else 0). */
  cells: number;
  /** Cells outside the tolerance, NaN mismatches included. */
  differing: number;
  /** differing / cells (0 when no cells). */
  fraction: number;
  /** Largest |expected − actual| over the cells where both are numbers (0 when none). */
  maxAbsDiff: number;
  /** Cells that are NaN in one cube and a number in the other. */
  nanMismatch: number;
  /** What differs in dims or shape, for `shape`. */
  detail?: string;
}

/** The result of {@link compareDatasets}. */
export interface DatasetComparison {
  /** True when the grids agree and every data variable is `equal`. */
  equal: boolean;
  grid: {
    equal: boolean;
    /** Dimension sizes of each cube. */
    dims: { expected: Record<string, number>; actual: Record<string, number> };
    /** CRS of each cube ("EPSG:4326", a PROJ string, or null without a regular grid). */
    crs: { expected: string | null; actual: string | null };
    /** One line per difference (a dim size, a coordinate's values, the CRS), empty when equal. */
    differences: string[];
  };
  variables: VariableComparison[];
  rtol: number;
  atol: number;
}

const DEFAULT_RTOL = 1e-5;
const DEFAULT_ATOL = 1e-8;

function toNumbers(data: ArrayLike<unknown>): ArrayLike<number> | undefined {
  if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array || data instanceof BigUint64Array))
    return data as unknown as ArrayLike<number>;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  const arr = Array.from(data);
  return arr.every((v) => typeof v === "number") ? (arr as number[]) : undefined;
}

/** Accumulates one variable's differences over its slabs. */
class Tally {
  differing = 0;
  nanMismatch = 0;
  maxAbsDiff = 0;
  cells = 0;
  constructor(
    readonly rtol: number,
    readonly atol: number,
  ) {}

  add(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
    this.cells += a.length;
    const x = toNumbers(a);
    const y = toNumbers(b);
    if (!x || !y) {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) this.differing++;
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const p = x[i]!;
      const q = y[i]!;
      const pn = Number.isNaN(p);
      const qn = Number.isNaN(q);
      if (pn || qn) {
        if (pn !== qn) {
          this.nanMismatch++;
          this.differing++;
        }
        continue;
      }
      if (p === q) continue;
      const d = Math.abs(p - q);
      if (d > this.maxAbsDiff || Number.isNaN(d)) this.maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      if (!(d <= this.atol + this.rtol * Math.abs(q))) this.differing++;
    }
  }
}

/** Compares two variables of the same dims and shape slab by slab along their first dimension. */
async function tallyVariable(e: Variable, a: Variable, t: Tally, signal?: AbortSignal): Promise<void> {
  if (e.ndim < 3) {
    const [x, y] = await Promise.all([e.read([], { signal }), a.read([], { signal })]);
    t.add(x.data as ArrayLike<unknown>, y.data as ArrayLike<unknown>);
    return;
  }
  for (let i = 0; i < e.shape[0]!; i++) {
    signal?.throwIfAborted();
    const sel: [number, number][] = [[i, i + 1]];
    const [x, y] = await Promise.all([e.read(sel, { signal }), a.read(sel, { signal })]);
    t.add(x.data as ArrayLike<unknown>, y.data as ArrayLike<unknown>);
  }
}

/**
 * Compares the cube `actual` (e.g. the published one) with `expected` (e.g. a regenerated one), both decoded
 * (CF scale/offset and fill values applied, so fill values compare as NaN). The grid agrees when both have the
 * same dimension sizes, every coordinate in both has the same values within the tolerance (times as epoch
 * milliseconds) and the CRS is the same. Each data variable is read slab by slab along its first dimension
 * (`[time, lat, lon]` one time step at a time); a cell differs when one side is NaN and the other not, or when
 * |e − a| > atol + rtol·|a| (numpy's `isclose`, NaN equal to NaN). Attributes are not compared.
 * @throws the stores' errors when a chunk cannot be read; CANCELLED when `signal` aborts.
 */
export async function compareDatasets(expected: Dataset, actual: Dataset, options: CompareOptions = {}): Promise<DatasetComparison> {
  const rtol = options.rtol ?? DEFAULT_RTOL;
  const atol = options.atol ?? DEFAULT_ATOL;
  const { signal } = options;
  const differences: string[] = [];
  const ed = expected.dims;
  const ad = actual.dims;
  for (const d of new Set([...Object.keys(ed), ...Object.keys(ad)])) {
    if (ed[d] !== ad[d])
      differences.push(`dimension ${d}: ${ed[d] ?? "absent"} in the expected cube, ${ad[d] ?? "absent"} in the actual one`);
  }
  for (const name of Object.keys(expected.coords)) {
    const e = expected.coords[name]!;
    const a = actual.coords[name];
    if (!a) {
      differences.push(`coordinate ${name} is missing`);
      continue;
    }
    if (e.dims.join() !== a.dims.join() || e.shape.join() !== a.shape.join()) {
      differences.push(
        `coordinate ${name}: dims (${e.dims.join(", ")}) [${e.shape.join(", ")}] vs (${a.dims.join(", ")}) [${a.shape.join(", ")}]`,
      );
      continue;
    }
    const t = new Tally(rtol, atol);
    await tallyVariable(e, a, t, signal);
    if (t.differing > 0) differences.push(`coordinate ${name}: ${t.differing} of ${t.cells} values differ (max abs diff ${t.maxAbsDiff})`);
  }
  const [eg, ag] = await Promise.all([readGridMapping(expected, { signal }), readGridMapping(actual, { signal })]);
  const crs = { expected: eg?.crs ?? null, actual: ag?.crs ?? null };
  if (crs.expected !== crs.actual) differences.push(`CRS: ${crs.expected ?? "none"} expected, ${crs.actual ?? "none"} found`);

  const variables: VariableComparison[] = [];
  const none = { cells: 0, differing: 0, fraction: 0, maxAbsDiff: 0, nanMismatch: 0 };
  for (const name of Object.keys(expected.data_vars)) {
    const e = expected.data_vars[name]!;
    const a = actual.data_vars[name];
    if (!a) {
      variables.push({ name, status: "missing", ...none });
      continue;
    }
    if (e.dims.join() !== a.dims.join() || e.shape.join() !== a.shape.join()) {
      const detail = `(${e.dims.join(", ")}) [${e.shape.join(", ")}] expected, (${a.dims.join(", ")}) [${a.shape.join(", ")}] found`;
      variables.push({ name, status: "shape", ...none, detail });
      continue;
    }
    const t = new Tally(rtol, atol);
    await tallyVariable(e, a, t, signal);
    variables.push({
      name,
      status: t.differing > 0 ? "different" : "equal",
      cells: t.cells,
      differing: t.differing,
      fraction: t.cells > 0 ? t.differing / t.cells : 0,
      maxAbsDiff: t.maxAbsDiff,
      nanMismatch: t.nanMismatch,
    });
  }
  for (const name of Object.keys(actual.data_vars)) {
    if (!(name in expected.data_vars)) variables.push({ name, status: "extra", ...none });
  }
  const gridEqual = differences.length === 0;
  return {
    equal: gridEqual && variables.every((v) => v.status === "equal"),
    grid: { equal: gridEqual, dims: { expected: { ...ed }, actual: { ...ad } }, crs, differences },
    variables,
    rtol,
    atol,
  };
}
