// Routes: place groups as xcube answers them: GET /places, GET|POST /places/{group}[?bbox|geom] (places intersecting
// a box, WKT or GeoJSON geometry), /places/{group}/{datasetId} and /datasets/{datasetId}/places/{group}.
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import { wktToGeoJSON } from "@terraformer/wkt";
import { booleanIntersects } from "@turf/boolean-intersects";
import type { FastifyInstance } from "fastify";
import type { Geometry as GeoJsonGeometry } from "geojson";
import { EocubeError } from "../../core/errors.js";
import type { ServerState } from "../app.js";
import { SAFE_ID } from "../config.js";
import type { DatasetEntry } from "../datasets.js";
import { bboxPolygon } from "../describe.js";
import { limitError } from "../limits.js";
import { baseUrl } from "./meta.js";
import {
  ERROR_RESPONSE,
  PLACE_GROUP_SCHEMA,
  PLACE_GROUPS_RESPONSE,
  PLACES_RESPONSE,
  type PlaceFeature,
  type PlaceGroupInfo,
} from "./responses.js";

/** xcube's id of the group of all global places. */
export const ALL_PLACES = "all";

const GROUP_PARAMS = {
  type: "object",
  required: ["placeGroupId"],
  properties: { placeGroupId: { type: "string", maxLength: 200 } },
} as const;

/**
 * The query geometry of a places request, as xcube's `find_places` reads it: `x1,y1,x2,y2` (a box; x1 > x2 crosses
 * the antimeridian and gives two boxes), else WKT; or a GeoJSON object (geometry, Feature, or the first feature of a
 * FeatureCollection).
 * @throws EocubeError INVALID_PARAMS "Received invalid geometry bbox, geometry WKT, or GeoJSON object".
 */
export function queryGeometry(query: unknown): GeoJsonGeometry {
  const bad = (cause?: unknown) =>
    new EocubeError("INVALID_PARAMS", "Received invalid geometry bbox, geometry WKT, or GeoJSON object", {
      field: "geom",
      hint: "bbox=west,south,east,north (degrees), geom=<WKT> such as POLYGON((…)), or a GeoJSON body",
      ...(cause ? { cause } : {}),
    });
  try {
    if (typeof query === "string") {
      const parts = query.split(",");
      if (parts.length === 4 && parts.every((p) => p.trim() !== "" && Number.isFinite(Number(p)))) {
        const [x1, y1, x2, y2] = parts.map(Number) as [number, number, number, number];
        if (x1 <= x2) return bboxPolygon([x1, y1, x2, y2]);
        return {
          type: "MultiPolygon",
          coordinates: [bboxPolygon([x1, y1, 180, y2]).coordinates, bboxPolygon([-180, y1, x2, y2]).coordinates],
        };
      }
      return checkGeometry(wktToGeoJSON(query) as GeoJsonGeometry);
    }
    const o = query as { type?: string; features?: Array<{ geometry?: unknown }>; geometry?: unknown };
    if (o?.type === "FeatureCollection") return checkGeometry(o.features?.[0]?.geometry as GeoJsonGeometry);
    if (o?.type === "Feature") return checkGeometry(o.geometry as GeoJsonGeometry);
    return checkGeometry(o as GeoJsonGeometry);
  } catch (err) {
    throw bad(err);
  }
}

function checkGeometry(g: GeoJsonGeometry): GeoJsonGeometry {
  const ok = (c: unknown): boolean =>
    Array.isArray(c) && (typeof c[0] === "number" ? c.length >= 2 && c.every(Number.isFinite) : c.every(ok));
  if (!g || typeof g !== "object") throw new Error("no geometry");
  if (g.type === "GeometryCollection") {
    if (!Array.isArray(g.geometries)) throw new Error("no geometries");
    g.geometries.forEach(checkGeometry);
    return g;
  }
  if (!["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"].includes(g.type) || !ok(g.coordinates))
    throw new Error("not a geometry");
  return g;
}

/** Positions in a geometry (all parts). */
function vertexCount(g: GeoJsonGeometry): number {
  const count = (c: unknown): number =>
    Array.isArray(c) ? (typeof c[0] === "number" ? 1 : c.reduce((n: number, x) => n + count(x), 0)) : 0;
  return g.type === "GeometryCollection" ? g.geometries.reduce((n, x) => n + vertexCount(x), 0) : count(g.coordinates);
}

/**
 * The query geometry of a request within `Limits.MaxVertices` (intersection tests cost vertices × places).
 * @throws EocubeError TOO_LARGE (field `Limits.MaxVertices`), plus those of {@link queryGeometry}.
 */
function limitedQuery(state: ServerState, query: unknown): GeoJsonGeometry {
  const g = queryGeometry(query);
  const n = vertexCount(g);
  if (n > state.limits.maxVertices)
    throw limitError(
      "MaxVertices",
      `the query geometry has ${n} vertices, over the limit of ${state.limits.maxVertices}`,
      "simplify the geometry",
    );
  return g;
}

