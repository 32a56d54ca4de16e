// Routes: a STAC API under /ogc — landing page, conformance, collections (the union "datacubes" and one per
// dataset, as xcube), their items (paged), queryables, and /ogc/search (bbox, datetime, ids, collections, paging).
// Spec: STAC API 1.0.0 (core, collections, features/ogcapi-features, item-search), OGC API Features Part 3 (queryables).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { parseTimeAttribute, parseTimeText } from "../../core/time.js";
import type { BBox } from "../../core/gridmapping.js";
import { Link, MediaType } from "../../catalog/stac/link.js";
import type { ServerState } from "../app.js";
import type { ServedDataset } from "../datasets.js";
import {
  COLLECTION_ID,
  DATASET_ITEM_ID,
  REL_QUERYABLES,
  STAC_VERSION,
  datasetCollection,
  itemOf,
  linksJson,
  noItem,
  queryablesOf,
  stacTimeOf,
  unionCollection,
} from "../stac-items.js";
import { baseUrl } from "./meta.js";

const JSON_TYPE = { type: MediaType.JSON };
const GEOJSON = { type: MediaType.GEOJSON };
const SCHEMA_JSON = "application/schema+json";
const CONFORMANCE = [
  "https://api.stacspec.org/v1.0.0/core",
  "https://api.stacspec.org/v1.0.0/collections",
  "https://api.stacspec.org/v1.0.0/ogcapi-features",
  "https://api.stacspec.org/v1.0.0/item-search",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
  "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
  "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
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

/** A comma-separated or array parameter as strings. */
function listParam(v: unknown): string[] | undefined {
  return v === undefined ? undefined : (Array.isArray(v) ? v : String(v).split(",")).map(String).filter((s) => s !== "");
}

/** Paging and search parameters (GET query or POST body). */
interface PageQuery {
  limit?: number;
  token?: string;
  cursor?: string | number;
  bbox?: unknown;
  datetime?: unknown;
  ids?: unknown;
  collections?: unknown;
}

/** Registers the STAC routes under /ogc. */
export function stacRoutes(app: FastifyInstance, state: ServerState): void {
  /** The listed (not hidden) datasets with a regular grid. */
  async function served(request: FastifyRequest): Promise<ServedDataset[]> {
    const out: ServedDataset[] = [];
    for (const e of await state.ctx.entries({ signal: request.opSignal })) {
      if (e.hidden) continue;
      try {
        out.push(await state.ctx.get(e.id, { signal: request.opSignal }));
      } catch (err) {
        if (!isEocubeError(err) || !err.isUserError) throw err;
      }
    }
    return out;
  }

  /**
   * The dataset of a dataset collection id.
   * @throws EocubeError NOT_FOUND (field collectionId) naming the collections, INVALID_PARAMS for a dataset without a grid.
   */
  async function collectionDataset(request: FastifyRequest, id: string): Promise<ServedDataset> {
    try {
      return await state.ctx.get(id, { signal: request.opSignal });
    } catch (err) {
      if (isEocubeError(err, "NOT_FOUND") || isEocubeError(err, "UNSAFE_ID")) {
        throw new EocubeError("NOT_FOUND", `collection ${JSON.stringify(id.slice(0, 100))} not found`, {
          field: "collectionId",
          hint: `collections: ${COLLECTION_ID} and one per dataset (GET /ogc/collections lists them)`,
        });
      }
      throw err;
    }
  }

  /**
   * One page of items: of the union collection (unless `collections` leaves it out) and of each dataset collection
   * `collections` names, filtered by `bbox`, `datetime` and `ids`; `token` (or xcube's `cursor`) is the offset.
   */
  async function itemsPage(request: FastifyRequest, path: string, q: PageQuery, only?: string) {
    const base = baseUrl(request);
    const bbox = parseBbox(q.bbox);
    const dt = parseDatetime(q.datetime);
    const limit = q.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new EocubeError("INVALID_PARAMS", "limit must be 1…1000", { field: "limit" });
    const token = q.token ?? (q.cursor === undefined ? undefined : String(q.cursor));
    const offset = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(offset) || offset < 0)
      throw new EocubeError("INVALID_PARAMS", "token is not a page token of this server", { field: "token" });
    const ids = listParam(q.ids);
    const cols = only !== undefined ? [only] : listParam(q.collections);
    // datasets without a known time have no STAC item
    const all = (await served(request)).filter((sd) => stacTimeOf(sd) && intersects(sd, bbox, dt));
    const matched: { sd: ServedDataset; collection: string; id: string }[] = [];
    if (!cols || cols.includes(COLLECTION_ID)) {
      for (const sd of all) if (!ids || ids.includes(sd.entry.id)) matched.push({ sd, collection: COLLECTION_ID, id: sd.entry.id });
    }
    for (const c of cols ?? []) {
      if (c === COLLECTION_ID) continue;
      const sd = only !== undefined ? await collectionDataset(request, c) : all.find((d) => d.entry.id === c);
      if (sd && stacTimeOf(sd) && intersects(sd, bbox, dt) && (!ids || ids.includes(DATASET_ITEM_ID)))
        matched.push({ sd, collection: c, id: DATASET_ITEM_ID });
    }
    const page = matched.slice(offset, offset + limit);
    const params = new URLSearchParams();
    if (q.bbox !== undefined) params.set("bbox", Array.isArray(q.bbox) ? q.bbox.join(",") : String(q.bbox));
    if (q.datetime !== undefined) params.set("datetime", String(q.datetime));
    if (ids) params.set("ids", ids.join(","));
    if (cols && only === undefined) params.set("collections", cols.join(","));
    params.set("limit", String(limit));
    const links = [Link.self(`${base}${path}`, GEOJSON), Link.root(`${base}/ogc`, JSON_TYPE)];
    if (offset + limit < matched.length) {
      params.set("token", String(offset + limit));
      links.push(Link.next(`${base}${path}?${params}`, { ...GEOJSON, method: "GET" }));
    }
    if (offset > 0) {
      params.set("token", String(Math.max(0, offset - limit)));
      links.push(Link.prev(`${base}${path}?${params}`, { ...GEOJSON, method: "GET" }));
    }
    return {
      type: "FeatureCollection",
      features: page.map((m) => itemOf(base, m.sd, m.collection, m.id)),
      numberMatched: matched.length,
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
        new Link(REL_QUERYABLES, `${base}/ogc/queryables`, { type: SCHEMA_JSON }),
        Link.child(`${base}/ogc/collections/${COLLECTION_ID}`, JSON_TYPE),
      ),
    };
  });
  app.get("/ogc/conformance", { schema: { summary: "STAC/OGC conformance classes" } }, async () => ({ conformsTo: CONFORMANCE }));
  app.get(
    "/ogc/collections",
    { schema: { summary: "STAC collections: datacubes (all datasets) and one per dataset" } },
    async (request) => {
      const base = baseUrl(request);
      const datasets = await served(request);
      return {
        collections: [unionCollection(base, datasets), ...datasets.map((sd) => datasetCollection(base, sd))],
        links: linksJson(
          Link.self(`${base}/ogc/collections`, JSON_TYPE),
          Link.root(`${base}/ogc`, JSON_TYPE),
          Link.parent(`${base}/ogc`, JSON_TYPE),
        ),
      };
    },
  );
  app.get("/ogc/queryables", { schema: { summary: "Queryables of item search (JSON Schema)" } }, async (request, reply) =>
    reply.type(SCHEMA_JSON).send(queryablesOf(`${baseUrl(request)}/ogc/queryables`, "Queryables of the eocube STAC API")),
  );

  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  const cParams = { type: "object", required: ["collectionId"], properties: { collectionId: { type: "string", maxLength: 200 } } } as const;
  typed.get("/ogc/collections/:collectionId", { schema: { summary: "One STAC collection", params: cParams } }, async (request) => {
    const { collectionId } = request.params;
    const base = baseUrl(request);
    if (collectionId === COLLECTION_ID) return unionCollection(base, await served(request));
    return datasetCollection(base, await collectionDataset(request, collectionId));
  });
  typed.get(
    "/ogc/collections/:collectionId/queryables",
    { schema: { summary: "Queryables of a collection (JSON Schema)", params: cParams } },
    async (request, reply) => {
      const { collectionId } = request.params;
      if (collectionId !== COLLECTION_ID) await collectionDataset(request, collectionId);
      const url = `${baseUrl(request)}/ogc/collections/${encodeURIComponent(collectionId)}/queryables`;
      return reply.type(SCHEMA_JSON).send(queryablesOf(url, `Queryables of collection ${collectionId}`));
    },
  );
  const pageQuery = {
    type: "object",
    properties: {
      limit: { type: "integer", minimum: 1, maximum: 1000 },
      token: { type: "string" },
      cursor: { type: "string", description: "xcube's name of token" },
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
      const path = `/ogc/collections/${encodeURIComponent(collectionId)}/items`;
      const page = await itemsPage(request, path, { ...request.query, collections: undefined }, collectionId);
      return reply.type("application/geo+json").send(page);
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
      const base = baseUrl(request);
      if (collectionId === COLLECTION_ID) {
        const sd = await state.ctx.get(itemId, { signal: request.opSignal });
        return reply.type("application/geo+json").send(itemOf(base, sd, COLLECTION_ID, itemId));
      }
      const sd = await collectionDataset(request, collectionId);
      if (itemId !== DATASET_ITEM_ID) {
        throw new EocubeError("NOT_FOUND", `item ${JSON.stringify(itemId.slice(0, 100))} not found in collection ${collectionId}`, {
          field: "itemId",
          hint: `the collection of a dataset has one item, ${DATASET_ITEM_ID}`,
        });
      }
      if (!stacTimeOf(sd)) throw noItem(sd);
      return reply.type("application/geo+json").send(itemOf(base, sd, collectionId, DATASET_ITEM_ID));
    },
  );
  typed.get("/ogc/search", { schema: { summary: "STAC item search (GET)", querystring: pageQuery } }, async (request, reply) =>
    reply.type("application/geo+json").send(await itemsPage(request, "/ogc/search", request.query)),
  );
  app.post("/ogc/search", { schema: { summary: "STAC item search (POST)" } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== "object" || Array.isArray(body))
      throw new EocubeError("INVALID_PARAMS", "the search body must be a JSON object", { field: "body" });
    return reply.type("application/geo+json").send(await itemsPage(request, "/ogc/search", body as PageQuery));
  });
}
