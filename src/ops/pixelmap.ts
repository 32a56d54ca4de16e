// Pixel maps between a regular target grid and a regular source grid in any CRS (proj4),
// computed per target tile; separable (1-D) when both grids share the CRS, else with GDAL's
// approximate transformer scheme (exact points, linear in between while the error stays < 0.01 px;
// GDAL allows 0.125 px by default, which changes ~5 % of nearest-neighbour picks).
import type { GridMapping } from "../core/gridmapping.js";
import { pointTransform, sameCrs, type PointTransform } from "../core/crs.js";
import type { PixelMap } from "./kernels.js";

/** Largest error (in source pixels) allowed when interpolating transformed points along a row. */
export const APPROX_ERROR = 0.01;

/** A function giving the source pixel-edge coordinates of target tiles. */
export interface PixelMapper {
  /** True when u depends on the column only and v on the row only. */
  readonly separable: boolean;
  /** Map of the target tile rows [r0, r1) × cols [c0, c1); with `footprints` also the pixel footprints. */
  map(r0: number, r1: number, c0: number, c1: number, footprints: boolean): PixelMap;
  /** Source pixels per target pixel along x at the grid centre (> 1 = downsampling). */
  readonly scale: number;
}

/**
 * Builds the mapper from `target` to `source` grids (both regular, any CRS). Geographic
 * sources wrap longitudes into their own range (0…360 or −180…180).
 */
export function pixelMapper(target: GridMapping, source: GridMapping): PixelMapper {
  const [tx0, tdx, , ty0, , tdy] = target.transform;
  const [sx0, sdx, , sy0, , sdy] = source.transform;
  const sw = source.width;
  const sxMin = Math.min(sx0, sx0 + sw * sdx);
  const wrapLon = source.isGeographic;
  const wrap = (x: number): number => {
    if (!wrapLon) return x;
    while (x < sxMin) x += 360;
    while (x >= sxMin + 360) x -= 360;
    return x;
  };
  const separable = sameCrs(target, source) || (target.isGeographic && source.isGeographic);
  if (separable) {
    const halfU = Math.abs(tdx / 2 / sdx);
    const halfV = Math.abs(tdy / 2 / sdy);
    return {
      separable,
      scale: Math.abs(tdx / sdx),
      map(r0, r1, c0, c1, footprints) {
        const h = r1 - r0;
        const w = c1 - c0;
        const uc = new Float64Array(w);
        const vr = new Float64Array(h);
        for (let c = 0; c < w; c++) uc[c] = (wrap(tx0 + (c0 + c + 0.5) * tdx) - sx0) / sdx;
        for (let r = 0; r < h; r++) vr[r] = (ty0 + (r0 + r + 0.5) * tdy - sy0) / sdy;
        return separableMap(h, w, uc, vr, footprints ? halfU : undefined, footprints ? halfV : undefined);
      },
    };
  }
  const tf = pointTransform(target.proj4, source.proj4);
  const toU = (sx: number) => (wrap(sx) - sx0) / sdx;
  const toV = (sy: number) => (sy - sy0) / sdy;
  const rowU = (y: number, xStart: number, step: number, n: number, u: Float64Array, v: Float64Array, off: number) =>
    approxRow(tf, y, xStart, step, n, toU, toV, u, v, off);
  // scale at the centre
  const pt = new Float64Array(2);
  const cx = tx0 + (target.width / 2) * tdx;
  const cy = ty0 + (target.height / 2) * tdy;
  tf(cx, cy, pt);
  const ua = toU(pt[0]!);
  tf(cx + tdx, cy, pt);
  const ub = toU(pt[0]!);
  const scale = Number.isFinite(ub - ua) ? Math.abs(ub - ua) : 1;
  return {
    separable,
    scale,
    map(r0, r1, c0, c1, footprints) {
      const h = r1 - r0;
      const w = c1 - c0;
      const n = h * w;
      const u = new Float64Array(n);
      const v = new Float64Array(n);
      for (let r = 0; r < h; r++) rowU(ty0 + (r0 + r + 0.5) * tdy, tx0 + (c0 + 0.5) * tdx, tdx, w, u, v, r * w);
      const out: PixelMap = { h, w, u, v };
      if (footprints) {
        // corner lattice (h+1) × (w+1), then each pixel's bbox in source pixel space
        const W = w + 1;
        const cu = new Float64Array((h + 1) * W);
        const cv = new Float64Array((h + 1) * W);
        for (let r = 0; r <= h; r++) rowU(ty0 + (r0 + r) * tdy, tx0 + c0 * tdx, tdx, W, cu, cv, r * W);
        const fu0 = new Float64Array(n),
          fu1 = new Float64Array(n),
          fv0 = new Float64Array(n),
          fv1 = new Float64Array(n);
        for (let r = 0; r < h; r++) {
          for (let c = 0; c < w; c++) {
            const a = r * W + c;
            const p = r * w + c;
            const us = [cu[a]!, cu[a + 1]!, cu[a + W]!, cu[a + W + 1]!];
            const vs = [cv[a]!, cv[a + 1]!, cv[a + W]!, cv[a + W + 1]!];
            let umin = Math.min(us[0]!, us[1]!, us[2]!, us[3]!);
            let umax = Math.max(us[0]!, us[1]!, us[2]!, us[3]!);
            // a footprint straddling the longitude seam falls back to the centre ± half the width
            if (umax - umin > sw / 2) {
              const half = Math.abs(tdx / sdx) / 2;
              umin = u[p]! - half;
              umax = u[p]! + half;
            }
            fu0[p] = umin;
            fu1[p] = umax;
            fv0[p] = Math.min(vs[0]!, vs[1]!, vs[2]!, vs[3]!);
            fv1[p] = Math.max(vs[0]!, vs[1]!, vs[2]!, vs[3]!);
            if (Number.isNaN(u[p]!)) fu0[p] = NaN;
          }
        }
        Object.assign(out, { fu0, fu1, fv0, fv1 });
      }
      return out;
    },
  };
}

