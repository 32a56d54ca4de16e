// Routes: a STAC API under /ogc — landing page, conformance, the "datacubes" collection whose items are
// the served datasets, item pages, and /ogc/search (bbox, datetime, limit, token pagination).
// Spec: STAC API 1.0.0 (core, collections, features/ogcapi-features, item-search).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { timeSpan } from "../../core/coords.js";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { parseTimeAttribute, parseTimeText, toIsoString } from "../../core/time.js";
import type { BBox } from "../../core/gridmapping.js";
import { Link, MediaType, type LinkJson } from "../../catalog/stac/link.js";
import type { ServerState } from "../app.js";
import type { ServedDataset } from "../datasets.js";
import { bboxPolygon, describeVariable } from "../describe.js";
import { baseUrl } from "./meta.js";

const STAC_VERSION = "1.0.0";
const JSON_TYPE = { type: MediaType.JSON };
const GEOJSON = { type: MediaType.GEOJSON };

/** Links as the plain JSON of a response. */
function linksJson(...links: Link[]): LinkJson[] {
  return links.map((l) => l.toJSON());
}
const COLLECTION_ID = "datacubes";
const CONFORMANCE = [
  "https://api.stacspec.org/v1.0.0/core",
  "https://api.stacspec.org/v1.0.0/collections",
  "https://api.stacspec.org/v1.0.0/ogcapi-features",
  "https://api.stacspec.org/v1.0.0/item-search",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];

/** Parses a STAC `bbox` ("w,s,e,n" or a list). @throws EocubeError INVALID_PARAMS. */
export function parseBbox(value: unknown): BBox | undefined {
  if (value === undefined || value === "") return undefined;
  const parts = (Array.isArray(value) ? value : String(value).split(",")).map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite) || parts[1]! > parts[3]!) {
    throw new EocubeError("INVALID_PARAMS", "bbox must be west,south,east,north in degrees", { field: "bbox" });
  }
  return parts as BBox;
}

/**
 * Parses a STAC `datetime` (instant, or interval "a/b" with ".." for open ends) to [start, end] ms. Each end is
 * the instant it names (core/time.ts `parseTimeText`; a time without an offset is UTC, never local time).
 * @throws EocubeError INVALID_PARAMS for text that is not a time, or a start after the end.
 */
export function parseDatetime(value: unknown): [number, number] | undefined {
  if (value === undefined || value === "") return undefined;
  const s = String(value);
  const [a, b] = s.includes("/") ? s.split("/") : [s, s];
  const parse = (t: string | undefined, open: number) => {
    if (t === undefined || t === "" || t === "..") return open;
    const ms = parseTimeText(t, { partial: true })?.ms;
    if (ms === undefined)
      throw new EocubeError("INVALID_PARAMS", `datetime ${JSON.stringify(s.slice(0, 80))} is not an RFC 3339 instant or interval`, {
        field: "datetime",
      });
    return ms;
  };
  const r: [number, number] = [parse(a, -Infinity), parse(b, Infinity)];
  if (r[0] > r[1]) throw new EocubeError("INVALID_PARAMS", "datetime interval start is after its end", { field: "datetime" });
  return r;
}

/** A string attribute's instant in epoch ms (core `parseTimeAttribute` forms), else undefined. */
function attrMs(v: unknown): number | undefined {
  return typeof v === "string" ? parseTimeAttribute(v) : undefined;
}

/**
 * The STAC time of a dataset: `[start, end]` (ISO 'Z', equal for one instant) from its time axis, else
 * from its attributes (ACDD `time_coverage_start`/`time_coverage_end`, `start_datetime`/`end_datetime`,
 * or a single `datetime`); undefined when it has none. Never invented: STAC 1.0.0 items need a
 * `datetime` or `start_datetime` + `end_datetime` (item-spec/json-schema/datetime.json), so a dataset
 * without a known time has no STAC item.
 */
