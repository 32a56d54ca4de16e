// Routes: OGC WMTS 1.0.0 — capabilities (WorldWebMercatorQuad, WorldCRS84Quad) and RESTful tiles.
// Spec: OGC 07-057r7 (WMTS 1.0.0); tile matrix sets: OGC 17-083r2 Annex D.
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { EocubeError } from "../../core/errors.js";
import type { ServerState } from "../app.js";
import type { ServedDataset } from "../datasets.js";
import { timeSpan } from "../../core/coords.js";
import { toIsoString } from "../../core/time.js";
import { CRS84_QUAD, WEB_MERCATOR_QUAD, tileGridOf, tileResolution, type TileGrid } from "../render/tilegrid.js";
import { baseUrl } from "./meta.js";
import { TILE_QUERY, sendTile } from "./tiles.js";

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

/** The deepest TileMatrix the capabilities list (0…WMTS_MAX_ZOOM); GetTile refuses deeper ones. */
export const WMTS_MAX_ZOOM = 20;

/** Standardized rendering pixel size (OGC: 0.28 mm). */
const PIXEL = 0.00028;

function matrixSet(grid: TileGrid): string {
  const metersPerUnit = grid.crs === "EPSG:3857" ? 1 : (2 * Math.PI * 6378137) / 360;
  const crs = grid.crs === "EPSG:3857" ? "urn:ogc:def:crs:EPSG::3857" : "urn:ogc:def:crs:OGC:1.3:CRS84";
  const levels: string[] = [];
  for (let z = 0; z <= WMTS_MAX_ZOOM; z++) {
    const scale = (tileResolution(grid, z) * metersPerUnit) / PIXEL;
    levels.push(
      `<TileMatrix><ows:Identifier>${z}</ows:Identifier><ScaleDenominator>${scale}</ScaleDenominator><TopLeftCorner>${grid.extent[0]} ${grid.extent[3]}</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight><MatrixWidth>${grid.cols0 * 2 ** z}</MatrixWidth><MatrixHeight>${grid.rows0 * 2 ** z}</MatrixHeight></TileMatrix>`,
    );
  }
  return `<TileMatrixSet><ows:Identifier>${grid.id}</ows:Identifier><ows:SupportedCRS>${crs}</ows:SupportedCRS><WellKnownScaleSet>http://www.opengis.net/def/wkss/OGC/1.0/${grid.id === "WorldCRS84Quad" ? "GoogleCRS84Quad" : "GoogleMapsCompatible"}</WellKnownScaleSet>${levels.join("")}</TileMatrixSet>`;
}

