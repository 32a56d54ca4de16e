// Leak-free train/validation/test splits by spatial blocks and/or time periods, with a buffer; saved as JSON.
import { readFile, writeFile } from "node:fs/promises";
import { EocubeError } from "../core/errors.js";
import { seededRandom } from "./random.js";

/** The names of the splits. */
export type SplitName = "train" | "val" | "test";
/** Every split name, in order. */
export const SPLIT_NAMES: readonly SplitName[] = ["train", "val", "test"];

/** Options of {@link makeSplit}. */
export interface SplitOptions {
  /** Spatial block size `[rows, cols]` in pixels; blocks are given to splits at random (seeded). */
  blockSize?: [number, number];
  /** Share of blocks per split [default {train: 0.7, val: 0.15, test: 0.15}]; normalised to sum 1. */
  fractions?: Partial<Record<SplitName, number>>;
  /** Buffer in pixels: a sample whose extent grown by this touches a block of another split is in no split [default 0]. */
  buffer?: number;
  /** Time periods per split, `[start, end]` ISO 8601 (inclusive), e.g. `{train: ["2017-01-01", "2017-01-25"], …}`. */
  periods?: Partial<Record<SplitName, [string, string]>>;
  /** Time buffer in days between periods of different splits [default 0]. */
  timeBuffer?: number;
  /** Seed of the block assignment [default 0]. */
  seed?: number;
}

/**
 * A split, as written to JSON (`version` 1) and read back by {@link readSplit}: the grid it was made for
 * (`shape` = [time, y, x]), the block grid and each block's split (row-major), the periods and buffers.
 */
export interface SplitSpec {
  version: 1;
  /** Shape [time, y, x] of the grid the split was made for. */
  shape: [number, number, number];
  blockSize: [number, number] | null;
  /** Block grid [rows, cols]. */
  blockGrid: [number, number];
  /** Split of each block, row-major over `blockGrid`. */
  blocks: SplitName[];
  buffer: number;
  periods: Partial<Record<SplitName, [string, string]>> | null;
  timeBuffer: number;
  seed: number;
  fractions: Record<SplitName, number>;
}

/** A sample's extent: half-open index ranges along [time, y, x]. */
export interface Extent {
  t0: number;
  t1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * Makes a split of a grid of `shape` [time, y, x]: spatial blocks of `blockSize` pixels dealt to the splits in
 * the ratio of `fractions` (shuffled with `seed`, so every split gets its share), and/or time periods.
 * @throws EocubeError INVALID_ARGUMENT when neither blocks nor periods are given, or for bad sizes/fractions/dates.
 */
export function makeSplit(shape: [number, number, number], options: SplitOptions): SplitSpec {
  const { blockSize, periods } = options;
  if (!blockSize && !periods) {
    throw new EocubeError("INVALID_ARGUMENT", "a split needs spatial blocks (blockSize) and/or time periods (periods)", {
      field: "split",
      hint: "e.g. blockSize: [100, 100], buffer: 8",
    });
  }
  const buffer = options.buffer ?? 0;
  if (!Number.isInteger(buffer) || buffer < 0) {
    throw new EocubeError("INVALID_ARGUMENT", `buffer must be a whole number of pixels ≥ 0, got ${buffer}`, { field: "buffer" });
  }
  const f = { train: 0.7, val: 0.15, test: 0.15, ...options.fractions };
  const sum = f.train + f.val + f.test;
  if (!(sum > 0) || SPLIT_NAMES.some((n) => !(f[n] >= 0))) {
    throw new EocubeError("INVALID_ARGUMENT", "split fractions must be ≥ 0 and not all 0", { field: "fractions" });
  }
  const fractions = { train: f.train / sum, val: f.val / sum, test: f.test / sum };
  let blockGrid: [number, number] = [1, 1];
  let blocks: SplitName[] = [];
  if (blockSize) {
    if (blockSize.some((b) => !Number.isInteger(b) || b < 1)) {
      throw new EocubeError("INVALID_ARGUMENT", `blockSize must be two positive whole numbers, got ${blockSize}`, { field: "blockSize" });
    }
    blockGrid = [Math.ceil(shape[1] / blockSize[0]), Math.ceil(shape[2] / blockSize[1])];
    const n = blockGrid[0] * blockGrid[1];
    const nVal = Math.round(n * fractions.val);
    const nTest = Math.round(n * fractions.test);
    const names: SplitName[] = Array.from({ length: n }, (_, i) => (i < nVal ? "val" : i < nVal + nTest ? "test" : "train"));
    const random = seededRandom(options.seed ?? 0);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [names[i], names[j]] = [names[j]!, names[i]!];
    }
    blocks = names;
  }
  if (periods) {
    for (const [name, p] of Object.entries(periods)) {
      if (!SPLIT_NAMES.includes(name as SplitName) || !Array.isArray(p) || p.length !== 2 || p.some((d) => Number.isNaN(Date.parse(d)))) {
        throw new EocubeError("INVALID_ARGUMENT", `periods.${name} must be [start, end] ISO dates of train, val or test`, {
          field: `periods.${name}`,
        });
      }
    }
  }
  return {
    version: 1,
    shape,
    blockSize: blockSize ?? null,
    blockGrid,
    blocks,
    buffer,
    periods: periods ?? null,
    timeBuffer: options.timeBuffer ?? 0,
    seed: options.seed ?? 0,
    fractions,
  };
}

