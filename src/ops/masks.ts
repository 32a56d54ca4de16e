// Geometry masks on a dataset grid by pixel centre: lon/lat → pixel, points to their pixel, polygons
// planned up front with their cost and rasterized row by row (a paced variant yields to the event loop).
import type proj4 from "proj4";
import { loadProj4, WGS84_PROJ4 } from "../core/crs.js";
import type { GridMapping } from "../core/gridmapping.js";
import type { Pacer } from "../core/pacer.js";

/** lon/lat → fractional pixel coordinates `[col, row]` of the grid (pixel edges at integers). */
export function lonLatToPixel(gm: GridMapping): (lon: number, lat: number) => [number, number] {
  const [x0, dx, , y0, , dy] = gm.transform;
  const conv = gm.isGeographic ? undefined : loadProj4()(WGS84_PROJ4, gm.proj4);
  return (lon, lat) => {
    let x = lon;
    let y = lat;
    if (conv) {
      [x, y] = conv.forward([lon, lat]) as [number, number];
    } else if (gm.isLon360 && x < 0) x += 360;
    else if (!gm.isLon360 && x > 180) x -= 360;
    return [(x - x0) / dx, (y - y0) / dy];
  };
}

/**
 * The column of fractional column `c` on a grid of `width` columns, or −1 outside. On a geographic grid
 * (`period` = 360° in columns) a column outside is also tried 360° east and west, so that the cells
 * at a global grid's seam cover their whole width: on a 0…359 grid (edges −0.5…359.5) lon 359.8 lies in
 * the cell centred on 0° (= 360°), on a −180…179 grid lon 179.8 in the cell centred on −180°.
 */
export function wrapColumn(c: number, width: number, period?: number): number {
  let col = Math.floor(c);
  if (col >= 0 && col < width) return col;
  if (period) {
    for (const k of [1, -1]) {
      col = Math.floor(c + k * period);
      if (col >= 0 && col < width) return col;
    }
  }
  return -1;
}

/** The pixel `[row, col]` containing a lon/lat point (wrapped by 360° on geographic grids), or undefined outside the grid. */
export function pointPixel(gm: GridMapping, lon: number, lat: number): [number, number] | undefined {
  return pointLocator(gm)(lon, lat);
}

/** {@link pointPixel} for many points of one grid: the CRS transform is set up once. */
export function pointLocator(gm: GridMapping): (lon: number, lat: number) => [number, number] | undefined {
  const toPx = lonLatToPixel(gm);
  const period = gm.isGeographic ? 360 / gm.transform[1] : undefined;
  return (lon, lat) => {
    const [c, r] = toPx(lon, lat);
    const col = wrapColumn(c, gm.width, period);
    const row = Math.floor(r);
    return col >= 0 && row >= 0 && row < gm.height ? [row, col] : undefined;
  };
}

/** A polygon mask: window `[r0, r1) × [c0, c1)` of the grid and 1 for pixels whose centre is inside. */
export interface PolygonMask {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  mask: Uint8Array;
  /** Pixels inside. */
  count: number;
}

/**
 * A ring's vertices as fractional pixel coordinates `[col0, row0, col1, row1, …]`, longitudes taken as
 * given (no wrapping; see {@link polygonMasks}).
 */
function ringToPixels(gm: GridMapping, ring: [number, number][], conv: proj4.Converter | undefined): Float64Array {
  const [x0, dx, , y0, , dy] = gm.transform;
  const out = new Float64Array(ring.length * 2);
  for (let k = 0; k < ring.length; k++) {
    const p = ring[k]!;
    let x = p[0];
    let y = p[1];
    if (conv) [x, y] = conv.forward([x, y]) as [number, number];
    out[2 * k] = (x - x0) / dx;
    out[2 * k + 1] = (y - y0) / dy;
  }
  return out;
}

/**
 * The edges of rings (pixel coordinates, see {@link ringToPixels}) crossing the centres of rows
 * `[r0, r1)`, as parallel arrays sorted by first row: rows `i0…i1` (inclusive), start `xa, ya`, and
 * dx/dy; horizontal and non-finite edges are dropped.
 */