/**
 * Transforms the n points (xStart + i·step, y) of one target row to source pixel coordinates
 * `u[off + i]`, `v[off + i]`, exactly at the ends and the middle, interpolating linearly in
 * between when the middle point's interpolation error is below {@link APPROX_ERROR}
 * (GDALApproxTransform's scheme), else splitting the row in two.
 */
function approxRow(
  tf: PointTransform,
  y: number,
  xStart: number,
  step: number,
  n: number,
  toU: (x: number) => number,
  toV: (y: number) => number,
  u: Float64Array,
  v: Float64Array,
  off: number,
): void {
  const pt = new Float64Array(2);
  const exact = (i: number) => {
    tf(xStart + i * step, y, pt);
    u[off + i] = toU(pt[0]!);
    v[off + i] = toV(pt[1]!);
  };
  if (n <= 0) return;
  exact(0);
  if (n === 1) return;
  exact(n - 1);
  const stack: Array<[number, number]> = [[0, n - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    if (b - a < 2) continue;
    const m = (a + b) >> 1;
    exact(m);
    const t = (m - a) / (b - a);
    const ui = u[off + a]! + t * (u[off + b]! - u[off + a]!);
    const vi = v[off + a]! + t * (v[off + b]! - v[off + a]!);
    const err = Math.abs(ui - u[off + m]!) + Math.abs(vi - v[off + m]!);
    if (b - a > 16 && !(err <= APPROX_ERROR)) {
      stack.push([a, m], [m, b]);
      continue;
    }
    if (!(err <= APPROX_ERROR)) {
      for (let i = a + 1; i < b; i++) if (i !== m) exact(i);
      continue;
    }
    for (let i = a + 1; i < b; i++) {
      if (i === m) continue;
      const s = (i - a) / (b - a);
      u[off + i] = u[off + a]! + s * (u[off + b]! - u[off + a]!);
      v[off + i] = v[off + a]! + s * (v[off + b]! - v[off + a]!);
    }
  }
}

/**
 * A separable pixel map: u depends on the column only (`uc[w]`), v on the row only (`vr[h]`).
 * The per-pixel arrays `u`, `v` (and the footprints, when half widths are given) are built on
 * first access only; the kernels use `uc`/`vr` directly where they can.
 */
export function separableMap(h: number, w: number, uc: Float64Array, vr: Float64Array, halfU?: number, halfV?: number): PixelMap {
  let u: Float64Array | undefined;
  let v: Float64Array | undefined;
  const n = h * w;
  const full = () => {
    u = new Float64Array(n);
    v = new Float64Array(n);
    for (let r = 0; r < h; r++) {
      u.set(uc, r * w);
      v.fill(vr[r]!, r * w, (r + 1) * w);
    }
  };
  const fp = (src: () => Float64Array, d: number) => {
    let a: Float64Array | undefined;
    return () => {
      if (!a) {
        const b = src();
        a = new Float64Array(n);
        for (let p = 0; p < n; p++) a[p] = b[p]! + d;
      }
      return a;
    };
  };
  const getU = () => {
    if (!u) full();
    return u!;
  };
  const getV = () => {
    if (!v) full();
    return v!;
  };
  const map: PixelMap = {
    h,
    w,
    uc,
    vr,
    get u() {
      return getU();
    },
    get v() {
      return getV();
    },
  };
  if (halfU !== undefined && halfV !== undefined) {
    const fu0 = fp(getU, -halfU),
      fu1 = fp(getU, halfU),
      fv0 = fp(getV, -halfV),
      fv1 = fp(getV, halfV);
    Object.defineProperties(map, {
      fu0: { get: fu0, enumerable: true },
      fu1: { get: fu1, enumerable: true },
      fv0: { get: fv0, enumerable: true },
      fv1: { get: fv1, enumerable: true },
    });
    map.halfU = halfU;
    map.halfV = halfV;
  }
  return map;
}
