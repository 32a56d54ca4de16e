// Writes a sampled, shuffled, split training set to Zarr v2 (one array per split, chunked by batch) for Python users.
import { basename, dirname, resolve } from "node:path";
import { EocubeError } from "../core/errors.js";
import { createZarrWriter, type ZarrArraySpec } from "../formats/zarr/writer.js";
import { FileFileSystem } from "../fs/file.js";
import { type BatchOptions, batches } from "./batches.js";
import { computeStats, type NormStats } from "./normalize.js";
import type { Sampler } from "./sampler.js";
import { SPLIT_NAMES, type SplitName, type SplitSpec } from "./split.js";

/** Options of {@link exportTrainingSet}. */
export interface ExportOptions extends Omit<BatchOptions, "split" | "stats" | "epoch"> {
  /** The split; without it one array `all` holds every sample. */
  splitSpec?: SplitSpec;
  /** Normalise with statistics of the train split (or of all samples without a split) [default true]. */
  normalizeValues?: boolean;
  /** Replace an existing store [default false]. */
  replace?: boolean;
}

/** What {@link exportTrainingSet} wrote. */
export interface ExportResult {
  path: string;
  /** Samples per array. */
  counts: Record<string, number>;
  stats?: NormStats;
}

/**
 * Writes the samples to a Zarr v2 store at `path` (local): one float32 array per split (`train`, `val`, `test`;
 * `all` without a split) of shape [N, C, …] (NCHW) or [N, …, C] (NHWC) as in {@link batches}, channels = inputs
 * (+ `valid` with nan "mask") then targets, chunked by `batchSize` samples, in the epoch-0 order of `seed`.
 * Dims: `<split>_sample`, `channel`, and `time`/`y`/`x` as the sample kind has them. Attributes: `channels`,
 * `inputs`, `targets`, `normalization` ({channel: {mean, std, min, max, count}}, method), `split` (the spec) and
 * the sampler settings. Values are normalised when `normalizeValues` (the stats let one undo it).
 * @throws EocubeError ALREADY_EXISTS (without replace), plus those of {@link batches}.
 */
export async function exportTrainingSet(sampler: Sampler, path: string, options: ExportOptions = {}): Promise<ExportResult> {
  const batchSize = options.batchSize ?? 32;
  const layout = options.layout ?? "NCHW";
  const splits: (SplitName | "all")[] = options.splitSpec ? [...SPLIT_NAMES] : ["all"];
  const stats =
    (options.normalizeValues ?? true) ? await computeStats(sampler, { splitSpec: options.splitSpec, signal: options.signal }) : undefined;
  const xChannels = options.nan === "mask" ? [...sampler.inputs, "valid"] : sampler.inputs;
  const channels = [...xChannels, ...sampler.targets];
  const [T, H, W] = sampler.sampleShape;
  const spatial = sampler.kind === "pixel" ? [T] : sampler.kind === "patch" ? [H, W] : [T, H, W];
  const spatialDims = sampler.kind === "pixel" ? ["time"] : sampler.kind === "patch" ? ["y", "x"] : ["time", "y", "x"];
  const C = channels.length;
  const specs = splits.map((s): ZarrArraySpec => {
    const dims = layout === "NCHW" ? [`${s}_sample`, "channel", ...spatialDims] : [`${s}_sample`, ...spatialDims, "channel"];
    const shape = layout === "NCHW" ? [Math.max(1, sampler.positions), C, ...spatial] : [Math.max(1, sampler.positions), ...spatial, C];
    return { name: s, dims, shape, chunks: [batchSize, ...shape.slice(1)], dtype: "float32", attrs: { channels } };
  });
  const norm = stats ? { method: options.normalize ?? "standard", stats } : null;
  const abs = resolve(path);
  const fs = new FileFileSystem(dirname(abs));
  const writer = await createZarrWriter(
    fs,
    basename(abs),
    {
      arrays: specs,
      attrs: {
        channels,
        inputs: sampler.inputs,
        targets: sampler.targets,
        normalization: norm,
        split: options.splitSpec ?? null,
        sampler: { kind: sampler.kind, sample_shape: sampler.sampleShape, layout, nan: options.nan ?? "fill", seed: options.seed ?? 0 },
      },
    },
    { replace: options.replace, signal: options.signal },
  );
  const counts: Record<string, number> = {};
  try {
    for (const [i, s] of splits.entries()) {
      const spec = specs[i]!;
      let n = 0;
      let chunk = 0;
      const it = batches(sampler, {
        ...options,
        batchSize,
        stats,
        epoch: 0,
        ...(s === "all" ? {} : { split: s, splitSpec: options.splitSpec }),
      });
      for await (const b of it) {
        const per = C * (b.x.length / b.size / xChannels.length);
        const full = new Float32Array(batchSize * per).fill(Number.NaN);
        const n1 = per / C; // values per channel per sample
        for (let k = 0; k < b.size; k++) {
          // x channels then y channels, in the batch layout
          for (let c = 0; c < C; c++) {
            const fromY = c >= xChannels.length;
            const src = fromY ? b.y! : b.x;
            const Cs = fromY ? sampler.targets.length : xChannels.length;
            const cs = fromY ? c - xChannels.length : c;
            for (let e = 0; e < n1; e++) {
              const from = layout === "NCHW" ? (k * Cs + cs) * n1 + e : (k * n1 + e) * Cs + cs;
              const to = layout === "NCHW" ? (k * C + c) * n1 + e : (k * n1 + e) * C + c;
              full[to] = src[from]!;
            }
          }
        }
        await writer.writeChunk(spec.name, [chunk, ...spec.shape.slice(1).map(() => 0)], {
          data: full,
          shape: spec.chunks,
          dtype: "float32",
        });
        chunk++;
        n += b.size;
      }
      spec.shape[0] = n; // the writer writes metadata at commit; the last chunk is stored full-size (zarr allows it)
      counts[s] = n;
    }
    await writer.commit();
  } catch (err) {
    await writer.abort().catch(() => {});
    throw err instanceof EocubeError
      ? err
      : new EocubeError("INTERNAL", `ml export to ${path} failed: ${(err as Error).message}`, { path, cause: err });
  }
  return { path: abs, counts, ...(stats ? { stats } : {}) };
}