export function stacTimeOf(sd: ServedDataset): [string, string] | undefined {
  const tr = timeSpan(sd.times ?? []);
  if (tr) return tr;
  const a = sd.dataset.attrs;
  const start = attrMs(a.time_coverage_start) ?? attrMs(a.start_datetime);
  const end = attrMs(a.time_coverage_end) ?? attrMs(a.end_datetime);
  if (start !== undefined && end !== undefined) return start <= end ? [toIsoString(start), toIsoString(end)] : undefined;
  const one = attrMs(a.datetime) ?? start ?? end;
  return one === undefined ? undefined : [toIsoString(one), toIsoString(one)];
}

function itemOf(base: string, sd: ServedDataset): Record<string, unknown> {
  const tr = stacTimeOf(sd);
  if (!tr) throw noItem(sd);
  const id = sd.entry.id;
  const itemHref = `${base}/ogc/collections/${COLLECTION_ID}/items/${id}`;
  const dims: Record<string, unknown> = {};
  const [w, s, e, n] = sd.gm.bbox;
  dims[sd.gm.xDim] = { type: "spatial", axis: "x", extent: [w, e], step: sd.gm.resolution[0], reference_system: sd.gm.crs };
  dims[sd.gm.yDim] = { type: "spatial", axis: "y", extent: [s, n], step: sd.gm.resolution[1], reference_system: sd.gm.crs };
  if (sd.timeName && timeSpan(sd.times ?? [])) dims[sd.timeName] = { type: "temporal", extent: tr };
  const variables: Record<string, unknown> = {};
  const assets: Record<string, unknown> = {};
  for (const name of sd.variableNames) {
    const v = sd.dataset.data_vars[name]!;
    const d = describeVariable(sd, v);
    variables[name] = { type: "data", dimensions: v.dims, ...(d.units ? { unit: d.units } : {}), description: d.title };
    assets[name] = {
      href: `${base}/tiles/${id}/${name}/{z}/{y}/{x}`,
      type: "image/png",
      title: `${d.title} (XYZ tiles)`,
      roles: ["visual"],
    };
  }
  return {
    type: "Feature",
    stac_version: STAC_VERSION,
    stac_extensions: ["https://stac-extensions.github.io/datacube/v2.2.0/schema.json"],
    id,
    collection: COLLECTION_ID,
    bbox: sd.lonLatBbox,
    geometry: bboxPolygon(sd.lonLatBbox),
    properties: {
      title: sd.entry.title,
      ...(tr[0] === tr[1] ? { datetime: tr[0] } : { datetime: null, start_datetime: tr[0], end_datetime: tr[1] }),
      "cube:dimensions": dims,
      "cube:variables": variables,
    },
    links: linksJson(
      Link.self(itemHref, GEOJSON),
      Link.parent(`${base}/ogc/collections/${COLLECTION_ID}`, JSON_TYPE),
      Link.collection(`${base}/ogc/collections/${COLLECTION_ID}`, JSON_TYPE),
      Link.root(`${base}/ogc`, JSON_TYPE),
      Link.describedBy(`${base}/datasets/${id}`, JSON_TYPE),
    ),
    assets,
  };
}

function noItem(sd: ServedDataset): EocubeError {
  return new EocubeError(
    "NOT_FOUND",
    `dataset ${JSON.stringify(sd.entry.id)} has no time (no time axis, no time_coverage_start/end or datetime attribute), so it has no STAC item`,
    {
      field: "itemId",
      hint: `STAC items need a datetime; GET /datasets/${sd.entry.id} describes the dataset`,
    },
  );
}

function intersects(sd: ServedDataset, bbox?: BBox, dt?: [number, number]): boolean {
  if (bbox) {
    const [w, s, e, n] = sd.lonLatBbox;
    if (bbox[1] > n || bbox[3] < s) return false;
    if (bbox[0] <= bbox[2] && w <= e && (bbox[0] > e || bbox[2] < w)) return false;
  }
  if (dt) {
    const tr = stacTimeOf(sd);
    if (!tr) return false;
    if (parseTimeAttribute(tr[1])! < dt[0] || parseTimeAttribute(tr[0])! > dt[1]) return false;
  }
  return true;
}

