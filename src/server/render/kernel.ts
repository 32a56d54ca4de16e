// The render kernel: tile pixel centres → source pixel indices (proj4, pixel-centre sampling), and
// values → RGBA through a colour map.
import { loadProj4, WGS84_PROJ4 } from "../../core/crs.js";
import type { BBox, GeoTransform, GridMapping } from "../../core/gridmapping.js";
import type { ColorMap } from "./colormaps.js";
import { wrapColumn } from "../../ops/masks.js";
import { mercatorToLonLat, type TileGrid } from "./tilegrid.js";

/** Converts tile-CRS coordinates into the dataset CRS, in place (xs, ys same length). */
export type PointTransform = (xs: Float64Array, ys: Float64Array) => void;

/**
 * The transform from a tile grid's CRS to the dataset's CRS. For geographic datasets on a 0…360
 * grid, negative longitudes are shifted by +360.
 */
export function tileToDatasetTransform(grid: TileGrid, gm: GridMapping): PointTransform {
  const fromMerc = grid.crs === "EPSG:3857";
  const shift360 = gm.isGeographic && gm.isLon360;
  if (gm.isGeographic) {
    return (xs, ys) => {
      for (let i = 0; i < xs.length; i++) {
        let lon = xs[i]!;
        let lat = ys[i]!;
        if (fromMerc) [lon, lat] = mercatorToLonLat(lon, lat);
        if (shift360 && lon < 0) lon += 360;
        xs[i] = lon;
        ys[i] = lat;
      }
    };
  }
  const conv = loadProj4()(WGS84_PROJ4, gm.proj4);
  return (xs, ys) => {
    for (let i = 0; i < xs.length; i++) {
      const ll = fromMerc ? mercatorToLonLat(xs[i]!, ys[i]!) : [xs[i]!, ys[i]!];
      let p: number[];
      try {
        p = conv.forward(ll);
      } catch {
        p = [NaN, NaN];
      }
      xs[i] = p[0]!;
      ys[i] = p[1]!;
    }
  };
}

/** Options of {@link computeIndexMap}. */
export interface IndexMapOptions {
  /** The source x is a longitude in degrees that may be taken ±360° [default false]. */
  wrapLon?: boolean;
}

/** Source pixel indices of each tile pixel: `rows[j]`/`cols[i]` for separable maps, else per pixel. */
export interface IndexMap {
  size: number;
  /** Per-pixel source row and column (−1 outside), `[size, size]` row-major. */
  rows: Int32Array;
  cols: Int32Array;
  /** Bounding window of the used source pixels `[r0, r1, c0, c1]` (half-open), or undefined if none. */
  window?: [number, number, number, number];
}

/**
 * Maps each tile pixel centre to the source pixel containing it (GDAL's nearest neighbour with
 * pixel-centre sampling): col = ⌊(x − x0)/dx⌋, row = ⌊(y − y0)/dy⌋ in the level's affine.
 * Geographic sources are separable (one transform per row and column); projected ones are
 * transformed exactly on a 16-px mesh and interpolated bilinearly between mesh points (error ≪ 0.01 px).
 * With `wrapLon` a column outside the grid is also tried 360° east and west (see `wrapColumn`), so that
 * no tile pixel at a global grid's seam (0° of a 0…360 grid, ±180° of a −180…180 grid) is left empty.
 * @param bounds tile bbox in the tile CRS; @param size tile edge in pixels.
 */