interface Edges {
  n: number;
  i0: Int32Array;
  i1: Int32Array;
  xa: Float64Array;
  ya: Float64Array;
  slope: Float64Array;
}

/** The first and last row whose centre `i + 0.5` lies in `[min(ya, yb), max(ya, yb))`, clipped to `[r0, r1)` (none: i1 < i0). */
function rowSpan(ya: number, yb: number, r0: number, r1: number): [number, number] {
  const lo = Math.min(ya, yb);
  const hi = Math.max(ya, yb);
  return [Math.max(r0, Math.ceil(lo - 0.5)), Math.min(r1 - 1, Math.ceil(hi - 0.5) - 1)];
}

/** The {@link Edges} of rings in pixel coordinates over rows `[r0, r1)`. */
function edgesOf(rings: Float64Array[], r0: number, r1: number): Edges {
  let cap = 0;
  for (const r of rings) cap += Math.max(0, r.length / 2 - 1);
  const i0 = new Int32Array(cap),
    i1 = new Int32Array(cap);
  const xa = new Float64Array(cap),
    ya = new Float64Array(cap),
    slope = new Float64Array(cap);
  let n = 0;
  for (const ring of rings) {
    for (let k = 0; k + 3 < ring.length; k += 2) {
      const xA = ring[k]!,
        yA = ring[k + 1]!,
        xB = ring[k + 2]!,
        yB = ring[k + 3]!;
      if (yA === yB || !Number.isFinite(xA + yA + xB + yB)) continue;
      const [a, b] = rowSpan(yA, yB, r0, r1);
      if (b < a) continue;
      i0[n] = a;
      i1[n] = b;
      xa[n] = xA;
      ya[n] = yA;
      slope[n] = (xB - xA) / (yB - yA);
      n++;
    }
  }
  // sort by first row (a permutation, then gathered)
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  order.sort((p, q) => i0[p]! - i0[q]!);
  const take = <T extends Int32Array | Float64Array>(src: T, Ctor: { new (n: number): T }): T => {
    const out = new Ctor(n);
    for (let k = 0; k < n; k++) out[k] = src[order[k]!]!;
    return out;
  };
  return {
    n,
    i0: take(i0, Int32Array),
    i1: take(i1, Int32Array),
    xa: take(xa, Float64Array),
    ya: take(ya, Float64Array),
    slope: take(slope, Float64Array),
  };
}

/** Edge × row crossings of rings (pixel coordinates) over rows `[r0, r1)`: the work of rasterizing them, in O(edges). */
function crossingsOf(rings: Float64Array[], r0: number, r1: number): number {
  let n = 0;
  for (const ring of rings) {
    for (let k = 1; k + 2 < ring.length; k += 2) {
      const yA = ring[k]!,
        yB = ring[k + 2]!;
      if (yA === yB || !Number.isFinite(yA + yB)) continue;
      const [a, b] = rowSpan(yA, yB, r0, r1);
      if (b >= a) n += b - a + 1;
    }
  }
  return n;
}

/**
 * Sets 1 in `mask` (window r0…/c0… of width w) for pixel centres inside the polygon of `e` shifted by
 * `dc` columns (even-odd rule), sweeping the rows with a table of active edges: memory O(edges), time
 * O(crossings); yields after each row so that a caller can pace a long sweep.
 */
