// The write plan of a cube: Zarr array specs, chunk tasks (one per chunk position), and the --info summary.
import type { Dataset } from "../core/dataset.js";
import type { GridMapping } from "../core/gridmapping.js";
import { itemSize, sizeOf, type NdArray } from "../core/ndarray.js";
import { encodeTimes, toIsoString } from "../core/time.js";
import type { Attrs, Variable } from "../core/variable.js";
import type { ZarrArraySpec } from "../formats/zarr/writer.js";
import { readCoord } from "../ops/coords.js";
import { timeDim } from "../core/coords.js";

/** Units used to store datetime variables (CF; xarray decodes them back). */
export const TIME_UNITS = "seconds since 1970-01-01T00:00:00";
const TIME_CALENDAR = "proleptic_gregorian";

/** One chunk of one array. */
export interface ChunkItem {
  name: string;
  /** Chunk index per dim, in the array's dims order. */
  index: number[];
}

/** A task: the chunks of all data variables at one chunk position (they share their tile maps). */
export interface ChunkTask {
  items: ChunkItem[];
}

/** The plan of a gen run. */
export interface GenPlan {
  /** All arrays: coordinates first, then data variables. */
  specs: ZarrArraySpec[];
  /** Names of the coordinate arrays (written by the main thread). */
  coordNames: string[];
  /** Global attributes. */
  attrs: Attrs;
  /** Number of data-variable chunk tasks. */
  taskCount: number;
  /** Task `i` (0 ≤ i < taskCount), computed on demand: a plan of billions of chunks costs no memory. */
  task(i: number): ChunkTask;
  /** All tasks as an array (materialised on first use; prefer {@link GenPlan.task} for large plans). */
  readonly tasks: ChunkTask[];
}

/** What `eocube gen --info` prints. */
export interface GenInfo {
  grid: { crs: string; bbox: number[]; spatial_res: number[]; width: number; height: number; x_dim: string; y_dim: string };
  dims: Record<string, number>;
  time?: { start: string; end: string; steps: number };
  variables: Array<{ name: string; dims: string[]; shape: number[]; chunks: number[]; dtype: string }>;
  inputs: number;
  chunks: number;
  tasks: number;
  /** Uncompressed bytes of the data variables. */
  estimated_bytes: number;
  output: string;
}

/**
 * The Zarr spec of a variable (datetimes as float seconds since 1970; `_FillValue` → fill value).
 * Floats without a fill get NaN; a non-finite fill of an integer dtype is dropped (null), since Zarr v2
 * only allows NaN/Infinity fills for floats (zarr-python raises MetadataError otherwise).
 */
export function specOf(v: Variable, coordinates?: string[]): ZarrArraySpec {
  const attrs: Attrs = { ...v.attrs };
  let dtype = v.dtype;
  let fill: unknown = attrs._FillValue ?? v.encoding._FillValue;
  delete attrs._FillValue;
  if (v.dtype === "datetime64[ns]") {
    dtype = "float64";
    attrs.units = TIME_UNITS;
    attrs.calendar = TIME_CALENDAR;
    fill = NaN;
  }
  if (dtype === "float32" || dtype === "float64") fill = typeof fill === "number" ? fill : NaN;
  // an integer array cannot hold NaN/±Inf: Zarr v2 metadata with such a fill is invalid (zarr-python: MetadataError)
  else if (typeof fill === "number" && !Number.isFinite(fill)) fill = null;
  if (coordinates?.length) attrs.coordinates = coordinates.join(" ");
  const chunks = v.shape.map((s, i) => Math.max(1, Math.min(v.chunks[i] ?? s, s || 1)));
  return {
    name: v.name,
    dims: v.dims,
    shape: v.shape,
    chunks,
    dtype,
    attrs,
    fillValue: typeof fill === "number" ? fill : typeof fill === "bigint" ? Number(fill) : null,
  };
}

/** Converts read values to stored values (datetimes → seconds since 1970). */
export function toStored(v: Variable, a: NdArray): NdArray {
  if (v.dtype !== "datetime64[ns]") return a;
  return { data: encodeTimes(a.data as Float64Array, TIME_UNITS, TIME_CALENDAR), shape: a.shape, dtype: "float64" };
}

/** The chunk grid of a spec, `ceil(shape / chunks)` per dim. */
export function chunkGrid(spec: ZarrArraySpec): number[] {
  return spec.shape.map((s, d) => Math.ceil(s / spec.chunks[d]!));
}

/** Index ranges of one chunk. */
export function chunkSelection(spec: ZarrArraySpec, index: number[]): Array<[number, number]> {
  return index.map((c, d) => [c * spec.chunks[d]!, Math.min(spec.shape[d]!, (c + 1) * spec.chunks[d]!)]);
}

/**
 * The chunk tasks of data variables with these specs (in variable order), numbered as {@link planCube} numbers them:
 * one task per chunk position, variables sharing dims and chunks in one task, one such family after the other,
 * spatial tiles outermost. Depends on the specs only, so a distributed worker derives a job's chunks from the run's
 * specs and the task number instead of receiving them.
 * @returns the task count and `task(i)` (RangeError outside 0…taskCount − 1).
 */
