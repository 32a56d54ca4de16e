// sel: selection by coordinate labels (times, latitudes, longitudes) as xarray's `.sel`, giving a lazy view.
// Spec: xarray `Dataset.sel` / `DataArray.sel`, https://docs.xarray.dev/en/stable/user-guide/indexing.html, and
// pandas' partial string indexing, https://pandas.pydata.org/docs/user_guide/timeseries.html#partial-string-indexing
import { Dataset } from "./dataset.js";
import { EocubeError, throwIfAborted } from "./errors.js";
import { closeNames } from "./names.js";
import { toFloat64, type DType } from "./ndarray.js";
import { normalizeSelection, type DimSelection, type Selection } from "./selection.js";
import { isTimeVariable, readTimes } from "./coords.js";
import { parseTimeText, toIsoString } from "./time.js";
import type { Variable } from "./variable.js";

/** A label of one coordinate: a number (latitude, longitude, level, …), a time (ISO 8601 text or Date) or a string label. */
export type Label = number | string | Date;

/**
 * How one dimension is selected by label:
 * - one label: the matching position; the dimension is **dropped** (xarray's `.sel(lat=52.1)`), except a time text
 *   coarser than the coordinate's times (`"2017-01-16"` on times with seconds), which selects every step within
 *   what it names and keeps the dimension (pandas' partial string indexing);
 * - `[from, to]`: every label between the two, **both ends included** (xarray's `.sel(lon=slice(1, 3))`), in
 *   either order (unlike xarray, `[51, 53]` and `[53, 51]` select the same latitudes of a descending axis);
 *   `null` leaves that end open. A time text as `to` includes all it names (`"2017-01-20"`: that whole day).
 */
export type LabelSelection = Label | [Label | null, Label | null];

/** Label selections per dimension name, e.g. `{ time: "2017-01-16", lat: 52.1, lon: [1, 3] }`. */
export type Labels = Record<string, LabelSelection>;

/** Options of {@link sel}. */
export interface SelOptions {
  /**
   * How a single label is matched: exactly (default; a label that is not on the coordinate is NOT_FOUND) or
   * `"nearest"`, the coordinate value nearest to it (halfway between two, the larger value, as pandas). Ranges
   * are not affected.
   */
  method?: "nearest";
  /**
   * Where a Variable's coordinates are: the Dataset it belongs to, or its coordinate variables by name. Without
   * it only a 1-D coordinate variable can select itself. Not used for a Dataset, which holds its coordinates.
   */
  coords?: Dataset | Record<string, Variable>;
  /** Aborts the reading of the coordinates (CANCELLED). */
  signal?: AbortSignal;
}

/**
 * Selects by coordinate labels, as xarray's `.sel`: `{ time: "2017-01-16", lat: 52.1, lon: [1, 3] }` (see
 * {@link LabelSelection}), giving a lazy view whose `read` reads only the chunks the selection touches; index
 * selection is `Variable.read`. Only the 1-D coordinates named are read. A time coordinate takes ISO 8601 texts
 * (UTC unless they have an offset; `"2017"`, `"2017-01"` as well) or Dates; times are equal when within 1 µs
 * (epoch milliseconds in a double hold about 0.24 µs). A numeric coordinate takes numbers, compared exactly (as
 * pandas) unless `method: "nearest"`; a string coordinate takes its strings. Labels are assumed unique.
 * For a Dataset every variable having a selected dimension is viewed; a dimension selected by one label is
 * dropped and its coordinate becomes a scalar (0-d) coordinate; overviews are dropped.
 * @param target a Dataset, or a Variable with `options.coords` giving its coordinates.
 * @returns a Dataset for a Dataset, a Variable (the same dtype) for a Variable; the target itself for `{}`.
 * @throws EocubeError NOT_FOUND for an unknown dimension, a dimension without a coordinate, or a label not on the
 *   coordinate (the message names the nearest values); OUT_OF_RANGE when a range holds no label;
 *   INVALID_ARGUMENT for a label of the wrong kind (a text for numbers, an invalid time), `nearest` on string
 *   labels, a range over an unsorted coordinate or a coordinate whose length disagrees with the variable;
 *   CANCELLED; the errors of reading the coordinates.
 */