function* rasterize(e: Edges, dc: number, mask: Uint8Array, r0: number, r1: number, c0: number, c1: number): Generator<void> {
  const w = c1 - c0;
  const active = new Int32Array(e.n);
  let na = 0;
  let next = 0;
  let xs = new Float64Array(64);
  for (let i = r0; i < r1; i++) {
    while (next < e.n && e.i0[next]! <= i) active[na++] = next++;
    if (na === 0) {
      if (next >= e.n) return;
      yield;
      continue;
    }
    // drop the edges that ended above this row
    let m = 0;
    for (let k = 0; k < na; k++) if (e.i1[active[k]!]! >= i) active[m++] = active[k]!;
    na = m;
    if (xs.length < na) xs = new Float64Array(na * 2);
    const yc = i + 0.5;
    for (let k = 0; k < na; k++) {
      const j = active[k]!;
      xs[k] = dc + e.xa[j]! + (yc - e.ya[j]!) * e.slope[j]!;
    }
    const row = xs.subarray(0, na).sort();
    for (let k = 0; k + 1 < na; k += 2) {
      const jStart = Math.max(c0, Math.ceil(row[k]! - 0.5));
      const jEnd = Math.min(c1 - 1, Math.ceil(row[k + 1]! - 0.5) - 1);
      if (jEnd >= jStart) mask.fill(1, (i - r0) * w + (jStart - c0), (i - r0) * w + (jEnd - c0) + 1);
    }
    yield;
  }
}

/**
 * What masking polygons on a grid will take, computed from the vertices alone (O(vertices)): the rows
 * `[r0, r1)`, the disjoint column windows (each with the 360° placements it holds), the polygons in
 * pixel coordinates, and the cost — `pixels` of the windows and `crossings` of edges and pixel rows.
 */
export interface MaskPlan {
  r0: number;
  r1: number;
  windows: { c0: number; c1: number; shifts: number[] }[];
  /** Pixels of all windows (the values a read of them holds). */
  pixels: number;
  /** Edge × pixel-row crossings of the rasterization (its time). */
  crossings: number;
  /** The polygons: rings of `[col0, row0, col1, row1, …]` in fractional pixel coordinates. */
  pxPolys: Float64Array[][];
}

/**
 * Plans {@link polygonMasks}: where the polygons lie on the grid and what masking them costs, without
 * rasterizing. See there for the placement rules.
 * @returns undefined when the polygons miss the grid's rows or columns.
 */
export function planPolygonMasks(gm: GridMapping, polygons: [number, number][][][]): MaskPlan | undefined {
  const conv = gm.isGeographic ? undefined : loadProj4()(WGS84_PROJ4, gm.proj4);
  const pxPolys = polygons.map((rs) => rs.map((ring) => ringToPixels(gm, ring, conv)));
  let minC = Infinity,
    maxC = -Infinity,
    minR = Infinity,
    maxR = -Infinity;
  for (const rs of pxPolys)
    for (const ring of rs)
      for (let k = 0; k + 1 < ring.length; k += 2) {
        const c = ring[k]!,
          r = ring[k + 1]!;
        if (!Number.isFinite(c) || !Number.isFinite(r)) continue;
        if (c < minC) minC = c;
        if (c > maxC) maxC = c;
        if (r < minR) minR = r;
        if (r > maxR) maxR = r;
      }
  const r0 = Math.max(0, Math.floor(minR));
  const r1 = Math.min(gm.height, Math.ceil(maxR));
  if (!(r1 > r0) || !(maxC >= minC)) return undefined;
  // placements: column shifts of k·360° (geographic grids only) that overlap the grid
  const period = gm.isGeographic ? 360 / gm.transform[1] : 0;
  const shifts = period ? [-2, -1, 0, 1, 2].map((k) => k * period) : [0];
  const spans = shifts
    .map((dc) => ({ dc, c0: Math.max(0, Math.floor(minC + dc)), c1: Math.min(gm.width, Math.ceil(maxC + dc)) }))
    .filter((s) => s.c1 > s.c0)
    .sort((a, b) => a.c0 - b.c0);
  // merge overlapping column spans into one window each, so that no pixel is counted twice
  const windows: { c0: number; c1: number; shifts: number[] }[] = [];
  for (const s of spans) {
    const last = windows[windows.length - 1];
    if (last && s.c0 <= last.c1) {
      last.c1 = Math.max(last.c1, s.c1);
      last.shifts.push(s.dc);
    } else windows.push({ c0: s.c0, c1: s.c1, shifts: [s.dc] });
  }
  if (windows.length === 0) return undefined;
  const placements = windows.reduce((n, w) => n + w.shifts.length, 0);
  let crossings = 0;
  for (const rs of pxPolys) crossings += crossingsOf(rs, r0, r1) * placements;
  const pixels = windows.reduce((n, w) => n + (r1 - r0) * (w.c1 - w.c0), 0);
  return { r0, r1, windows, pixels, crossings, pxPolys };
}

