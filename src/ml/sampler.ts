// Samplers: pixel time series, patches and blocks of chosen variables, grouped by the stored chunks they lie in.
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import { type DType, type TypedArray, allocate } from "../core/ndarray.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import { checkExpression, compileExpression, runProgram, type InputBlock, type VariableInfo } from "../expr/index.js";
import { type Extent, type SplitName, type SplitSpec, checkSplitShape, splitOf } from "./split.js";

/** What one sample is: a pixel's time series `[time]`, a patch `[y, x]` of one step, or a block `[time, y, x]`. */
export type SampleKind = "pixel" | "patch" | "block";

/** Options of {@link createSampler}. */
export interface SamplerOptions {
  /** Input variables (channels), each with dims [time, y, x] (e.g. `["kd489", "conc_tsm"]`). */
  inputs: string[];
  /** Target variables, same dims [default none]. */
  targets?: string[];
  /** [default "patch"]. */
  kind?: SampleKind;
  /**
   * Sample size in pixels/steps: `time` (pixel: default the whole time axis; block: default 2; patch: 1),
   * `y`, `x` (patch/block: default 16; pixel: 1).
   */
  size?: { time?: number; y?: number; x?: number };
  /** A variable name (valid where ≠ 0 and not NaN) or an expression over the data variables (e.g. `c2rcc_flags > 0`). */
  mask?: string;
  /** Minimum share (0…1) of a sample's pixels that must be valid (all channels finite and the mask true) [default 0.5]. */
  minValid?: number;
}

/** One sample: its origin and values. */
export interface Sample {
  /** Index extent along [time, y, x]. */
  extent: Extent;
  /** Values `[channel, time, y, x]` (inputs then targets), float32, NaN where missing. */
  values: Float32Array;
  /** 1 where the pixel is valid (every channel finite and the mask true), `[time, y, x]`. */
  valid: Uint8Array;
}

/** A unit of reading: the window of stored chunks (index ranges along [time, y, x]) that holds whole samples. */
export interface ReadUnit {
  index: number;
  window: Extent;
}

/** A sampler over a dataset; see {@link createSampler}. */
export interface Sampler {
  readonly kind: SampleKind;
  /** Channel names: inputs then targets. */
  readonly channels: string[];
  readonly inputs: string[];
  readonly targets: string[];
  /** Sample shape [time, y, x]. */
  readonly sampleShape: [number, number, number];
  /** Grid shape [time, y, x]. */
  readonly shape: [number, number, number];
  /** Stored chunk shape [time, y, x] of the first input. */
  readonly chunks: [number, number, number];
  /** The reading units, each a whole number of stored chunks. */
  readonly units: ReadUnit[];
  /** Epoch milliseconds of the time steps. */
  readonly times: Float64Array;
  /** Number of sample positions (before validity and split filters). */
  readonly positions: number;
  /**
   * Reads a unit's chunks (each stored chunk of each variable once; the first input first, and where it has no
   * finite value in the unit, e.g. its chunks are not stored, nothing else, as no pixel there can be valid) and
   * returns its samples that pass `minValid` and, with `split`, lie in that split.
   */
  load(unit: ReadUnit, options?: LoadOptions): Promise<Sample[]>;
  /** The sample origins of a unit, before filters. */
  extentsOf(unit: ReadUnit): Extent[];
}

/** Options of {@link Sampler.load}. */
export interface LoadOptions extends ReadOptions {
  split?: SplitName;
  splitSpec?: SplitSpec;
}

/**
 * A sampler of `options.kind` over `dataset`: samples tile the grid without overlap, aligned to the stored
 * chunks of the first input so that every sample lies in one reading unit (the smallest whole number of chunks
 * that holds a sample along each dimension); samples that would cross a unit's edge are not made.
 * @throws EocubeError NOT_FOUND (a variable), INVALID_ARGUMENT (dims not [time, y, x], sizes), INVALID_EXPRESSION (mask).
 */