export async function sel(target: Dataset, labels: Labels, options?: SelOptions): Promise<Dataset>;
export async function sel<D extends DType>(target: Variable<D>, labels: Labels, options?: SelOptions): Promise<Variable<D>>;
export async function sel(target: Dataset | Variable, labels: Labels, options: SelOptions = {}): Promise<Dataset | Variable> {
  const entries = Object.entries(labels);
  if (entries.length === 0) return target;
  const dims: Record<string, number> =
    target instanceof Dataset ? target.dims : Object.fromEntries(target.dims.map((d, i) => [d, target.shape[i]!]));
  const indexers: Record<string, DimSelection> = {};
  for (const [dim, label] of entries) {
    throwIfAborted(options.signal);
    if (!(dim in dims)) {
      const close = closeNames(dim, Object.keys(dims), 1);
      throw new EocubeError(
        "NOT_FOUND",
        `sel: ${target instanceof Dataset ? "the dataset" : `variable ${target.name}`} has no dimension ${JSON.stringify(dim)}`,
        {
          field: dim,
          hint: `${close.length ? `did you mean ${JSON.stringify(close[0])}? ` : ""}dimensions: ${Object.keys(dims).join(", ")}`,
        },
      );
    }
    const coord = coordinateOf(target, dim, options);
    if (coord.shape[0] !== dims[dim]) {
      throw new EocubeError(
        "INVALID_ARGUMENT",
        `sel: coordinate ${dim} has ${coord.shape[0]} values but dimension ${dim} has ${dims[dim]}`,
        {
          field: dim,
          hint: "pass the coordinates of the same dataset (or window) the variable comes from",
        },
      );
    }
    indexers[dim] = await indexOfLabel(coord, dim, label, options);
  }
  return target instanceof Dataset ? viewDataset(target, indexers) : viewVariable(target, indexers);
}

/** A coordinate's labels in one comparable form: epoch ms for times, numbers, or strings. */
type Axis = { kind: "time"; values: Float64Array } | { kind: "number"; values: Float64Array } | { kind: "string"; values: string[] };

/**
 * The 1-D index coordinate of `dim`: the Dataset's, else `options.coords`' (a Dataset's or a record's), else the
 * Variable itself when it is that coordinate.
 * @throws EocubeError NOT_FOUND when there is none.
 */
function coordinateOf(target: Dataset | Variable, dim: string, options: SelOptions): Variable {
  const isIndex = (v: Variable | undefined): v is Variable => v !== undefined && v.ndim === 1 && v.dims[0] === dim;
  const pool = target instanceof Dataset ? target.variables : options.coords instanceof Dataset ? options.coords.variables : options.coords;
  const found = pool?.[dim];
  if (isIndex(found)) return found;
  if (!(target instanceof Dataset) && isIndex(target) && target.name === dim) return target;
  const variableHint =
    !(target instanceof Dataset) && !options.coords ? "pass { coords: dataset } (the dataset the variable comes from), or " : "";
  throw new EocubeError("NOT_FOUND", `sel: dimension ${dim} has no coordinate to select labels from`, {
    field: dim,
    hint: `${variableHint}select ${dim} by index with read()`,
  });
}

/** Reads a 1-D coordinate as an {@link Axis}. */
async function readAxis(coord: Variable, signal?: AbortSignal): Promise<Axis> {
  if (isTimeVariable(coord)) return { kind: "time", values: await readTimes(coord, { signal }) };
  const arr = await coord.read([], { signal });
  if (coord.dtype === "str" || coord.dtype === "object")
    return { kind: "string", values: Array.from(arr.data as ArrayLike<unknown>, String) };
  return { kind: "number", values: toFloat64(arr) };
}