export function chunkTasks(dataSpecs: ZarrArraySpec[]): { taskCount: number; task: (i: number) => ChunkTask } {
  // families: the data variables sharing dims and chunks (hence the chunk grid), in variable order
  const families = new Map<string, { names: string[]; grid: number[]; first: number; count: number }>();
  for (const s of dataSpecs) {
    const grid = chunkGrid(s);
    if (grid.some((g) => g === 0)) continue;
    const key = `${s.dims.join(",")}|${s.chunks.join(",")}`;
    const f = families.get(key);
    if (f) f.names.push(s.name);
    else families.set(key, { names: [s.name], grid, first: 0, count: sizeOf(grid) });
  }
  const list = [...families.values()];
  let taskCount = 0;
  for (const f of list) {
    f.first = taskCount;
    taskCount += f.count;
  }
  const task = (i: number): ChunkTask => {
    if (!(Number.isInteger(i) && i >= 0 && i < taskCount)) throw new RangeError(`task ${i} is outside 0…${taskCount - 1}`);
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid]!.first <= i) lo = mid;
      else hi = mid - 1;
    }
    const f = list[lo]!;
    // digits of k in the order (y, x, outer dims…), the last outer dim fastest
    const g = f.grid;
    const nd = g.length;
    const order = nd >= 2 ? [nd - 2, nd - 1, ...Array.from({ length: nd - 2 }, (_, d) => d)] : g.map((_, d) => d);
    const index = new Array<number>(nd).fill(0);
    let k = i - f.first;
    for (let j = order.length - 1; j >= 0; j--) {
      const d = order[j]!;
      index[d] = k % g[d]!;
      k = Math.floor(k / g[d]!);
    }
    return { items: f.names.map((name) => ({ name, index: index.slice() })) };
  };
  return { taskCount, task };
}

/**
 * Plans the write of a cube: specs for every variable (non-index coordinates listed in the data
 * variables' `coordinates` attribute, the rest in the global one, as xarray does) and one task per
 * chunk position of the data variables (variables with the same dims and chunks share tasks; such a
 * family's tasks come one family after the other), spatial tiles outermost so that consecutive tasks
 * reuse a tile's pixel map. Nothing per chunk or per pixel is computed here: tasks are derived from
 * their number on demand (`task(i)`), so planning a cube of 10¹⁵ pixels is as quick as one of 10².
 */
export function planCube(cube: Dataset): GenPlan {
  const dims = Object.keys(cube.dims);
  const extra = Object.keys(cube.coords).filter((c) => !dims.includes(c));
  const used = new Set<string>();
  const specs: ZarrArraySpec[] = [];
  for (const v of Object.values(cube.coords)) specs.push(specOf(v));
  const dataSpecs: ZarrArraySpec[] = [];
  for (const v of Object.values(cube.data_vars)) {
    const list = extra.filter((c) => cube.coords[c]!.dims.every((d) => v.dims.includes(d)));
    for (const c of list) used.add(c);
    const s = specOf(v, list);
    specs.push(s);
    dataSpecs.push(s);
  }
  const attrs: Attrs = { ...cube.attrs };
  const rest = extra.filter((c) => !used.has(c));
  if (rest.length) attrs.coordinates = rest.join(" ");
  const { taskCount, task } = chunkTasks(dataSpecs);
  let all: ChunkTask[] | undefined;
  return {
    specs,
    coordNames: Object.keys(cube.coords),
    attrs,
    taskCount,
    task,
    get tasks() {
      all ??= Array.from({ length: taskCount }, (_, i) => task(i));
      return all;
    },
  };
}

/** The `--info` summary of a planned cube. */
export async function describePlan(cube: Dataset, grid: GridMapping, plan: GenPlan, inputs: number, output: string): Promise<GenInfo> {
  const dataSpecs = plan.specs.filter((s) => !plan.coordNames.includes(s.name));
  let time: GenInfo["time"];
  const td = timeDim(cube);
  if (td && cube.coords[td] && cube.coords[td]!.size > 0) {
    const t = await readCoord(cube, td);
    time = { start: toIsoString(t[0]!), end: toIsoString(t[t.length - 1]!), steps: t.length };
  }
  return {
    grid: {
      crs: grid.crs,
      bbox: grid.bbox,
      spatial_res: grid.resolution,
      width: grid.width,
      height: grid.height,
      x_dim: grid.xDim,
      y_dim: grid.yDim,
    },
    dims: cube.dims,
    ...(time ? { time } : {}),
    variables: dataSpecs.map((s) => ({ name: s.name, dims: s.dims, shape: s.shape, chunks: s.chunks, dtype: s.dtype })),
    inputs,
    chunks: dataSpecs.reduce((n, s) => n + sizeOf(chunkGrid(s)), 0),
    tasks: plan.taskCount,
    estimated_bytes: dataSpecs.reduce((n, s) => n + sizeOf(s.shape) * itemSize(s.dtype), 0),
    output,
  };
}
