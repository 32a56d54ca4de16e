// Epochs of Float32Array batches (NCHW/NHWC) from a sampler, with chunk-aware shuffling through a bounded buffer.
import { EocubeError } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { type NormMethod, type NormStats, scalingOf } from "./normalize.js";
import { mixSeed, seededRandom, shuffleInPlace } from "./random.js";
import type { Sample, Sampler } from "./sampler.js";
import type { Extent, SplitName, SplitSpec } from "./split.js";

/** Channel order of a batch: `NCHW` = channels first, `NHWC` = channels last. */
export type Layout = "NCHW" | "NHWC";
/** What happens to missing values: drop the sample, fill them, or fill them and add a 0/1 validity channel. */
export type NanPolicy = "drop" | "fill" | "mask";

/** Options of {@link batches}. */
export interface BatchOptions extends ReadOptions {
  /** Samples per batch [default 32]. */
  batchSize?: number;
  /** Only samples of this split (needs `splitSpec`). */
  split?: SplitName;
  splitSpec?: SplitSpec;
  /** Shuffle [default true]: units (stored chunks) in random order, samples drawn at random from the buffer. */
  shuffle?: boolean;
  /** Seed [default 0]; with `epoch` it fixes the order. */
  seed?: number;
  /** Epoch number [default 0]: each epoch has another order. */
  epoch?: number;
  /**
   * Shuffle buffer in samples [default 1024]. Memory bound: (bufferSize + the samples of 2 units) × sample
   * bytes (channels × time × y × x × 4 of float32 values + time × y × x validity bytes), plus the sampler's
   * read buffers of 2 units (the one drawn from and the next, prefetched; reused from unit to unit) — one unit
   * is one stored chunk per variable for patches inside a chunk.
   */
  bufferSize?: number;
  /** [default "NCHW"]. */
  layout?: Layout;
  /** [default "fill"]. */
  nan?: NanPolicy;
  /** Value put where data are missing, after normalisation [default 0]. */
  fillValue?: number;
  /** Normalisation statistics (from computeStats on the train split); none = raw values. */
  stats?: NormStats;
  /** [default "standard"]. */
  normalize?: NormMethod;
  /** Drop the last, smaller batch [default false]. */
  dropLast?: boolean;
}

/**
 * One batch. Shapes (N = samples, C = input channels (+1 validity channel with nan "mask"), K = targets,
 * T/H/W = sample time/rows/columns):
 * - pixel: NCHW `x` [N, C, T], NHWC [N, T, C];
 * - patch: NCHW [N, C, H, W], NHWC [N, H, W, C];
 * - block: NCHW [N, C, T, H, W], NHWC [N, T, H, W, C];
 * `y` likewise with K channels (no validity channel).
 */
export interface Batch {
  x: Float32Array;
  xShape: number[];
  y?: Float32Array;
  yShape?: number[];
  /** Number of samples. */
  size: number;
  /** Sample extents (index ranges along [time, y, x]), in batch order. */
  extents: Extent[];
  /** Channel names of x (inputs, then `valid` with nan "mask"). */
  xChannels: string[];
}

/**
 * The batches of one epoch, as an async iterator. Units of chunks are visited in a seeded random order; each
 * unit is read once (so every stored chunk is read once per epoch when no split filter skips it) and its
 * samples go to a buffer of `bufferSize` from which samples are drawn at random.
 * @throws EocubeError INVALID_ARGUMENT for bad options, plus the read errors.
 */