/** The index selection of `dim` for one {@link LabelSelection} (a number drops the dimension, a range keeps it). */
async function indexOfLabel(coord: Variable, dim: string, label: LabelSelection, options: SelOptions): Promise<DimSelection> {
  const axis = await readAxis(coord, options.signal);
  if (Array.isArray(label)) {
    if (label.length !== 2) {
      throw new EocubeError("INVALID_ARGUMENT", `sel: ${dim} range ${describe(label)} must have two ends [from, to]`, {
        field: dim,
        hint: "write a range as [from, to], null for an open end",
      });
    }
    return rangeOf(axis, dim, label[0], label[1]);
  }
  if (label === null || label === undefined) return null;
  if (axis.kind === "time") {
    const t = timeLabel(dim, label);
    if (options.method === "nearest") return nearestIndex(axis.values, t.ms);
    if (t.unit > resolutionOf(axis.values)) {
      // coarser than the times: every step within what the text names, the dimension kept (pandas' partial strings)
      const range = contiguous(axis.values, dim, (x) => x >= t.ms && x < t.ms + t.unit);
      if (range) return range;
    } else {
      const i = indexWhere(axis.values, (x) => Math.abs(x - t.ms) < TIME_EPS);
      if (i >= 0) return i;
    }
    throw notFound(axis, dim, label, t.ms);
  }
  if (axis.kind === "number") {
    if (typeof label !== "number") throw wrongKind(dim, label, "a number");
    if (options.method === "nearest") return nearestIndex(axis.values, label);
    const i = axis.values.indexOf(label);
    if (i >= 0) return i;
    throw notFound(axis, dim, label, label);
  }
  if (typeof label !== "string") throw wrongKind(dim, label, "a string label");
  if (options.method === "nearest") {
    throw new EocubeError("INVALID_ARGUMENT", `sel: ${dim} has string labels, which have no nearest`, {
      field: dim,
      hint: "give one of its labels, or a [from, to] range",
    });
  }
  const i = axis.values.indexOf(label);
  if (i >= 0) return i;
  throw notFound(axis, dim, label, label);
}

/** Times closer than this (ms) are equal: a double holds epoch ms to about 0.24 µs. */
const TIME_EPS = 1e-3;

/** The index range `[start, stop)` of labels between `from` and `to` (both included, either order; null = open). */
function rangeOf(axis: Axis, dim: string, from: Label | null, to: Label | null): [number, number] {
  let test: (i: number) => boolean;
  if (axis.kind === "string") {
    const [a, b] = [from, to].map((x) => (x === null ? null : typeof x === "string" ? x : failKind(dim, x, "a string label")));
    const [lo, hi] = a !== null && b !== null && a > b ? [b, a] : [a, b];
    test = (i) => (lo === null || axis.values[i]! >= lo) && (hi === null || axis.values[i]! <= hi);
  } else {
    let lo = -Infinity;
    let hi = Infinity; // inclusive for numbers, exclusive for times (the end of what a time text names)
    if (axis.kind === "time") {
      const a = from === null ? undefined : timeLabel(dim, from);
      const b = to === null ? undefined : timeLabel(dim, to);
      const [s, e] = a && b && b.ms < a.ms ? [b, a] : [a, b];
      lo = s ? s.ms : -Infinity;
      hi = e ? e.ms + e.unit : Infinity;
    } else {
      const [a, b] = [from, to].map((x) => (x === null ? null : typeof x === "number" ? x : failKind(dim, x, "a number")));
      lo = a ?? -Infinity;
      hi = b ?? Infinity;
      if (lo > hi) [lo, hi] = [hi, lo];
    }
    const v = axis.values;
    test = axis.kind === "time" ? (i) => v[i]! >= lo - TIME_EPS && v[i]! < hi : (i) => v[i]! >= lo && v[i]! <= hi;
  }
  const range = contiguous<unknown>(axis.values, dim, (_, i) => test(i));
  if (!range) {
    throw new EocubeError(
      "OUT_OF_RANGE",
      `sel: ${dim} range ${describe([from, to])} holds no label of coordinate ${dim} (${extentText(axis)})`,
      {
        field: dim,
        hint: `give a range that overlaps ${extentText(axis)}`,
      },
    );
  }
  return range;
}