/** Registers the STAC routes under /ogc. */
export function stacRoutes(app: FastifyInstance, state: ServerState): void {
  const { ctx } = state;

  async function served(request: FastifyRequest): Promise<ServedDataset[]> {
    const out: ServedDataset[] = [];
    for (const e of await ctx.entries({ signal: request.opSignal })) {
      if (e.hidden) continue;
      try {
        out.push(await ctx.get(e.id, { signal: request.opSignal }));
      } catch (err) {
        if (!isEocubeError(err) || !err.isUserError) throw err;
      }
    }
    return out;
  }

  /** The collection summarises its items: the datasets with a STAC time. */
  function collection(base: string, datasets: ServedDataset[]): Record<string, unknown> {
    const all = datasets.filter((sd) => stacTimeOf(sd));
    let w = 180,
      s = 90,
      e = -180,
      n = -90;
    let t0 = Infinity,
      t1 = -Infinity;
    for (const sd of all) {
      w = Math.min(w, sd.lonLatBbox[0]);
      s = Math.min(s, sd.lonLatBbox[1]);
      e = Math.max(e, sd.lonLatBbox[2]);
      n = Math.max(n, sd.lonLatBbox[3]);
      const tr = stacTimeOf(sd);
      if (tr) {
        t0 = Math.min(t0, parseTimeAttribute(tr[0])!);
        t1 = Math.max(t1, parseTimeAttribute(tr[1])!);
      }
    }
    return {
      type: "Collection",
      stac_version: STAC_VERSION,
      id: COLLECTION_ID,
      title: "Data cubes",
      description: "The data cubes served by this eocube server, one item per dataset.",
      license: "proprietary",
      extent: {
        spatial: { bbox: [all.length ? [w, s, e, n] : [-180, -90, 180, 90]] },
        temporal: { interval: [[Number.isFinite(t0) ? toIsoString(t0) : null, Number.isFinite(t1) ? toIsoString(t1) : null]] },
      },
      links: linksJson(
        Link.self(`${base}/ogc/collections/${COLLECTION_ID}`, JSON_TYPE),
        Link.items(`${base}/ogc/collections/${COLLECTION_ID}/items`, GEOJSON),
        Link.parent(`${base}/ogc`, JSON_TYPE),
        Link.root(`${base}/ogc`, JSON_TYPE),
      ),
    };
  }

  async function itemsPage(
    request: FastifyRequest,
    path: string,
    q: { limit?: number; token?: string; bbox?: unknown; datetime?: unknown; ids?: unknown; collections?: unknown },
  ) {
    const base = baseUrl(request);
    const bbox = parseBbox(q.bbox);
    const dt = parseDatetime(q.datetime);
    const limit = q.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new EocubeError("INVALID_PARAMS", "limit must be 1…1000", { field: "limit" });
    const offset = q.token === undefined ? 0 : Number(q.token);
    if (!Number.isInteger(offset) || offset < 0)
      throw new EocubeError("INVALID_PARAMS", "token is not a page token of this server", { field: "token" });
    const ids = q.ids === undefined ? undefined : (Array.isArray(q.ids) ? q.ids : String(q.ids).split(",")).map(String);
    const cols =
      q.collections === undefined
        ? undefined
        : (Array.isArray(q.collections) ? q.collections : String(q.collections).split(",")).map(String);
    // datasets without a known time have no STAC item
    let all = (await served(request)).filter((sd) => stacTimeOf(sd) && intersects(sd, bbox, dt) && (!ids || ids.includes(sd.entry.id)));
    if (cols && !cols.includes(COLLECTION_ID)) all = [];
    const page = all.slice(offset, offset + limit);
    const params = new URLSearchParams();
    if (q.bbox !== undefined) params.set("bbox", Array.isArray(q.bbox) ? q.bbox.join(",") : String(q.bbox));
    if (q.datetime !== undefined) params.set("datetime", String(q.datetime));
    params.set("limit", String(limit));
    const links = [Link.self(`${base}${path}`, GEOJSON), Link.root(`${base}/ogc`, JSON_TYPE)];
    if (offset + limit < all.length) {
      params.set("token", String(offset + limit));
      links.push(Link.next(`${base}${path}?${params}`, { ...GEOJSON, method: "GET" }));
    }
    if (offset > 0) {
      params.set("token", String(Math.max(0, offset - limit)));
      links.push(Link.prev(`${base}${path}?${params}`, { ...GEOJSON, method: "GET" }));
    }
    return {
      type: "FeatureCollection",
      features: page.map((sd) => itemOf(base, sd)),
      numberMatched: all.length,
      numberReturned: page.length,
      links: linksJson(...links),
    };
  }

  app.get("/ogc", { schema: { summary: "STAC API landing page" } }, async (request) => {
    const base = baseUrl(request);
    return {
      type: "Catalog",
      stac_version: STAC_VERSION,
      id: "eocube-server",
      title: state.config.ServerTitle ?? "eocube server",
      description: "STAC API of the data cubes served by eocube.",
      conformsTo: CONFORMANCE,
      links: linksJson(
        Link.self(`${base}/ogc`, JSON_TYPE),
        Link.root(`${base}/ogc`, JSON_TYPE),
        Link.conformance(`${base}/ogc/conformance`, JSON_TYPE),
        Link.data(`${base}/ogc/collections`, JSON_TYPE),
        Link.search(`${base}/ogc/search`, { ...GEOJSON, method: "GET" }),
        Link.search(`${base}/ogc/search`, { ...GEOJSON, method: "POST" }),
        Link.serviceDesc(`${base}/openapi.json`, { type: MediaType.OPENAPI }),
        Link.child(`${base}/ogc/collections/${COLLECTION_ID}`, JSON_TYPE),
      ),
    };
  });
  app.get("/ogc/conformance", { schema: { summary: "STAC/OGC conformance classes" } }, async () => ({ conformsTo: CONFORMANCE }));
  app.get("/ogc/collections", { schema: { summary: "STAC collections" } }, async (request) => {
    const base = baseUrl(request);
    return {
      collections: [collection(base, await served(request))],
      links: linksJson(Link.self(`${base}/ogc/collections`), Link.root(`${base}/ogc`)),
    };
  });
  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  const cParams = { type: "object", required: ["collectionId"], properties: { collectionId: { type: "string", maxLength: 200 } } } as const;
  const check = (id: string) => {
    if (id !== COLLECTION_ID)
      throw new EocubeError("NOT_FOUND", `collection ${JSON.stringify(id.slice(0, 100))} not found`, {
        field: "collectionId",
        hint: `collections: ${COLLECTION_ID}`,
      });
  };
  typed.get("/ogc/collections/:collectionId", { schema: { summary: "One STAC collection", params: cParams } }, async (request) => {
    check(request.params.collectionId);
    return collection(baseUrl(request), await served(request));
  });
  const pageQuery = {
    type: "object",
    properties: {
      limit: { type: "integer", minimum: 1, maximum: 1000 },
      token: { type: "string" },
      bbox: { type: "string" },
      datetime: { type: "string" },
      ids: { type: "string" },
      collections: { type: "string" },
    },
  } as const;
  typed.get(
    "/ogc/collections/:collectionId/items",
    { schema: { summary: "Items of a collection (paged)", params: cParams, querystring: pageQuery } },
    async (request, reply) => {
      const { collectionId } = request.params;
      check(collectionId);
      return reply.type("application/geo+json").send(await itemsPage(request, `/ogc/collections/${collectionId}/items`, request.query));
    },
  );
  const itemParams = {
    type: "object",
    required: ["collectionId", "itemId"],
    properties: { collectionId: { type: "string" }, itemId: { type: "string" } },
  } as const;
  typed.get(
    "/ogc/collections/:collectionId/items/:itemId",
    { schema: { summary: "One STAC item", params: itemParams } },
    async (request, reply) => {
      const { collectionId, itemId } = request.params;
      check(collectionId);
      const sd = await ctx.get(itemId, { signal: request.opSignal });
      return reply.type("application/geo+json").send(itemOf(baseUrl(request), sd));
    },
  );
  typed.get("/ogc/search", { schema: { summary: "STAC item search (GET)", querystring: pageQuery } }, async (request, reply) =>
    reply.type("application/geo+json").send(await itemsPage(request, "/ogc/search", request.query)),
  );
  app.post("/ogc/search", { schema: { summary: "STAC item search (POST)" } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== "object" || Array.isArray(body))
      throw new EocubeError("INVALID_PARAMS", "the search body must be a JSON object", { field: "body" });
    return reply.type("application/geo+json").send(await itemsPage(request, "/ogc/search", body as never));
  });
}
