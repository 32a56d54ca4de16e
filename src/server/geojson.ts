// GeoJSON input of time-series and statistics requests: parsing with limits into WGS 84 points and
// polygons (their masks on a grid are ops/masks.ts). https://datatracker.ietf.org/doc/html/rfc7946
import { EocubeError } from "../core/errors.js";
import { DEFAULT_LIMITS, limitError } from "./limits.js";

/** Most vertices accepted in one request by default (all geometries together; config `Limits.MaxVertices`). */
export const MAX_VERTICES = DEFAULT_LIMITS.maxVertices;

/** Limits of {@link parseGeoJson}. */
export interface GeoJsonLimits {
  /** Geometries at most (a MultiPoint's points count one each) [default 1000]. */
  maxFeatures?: number;
  /** Vertices at most, all geometries together [default 100000]. */
  maxVertices?: number;
}

/** Counts geometries and vertices while parsing, refusing as soon as a limit is passed. */
interface Counter {
  n: number;
  maxVertices: number;
  features: number;
  maxFeatures: number;
}

/** A parsed geometry in WGS 84: a point, or polygons (each a list of rings of [lon, lat]). */
export type Geometry = { type: "Point"; coordinates: [number, number] } | { type: "Polygon"; polygons: [number, number][][][] };

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
 * @throws EocubeError INVALID_PARAMS (field `body`) for malformed input or unsupported geometry types;
 *   TOO_LARGE (413, field `Limits.MaxFeatures` / `Limits.MaxVertices`) for more geometries or vertices
 *   than `limits` allow, before walking them all.
 */
export function parseGeoJson(obj: unknown, limits: GeoJsonLimits = {}): ParsedGeoJson {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw bad("expected a JSON object");
  const o = obj as Record<string, unknown>;
  const counter: Counter = {
    n: 0,
    maxVertices: limits.maxVertices ?? DEFAULT_LIMITS.maxVertices,
    features: 0,
    maxFeatures: limits.maxFeatures ?? DEFAULT_LIMITS.maxFeatures,
  };
  switch (o.type) {
    case "FeatureCollection": {
      if (!Array.isArray(o.features)) throw bad("FeatureCollection without a features array");
      countFeatures(counter, o.features.length);
      return { geometries: o.features.flatMap((f) => featureGeometry(f, counter)), isCollection: true };
    }
    case "GeometryCollection": {
      if (!Array.isArray(o.geometries)) throw bad("GeometryCollection without a geometries array");
      countFeatures(counter, o.geometries.length);
      return { geometries: o.geometries.flatMap((g) => geometry(g, counter)), isCollection: true };
    }
    case "Feature":
      countFeatures(counter, 1);
      return { geometries: featureGeometry(o, counter), isCollection: false };
    default:
      countFeatures(counter, 1);
      return { geometries: geometry(o, counter), isCollection: false };
  }
}

/** Adds `k` geometries to the count of a request; refuses when more than its limit. */
function countFeatures(counter: Counter, k: number): void {
  counter.features += k;
  if (counter.features > counter.maxFeatures) {
    throw limitError(
      "MaxFeatures",
      `the request has ${counter.features} or more geometries (the points of a MultiPoint count one each), more than the limit of ${counter.maxFeatures} per request`,
      "send fewer features (points of a MultiPoint count one each), split the request, or aggregate them into one MultiPolygon",
    );
  }
}

function featureGeometry(f: unknown, counter: Counter): Geometry[] {
  if (typeof f !== "object" || f === null || (f as { type?: unknown }).type !== "Feature")
    throw bad("a feature must be an object with type Feature");
  const g = (f as { geometry?: unknown }).geometry;
  if (g === null || g === undefined) throw bad("feature without geometry");
  const gs = geometry(g, counter);
  if (gs.length !== 1) throw bad("a feature's geometry must be a Point or a (Multi)Polygon");
  return gs;
}

function position(p: unknown, counter: Counter): [number, number] {
  if (
    !Array.isArray(p) ||
    p.length < 2 ||
    typeof p[0] !== "number" ||
    typeof p[1] !== "number" ||
    !Number.isFinite(p[0]) ||
    !Number.isFinite(p[1])
  ) {
    throw bad("a position must be [lon, lat] with finite numbers");
  }
  if (p[0] < -180 || p[0] > 360 || p[1] < -90 || p[1] > 90) throw bad(`position [${p[0]}, ${p[1]}] is not a WGS 84 lon/lat`);
  if (++counter.n > counter.maxVertices) {
    throw limitError(
      "MaxVertices",
      `the geometry has more than ${counter.maxVertices} vertices, the limit per request`,
      "simplify the geometry first",
    );
  }
  return [p[0], p[1]];
}

function rings(poly: unknown, counter: Counter): [number, number][][] {
  if (!Array.isArray(poly) || poly.length === 0) throw bad("a polygon must be a non-empty list of linear rings");
  return poly.map((ring) => {
    if (!Array.isArray(ring) || ring.length < 4) throw bad("a linear ring needs at least 4 positions");
    return ring.map((p) => position(p, counter));
  });
}

function geometry(g: unknown, counter: Counter): Geometry[] {
  if (typeof g !== "object" || g === null) throw bad("a geometry must be an object");
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  switch (type) {
    case "Point":
      return [{ type: "Point", coordinates: position(coordinates, counter) }];
    case "MultiPoint":
      if (!Array.isArray(coordinates)) throw bad("MultiPoint coordinates must be a list");
      countFeatures(counter, coordinates.length - 1); // its points are series of their own
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
