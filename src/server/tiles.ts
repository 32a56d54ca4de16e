// Tile rendering: tile → pyramid level → index map (cached) → only the chunks under it → colours → PNG.
import { createHash } from "node:crypto";
import { EocubeError } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { LruCache } from "./cache.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import { sampleLevel, type SliceRef } from "./levels.js";
import type { ColorMap } from "./render/colormaps.js";
import { colorize, computeIndexMap, tileToDatasetTransform, type IndexMap, type NormOptions } from "./render/kernel.js";
import { encodePng, encodePngAuto } from "./render/png.js";
import { lonLatToMercator, tileBounds, tileResolution, type TileGrid } from "./render/tilegrid.js";

/** What to render. */
export interface TileRequest {
  grid: TileGrid;
  z: number;
  y: number;
  x: number;
  /** Tile edge in pixels: 256, or 512 with retina. */
  size: number;
  slice: SliceRef;
  cmap: ColorMap;
  norm: NormOptions;
}

const indexMaps = new LruCache<IndexMap>({ maxBytes: 64 * 1024 ** 2, sizeOf: (m) => m.rows.byteLength * 3 + 64 });
const blank = new Map<number, Buffer>();

/** A fully transparent PNG tile of `size` pixels (cached). */
export function transparentTile(size: number): Buffer {
  let b = blank.get(size);
  if (!b) {
    b = encodePng(new Uint8Array(size * size * 4), size, size, 4, { level: 9 });
    blank.set(size, b);
  }
  return b;
}

/** The dataset's WGS 84 extent in the tile grid's CRS (`[minx, miny, maxx, maxy]`). */
function extentInGrid(sd: ServedDataset, grid: TileGrid): [number, number, number, number] {
  const [w, s, e, n] = sd.lonLatBbox;
  if (grid.crs === "CRS84") return [w, s, e, n];
  const [x0, y0] = lonLatToMercator(w, s);
  const [x1, y1] = lonLatToMercator(e, n);
  return [x0, y0, x1, y1];
}

/**
 * The pyramid level for a tile: the coarsest level whose pixel size is at most the tile's pixel size,
 * both measured in the dataset CRS at the tile centre.
 */
export function chooseLevel(sd: ServedDataset, req: Pick<TileRequest, "grid" | "z" | "y" | "x" | "size">): number {
  const [minx, miny, maxx, maxy] = tileBounds(req.grid, req.z, req.y, req.x);
  const res = tileResolution(req.grid, req.z, req.size);
  const cx = (minx + maxx) / 2;
  const cy = (miny + maxy) / 2;
  const t = tileToDatasetTransform(req.grid, sd.gm);
  const xs = Float64Array.of(cx, cx + res, cx);
  const ys = Float64Array.of(cy, cy, cy + res);
  t(xs, ys);
  const d1 = Math.hypot(xs[1]! - xs[0]!, ys[1]! - ys[0]!);
  const d2 = Math.hypot(xs[2]! - xs[0]!, ys[2]! - ys[0]!);
  const srcRes = Math.min(d1, d2);
  let best = 0;
  if (!Number.isFinite(srcRes)) return best;
  for (const l of sd.levels) {
    if (Math.max(l.resolution[0], l.resolution[1]) <= srcRes * 1.0001) best = l.index;
  }
  return best;
}

/**
 * The pyramid level and index map of a tile (cached by dataset, level, grid, tile and size), or undefined when
 * the tile lies outside the dataset's extent.
 */
function tileIndexMap(
  sd: ServedDataset,
  req: Pick<TileRequest, "grid" | "z" | "y" | "x" | "size">,
): { li: number; map: IndexMap } | undefined {
  const bounds = tileBounds(req.grid, req.z, req.y, req.x);
  const ext = extentInGrid(sd, req.grid);
  const wraps = sd.lonLatBbox[0] > sd.lonLatBbox[2];
  if (!wraps && (bounds[0] >= ext[2] || bounds[2] <= ext[0] || bounds[1] >= ext[3] || bounds[3] <= ext[1])) return undefined;
  const li = chooseLevel(sd, req);
  const level = sd.levels[li]!;
  const key = `${sd.entry.id}\u0000${li}\u0000${req.grid.id}\u0000${req.z}/${req.y}/${req.x}\u0000${req.size}`;
  let map = indexMaps.get(key);
  if (!map) {
    map = computeIndexMap(
      bounds,
      req.size,
      level.transform,
      level.width,
      level.height,
      tileToDatasetTransform(req.grid, sd.gm),
      sd.gm.isGeographic,
      { wrapLon: sd.gm.isGeographic },
    );
    indexMaps.set(key, map);
  }
  return map.window ? { li, map } : undefined;
}

/** PNG bytes of an RGBA tile, or the cached transparent tile when no pixel is visible. */
function encodeTile(rgba: Uint8Array, size: number): Buffer {
  for (let k = 3; k < rgba.length; k += 4) if (rgba[k] !== 0) return encodePngAuto(rgba, size, size);
  return transparentTile(size);
}

/**
 * Renders one tile as PNG bytes, or returns the cached transparent tile when the tile lies outside the
 * dataset's extent or holds no valid value.
 * @throws EocubeError OUT_OF_RANGE for z/y/x outside the tile matrix, plus read errors.
 */
export async function renderTile(ctx: DatasetsContext, sd: ServedDataset, req: TileRequest, options?: ReadOptions): Promise<Buffer> {
  const im = tileIndexMap(sd, req);
  if (!im) return transparentTile(req.size);
  const values = await tileValues(ctx, sd, im.li, req.slice, im.map, options);
  const rgba = new Uint8Array(req.size * req.size * 4);
  colorize(values, req.cmap, req.norm, rgba);
  return encodeTile(rgba, req.size);
}