export async function* batches(sampler: Sampler, options: BatchOptions = {}): AsyncGenerator<Batch> {
  const batchSize = options.batchSize ?? 32;
  const bufferSize = options.bufferSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new EocubeError("INVALID_ARGUMENT", "batchSize must be ≥ 1", { field: "batchSize" });
  if (!Number.isInteger(bufferSize) || bufferSize < 1)
    throw new EocubeError("INVALID_ARGUMENT", "bufferSize must be ≥ 1", { field: "bufferSize" });
  const nan = options.nan ?? "fill";
  if (!["drop", "fill", "mask"].includes(nan))
    throw new EocubeError("INVALID_ARGUMENT", `nan must be drop, fill or mask, got ${nan}`, { field: "nan" });
  const layout = options.layout ?? "NCHW";
  if (layout !== "NCHW" && layout !== "NHWC")
    throw new EocubeError("INVALID_ARGUMENT", `layout must be NCHW or NHWC, got ${layout}`, { field: "layout" });
  const shuffle = options.shuffle ?? true;
  const random = seededRandom(mixSeed(options.seed ?? 0, options.epoch ?? 0));
  const units = sampler.units.slice();
  if (shuffle) shuffleInPlace(units, random);
  const collate = collator(sampler, layout, nan, options);
  const load = (i: number) => (i < units.length ? sampler.load(units[i]!, options) : Promise.resolve(null));
  const buffer: Sample[] = [];
  let next = load(0);
  let u = 0;
  let pending: Sample[] = [];
  const keep = (s: Sample) => nan !== "drop" || s.valid.every((v) => v === 1);
  for (;;) {
    while (buffer.length < bufferSize && u < units.length) {
      const got = await next;
      u++;
      next = load(u); // prefetch the next unit while this one is drawn from
      for (const s of got ?? []) if (keep(s)) buffer.push(s);
    }
    if (buffer.length === 0) break;
    const i = shuffle ? Math.floor(random() * buffer.length) : 0;
    const s = shuffle ? buffer[i]! : buffer.shift()!;
    if (shuffle) {
      buffer[i] = buffer[buffer.length - 1]!;
      buffer.pop();
    }
    pending.push(s);
    if (pending.length === batchSize) {
      yield collate(pending);
      pending = [];
    }
  }
  await next;
  if (pending.length > 0 && !options.dropLast) yield collate(pending);
}

/** Builds the batch of a list of samples. */
function collator(sampler: Sampler, layout: Layout, nan: NanPolicy, options: BatchOptions): (samples: Sample[]) => Batch {
  const [T, H, W] = sampler.sampleShape;
  const n = T * H * W;
  const fill = options.fillValue ?? 0;
  const method = options.normalize ?? "standard";
  const scale = (name: string) => (options.stats?.[name] ? scalingOf(options.stats[name]!, method) : { offset: 0, scale: 1 });
  const inScales = sampler.inputs.map(scale);
  const outScales = sampler.targets.map(scale);
  const xChannels = nan === "mask" ? [...sampler.inputs, "valid"] : sampler.inputs.slice();
  const spatial = sampler.kind === "pixel" ? [T] : sampler.kind === "patch" ? [H, W] : [T, H, W];
  const shapeOf = (N: number, C: number) => (layout === "NCHW" ? [N, C, ...spatial] : [N, ...spatial, C]);
  // copies channel `from` of sample s (scaled, `fill` where not valid) into channel c of slot b of out, which has C channels
  const put = (out: Float32Array, C: number, b: number, c: number, s: Sample, from: number, offset: number, f: number) => {
    const v = s.values;
    const ok = s.valid;
    const src = from * n;
    if (layout === "NCHW") {
      const o = (b * C + c) * n;
      for (let k = 0; k < n; k++) out[o + k] = ok[k] ? (v[src + k]! - offset) * f : fill;
    } else {
      const o = b * C * n + c;
      for (let k = 0; k < n; k++) out[o + k * C] = ok[k] ? (v[src + k]! - offset) * f : fill;
    }
  };
  const putValid = (out: Float32Array, C: number, b: number, c: number, s: Sample) => {
    const ok = s.valid;
    if (layout === "NCHW") out.set(ok, (b * C + c) * n);
    else for (let k = 0, o = b * C * n + c; k < n; k++) out[o + k * C] = ok[k]!;
  };
  return (samples) => {
    const N = samples.length;
    const Cx = xChannels.length;
    const x = new Float32Array(N * Cx * n);
    const K = sampler.targets.length;
    const I = sampler.inputs.length;
    const y = K > 0 ? new Float32Array(N * K * n) : undefined;
    for (let b = 0; b < N; b++) {
      const s = samples[b]!;
      for (let c = 0; c < I; c++) put(x, Cx, b, c, s, c, inScales[c]!.offset, inScales[c]!.scale);
      if (nan === "mask") putValid(x, Cx, b, Cx - 1, s);
      if (y) for (let j = 0; j < K; j++) put(y, K, b, j, s, I + j, outScales[j]!.offset, outScales[j]!.scale);
    }
    return {
      x,
      xShape: shapeOf(N, Cx),
      ...(y ? { y, yShape: shapeOf(N, K) } : {}),
      size: N,
      extents: samples.map((s) => s.extent),
      xChannels,
    };
  };
}
