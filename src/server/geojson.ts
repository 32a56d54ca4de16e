// GeoJSON input of time-series and statistics requests: parsing with limits, and geometry masks on a
// dataset grid by pixel centre. https://datatracker.ietf.org/doc/html/rfc7946
import proj4 from "proj4";
import { EocubeError } from "../core/errors.js";
import type { GridMapping } from "../core/gridmapping.js";

/** Most vertices accepted in one request (all geometries together). */
export const MAX_VERTICES = 100_000;

/** A parsed geometry in WGS 84: a point, or polygons (each a list of rings of [lon, lat]). */
export type Geometry =
  | { type: "Point"; coordinates: [number, number] }
  | { type: "Polygon"; polygons: [number, number][][][] };

/** The geometries of a request and whether it was a collection (then results are a list per geometry). */
export interface ParsedGeoJson {
  geometries: Geometry[];
  isCollection: boolean;
}

function bad(message: string): EocubeError {
  return new EocubeError("INVALID_PARAMS", `invalid GeoJSON: ${message}`, {
    field: "body",
    hint: 'send a GeoJSON Point or Polygon geometry, Feature or FeatureCollection in WGS 84, e.g. {"type": "Point", "coordinates": [2.5, 51.2]}',
  });
}

/**
 * Parses a GeoJSON object: a Point/MultiPoint/Polygon/MultiPolygon geometry, GeometryCollection,
 * Feature or FeatureCollection. Coordinates must be finite lon/lat (lon −180…360, lat −90…90).
 * @throws EocubeError INVALID_PARAMS (field `body`) for malformed input, unsupported geometry types, or
 *   more than {@link MAX_VERTICES} vertices.
 */
export function parseGeoJson(obj: unknown): ParsedGeoJson {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw bad("expected a JSON object");
  const o = obj as Record<string, unknown>;
  const counter = { n: 0 };
  switch (o.type) {
    case "FeatureCollection": {
      if (!Array.isArray(o.features)) throw bad("FeatureCollection without a features array");
      return { geometries: o.features.flatMap((f) => featureGeometry(f, counter)), isCollection: true };
    }
    case "GeometryCollection": {
      if (!Array.isArray(o.geometries)) throw bad("GeometryCollection without a geometries array");
      return { geometries: o.geometries.flatMap((g) => geometry(g, counter)), isCollection: true };
    }
    case "Feature":
      return { geometries: featureGeometry(o, counter), isCollection: false };
    default:
      return { geometries: geometry(o, counter), isCollection: false };
  }
}

function featureGeometry(f: unknown, counter: { n: number }): Geometry[] {
  if (typeof f !== "object" || f === null || (f as { type?: unknown }).type !== "Feature") throw bad("a feature must be an object with type Feature");
  const g = (f as { geometry?: unknown }).geometry;
  if (g === null || g === undefined) throw bad("feature without geometry");
  const gs = geometry(g, counter);
  if (gs.length !== 1) throw bad("a feature's geometry must be a Point or a (Multi)Polygon");
  return gs;
}

function position(p: unknown, counter: { n: number }): [number, number] {
  if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== "number" || typeof p[1] !== "number" || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw bad("a position must be [lon, lat] with finite numbers");
  }
  if (p[0] < -180 || p[0] > 360 || p[1] < -90 || p[1] > 90) throw bad(`position [${p[0]}, ${p[1]}] is not a WGS 84 lon/lat`);
  if (++counter.n > MAX_VERTICES) {
    throw new EocubeError("INVALID_PARAMS", `the geometry has more than ${MAX_VERTICES} vertices`, { field: "body", hint: "simplify the geometry first" });
  }
  return [p[0], p[1]];
}

function rings(poly: unknown, counter: { n: number }): [number, number][][] {
  if (!Array.isArray(poly) || poly.length === 0) throw bad("a polygon must be a non-empty list of linear rings");
  return poly.map((ring) => {
    if (!Array.isArray(ring) || ring.length < 4) throw bad("a linear ring needs at least 4 positions");
    return ring.map((p) => position(p, counter));
  });
}

function geometry(g: unknown, counter: { n: number }): Geometry[] {
  if (typeof g !== "object" || g === null) throw bad("a geometry must be an object");
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  switch (type) {
    case "Point":
      return [{ type: "Point", coordinates: position(coordinates, counter) }];
    case "MultiPoint":
      if (!Array.isArray(coordinates)) throw bad("MultiPoint coordinates must be a list");
      return coordinates.map((p) => ({ type: "Point" as const, coordinates: position(p, counter) }));
    case "Polygon":
      return [{ type: "Polygon", polygons: [rings(coordinates, counter)] }];
    case "MultiPolygon":
      if (!Array.isArray(coordinates) || coordinates.length === 0) throw bad("MultiPolygon coordinates must be a non-empty list");
      return [{ type: "Polygon", polygons: coordinates.map((p) => rings(p, counter)) }];
    default:
      throw bad(`unsupported geometry type ${JSON.stringify(type)}; use Point, MultiPoint, Polygon or MultiPolygon`);
  }
}