export async function createSampler(dataset: Dataset, options: SamplerOptions): Promise<Sampler> {
  const kind = options.kind ?? "patch";
  if (!["pixel", "patch", "block"].includes(kind)) {
    throw new EocubeError("INVALID_ARGUMENT", `kind must be pixel, patch or block, got ${kind}`, { field: "kind" });
  }
  const inputs = options.inputs;
  const targets = options.targets ?? [];
  if (inputs.length === 0) throw new EocubeError("INVALID_ARGUMENT", "give at least one input variable", { field: "inputs" });
  const channels = [...inputs, ...targets];
  const vars = channels.map((n) => dataset.variable(n));
  const first = vars[0]!;
  for (const v of vars) {
    if (v.ndim !== 3 || v.dims.join() !== first.dims.join()) {
      throw new EocubeError(
        "INVALID_ARGUMENT",
        `variable ${v.name} has dims [${v.dims}]; every channel needs [time, y, x] like ${first.name}`,
        {
          field: v.name,
        },
      );
    }
  }
  const shape = first.shape as [number, number, number];
  const chunks = first.chunks as [number, number, number];
  const s = options.size ?? {};
  const sampleShape: [number, number, number] =
    kind === "pixel" ? [s.time ?? shape[0], 1, 1] : kind === "patch" ? [1, s.y ?? 16, s.x ?? 16] : [s.time ?? 2, s.y ?? 16, s.x ?? 16];
  sampleShape.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1 || n > shape[i]!) {
      throw new EocubeError("INVALID_ARGUMENT", `sample size ${n} along ${first.dims[i]} must be 1…${shape[i]}`, { field: "size" });
    }
  });
  const minValid = options.minValid ?? 0.5;
  if (!(minValid >= 0 && minValid <= 1)) throw new EocubeError("INVALID_ARGUMENT", "minValid must be within 0…1", { field: "minValid" });
  const mask = maskOf(dataset, options.mask, first);
  const unitSize = sampleShape.map((n, i) => Math.ceil(n / chunks[i]!) * chunks[i]!);
  const grid = shape.map((n, i) => Math.ceil(n / unitSize[i]!));
  const units: ReadUnit[] = [];
  for (let a = 0; a < grid[0]!; a++)
    for (let b = 0; b < grid[1]!; b++)
      for (let c = 0; c < grid[2]!; c++) {
        const w = [a, b, c].map((k, i) => [k * unitSize[i]!, Math.min(shape[i]!, (k + 1) * unitSize[i]!)]);
        units.push({
          index: units.length,
          window: { t0: w[0]![0]!, t1: w[0]![1]!, y0: w[1]![0]!, y1: w[1]![1]!, x0: w[2]![0]!, x1: w[2]![1]! },
        });
      }
  const timeVar = dataset.coords[first.dims[0]!];
  const times = timeVar ? Float64Array.from((await timeVar.read()).data as ArrayLike<number>) : new Float64Array(shape[0]);
  const extentsOf = (unit: ReadUnit): Extent[] => {
    const w = unit.window;
    const out: Extent[] = [];
    const [st, sy, sx] = sampleShape;
    for (let t = w.t0; t + st <= w.t1; t += st)
      for (let y = w.y0; y + sy <= w.y1; y += sy)
        for (let x = w.x0; x + sx <= w.x1; x += sx) out.push({ t0: t, t1: t + st, y0: y, y1: y + sy, x0: x, x1: x + sx });
    return out;
  };
  const positions = units.reduce((n, { window: w }) => {
    const [st, sy, sx] = sampleShape;
    return n + Math.floor((w.t1 - w.t0) / st) * Math.floor((w.y1 - w.y0) / sy) * Math.floor((w.x1 - w.x0) / sx);
  }, 0);

  const names = [...new Set([...channels, ...mask.uses])];
  const unitElements = unitSize.reduce((a, b) => a * b, 1);
  const unitBuffers = bufferPool(
    names.map((n) => dataset.variable(n).dtype),
    unitElements,
    sampleShape[0] * sampleShape[1] * sampleShape[2],
  );

  async function load(unit: ReadUnit, opts: LoadOptions = {}): Promise<Sample[]> {
    if (opts.splitSpec) checkSplitShape(opts.splitSpec, shape);
    let extents = extentsOf(unit);
    if (opts.split) {
      const spec = opts.splitSpec;
      if (!spec) throw new EocubeError("INVALID_ARGUMENT", `split ${opts.split} needs a split spec`, { field: "split" });
      extents = extents.filter((e) => splitOf(spec, e, times) === opts.split);
      if (extents.length === 0) return []; // no chunk of this unit is needed
    }
    const w = unit.window;
    const sel: [number, number][] = [
      [w.t0, w.t1],
      [w.y0, w.y1],
      [w.x0, w.x1],
    ];
    const wt = w.t1 - w.t0;
    const wy = w.y1 - w.y0;
    const wx = w.x1 - w.x0;
    const len = wt * wy * wx;
    // each variable's window is decoded into a buffer the sampler reuses for its next units (at most two sets are
    // kept: the unit being sampled and the one prefetched); samples copy their values out of it
    const { out: _, ...readOpts } = opts;
    const bufs = unitBuffers.take();
    try {
      const arrays = new Map<string, ArrayLike<number>>();
      const read = async (j: number) => {
        const into = bufs.arrays[j];
        const a = await dataset.variable(names[j]!).read(sel, into ? { ...readOpts, out: into.subarray(0, len) } : readOpts);
        arrays.set(names[j]!, a.data as ArrayLike<number>);
      };
      // the first channel first: where it has no finite value (its chunks are not stored) no pixel can be valid,
      // so the other variables' chunks are not read
      await read(0);
      if (!anyFinite(arrays.get(names[0]!)!, len)) return [];
      await Promise.all(names.slice(1).map((_, j) => read(j + 1)));
      const maskData = mask.evaluate(arrays, [wt, wy, wx]);
      const data = channels.map((c) => arrays.get(c)!);
      const [st, sy, sx] = sampleShape;
      const n = st * sy * sx;
      const need = Math.max(minValid * n, 1); // at least one valid pixel
      const ok = bufs.valid.subarray(0, n);
      const out: Sample[] = [];
      for (const e of extents) {
        const base = ((e.t0 - w.t0) * wy + (e.y0 - w.y0)) * wx + (e.x0 - w.x0);
        if (!sampleValidity(ok, data, maskData, base, st, sy, sx, wy * wx, wx, need)) continue;
        const values = new Float32Array(channels.length * n);
        for (let c = 0; c < data.length; c++) copyBlock(data[c]!, values, c * n, base, st, sy, sx, wy * wx, wx);
        out.push({ extent: e, values, valid: ok.slice() });
      }
      return out;
    } finally {
      unitBuffers.give(bufs);
    }
  }

  return { kind, channels, inputs, targets, sampleShape, shape, chunks, units, times, positions, load, extentsOf };
}

