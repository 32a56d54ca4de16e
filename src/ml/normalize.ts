// Per-channel normalisation statistics computed chunk-wise (one reading unit at a time) on the train split only.
import type { ReadOptions } from "../core/variable.js";
import type { Sampler } from "./sampler.js";
import type { SplitName, SplitSpec } from "./split.js";

/** Statistics of one channel over the valid pixels of the samples of a split. */
export interface ChannelStats {
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  /** Number of valid values. */
  count: number;
}

/** Statistics per channel name. */
export type NormStats = Record<string, ChannelStats>;

/** How values are scaled: `standard` = (v − mean) / std, `minmax` = (v − min) / (max − min). */
export type NormMethod = "standard" | "minmax";

/** Options of {@link computeStats}. */
export interface StatsOptions extends ReadOptions {
  /** Split whose samples are counted [default "train" when `splitSpec` is given, else every sample]. */
  split?: SplitName;
  splitSpec?: SplitSpec;
}

/**
 * Mean, std, min and max per channel over the valid pixels (see {@link Sampler}) of the samples of the train
 * split, reading one unit of chunks at a time (memory: one unit). Sums are kept per unit in float64 and merged
 * with Chan et al.'s pairwise update, so large counts do not lose precision.
 */
export async function computeStats(sampler: Sampler, options: StatsOptions = {}): Promise<NormStats> {
  const split = options.splitSpec ? (options.split ?? "train") : undefined;
  const C = sampler.channels.length;
  const n = sampler.sampleShape[0] * sampler.sampleShape[1] * sampler.sampleShape[2];
  const acc = sampler.channels.map(() => ({ count: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity }));
  for (const unit of sampler.units) {
    const samples = await sampler.load(unit, { split, splitSpec: options.splitSpec, signal: options.signal });
    for (let c = 0; c < C; c++) {
      let cnt = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const s of samples) {
        for (let k = 0; k < n; k++) {
          if (!s.valid[k]) continue;
          const v = s.values[c * n + k]!;
          cnt++;
          sum += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      if (cnt === 0) continue;
      const mean = sum / cnt;
      let m2 = 0;
      for (const s of samples) {
        for (let k = 0; k < n; k++) {
          if (s.valid[k]) m2 += (s.values[c * n + k]! - mean) ** 2;
        }
      }
      const a = acc[c]!;
      const total = a.count + cnt;
      const delta = mean - a.mean;
      a.m2 += m2 + (delta * delta * a.count * cnt) / total;
      a.mean += (delta * cnt) / total;
      a.count = total;
      a.min = Math.min(a.min, min);
      a.max = Math.max(a.max, max);
    }
  }
  const out: NormStats = {};
  sampler.channels.forEach((name, c) => {
    const a = acc[c]!;
    out[name] = a.count
      ? { mean: a.mean, std: Math.sqrt(a.m2 / a.count), min: a.min, max: a.max, count: a.count }
      : { mean: 0, std: 1, min: 0, max: 1, count: 0 };
  });
  return out;
}

/** Scale and offset such that `(v - offset) * scale` normalises a channel by `method`. */
export function scalingOf(stats: ChannelStats, method: NormMethod): { offset: number; scale: number } {
  if (method === "minmax") return { offset: stats.min, scale: stats.max > stats.min ? 1 / (stats.max - stats.min) : 1 };
  return { offset: stats.mean, scale: stats.std > 0 ? 1 / stats.std : 1 };
}
