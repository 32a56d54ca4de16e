// Resampling kernels over precomputed source-pixel maps: nearest, bilinear and area-weighted mean.
// A map is computed once per target tile and reused for every variable and time step.

/** The spatial resampling methods (gdalwarp's `near`, `bilinear`, `average`). */
export type SpatialMethod = "nearest" | "bilinear" | "mean";

/**
 * Where each pixel of a target tile `[h, w]` falls in the source, in **source pixel-edge**
 * coordinates (u = 0 is the left edge of source column 0, u = 0.5 its centre); NaN = no source.
 * `fu0…fv1` (optional) are each target pixel's footprint in the source, for `mean`.
 */
export interface PixelMap {
  h: number;
  w: number;
  u: Float64Array;
  v: Float64Array;
  fu0?: Float64Array;
  fu1?: Float64Array;
  fv0?: Float64Array;
  fv1?: Float64Array;
  /** Separable maps only: u per column `[w]` and v per row `[h]` (then `u[r·w + c] = uc[c]`, `v[…] = vr[r]`). */
  uc?: Float64Array;
  vr?: Float64Array;
  /** Separable maps with footprints: half the footprint width/height in source pixels. */
  halfU?: number;
  halfV?: number;
}

/** Source window `[row0, row1) × [col0, col1)` a tile needs for a method, clamped; undefined if empty. */
export interface Window {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/**
 * The source window that a method needs for a tile (one pixel of margin for bilinear; the
 * footprints for mean), clamped to the source `[srcH, srcW]`; undefined when nothing is inside.
 * With `periodic` (a source whose columns span the whole 360° of longitude), a bilinear window
 * whose margin passes the first or last column takes every column, so that {@link bilinearMap}
 * can interpolate across the seam.
 */
export function windowOf(map: PixelMap, method: SpatialMethod, srcH: number, srcW: number, periodic = false): Window | undefined {
  let umin = Infinity,
    umax = -Infinity,
    vmin = Infinity,
    vmax = -Infinity;
  const n = map.h * map.w;
  if (map.uc && map.vr) {
    const hu = method === "mean" ? (map.halfU ?? 0) : 0;
    const hv = method === "mean" ? (map.halfV ?? 0) : 0;
    for (const a of map.uc)
      if (a === a) {
        if (a - hu < umin) umin = a - hu;
        if (a + hu > umax) umax = a + hu;
      }
    for (const b of map.vr)
      if (b === b) {
        if (b - hv < vmin) vmin = b - hv;
        if (b + hv > vmax) vmax = b + hv;
      }
    if (vmin === Infinity) umin = Infinity;
  } else if (method === "mean" && map.fu0) {
    const { fu0, fu1, fv0, fv1 } = map as Required<PixelMap>;
    for (let p = 0; p < n; p++) {
      const a = fu0[p]!;
      if (a !== a) continue;
      if (a < umin) umin = a;
      if (fu1[p]! > umax) umax = fu1[p]!;
      if (fv0[p]! < vmin) vmin = fv0[p]!;
      if (fv1[p]! > vmax) vmax = fv1[p]!;
    }
  } else {
    const { u, v } = map;
    for (let p = 0; p < n; p++) {
      const a = u[p]!;
      if (a !== a) continue;
      if (a < umin) umin = a;
      if (a > umax) umax = a;
      const b = v[p]!;
      if (b < vmin) vmin = b;
      if (b > vmax) vmax = b;
    }
  }
  if (umin === Infinity) return undefined;
  let c0: number, c1: number, r0: number, r1: number;
  if (method === "bilinear") {
    c0 = Math.floor(umin - 0.5);
    c1 = Math.floor(umax - 0.5) + 2;
    r0 = Math.floor(vmin - 0.5);
    r1 = Math.floor(vmax - 0.5) + 2;
  } else if (method === "mean") {
    c0 = Math.floor(umin);
    c1 = Math.ceil(umax);
    r0 = Math.floor(vmin);
    r1 = Math.ceil(vmax);
  } else {
    c0 = Math.floor(umin);
    c1 = Math.floor(umax) + 1;
    r0 = Math.floor(vmin);
    r1 = Math.floor(vmax) + 1;
  }
  if (periodic && method === "bilinear" && (c0 < 0 || c1 > srcW)) {
    c0 = 0;
    c1 = srcW;
  }
  c0 = Math.max(0, c0);
  r0 = Math.max(0, r0);
  c1 = Math.min(srcW, c1);
  r1 = Math.min(srcH, r1);
  if (c1 <= c0 || r1 <= r0) return undefined;
  return { r0, r1, c0, c1 };
}

/** Numeric arrays the kernels read and write (no bigint). */
export type NumArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/**
 * Nearest-neighbour index of a tile: for each target pixel, the index in the window block
 * `[win.r1 − win.r0, win.c1 − win.c0]` of the source pixel its centre falls in (gdalwarp `near`),
 * or −1 outside the source.
 */
export function nearestIndex(map: PixelMap, win: Window): Int32Array {
  const n = map.h * map.w;
  const idx = new Int32Array(n);
  const ww = win.c1 - win.c0;
  const wh = win.r1 - win.r0;
  if (map.uc && map.vr) {
    const w = map.w;
    const col = new Int32Array(w);
    for (let c = 0; c < w; c++) {
      const k = Math.floor(map.uc[c]!) - win.c0;
      col[c] = k >= 0 && k < ww ? k : -1;
    }
    for (let r = 0; r < map.h; r++) {
      const k = Math.floor(map.vr[r]!) - win.r0;
      const row = k >= 0 && k < wh ? k * ww : -1;
      const o = r * w;
      if (row < 0) {
        idx.fill(-1, o, o + w);
        continue;
      }
      for (let c = 0; c < w; c++) idx[o + c] = col[c]! < 0 ? -1 : row + col[c]!;
    }
    return idx;
  }
  const { u, v } = map;
  for (let p = 0; p < n; p++) {
    const c = Math.floor(u[p]!) - win.c0;
    const r = Math.floor(v[p]!) - win.r0;
    idx[p] = c >= 0 && c < ww && r >= 0 && r < win.r1 - win.r0 ? r * ww + c : -1;
  }
  return idx;
}

/**
 * The nearest index of a separable map (see {@link PixelMap.uc}) in O(h + w) numbers instead of one per pixel: for
 * each target row the offset `k · ww` of its source row in the window block (−1 outside), for each target column its
 * window column (−1 outside). Target pixel (r, c) takes window element `rows[r] + cols[c]` when both are ≥ 0 —
 * exactly what {@link nearestIndex} gives for it. When upsampling, neighbouring columns share a source column:
 * `runs` then lists the runs of equal columns (start, end, column; at most a third of the width), which
 * {@link applyNearestSeparable} fills at once. Undefined for a map that is not separable.
 */
export function nearestSeparable(map: PixelMap, win: Window): SeparableNearest | undefined {
  if (!map.uc || !map.vr) return undefined;
  const ww = win.c1 - win.c0;
  const wh = win.r1 - win.r0;
  const w = map.w;
  const cols = new Int32Array(w);
  let nruns = 0;
  for (let c = 0; c < w; c++) {
    const k = Math.floor(map.uc[c]!) - win.c0;
    cols[c] = k >= 0 && k < ww ? k : -1;
    if (c === 0 || cols[c] !== cols[c - 1]) nruns++;
  }
  const rows = new Int32Array(map.h);
  for (let r = 0; r < map.h; r++) {
    const k = Math.floor(map.vr[r]!) - win.r0;
    rows[r] = k >= 0 && k < wh ? k * ww : -1;
  }
  if (nruns * 3 > w) return { rows, cols };
  const runs = new Int32Array(nruns * 3);
  for (let c = 0, j = -3; c < w; c++) {
    if (c === 0 || cols[c] !== cols[c - 1]) {
      j += 3;
      runs[j] = c;
      runs[j + 2] = cols[c]!;
    }
    runs[j + 1] = c + 1;
  }
  return { rows, cols, runs };
}

/** A separable nearest index: see {@link nearestSeparable}. */
export interface SeparableNearest {
  rows: Int32Array;
  cols: Int32Array;
  /** Runs of equal `cols` as (start, end, column) triples, when they are few (upsampling). */
  runs?: Int32Array;
}

/**
 * Applies a separable nearest index (from {@link nearestSeparable}) to one 2-D slice at `src[srcOff…]`, writing the
 * `rows.length × cols.length` target pixels at `out[outOff…]`; pixels outside the source get `fill`. Same values
 * as {@link applyNearest} with the per-pixel index. A row with the same source row as the one before is a copy of
 * it, and runs of equal columns are filled at once: with few source pixels per tile (upsampling) the work is a
 * few memory fills and copies, fast even before the JIT has optimized the loop.
 */
export function applyNearestSeparable(
  ix: SeparableNearest,
  src: NumArray,
  srcOff: number,
  out: NumArray,
  outOff: number,
  fill: number,
): void {
  const { rows, cols, runs } = ix;
  const w = cols.length;
  const o2 = out as Float64Array; // fill and copyWithin of whichever typed array `out` is
  for (let r = 0; r < rows.length; r++) {
    const o = outOff + r * w;
    const row = rows[r]!;
    if (r > 0 && row === rows[r - 1]) {
      o2.copyWithin(o, o - w, o);
      continue;
    }
    if (row < 0) {
      o2.fill(fill, o, o + w);
      continue;
    }
    const base = srcOff + row;
    if (runs) {
      for (let j = 0; j < runs.length; j += 3) {
        const k = runs[j + 2]!;
        o2.fill(k >= 0 ? (src[base + k] as number) : fill, o + runs[j]!, o + runs[j + 1]!);
      }
      continue;
    }
    for (let c = 0; c < w; c++) {
      const k = cols[c]!;
      out[o + c] = k >= 0 ? src[base + k]! : fill;
    }
  }
}

/** Applies a nearest index (from {@link nearestIndex}) to one 2-D slice at `src[srcOff…]`, writing `out[outOff…]`; −1 gives `fill`. */
export function applyNearest(idx: Int32Array, src: NumArray, srcOff: number, out: NumArray, outOff: number, fill: number): void {
  const n = idx.length;
  for (let p = 0; p < n; p++) {
    const i = idx[p]!;
    out[outOff + p] = i >= 0 ? src[srcOff + i]! : fill;
  }
}

/** Precomputed bilinear weights for a tile: top-left index and fractions per target pixel. */
export interface BilinearMap {
  /** Window index of the top-left neighbour (may point before the window when it does not exist). */
  base: Int32Array;
  fx: Float32Array;
  fy: Float32Array;
  /** Which neighbours exist: 1 left column, 2 right column, 4 top row, 8 bottom row; 0 = no source. */
  flags: Uint8Array;
  /**
   * Periodic sources only: offset from the left to the right neighbour's column (1, or
   * `1 − srcW` where the pair straddles the 0°/360° seam); absent = 1 everywhere.
   */
  dx?: Int32Array;
}

/**
 * Bilinear weights (pixel-centre interpolation, as gdalwarp `bilinear` when upsampling).
 * With `periodic` (the source columns span 360° of longitude, e.g. OSTIA's 0…360 grid), the
 * first and last columns are neighbours: a target between them interpolates across the seam as
 * gdalwarp does on the same data rolled to −180…180 (the window must then hold every column, see
 * {@link windowOf}); otherwise the edge column's value is held.
 */
export function bilinearMap(map: PixelMap, win: Window, srcH: number, srcW: number, periodic = false): BilinearMap {
  const n = map.h * map.w;
  const base = new Int32Array(n);
  const fx = new Float32Array(n);
  const fy = new Float32Array(n);
  const flags = new Uint8Array(n);
  const dx = periodic ? new Int32Array(n).fill(1) : undefined;
  const ww = win.c1 - win.c0;
  const { u, v } = map;
  for (let p = 0; p < n; p++) {
    const uu = u[p]!;
    const vv = v[p]!;
    if (!(uu >= 0 && uu < srcW && vv >= 0 && vv < srcH)) continue;
    const x = uu - 0.5;
    const y = vv - 0.5;
    let c = Math.floor(x);
    const r = Math.floor(y);
    fx[p] = x - c;
    fy[p] = y - r;
    let cr = c + 1;
    if (dx && c < 0) c += srcW;
    if (dx && cr >= srcW) cr -= srcW;
    if (dx) dx[p] = cr - c;
    let f = 0;
    if (c >= win.c0 && c < win.c1) f |= 1;
    if (cr < win.c1 && cr >= win.c0) f |= 2;
    if (r >= win.r0) f |= 4;
    if (r + 1 < win.r1) f |= 8;
    flags[p] = f;
    base[p] = (r - win.r0) * ww + (c - win.c0);
  }
  return dx ? { base, fx, fy, flags, dx } : { base, fx, fy, flags };
}

/**
 * Bilinear interpolation of one 2-D slice; NaN neighbours and neighbours outside the source are
 * left out and the weights renormalised, and a target pixel whose centre falls in a NaN source
 * pixel stays NaN (both as gdalwarp does with nodata), so values do not bleed over coasts.
 */
export function applyBilinear(
  bm: BilinearMap,
  ww: number,
  src: NumArray,
  srcOff: number,
  out: NumArray,
  outOff: number,
  fill: number,
): void {
  const { base, fx, fy, flags, dx } = bm;
  const n = base.length;
  for (let p = 0; p < n; p++) {
    const f = flags[p]!;
    if (f === 0) {
      out[outOff + p] = fill;
      continue;
    }
    const ax = fx[p]!;
    const ay = fy[p]!;
    const o = srcOff + base[p]!;
    const d = dx ? dx[p]! : 1;
    // the source pixel holding the target centre must be valid
    const centre = o + (ay >= 0.5 ? ww : 0) + (ax >= 0.5 ? d : 0);
    const cv = src[centre]!;
    if (cv !== cv) {
      out[outOff + p] = fill;
      continue;
    }
    let sum = 0;
    let wsum = 0;
    let s: number;
    let wgt: number;
    if ((f & 5) === 5) {
      s = src[o]!;
      wgt = (1 - ax) * (1 - ay);
      if (s === s && wgt > 0) {
        sum += s * wgt;
        wsum += wgt;
      }
    }
    if ((f & 6) === 6) {
      s = src[o + d]!;
      wgt = ax * (1 - ay);
      if (s === s && wgt > 0) {
        sum += s * wgt;
        wsum += wgt;
      }
    }
    if ((f & 9) === 9) {
      s = src[o + ww]!;
      wgt = (1 - ax) * ay;
      if (s === s && wgt > 0) {
        sum += s * wgt;
        wsum += wgt;
      }
    }
    if ((f & 10) === 10) {
      s = src[o + ww + d]!;
      wgt = ax * ay;
      if (s === s && wgt > 0) {
        sum += s * wgt;
        wsum += wgt;
      }
    }
    out[outOff + p] = wsum > 0 ? sum / wsum : fill;
  }
}

/**
 * Overlaps of a footprint with a source pixel up to this fraction of the pixel (in source pixel
 * units, per axis) are rounding noise of the footprint's edges (e.g. 4 × 0.0025° ≠ 0.01° in binary)
 * and are ignored by {@link applyMean}.
 */
export const FOOTPRINT_EPS = 1e-6;

/**
 * Area-weighted mean ignoring NaN (gdalwarp `average` since GDAL 3.1): each source pixel counts
 * with the fraction of it inside the target pixel's footprint. Overlaps of at most
 * {@link FOOTPRINT_EPS} of a pixel per axis count as none, so a target cell whose footprint covers
 * only NaN stays `fill` instead of taking a neighbour's value through a ~1e-10 sliver of weight
 * (xarray's `coarsen(...).mean()` and gdalwarp `-r average` agree).
 */
export function applyMean(map: PixelMap, win: Window, src: NumArray, srcOff: number, out: NumArray, outOff: number, fill: number): void {
  const { fu0, fu1, fv0, fv1 } = map as Required<PixelMap>;
  const n = map.h * map.w;
  const ww = win.c1 - win.c0;
  for (let p = 0; p < n; p++) {
    const a0 = fu0[p]!;
    if (a0 !== a0) {
      out[outOff + p] = fill;
      continue;
    }
    const a1 = fu1[p]!;
    const b0 = fv0[p]!;
    const b1 = fv1[p]!;
    // footprint edges a rounding error past a source pixel edge do not reach into the next pixel
    const cs = Math.max(win.c0, Math.floor(a0 + FOOTPRINT_EPS));
    const ce = Math.min(win.c1, Math.ceil(a1 - FOOTPRINT_EPS));
    const rs = Math.max(win.r0, Math.floor(b0 + FOOTPRINT_EPS));
    const re = Math.min(win.r1, Math.ceil(b1 - FOOTPRINT_EPS));
    let sum = 0;
    let wsum = 0;
    for (let r = rs; r < re; r++) {
      const wy = Math.min(r + 1, b1) - Math.max(r, b0);
      if (wy <= FOOTPRINT_EPS) continue;
      const row = srcOff + (r - win.r0) * ww - win.c0;
      for (let c = cs; c < ce; c++) {
        const s = src[row + c]!;
        if (s !== s) continue;
        const wx = Math.min(c + 1, a1) - Math.max(c, a0);
        if (wx <= FOOTPRINT_EPS) continue;
        const wgt = wx * wy;
        sum += s * wgt;
        wsum += wgt;
      }
    }
    out[outOff + p] = wsum > 0 ? sum / wsum : fill;
  }
}