/** Whether any of the first `n` values of d is finite. */
function anyFinite(d: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    if (v - v === 0) return true;
  }
  return false;
}

/**
 * Fills ok (n = st × sy × sx) with the validity of the block at `base` of a window (steps `plane` along t, `row`
 * along y): 1 where the mask (if any) is ≠ 0 and not NaN and every channel is finite. Returns whether at least
 * `need` are valid; stops early (ok then partly filled) once that cannot be reached.
 */
function sampleValidity(
  ok: Uint8Array,
  data: ArrayLike<number>[],
  mask: ArrayLike<number> | undefined,
  base: number,
  st: number,
  sy: number,
  sx: number,
  plane: number,
  row: number,
  need: number,
): boolean {
  const n = ok.length;
  const C = data.length;
  let k = 0;
  let valid = 0;
  for (let t = 0; t < st; t++)
    for (let y = 0; y < sy; y++) {
      const r = base + t * plane + y * row;
      for (let x = 0; x < sx; x++, k++) {
        const i = r + x;
        let good = 1;
        if (mask) {
          const m = mask[i]!;
          if (m === 0 || m !== m) good = 0;
        }
        for (let c = 0; good === 1 && c < C; c++) {
          const v = data[c]![i]!;
          if (v - v !== 0) good = 0; // NaN or ±∞
        }
        ok[k] = good;
        valid += good;
      }
      if (valid + (n - k) < need) return false;
    }
  return valid >= need;
}