/** The places among `features` whose geometry intersects `geometry` (all when it is undefined). */
export function placesIntersecting(features: PlaceFeature[], geometry: GeoJsonGeometry | undefined): PlaceFeature[] {
  if (!geometry) return features;
  const parts = geometry.type === "GeometryCollection" ? geometry.geometries : [geometry];
  return features.filter((f) => {
    if (!f.geometry) return false;
    const g = f.geometry as unknown as GeoJsonGeometry;
    return parts.some((q) => (g.type === "GeometryCollection" ? g.geometries : [g]).some((p) => booleanIntersects(p, q)));
  });
}

/**
 * The configured entry of a dataset, without opening it (place groups need only its config).
 * @throws EocubeError UNSAFE_ID, NOT_FOUND naming the served datasets.
 */
async function entryOf(state: ServerState, id: string, signal: AbortSignal): Promise<DatasetEntry> {
  if (!SAFE_ID.test(id) || id.includes(".."))
    throw new EocubeError("UNSAFE_ID", `dataset id ${JSON.stringify(id.slice(0, 100))} contains unsafe characters`, { field: "datasetId" });
  const entries = await state.ctx.entries({ signal });
  const entry = entries.find((e) => e.id === id);
  if (!entry)
    throw new EocubeError("NOT_FOUND", `dataset ${JSON.stringify(id)} not found`, {
      field: "datasetId",
      hint: `served datasets: ${entries.map((e) => e.id).join(", ") || "(none)"}`,
    });
  return entry;
}

/** Registers the place routes. */
export function placesRoutes(fastify: FastifyInstance, state: ServerState): void {
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();

  app.get(
    "/places",
    { schema: { summary: "The place groups of the configuration (without features)", response: { 200: PLACE_GROUPS_RESPONSE } } },
    async (request) => ({ placeGroups: await state.places.globalGroups(baseUrl(request)) }),
  );

  /** The features of a global group, or of all of them (`all`). */
  const groupFeatures = async (id: string, base: string): Promise<PlaceFeature[]> => {
    if (id === ALL_PLACES) return (await state.places.globalGroups(base, true)).flatMap((g) => g.features ?? []);
    return (await state.places.globalGroup(id, base, true)).features ?? [];
  };

  app.get(
    "/places/:placeGroupId",
    {
      schema: {
        summary: "Places of a group (all: every group) intersecting a box or a WKT geometry",
        params: GROUP_PARAMS,
        querystring: {
          type: "object",
          properties: {
            bbox: { type: "string", maxLength: 200, description: "west,south,east,north (degrees; west > east crosses the antimeridian)" },
            geom: { type: "string", maxLength: 100_000, description: "geometry as WKT" },
          },
        } as const,
        response: { 200: PLACES_RESPONSE, "4xx": ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { bbox, geom } = request.query;
      if (bbox && geom) throw new EocubeError("INVALID_PARAMS", 'Only one of "geom" and "bbox" may be given', { field: "bbox" });
      const q = bbox || geom ? limitedQuery(state, bbox || geom) : undefined;
      const features = await groupFeatures(request.params.placeGroupId, baseUrl(request));
      return { places: { type: "FeatureCollection" as const, features: placesIntersecting(features, q) } };
    },
  );

  app.post(
    "/places/:placeGroupId",
    {
      bodyLimit: state.limits.maxBodyBytes,
      schema: {
        summary: "Places of a group intersecting a GeoJSON geometry (body, any content type)",
        params: GROUP_PARAMS,
        response: { 200: PLACES_RESPONSE, "4xx": ERROR_RESPONSE },
      },
    },
    async (request) => {
      const q = limitedQuery(state, request.body);
      const features = await groupFeatures(request.params.placeGroupId, baseUrl(request));
      return { places: { type: "FeatureCollection" as const, features: placesIntersecting(features, q) } };
    },
  );

  app.get(
    "/places/:placeGroupId/:datasetId",
    {
      schema: {
        summary: "Places of a group intersecting a dataset's extent",
        params: {
          type: "object",
          required: ["placeGroupId", "datasetId"],
          properties: { placeGroupId: { type: "string", maxLength: 200 }, datasetId: { type: "string", maxLength: 200 } },
        } as const,
        response: { 200: PLACES_RESPONSE, "4xx": ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { placeGroupId, datasetId } = request.params;
      const sd = await state.ctx.open(datasetId, { signal: request.opSignal });
      const q = sd.lonLatBbox ? queryGeometry(sd.lonLatBbox.join(",")) : undefined;
      const features = await groupFeatures(placeGroupId, baseUrl(request));
      return { places: { type: "FeatureCollection" as const, features: q ? placesIntersecting(features, q) : [] } };
    },
  );

  app.get(
    "/datasets/:datasetId/places/:placeGroupId",
    {
      schema: {
        summary: "A place group of a dataset, with its features",
        params: {
          type: "object",
          required: ["datasetId", "placeGroupId"],
          properties: { datasetId: { type: "string", maxLength: 200 }, placeGroupId: { type: "string", maxLength: 200 } },
        } as const,
        response: { 200: PLACE_GROUP_SCHEMA, "4xx": ERROR_RESPONSE },
      },
    },
    async (request): Promise<PlaceGroupInfo> => {
      const { datasetId, placeGroupId } = request.params;
      const entry = await entryOf(state, datasetId, request.opSignal);
      return state.places.datasetGroup(entry.id, entry.configField, placeGroupId, baseUrl(request));
    },
  );
}
