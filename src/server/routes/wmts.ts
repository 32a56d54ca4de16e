// Routes: OGC WMTS 1.0.0 — RESTful capabilities (both tile matrix sets, or one) and tiles (with and without the
// tile matrix set in the path, as xcube); the KVP binding is routes/wmts-kvp.ts. Spec: OGC 07-057r7 (WMTS 1.0.0).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { EocubeError } from "../../core/errors.js";
import type { ServerState } from "../app.js";
import type { TileMatrixSetId } from "../render/tilegrid.js";
import { WMTS_TMS_IDS, wmtsGrid } from "../wmts-capabilities.js";
import { TILE_QUERY } from "./tiles.js";
import { capabilities, lowerKeys, wmtsTile } from "./wmts-common.js";
import { wmtsKvpRoutes } from "./wmts-kvp.js";

export { WMTS_MAX_ZOOM } from "../wmts-capabilities.js";

/**
 * The tile matrix set `id` of a RESTful request.
 * @throws EocubeError INVALID_PARAMS (field `tmsId`) for an unknown one.
 */
function restTms(id: string): TileMatrixSetId {
  if (!wmtsGrid(id)) {
    throw new EocubeError("INVALID_PARAMS", `unknown tile matrix set ${JSON.stringify(id.slice(0, 60))}`, {
      field: "tmsId",
      hint: `use ${WMTS_TMS_IDS.join(" or ")}`,
    });
  }
  return id as TileMatrixSetId;
}

/** Registers the WMTS routes. */
export function wmtsRoutes(app: FastifyInstance, state: ServerState): void {
  const xmlType = "application/xml; charset=utf-8";
  app.get(
    "/wmts/1.0.0/WMTSCapabilities.xml",
    { schema: { summary: "WMTS 1.0.0 capabilities (both tile matrix sets)" } },
    async (request, reply) => reply.type(xmlType).send(await capabilities(state, request, WMTS_TMS_IDS)),
  );

  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  typed.get(
    "/wmts/1.0.0/:tmsId/WMTSCapabilities.xml",
    {
      schema: {
        summary: "WMTS 1.0.0 capabilities of one tile matrix set",
        params: { type: "object", required: ["tmsId"], properties: { tmsId: { type: "string", enum: [...WMTS_TMS_IDS] } } } as const,
      },
    },
    async (request, reply) => reply.type(xmlType).send(await capabilities(state, request, [restTms(request.params.tmsId)])),
  );

  const tileParams = {
    datasetId: { type: "string" },
    varName: { type: "string" },
    z: { type: "integer", minimum: 0 },
    y: { type: "integer", minimum: 0 },
    x: { type: "string", pattern: "^[0-9]+(\\.png)?$" },
  } as const;
  typed.get(
    "/wmts/1.0.0/tile/:datasetId/:varName/:tmsId/:z/:y/:x",
    {
      schema: {
        summary: "WMTS RESTful GetTile (PNG)",
        params: {
          type: "object",
          required: ["datasetId", "varName", "tmsId", "z", "y", "x"],
          properties: { ...tileParams, tmsId: { type: "string" } },
        } as const,
        querystring: TILE_QUERY,
      },
    },
    async (request, reply) => {
      const p = request.params;
      const tmsId = restTms(p.tmsId);
      return wmtsTile(state, request, reply, { ...p, tmsId, x: Number(p.x.replace(/\.png$/, "")) }, lowerKeys(request.query));
    },
  );
  typed.get(
    "/wmts/1.0.0/tile/:datasetId/:varName/:z/:y/:x",
    {
      schema: {
        summary:
          "WMTS RESTful GetTile (PNG) without the tile matrix set in the path (xcube's legacy URL): tilematrixset=… [default WorldCRS84Quad]",
        params: { type: "object", required: ["datasetId", "varName", "z", "y", "x"], properties: tileParams } as const,
        querystring: {
          type: "object",
          properties: { ...TILE_QUERY.properties, tilematrixset: { type: "string", enum: [...WMTS_TMS_IDS] } },
        } as const,
      },
    },
    async (request, reply) => {
      const p = request.params;
      const kvp = lowerKeys(request.query);
      const tmsId = restTms(kvp.tilematrixset ?? "WorldCRS84Quad");
      return wmtsTile(state, request, reply, { ...p, tmsId, x: Number(p.x.replace(/\.png$/, "")) }, kvp);
    },
  );
  wmtsKvpRoutes(app, state);
}
