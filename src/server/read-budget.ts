// The read budget of the server's raster reads: what one tile (or window) may decode, the cost model of
// stored chunks behind it, the thinning of sample grids that would cost more, and a process-wide gate on
// the bytes being decoded at once.
import { formatBytes } from "../core/bytes.js";
import { EocubeError } from "../core/errors.js";
import { itemSize, type DType } from "../core/ndarray.js";
import type { Dataset } from "../core/dataset.js";
import type { Variable } from "../core/variable.js";

/**
 * What one sampled read (one tile's part of a level, or one window) may cost: at most `chunks` stored
 * chunks (tiles, strips) decoded and `bytes` decoded bytes. A tile that would cost more is read decimated
 * (fewer sample rows and columns, nearest neighbour between them); a window that must be read whole is
 * refused with TOO_LARGE.
 */
export const READ_BUDGET = { chunks: 1024, bytes: 512 * 1024 ** 2 } as const;

/** Most values one window read may return (its float64 copy: 256 MiB). */
export const MAX_WINDOW_VALUES = 32 * 1024 ** 2;

/** The unit a read decodes whole: a stored chunk, or for contiguous storage the window read at once. */
export interface ReadUnit {
  /** Rows and columns of one unit on the level's grid. */
  rows: number;
  cols: number;
  /** Bytes decoded per unit (all dimensions of a stored chunk, e.g. a time chunk of 10). */
  bytes: number;
  /** Whether units are stored chunks (decoded whole) rather than windows of contiguous storage. */
  chunked: boolean;
}

/** Bytes per element of a dtype for cost estimates (8 for strings and objects). */
function bytesOf(dtype: DType | string): number {
  try {
    return itemSize(dtype as DType);
  } catch {
    return 8;
  }
}

/**
 * Whether a variable is stored contiguously (NetCDF3, NetCDF4 `contiguous`): a window read then costs its
 * own bytes, not whole chunks.
 */
export function isContiguous(ds: Dataset, v: Variable): boolean {
  return v.encoding.contiguous === true || ds.encoding.format === "netcdf3";
}

/**
 * The read unit of variable `v` (as stored in `ds`) on its `yDim`/`xDim` grid. `window` is the window the
 * level reads at once ([rows, cols]); it is the unit of contiguous storage.
 */
export function readUnitOf(ds: Dataset, v: Variable, yDim: string, xDim: string, window: [number, number]): ReadUnit {
  const item = bytesOf((v.encoding.dtype as string | undefined) ?? v.dtype);
  if (isContiguous(ds, v)) return { rows: window[0], cols: window[1], bytes: window[0] * window[1] * item, chunked: false };
  const yi = v.dims.indexOf(yDim);
  const xi = v.dims.indexOf(xDim);
  const rows = Math.max(1, v.chunks[yi] ?? v.shape[yi] ?? 1);
  const cols = Math.max(1, v.chunks[xi] ?? v.shape[xi] ?? 1);
  const all = v.chunks.length === v.dims.length ? v.chunks.reduce((a, b) => a * Math.max(1, b), 1) : rows * cols;
  return { rows, cols, bytes: all * item, chunked: true };
}

/**
 * How many units a read may touch under {@link READ_BUDGET}, or under its `share` of it (the chunk of a
 * derived level gets a quarter: a tile covers one to nine of them, mostly four); at least one unit that fits the whole budget.
 * @throws EocubeError TOO_LARGE when one unit alone decodes to more than the budget's bytes.
 */
export function unitBudget(unit: ReadUnit, what: string, share = 1): number {
  const n = Math.min(Math.floor(READ_BUDGET.chunks * share), Math.floor((READ_BUDGET.bytes * share) / Math.max(1, unit.bytes)));
  if (n >= 1) return n;
  if (unit.bytes <= READ_BUDGET.bytes) return 1;
  throw new EocubeError(
    "TOO_LARGE",
    `one stored chunk of ${what} (${unit.rows}×${unit.cols} pixels) decodes to ${formatBytes(unit.bytes)}, more than the ${formatBytes(READ_BUDGET.bytes)} one tile or window may read`,
    {
      field: "varName",
      hint: "rechunk the data into chunks of a few hundred pixels per side (eocube gen), or add overviews",
    },
  );
}

/** Units of edge `unit` that the index range [a, b) overlaps. */
export function unitsAlong(a: number, b: number, unit: number): number {
  return b <= a ? 0 : Math.floor((b - 1) / unit) - Math.floor(a / unit) + 1;
}

/**
 * The samples to keep when `groups` (sample positions grouped by unit, in unit order) must shrink to `keep`
 * groups: `keep` groups spread evenly, and for every sample position (index into the original list) the
 * position of the kept sample nearest in value that stands in for it.
 * @param values the sample values (row or column indices), `< 0` = outside (kept as is)
 */
export function thinSamples(values: Int32Array, groups: number[][], keep: number): { groups: number[][]; rep: Int32Array } {
  const rep = Int32Array.from(values, (_, i) => i);
  if (keep >= groups.length) return { groups, rep };
  const kept: number[][] = [];
  for (let k = 0; k < keep; k++) kept.push(groups[Math.min(groups.length - 1, Math.floor(((k + 0.5) * groups.length) / keep))]!);
  // kept sample positions sorted by value, for nearest lookups
  const keptPos = kept.flat().sort((a, b) => values[a]! - values[b]!);
  const keptVals = keptPos.map((p) => values[p]!);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0) continue;
    let lo = 0,
      hi = keptVals.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keptVals[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    const best = lo > 0 && Math.abs(keptVals[lo - 1]! - v) <= Math.abs(keptVals[lo]! - v) ? lo - 1 : lo;
    rep[i] = keptPos[best]!;
  }
  return { groups: kept, rep };
}

/**
 * A process-wide limit on reads in flight: at most `maxBytes` decoded bytes and `maxReads` reads at once
 * (one read always goes, whatever its size), so that many tiles, windows and requests together never hold
 * more than about `maxBytes` of chunks being decoded.
 */
export class ReadGate {
  #bytes = 0;
  #reads = 0;
  readonly #queue: { bytes: number; go: () => void }[] = [];

  /** @param maxBytes bytes in flight [256 MiB]; @param maxReads reads in flight [16]. */
  constructor(
    readonly maxBytes = 256 * 1024 ** 2,
    readonly maxReads = 16,
  ) {}

  /** Runs `read` once its `bytes` fit (FIFO). */
  async run<T>(bytes: number, read: () => Promise<T>): Promise<T> {
    if (this.#reads === 0 || (this.#queue.length === 0 && this.#fits(bytes))) this.#take(bytes);
    else
      await new Promise<void>((go) =>
        this.#queue.push({
          bytes,
          go: () => {
            this.#take(bytes);
            go();
          },
        }),
      );
    try {
      return await read();
    } finally {
      this.#bytes -= bytes;
      this.#reads--;
      while (this.#queue.length > 0 && (this.#reads === 0 || this.#fits(this.#queue[0]!.bytes))) this.#queue.shift()!.go();
    }
  }

  #fits(bytes: number): boolean {
    return this.#reads < this.maxReads && this.#bytes + bytes <= this.maxBytes;
  }

  #take(bytes: number): void {
    this.#bytes += bytes;
    this.#reads++;
  }
}

/** The gate of every raster read of the server (tiles, WMTS, time series, statistics). */
export const readGate = new ReadGate();