/** The masks of a plan, rasterized row by row; yields between rows so that the caller can pace it. */
function* rasterizePlan(plan: MaskPlan): Generator<void, PolygonMask[]> {
  const { r0, r1 } = plan;
  const edges = plan.pxPolys.map((rs) => edgesOf(rs, r0, r1));
  const out: PolygonMask[] = [];
  for (const { c0, c1, shifts: dcs } of plan.windows) {
    const mask = new Uint8Array((r1 - r0) * (c1 - c0));
    for (const dc of dcs) for (const es of edges) yield* rasterize(es, dc, mask, r0, r1, c0, c1);
    let count = 0;
    for (let k = 0; k < mask.length; k++) count += mask[k]!;
    if (count > 0) out.push({ r0, r1, c0, c1, mask, count });
  }
  return out;
}

/**
 * Masks the grid pixels whose **centres** lie inside the polygons (even-odd rule per polygon, holes as
 * inner rings, union over polygons) by a scanline sweep over the edges: O(edge × row crossings).
 *
 * Edges are straight lines between the vertices **as given** (RFC 7946 §3.1.9): a ring is never wrapped
 * vertex by vertex, so `[-5…5]` and `[355…365]` are the same 10° box and `[170…190]` crosses the
 * antimeridian. On a geographic grid the whole polygon is also placed 360° east and west, so a polygon
 * crossing the grid's longitude seam (0° on a 0…360 grid, ±180° on a −180…180 grid) masks the pixels
 * at both ends of the grid; each pixel is counted once however many placements cover it.
 * @returns the masks of disjoint column windows, west to east in grid columns (two when the polygon
 *   crosses the seam), with at least one pixel inside each; empty when no pixel centre is inside.
 */
export function polygonMasks(gm: GridMapping, polygons: [number, number][][][]): PolygonMask[] {
  const plan = planPolygonMasks(gm, polygons);
  if (!plan) return [];
  const it = rasterizePlan(plan);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link polygonMasks} of a plan ({@link planPolygonMasks}), yielding to the event loop through `pacer`
 * between rows, so that a mask of many edge crossings does not hold up other requests.
 * @throws EocubeError CANCELLED when the pacer's signal aborts.
 */
export async function polygonMasksPaced(plan: MaskPlan, pacer: Pacer): Promise<PolygonMask[]> {
  const it = rasterizePlan(plan);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    if (pacer.due) await pacer.tick();
  }
}

/**
 * Like {@link polygonMasks}, as one window: when the polygon crosses the grid's longitude seam the
 * window spans the columns between the parts too (their mask is 0). Prefer {@link polygonMasks} to read
 * only the pixels under the polygon.
 * @returns undefined when no pixel centre is inside.
 */
export function polygonMask(gm: GridMapping, polygons: [number, number][][][]): PolygonMask | undefined {
  const parts = polygonMasks(gm, polygons);
  if (parts.length <= 1) return parts[0];
  const { r0, r1 } = parts[0]!;
  const c0 = Math.min(...parts.map((p) => p.c0));
  const c1 = Math.max(...parts.map((p) => p.c1));
  const w = c1 - c0;
  const mask = new Uint8Array((r1 - r0) * w);
  let count = 0;
  for (const p of parts) {
    const pw = p.c1 - p.c0;
    for (let i = 0; i < r1 - r0; i++) mask.set(p.mask.subarray(i * pw, (i + 1) * pw), i * w + (p.c0 - c0));
    count += p.count;
  }
  return { r0, r1, c0, c1, mask, count };
}