/** lon/lat → fractional pixel coordinates `[col, row]` of the grid (pixel edges at integers). */
export function lonLatToPixel(gm: GridMapping): (lon: number, lat: number) => [number, number] {
  const [x0, dx, , y0, , dy] = gm.transform;
  const conv = gm.isGeographic ? undefined : proj4("+proj=longlat +datum=WGS84 +no_defs", gm.proj4);
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
  const [c, r] = lonLatToPixel(gm)(lon, lat);
  const col = wrapColumn(c, gm.width, gm.isGeographic ? 360 / gm.transform[1] : undefined);
  const row = Math.floor(r);
  return col >= 0 && row >= 0 && row < gm.height ? [row, col] : undefined;
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

/** lon/lat → fractional `[col, row]` with longitudes taken as given (no wrapping; see {@link polygonMasks}). */
function lonLatToPixelUnwrapped(gm: GridMapping): (lon: number, lat: number) => [number, number] {
  const [x0, dx, , y0, , dy] = gm.transform;
  const conv = gm.isGeographic ? undefined : proj4("+proj=longlat +datum=WGS84 +no_defs", gm.proj4);
  return (lon, lat) => {
    const [x, y] = conv ? (conv.forward([lon, lat]) as [number, number]) : [lon, lat];
    return [(x - x0) / dx, (y - y0) / dy];
  };
}

/** Sets 1 in `mask` (window r0…/c0… of width w) for pixel centres inside `rings` shifted by `dc` columns (even-odd rule). */
function rasterize(rings: [number, number][][], dc: number, mask: Uint8Array, r0: number, r1: number, c0: number, c1: number): void {
  const h = r1 - r0;
  const w = c1 - c0;
  const crossings: number[][] = Array.from({ length: h }, () => []);
  for (const ring of rings) {
    for (let k = 0; k < ring.length - 1; k++) {
      const [xa, ya] = ring[k]!;
      const [xb, yb] = ring[k + 1]!;
      if (ya === yb || !Number.isFinite(xa + ya + xb + yb)) continue;
      const lo = Math.min(ya, yb);
      const hi = Math.max(ya, yb);
      // rows i whose centre i + 0.5 lies in [lo, hi)
      const iStart = Math.max(r0, Math.ceil(lo - 0.5));
      const iEnd = Math.min(r1 - 1, Math.ceil(hi - 0.5) - 1);
      for (let i = iStart; i <= iEnd; i++) {
        const yc = i + 0.5;
        crossings[i - r0]!.push(dc + xa + ((yc - ya) * (xb - xa)) / (yb - ya));
      }
    }
  }
  for (let i = 0; i < h; i++) {
    const xs = crossings[i]!.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const jStart = Math.max(c0, Math.ceil(xs[k]! - 0.5));
      const jEnd = Math.min(c1 - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      if (jEnd >= jStart) mask.fill(1, i * w + (jStart - c0), i * w + (jEnd - c0) + 1);
    }
  }
}

/**
 * Masks the grid pixels whose **centres** lie inside the polygons (even-odd rule per polygon, holes as
 * inner rings, union over polygons) by scanlines over the edges: O(edges × rows spanned).
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
  const toPx = lonLatToPixelUnwrapped(gm);
  const pxPolys = polygons.map((rs) => rs.map((ring) => ring.map(([lon, lat]) => toPx(lon, lat))));
  let minC = Infinity, maxC = -Infinity, minR = Infinity, maxR = -Infinity;
  for (const rs of pxPolys) for (const ring of rs) for (const [c, r] of ring) {
    if (!Number.isFinite(c) || !Number.isFinite(r)) continue;
    minC = Math.min(minC, c); maxC = Math.max(maxC, c); minR = Math.min(minR, r); maxR = Math.max(maxR, r);
  }
  const r0 = Math.max(0, Math.floor(minR));
  const r1 = Math.min(gm.height, Math.ceil(maxR));
  if (!(r1 > r0) || !(maxC >= minC)) return [];
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
  const out: PolygonMask[] = [];
  for (const { c0, c1, shifts: dcs } of windows) {
    const mask = new Uint8Array((r1 - r0) * (c1 - c0));
    for (const dc of dcs) for (const rs of pxPolys) rasterize(rs, dc, mask, r0, r1, c0, c1);
    let count = 0;
    for (let k = 0; k < mask.length; k++) count += mask[k]!;
    if (count > 0) out.push({ r0, r1, c0, c1, mask, count });
  }
  return out;
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