/**
 * The range `[first, last + 1)` of the positions where `ok` holds, undefined when none does.
 * @throws EocubeError INVALID_ARGUMENT when they are not contiguous (the coordinate is not sorted).
 */
function contiguous<T>(values: ArrayLike<T>, dim: string, ok: (x: T, i: number) => boolean): [number, number] | undefined {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!ok(values[i]!, i)) continue;
    if (first < 0) first = i;
    last = i;
    count++;
  }
  if (first < 0) return undefined;
  if (count !== last - first + 1) {
    throw new EocubeError("INVALID_ARGUMENT", `sel: coordinate ${dim} is not sorted, so a range of labels is not one block`, {
      field: dim,
      hint: `select ${dim} by single labels or by index with read()`,
    });
  }
  return [first, last + 1];
}

/** The index of the value nearest to `x` (NaN skipped); halfway between two, the larger value (pandas' rule). */
function nearestIndex(values: Float64Array, x: number): number {
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const d = Math.abs(v - x);
    if (d < bestDist || (d === bestDist && v > values[best]!)) {
      best = i;
      bestDist = d;
    }
  }
  if (best < 0)
    throw new EocubeError("NOT_FOUND", `sel: the coordinate holds no valid value near ${x}`, { hint: "the coordinate is all NaN" });
  return best;
}

/** The first index where `ok` holds, or -1. */
function indexWhere(values: Float64Array, ok: (x: number) => boolean): number {
  for (let i = 0; i < values.length; i++) if (ok(values[i]!)) return i;
  return -1;
}

/**
 * The finest unit (ms) the times need, as pandas' index resolution: a day when all are midnights, else an hour,
 * minute, second, millisecond, or less (0).
 */
function resolutionOf(times: Float64Array): number {
  for (const unit of [86_400_000, 3_600_000, 60_000, 1000, 1]) {
    let all = true;
    for (let i = 0; i < times.length && all; i++) {
      const t = times[i]!;
      if (Number.isFinite(t) && Math.abs(t - Math.round(t / unit) * unit) >= TIME_EPS) all = false;
    }
    if (all) return unit;
  }
  return 0;
}

/**
 * A time label as the instant it starts at and the length of what it names (a Date: one millisecond).
 * @throws EocubeError INVALID_ARGUMENT for anything but an ISO 8601 text or a valid Date.
 */
function timeLabel(dim: string, label: Label): { ms: number; unit: number } {
  if (label instanceof Date) {
    if (Number.isFinite(label.getTime())) return { ms: label.getTime(), unit: 1 };
  } else if (typeof label === "string") {
    const t = parseTimeText(label, { partial: true });
    if (t) return t;
  }
  throw new EocubeError("INVALID_ARGUMENT", `sel: ${dim} label ${describe(label)} is not an ISO 8601 time`, {
    field: dim,
    hint: 'write times like "2017-01-16", "2017-01" or "2017-01-16T10:09:21Z" (UTC unless an offset is given)',
  });
}

/** NOT_FOUND for a single label not on the coordinate, naming the nearest labels. */
function notFound(axis: Axis, dim: string, label: Label, at: number | string): EocubeError {
  let nearest = "";
  if (axis.kind !== "string" && typeof at === "number" && axis.values.length) {
    const i = nearestIndex(axis.values, at);
    nearest = `; nearest: ${format(axis, i)} (index ${i})`;
  } else if (axis.kind === "string") {
    const close = closeNames(String(at), axis.values, 3);
    nearest = close.length ? `; close: ${close.map((c) => JSON.stringify(c)).join(", ")}` : "";
  }
  return new EocubeError("NOT_FOUND", `sel: ${dim} ${describe(label)} is not a label of coordinate ${dim}${nearest}`, {
    field: dim,
    hint:
      axis.kind === "string"
        ? `labels: ${extentText(axis)}`
        : 'pass { method: "nearest" } to take the nearest label, or a [from, to] range',
  });
}