const DAY = 86_400_000;

/** Parses an ISO date/time as UTC milliseconds; a bare end date includes its whole day. */
function dateMs(iso: string, end: boolean): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  return end && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? t + DAY - 1 : t;
}

/**
 * The split of a sample of extent `e` ([time, y, x] index ranges), or null when it lies in no split: its pixels
 * grown by `buffer` must all fall in blocks of one split, and its time steps (`times`, epoch ms per time index),
 * grown by `timeBuffer` days, in the period of that same split and no other. Rule after Roberts et al. 2017,
 * "Cross-validation strategies for data with temporal, spatial, hierarchical, or phylogenetic structure" (blocking
 * with buffers). The rule is symmetric: training samples next to a validation block are left out too.
 */
export function splitOf(spec: SplitSpec, e: Extent, times?: ArrayLike<number>): SplitName | null {
  let spatial: SplitName | null | undefined;
  if (spec.blockSize) {
    const [bh, bw] = spec.blockSize;
    const b = spec.buffer;
    const by0 = Math.floor(Math.max(0, e.y0 - b) / bh);
    const by1 = Math.floor((Math.min(spec.shape[1], e.y1 + b) - 1) / bh);
    const bx0 = Math.floor(Math.max(0, e.x0 - b) / bw);
    const bx1 = Math.floor((Math.min(spec.shape[2], e.x1 + b) - 1) / bw);
    for (let by = by0; by <= by1; by++) {
      for (let bx = bx0; bx <= bx1; bx++) {
        const s = spec.blocks[by * spec.blockGrid[1] + bx]!;
        if (spatial === undefined) spatial = s;
        else if (s !== spatial) return null;
      }
    }
  }
  if (spec.periods) {
    if (!times) throw new EocubeError("INVALID_ARGUMENT", "a split by time periods needs the time coordinate", { field: "periods" });
    const start = times[e.t0]!;
    const end = times[e.t1 - 1]!;
    const grow = spec.timeBuffer * DAY;
    let temporal: SplitName | null = null;
    for (const [name, p] of Object.entries(spec.periods) as [SplitName, [string, string]][]) {
      const p0 = dateMs(p[0], false);
      const p1 = dateMs(p[1], true);
      if (start >= p0 && end <= p1) temporal = name;
      else if (start - grow <= p1 && end + grow >= p0) return null; // within the buffer of another period
    }
    if (temporal === null) return null;
    if (spatial !== undefined && spatial !== temporal) return null;
    return temporal;
  }
  return spatial ?? null;
}

/**
 * The split of the block holding pixel (y, x) (index space of the grid), or undefined without blocks.
 */
export function blockSplitAt(spec: SplitSpec, y: number, x: number): SplitName | undefined {
  if (!spec.blockSize) return undefined;
  return spec.blocks[Math.floor(y / spec.blockSize[0]) * spec.blockGrid[1] + Math.floor(x / spec.blockSize[1])];
}

/** Writes a split as JSON (2-space indented, trailing newline) to `path`. */
export async function writeSplit(spec: SplitSpec, path: string): Promise<void> {
  await writeFile(path, `${JSON.stringify(spec, null, 2)}\n`);
}

/**
 * Reads a split written by {@link writeSplit}.
 * @throws EocubeError NOT_FOUND (no file), INVALID_ARGUMENT (not a version-1 split), naming the path.
 */
export async function readSplit(path: string): Promise<SplitSpec> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new EocubeError("NOT_FOUND", `split file ${path} cannot be read`, { path, cause });
  }
  let spec: SplitSpec;
  try {
    spec = JSON.parse(text) as SplitSpec;
  } catch (cause) {
    throw new EocubeError("INVALID_ARGUMENT", `split file ${path} is not JSON`, { path, cause });
  }
  if (spec?.version !== 1 || !Array.isArray(spec.shape) || !Array.isArray(spec.blocks)) {
    throw new EocubeError("INVALID_ARGUMENT", `${path} is not an eocube split (version 1)`, {
      path,
      hint: "make one with `eocube ml split` or writeSplit()",
    });
  }
  return spec;
}

/**
 * Checks that a split was made for a grid of `shape` [time, y, x].
 * @throws EocubeError INVALID_ARGUMENT naming both shapes.
 */
export function checkSplitShape(spec: SplitSpec, shape: readonly number[]): void {
  if (spec.shape.some((n, i) => n !== shape[i])) {
    throw new EocubeError("INVALID_ARGUMENT", `the split was made for a grid of [${spec.shape}], the dataset is [${shape}]`, {
      field: "split",
      hint: "make the split from the same dataset (and the same subset)",
    });
  }
}