/** What to render as an RGB tile: one slice and value range per channel. */
export interface RgbTileRequest extends Pick<TileRequest, "grid" | "z" | "y" | "x" | "size"> {
  /** The red, green and blue variables' slices. */
  slices: [SliceRef, SliceRef, SliceRef];
  /** The value range of each channel, `[min, max]` → 0…255. */
  ranges: [[number, number], [number, number], [number, number]];
  /** "lin" (default) or "log" for all channels. */
  norm?: "lin" | "log";
}

/**
 * Renders an RGB tile from three variables as xcube's `compute_rgba_tile` does: each channel normalised over
 * its range and clipped to [0, 1] (a reversed range is swapped, an empty one widened to [min, min + 1]),
 * times 255 truncated; opaque where all three values are valid (log: > 0), transparent elsewhere.
 * @throws EocubeError OUT_OF_RANGE for z/y/x outside the tile matrix, plus read errors.
 */
export async function renderRgbTile(ctx: DatasetsContext, sd: ServedDataset, req: RgbTileRequest, options?: ReadOptions): Promise<Buffer> {
  const im = tileIndexMap(sd, req);
  if (!im) return transparentTile(req.size);
  const channels = await Promise.all(req.slices.map((s) => tileValues(ctx, sd, im.li, s, im.map, options)));
  const log = req.norm === "log";
  const norms = req.ranges.map(([a, b]) => {
    let lo = Math.min(a, b);
    let hi = Math.max(a, b);
    if (Math.abs(hi - lo) <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) hi = lo + 1;
    if (log) {
      lo = Math.log(lo);
      hi = Math.log(hi);
    }
    return [lo, 1 / (hi - lo)] as const;
  });
  const n = req.size * req.size;
  const rgba = new Uint8Array(n * 4);
  for (let k = 0; k < n; k++) {
    let valid = true;
    for (let c = 0; c < 3; c++) {
      let v = channels[c]![k]!;
      if (log) v = v > 0 ? Math.log(v) : NaN;
      if (v !== v) {
        valid = false;
        break;
      }
      const [lo, inv] = norms[c]!;
      const t = (v - lo) * inv;
      rgba[k * 4 + c] = Math.floor(255 * Math.min(1, Math.max(0, t)));
    }
    if (valid) rgba[k * 4 + 3] = 255;
    else rgba[k * 4] = rgba[k * 4 + 1] = rgba[k * 4 + 2] = 0;
  }
  return encodeTile(rgba, req.size);
}

/**
 * The source value under each tile pixel (NaN outside or no data), `[size, size]` row-major; reads only
 * the chunks the index map touches.
 */
export async function tileValues(
  ctx: DatasetsContext,
  sd: ServedDataset,
  li: number,
  slice: SliceRef,
  map: IndexMap,
  options?: ReadOptions,
): Promise<Float64Array> {
  const g = gatherOf(map);
  const grid = await sampleLevel(ctx.chunkCache, sd.levels, li, slice, g.rows, g.cols, options);
  const out = new Float64Array(g.index.length);
  const idx = g.index;
  for (let k = 0; k < out.length; k++) {
    const i = idx[k]!;
    out[k] = i < 0 ? NaN : grid[i]!;
  }
  return out;
}

/** The distinct source rows/cols an index map uses and, per tile pixel, its offset in the rows × cols sample. */
interface Gather {
  rows: Int32Array;
  cols: Int32Array;
  index: Int32Array;
}
const gathers = new WeakMap<IndexMap, Gather>();

function gatherOf(map: IndexMap): Gather {
  let g = gathers.get(map);
  if (g) return g;
  const [r0, r1, c0, c1] = map.window!;
  const rowPos = new Int32Array(r1 - r0).fill(-1);
  const colPos = new Int32Array(c1 - c0).fill(-1);
  for (let k = 0; k < map.rows.length; k++) {
    if (map.rows[k]! >= 0) {
      rowPos[map.rows[k]! - r0] = 1;
      colPos[map.cols[k]! - c0] = 1;
    }
  }
  const rowList: number[] = [];
  const colList: number[] = [];
  rowPos.forEach((u, i) => {
    if (u > 0) {
      rowPos[i] = rowList.length;
      rowList.push(r0 + i);
    }
  });
  colPos.forEach((u, i) => {
    if (u > 0) {
      colPos[i] = colList.length;
      colList.push(c0 + i);
    }
  });
  const w = colList.length;
  const index = new Int32Array(map.rows.length);
  for (let k = 0; k < index.length; k++) {
    const r = map.rows[k]!;
    index[k] = r < 0 ? -1 : rowPos[r - r0]! * w + colPos[map.cols[k]! - c0]!;
  }
  g = { rows: Int32Array.from(rowList), cols: Int32Array.from(colList), index };
  gathers.set(map, g);
  return g;
}

/** A strong ETag for a tile response from the request's identity (dataset, variable, slice, style, tile). */
export function tileEtag(parts: unknown[]): string {
  return `"${createHash("sha1").update(JSON.stringify(parts)).digest("base64url").slice(0, 27)}"`;
}

/** Checks vmin/vmax: finite, vmin ≤ vmax, and > 0 for log norm. */
export function checkRange(vmin: number, vmax: number, norm: "lin" | "log"): void {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) {
    throw new EocubeError("INVALID_PARAMS", "vmin and vmax must be finite numbers", { field: "vmin" });
  }
  if (vmin > vmax)
    throw new EocubeError("INVALID_PARAMS", `vmin ${vmin} is greater than vmax ${vmax}`, { field: "vmin", hint: "swap vmin and vmax" });
  if (norm === "log" && !(vmin > 0)) throw new EocubeError("INVALID_PARAMS", "norm=log needs vmin > 0", { field: "vmin" });
}