/** INVALID_ARGUMENT for a label of the wrong kind. */
function wrongKind(dim: string, label: unknown, want: string): EocubeError {
  return new EocubeError("INVALID_ARGUMENT", `sel: ${dim} label ${describe(label)} is not ${want}`, {
    field: dim,
    hint: `coordinate ${dim} holds ${want === "a number" ? "numbers" : "string labels"}: give ${want}`,
  });
}

function failKind(dim: string, label: unknown, want: string): never {
  throw wrongKind(dim, label, want);
}

/** The label at index `i` as text (times as ISO 8601). */
function format(axis: Axis, i: number): string {
  return axis.kind === "time"
    ? toIsoString(axis.values[i]!)
    : axis.kind === "number"
      ? String(axis.values[i])
      : JSON.stringify(axis.values[i]);
}

/** The coordinate's first and last labels, as text. */
function extentText(axis: Axis): string {
  const n = axis.values.length;
  return n === 0 ? "no labels" : `${format(axis, 0)} … ${format(axis, n - 1)}`;
}

/** A label as it was written, for messages. */
function describe(label: unknown): string {
  return label instanceof Date ? (Number.isFinite(label.getTime()) ? label.toISOString() : "Invalid Date") : JSON.stringify(label);
}

/**
 * A lazy view of `v` through index selections per dimension name (a number drops that dimension, `[start, stop)`
 * keeps it; dimensions not named are whole): `read` maps its selection onto `v`'s, so only `v`'s chunks inside
 * the view are read.
 */
export function viewVariable<D extends DType>(v: Variable<D>, indexers: Record<string, DimSelection>): Variable<D> {
  const parent = normalizeSelection(
    v.shape,
    v.dims.map((d) => indexers[d] ?? null),
  );
  if (parent.every((p, i) => !p.drop && p.start === 0 && p.stop === v.shape[i])) return v;
  const kept = parent.map((p, i) => (p.drop ? -1 : i)).filter((i) => i >= 0);
  const shape = kept.map((i) => parent[i]!.stop - parent[i]!.start);
  return v.with({
    dims: kept.map((i) => v.dims[i]!),
    shape,
    chunks: kept.map((i, k) => Math.max(1, Math.min(v.chunks[i]!, shape[k]!))),
    encoding: v.encoding.chunks ? { ...v.encoding, chunks: kept.map((i) => v.encoding.chunks![i]!) } : v.encoding,
    readsInto: true, // the parent's values of the same selection size: an out buffer is passed on
    read: async (selection: Selection = [], options) => {
      let norm: ReturnType<typeof normalizeSelection>;
      try {
        norm = normalizeSelection(shape, selection);
      } catch (err) {
        throw new EocubeError("OUT_OF_RANGE", `variable ${v.name}: ${(err as Error).message}`, { field: v.name, cause: err });
      }
      let k = 0;
      const sel: Selection = parent.map((p) => {
        if (p.drop) return p.start;
        const d = norm[k++]!;
        return d.drop ? p.start + d.start : [p.start + d.start, p.start + d.stop];
      });
      return await v.read(sel, options);
    },
  });
}

/** Every variable of `ds` viewed through `indexers` ({@link viewVariable}); overviews are dropped. */
function viewDataset(ds: Dataset, indexers: Record<string, DimSelection>): Dataset {
  const map = (vars: Record<string, Variable>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, viewVariable(v, indexers)]));
  return ds.with({ coords: map(ds.coords), data_vars: map(ds.data_vars), overviews: [] });
}