/** Copies the block [st, sy, sx] at `base` of a window (steps `plane`, `row`) into `dst` from `at`, C order. */
function copyBlock(
  src: ArrayLike<number>,
  dst: Float32Array,
  at: number,
  base: number,
  st: number,
  sy: number,
  sx: number,
  plane: number,
  row: number,
): void {
  let k = at;
  for (let t = 0; t < st; t++)
    for (let y = 0; y < sy; y++) {
      const r = base + t * plane + y * row;
      for (let x = 0; x < sx; x++) dst[k++] = src[r + x]!;
    }
}

/** The read buffers of one unit: one per variable (none for a dtype without an out buffer), and a sample's validity. */
interface UnitBuffers {
  arrays: (TypedArray | undefined)[];
  valid: Uint8Array;
}

/**
 * A pool of unit buffers of `elements` values (and `sampleElements` validity bytes): `take` gives a free set (a new one when none is free), `give`
 * returns it; at most two sets are kept (batches sample one unit while the next is read).
 */
function bufferPool(dtypes: DType[], elements: number, sampleElements: number): { take(): UnitBuffers; give(b: UnitBuffers): void } {
  const free: UnitBuffers[] = [];
  return {
    take: () =>
      free.pop() ?? {
        arrays: dtypes.map((d) => (d === "int64" || d === "uint64" || d === "str" || d === "object" ? undefined : allocate(d, elements))),
        valid: new Uint8Array(sampleElements),
      },
    give: (b) => {
      if (free.length < 2) free.push(b);
    },
  };
}

interface Mask {
  uses: string[];
  evaluate(arrays: Map<string, ArrayLike<number>>, shape: number[]): ArrayLike<number> | undefined;
}

/** The mask: a variable (valid where ≠ 0, not NaN) or an expression compiled once (src/expr, no eval). */
function maskOf(dataset: Dataset, mask: string | undefined, first: Variable): Mask {
  if (!mask) return { uses: [], evaluate: () => undefined };
  const v = dataset.data_vars[mask];
  if (v) {
    if (v.dims.join() !== first.dims.join()) {
      throw new EocubeError("INVALID_ARGUMENT", `mask variable ${mask} has dims [${v.dims}], not [${first.dims}]`, { field: "mask" });
    }
    return { uses: [mask], evaluate: (arrays) => arrays.get(mask) };
  }
  const infos = new Map<string, VariableInfo>();
  for (const [n, dv] of Object.entries(dataset.data_vars))
    infos.set(n, { dtype: dv.dtype, dims: dv.dims, shape: dv.shape, attrs: dv.attrs });
  const checked = checkExpression(mask, infos, { field: "mask" });
  for (const n of checked.variables) {
    if (dataset.variable(n).dims.join() !== first.dims.join()) {
      throw new EocubeError("INVALID_ARGUMENT", `mask uses ${n}, whose dims are not [${first.dims}]`, { field: "mask" });
    }
  }
  const program = compileExpression(checked);
  return {
    uses: checked.variables,
    evaluate(arrays, shape) {
      const blocks = new Map<string, InputBlock>();
      for (const n of checked.variables) blocks.set(n, { data: arrays.get(n) as InputBlock["data"], dims: first.dims, shape });
      return runProgram(program, blocks, first.dims, shape).data as ArrayLike<number>;
    },
  };
}