/** Registers the WMTS routes. */
export function wmtsRoutes(app: FastifyInstance, state: ServerState): void {
  const { ctx } = state;
  app.get("/wmts/1.0.0/WMTSCapabilities.xml", { schema: { summary: "WMTS 1.0.0 capabilities (RESTful)" } }, async (request, reply) => {
    const base = baseUrl(request);
    const layers: string[] = [];
    for (const e of await ctx.entries({ signal: request.opSignal })) {
      if (e.hidden) continue;
      let sd: ServedDataset;
      try {
        sd = await ctx.get(e.id, { signal: request.opSignal });
      } catch (err) {
        request.log.warn({ dataset: e.id, err }, "dataset skipped in WMTS capabilities");
        continue;
      }
      const [w, s, east, n] = sd.lonLatBbox;
      const tr = timeSpan(sd.times ?? []);
      for (const name of sd.variableNames) {
        const v = sd.dataset.data_vars[name]!;
        const hasTime = sd.timeName !== undefined && v.dims.includes(sd.timeName);
        const times = hasTime ? Array.from(sd.times!, (t) => toIsoString(t)) : [];
        const title = typeof v.attrs.long_name === "string" ? v.attrs.long_name : name;
        const dim =
          hasTime && tr
            ? `<Dimension><ows:Identifier>time</ows:Identifier><ows:UOM>ISO8601</ows:UOM><Default>current</Default><Current>true</Current>${times.map((t) => `<Value>${t}</Value>`).join("")}</Dimension>`
            : "";
        const timeQ = hasTime ? "?time={time}" : "";
        layers.push(
          `<Layer><ows:Title>${xml(`${sd.entry.title} / ${title}`)}</ows:Title><ows:Identifier>${xml(`${e.id}.${name}`)}</ows:Identifier>` +
            `<ows:WGS84BoundingBox><ows:LowerCorner>${w} ${s}</ows:LowerCorner><ows:UpperCorner>${east} ${n}</ows:UpperCorner></ows:WGS84BoundingBox>` +
            `<Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style><Format>image/png</Format>${dim}` +
            `<TileMatrixSetLink><TileMatrixSet>WorldWebMercatorQuad</TileMatrixSet></TileMatrixSetLink><TileMatrixSetLink><TileMatrixSet>WorldCRS84Quad</TileMatrixSet></TileMatrixSetLink>` +
            `<ResourceURL format="image/png" resourceType="tile" template="${xml(`${base}/wmts/1.0.0/tile/${e.id}/${name}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png${timeQ}`)}"/></Layer>`,
        );
      }
    }
    const doc = `<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd" version="1.0.0">
<ows:ServiceIdentification><ows:Title>${xml(state.config.ServerTitle ?? "eocube server")}</ows:Title><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion></ows:ServiceIdentification>
<ows:OperationsMetadata><ows:Operation name="GetCapabilities"><ows:DCP><ows:HTTP><ows:Get xlink:href="${xml(base)}/wmts/1.0.0/WMTSCapabilities.xml"><ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>RESTful</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation><ows:Operation name="GetTile"><ows:DCP><ows:HTTP><ows:Get xlink:href="${xml(base)}/wmts/1.0.0/tile/"><ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>RESTful</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata>
<Contents>${layers.join("\n")}
${matrixSet(WEB_MERCATOR_QUAD)}
${matrixSet(CRS84_QUAD)}</Contents>
<ServiceMetadataURL xlink:href="${xml(base)}/wmts/1.0.0/WMTSCapabilities.xml"/>
</Capabilities>
`;
    return reply.type("application/xml; charset=utf-8").send(doc);
  });

  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    "/wmts/1.0.0/tile/:datasetId/:varName/:tmsId/:z/:y/:x",
    {
      schema: {
        summary: "WMTS RESTful GetTile (PNG)",
        params: {
          type: "object",
          required: ["datasetId", "varName", "tmsId", "z", "y", "x"],
          properties: {
            datasetId: { type: "string" },
            varName: { type: "string" },
            tmsId: { type: "string" },
            z: { type: "integer", minimum: 0 },
            y: { type: "integer", minimum: 0 },
            x: { type: "string", pattern: "^[0-9]+(\\.png)?$" },
          },
        } as const,
        querystring: TILE_QUERY,
      },
    },
    async (request, reply) => {
      const p = request.params;
      if (p.tmsId !== "WorldWebMercatorQuad" && p.tmsId !== "WorldCRS84Quad") {
        throw new EocubeError("INVALID_PARAMS", `unknown tile matrix set ${JSON.stringify(p.tmsId.slice(0, 60))}`, {
          field: "tmsId",
          hint: "use WorldWebMercatorQuad or WorldCRS84Quad",
        });
      }
      if (p.z > WMTS_MAX_ZOOM) {
        // OGC 07-057r7 §8.2.4: a TileMatrix the capabilities do not list is out of range (400)
        throw new EocubeError(
          "OUT_OF_RANGE",
          `TileMatrix ${p.z} is beyond the deepest of ${p.tmsId} in WMTSCapabilities.xml (${WMTS_MAX_ZOOM})`,
          { field: "z", hint: `use a TileMatrix 0…${WMTS_MAX_ZOOM}` },
        );
      }
      const q = request.query;
      if (q.time === "current") delete q.time;
      return sendTile(state, request, reply, { ...p, x: Number(p.x.replace(/\.png$/, "")) }, tileGridOf(p.tmsId), q);
    },
  );
}