export function computeIndexMap(
  bounds: BBox,
  size: number,
  transform: GeoTransform,
  width: number,
  height: number,
  toSrc: PointTransform,
  separable: boolean,
  options: IndexMapOptions = {},
): IndexMap {
  const [minx, miny, maxx, maxy] = bounds;
  const res = (maxx - minx) / size;
  const resY = (maxy - miny) / size;
  const [x0, dx, , y0, , dy] = transform;
  const n = size * size;
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  let sx: Float64Array;
  let sy: Float64Array;
  if (separable) {
    // x depends on the column only, y on the row only
    const xs = new Float64Array(size);
    const ys = new Float64Array(size);
    const tx = new Float64Array(size).fill(maxy - resY / 2);
    const ty = new Float64Array(size).fill(minx + res / 2);
    for (let i = 0; i < size; i++) xs[i] = minx + (i + 0.5) * res;
    for (let j = 0; j < size; j++) ys[j] = maxy - (j + 0.5) * resY;
    toSrc(xs, tx);
    toSrc(ty, ys);
    sx = new Float64Array(n);
    sy = new Float64Array(n);
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        sx[j * size + i] = xs[i]!;
        sy[j * size + i] = ys[j]!;
      }
    }
  } else {
    const step = 16;
    const m = Math.ceil(size / step) + 1;
    const mx = new Float64Array(m * m);
    const my = new Float64Array(m * m);
    for (let b = 0; b < m; b++) {
      for (let a = 0; a < m; a++) {
        mx[b * m + a] = minx + Math.min(a * step + 0.5, size - 0.5) * res;
        my[b * m + a] = maxy - Math.min(b * step + 0.5, size - 0.5) * resY;
      }
    }
    toSrc(mx, my);
    sx = new Float64Array(n);
    sy = new Float64Array(n);
    for (let j = 0; j < size; j++) {
      const b = Math.min(Math.floor(j / step), m - 2);
      const pj0 = Math.min(b * step, size - 1);
      const pj1 = Math.min((b + 1) * step, size - 1);
      const v = pj1 === pj0 ? 0 : (j - pj0) / (pj1 - pj0);
      for (let i = 0; i < size; i++) {
        const a = Math.min(Math.floor(i / step), m - 2);
        const pi0 = Math.min(a * step, size - 1);
        const pi1 = Math.min((a + 1) * step, size - 1);
        const u = pi1 === pi0 ? 0 : (i - pi0) / (pi1 - pi0);
        const k00 = b * m + a,
          k01 = k00 + 1,
          k10 = k00 + m,
          k11 = k10 + 1;
        sx[j * size + i] = (1 - v) * ((1 - u) * mx[k00]! + u * mx[k01]!) + v * ((1 - u) * mx[k10]! + u * mx[k11]!);
        sy[j * size + i] = (1 - v) * ((1 - u) * my[k00]! + u * my[k01]!) + v * ((1 - u) * my[k10]! + u * my[k11]!);
      }
    }
  }
  const period = options.wrapLon ? 360 / dx : undefined;
  let r0 = Infinity,
    r1 = -Infinity,
    c0 = Infinity,
    c1 = -Infinity;
  for (let k = 0; k < n; k++) {
    const c = wrapColumn((sx[k]! - x0) / dx, width, period);
    const r = Math.floor((sy[k]! - y0) / dy);
    if (c >= 0 && r >= 0 && r < height) {
      cols[k] = c;
      rows[k] = r;
      if (r < r0) r0 = r;
      if (r > r1) r1 = r;
      if (c < c0) c0 = c;
      if (c > c1) c1 = c;
    } else {
      cols[k] = -1;
      rows[k] = -1;
    }
  }
  return { size, rows, cols, ...(r0 <= r1 ? { window: [r0, r1 + 1, c0, c1 + 1] as [number, number, number, number] } : {}) };
}

/** How values are normalised before the colour lookup. */
export interface NormOptions {
  vmin: number;
  vmax: number;
  /** "lin" (default) or "log" (values ≤ 0 are transparent). */
  norm?: "lin" | "log";
}

/**
 * Colours `values` (NaN = transparent) into RGBA bytes with matplotlib's rules: Normalize (or LogNorm),
 * index ⌊x·256⌋ clamped to 0…255 (under → first colour, over → last); stepwise maps by interval,
 * categorical maps by exact value (others transparent).
 * @param out RGBA output, 4 bytes per value (zeroed = transparent where no value).
 */
export function colorize(values: Float64Array, cm: ColorMap, norm: NormOptions, out: Uint8Array): void {
  const n = values.length;
  if (cm.kind === "lut") {
    const lut = cm.lut!;
    const log = norm.norm === "log";
    const a = log ? Math.log(norm.vmin) : norm.vmin;
    const b = log ? Math.log(norm.vmax) : norm.vmax;
    const scale = b > a ? 256 / (b - a) : 0;
    for (let k = 0; k < n; k++) {
      let v = values[k]!;
      if (v !== v) continue;
      if (log) {
        if (!(v > 0)) continue;
        v = Math.log(v);
      }
      let idx = scale === 0 ? (v < a ? 0 : 255) : Math.floor((v - a) * scale);
      if (idx < 0) idx = 0;
      else if (idx > 255) idx = 255;
      const o = k * 4;
      const l = idx * 4;
      out[o] = lut[l]!;
      out[o + 1] = lut[l + 1]!;
      out[o + 2] = lut[l + 2]!;
      out[o + 3] = lut[l + 3]!;
    }
    return;
  }
  if (cm.kind === "steps") {
    const bounds = cm.bounds!;
    const colors = cm.colors!;
    for (let k = 0; k < n; k++) {
      const v = values[k]!;
      if (v !== v || v < bounds[0]!) continue;
      let lo = 0,
        hi = colors.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (v >= bounds[mid]!) lo = mid;
        else hi = mid - 1;
      }
      out.set(colors[lo]!, k * 4);
    }
    return;
  }
  const map = new Map<number, number>();
  cm.values!.forEach((v, i) => {
    map.set(v, i);
  });
  for (let k = 0; k < n; k++) {
    const i = map.get(values[k]!);
    if (i !== undefined) out.set(cm.colors![i]!, k * 4);
  }
}
