// Routes: OGC WMTS 1.0.0 — capabilities (both tile matrix sets, or one), RESTful tiles (with and without the
// tile matrix set in the path, as xcube), and the KVP binding /wmts/kvp (GetCapabilities, GetTile,
// GetFeatureInfo) with OWS exception reports. Spec: OGC 07-057r7 (WMTS 1.0.0), OGC 06-121r3 (OWS Common).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { toIsoString } from "../../core/time.js";
import type { Variable } from "../../core/variable.js";
import type { ServerState } from "../app.js";
import type { ServedDataset } from "../datasets.js";
import { errorResponse } from "../errors.js";
import { mercatorToLonLat, tileBounds, type TileMatrixSetId } from "../render/tilegrid.js";
import { sliceOf } from "../slices.js";
import { computeStatistics } from "../statistics.js";
import {
  OWS_EXCEPTION_STATUS,
  WMTS_MAX_ZOOM,
  WMTS_TMS_IDS,
  capabilitiesXml,
  exceptionReportXml,
  wmtsGrid,
  type OwsExceptionCode,
  type ServiceProviderConfig,
  type WmtsDimension,
  type WmtsLayer,
} from "../wmts-capabilities.js";
import { baseUrl } from "./meta.js";
import { TILE_QUERY, sendTile, type TileQuery } from "./tiles.js";

export { WMTS_MAX_ZOOM } from "../wmts-capabilities.js";

/** An error of the KVP binding: answered as an OWS ExceptionReport with its code, locator and HTTP status. */
class OwsException extends Error {
  constructor(
    readonly code: OwsExceptionCode,
    message: string,
    readonly locator?: string,
    readonly status: number = OWS_EXCEPTION_STATUS[code],
  ) {
    super(message);
  }
}

/** Query parameters with lower-case names (OGC KVP names are case-insensitive, 06-121r3 §11.5.2); first value of repeated ones. */
function lowerKeys(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v0] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const v = Array.isArray(v0) ? v0[0] : v0;
    if (v === undefined || v === null) continue;
    const key = k.toLowerCase();
    if (!(key in out)) out[key] = String(v);
  }
  return out;
}

/**
 * A tile query from WMTS parameters (any case): `{time}`-style placeholders a client left unfilled and
 * `time=current` mean the default (the last step); `vmin`/`vmax` as numbers; dimensions of `v` by name in any case.
 * @throws EocubeError INVALID_PARAMS for a `vmin`/`vmax` that is not a number or a `norm` other than lin/log.
 */
function tileQueryOf(kvp: Record<string, string>, v: Variable): TileQuery {
  const q: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(kvp)) {
    if (/^\{[^}]*\}$/.test(s)) continue; // an unfilled ResourceURL placeholder
    q[k] = s;
  }
  if (q.time === "current" || q.time === "") delete q.time;
  for (const k of ["vmin", "vmax"] as const) {
    if (q[k] === undefined) continue;
    const n = Number(q[k]);
    if (q[k] === "" || !Number.isFinite(n)) throw new EocubeError("INVALID_PARAMS", `${k} must be a number`, { field: k });
    q[k] = n;
  }
  if (q.norm !== undefined && q.norm !== "lin" && q.norm !== "log")
    throw new EocubeError("INVALID_PARAMS", "norm must be lin or log", { field: "norm" });
  for (const d of v.dims) {
    const lower = d.toLowerCase();
    if (lower !== d && q[lower] !== undefined) q[d] = q[lower];
  }
  return q as TileQuery;
}

/** The WMTS dimensions of a variable: time (ISO 8601 labels, default `current`), then each other non-spatial dimension by its labels. */
async function dimensionsOf(state: ServerState, sd: ServedDataset, v: Variable, signal: AbortSignal): Promise<WmtsDimension[]> {
  const out: WmtsDimension[] = [];
  for (const [i, d] of v.dims.entries()) {
    if (d === sd.gm.xDim || d === sd.gm.yDim) continue;
    if (d === sd.timeName && sd.times) {
      out.push({
        identifier: "time",
        title: "time",
        uom: "ISO8601",
        default: "current",
        current: true,
        values: Array.from(sd.times, (t) => toIsoString(t)),
      });
      continue;
    }
    const coord = sd.dataset.coords[d];
    let values: string[];
    if (coord && coord.ndim === 1) {
      const labels = await state.ctx.coordValues(sd, d, { signal });
      values = Array.isArray(labels) ? labels : Array.from(labels, (x) => (coord.dtype === "datetime64[ns]" ? toIsoString(x) : String(x)));
    } else {
      values = Array.from({ length: v.shape[i]! }, (_, k) => String(k));
    }
    const units = coord?.attrs.units;
    const title = coord?.attrs.long_name;
    out.push({
      identifier: d,
      ...(typeof title === "string" ? { title } : {}),
      uom: typeof units === "string" ? units : "",
      default: values[0] ?? "0",
      current: false,
      values,
    });
  }
  return out;
}

/** The layers of the capabilities: one per published variable of every listed gridded dataset. */
async function layersOf(state: ServerState, request: FastifyRequest): Promise<WmtsLayer[]> {
  const base = baseUrl(request);
  const signal = request.opSignal;
  const layers: WmtsLayer[] = [];
  for (const e of await state.ctx.entries({ signal })) {
    if (e.hidden) continue;
    let sd: ServedDataset;
    try {
      sd = await state.ctx.get(e.id, { signal });
    } catch (err) {
      request.log.warn({ dataset: e.id, err }, "dataset skipped in WMTS capabilities");
      continue;
    }
    for (const name of sd.variableNames) {
      const v = sd.dataset.data_vars[name]!;
      const dims = await dimensionsOf(state, sd, v, signal);
      const title = typeof v.attrs.long_name === "string" ? v.attrs.long_name : name;
      const abstract = typeof v.attrs.description === "string" ? v.attrs.description : undefined;
      const dimQuery = dims.map((d) => `${encodeURIComponent(d.identifier)}={${d.identifier}}`).join("&");
      layers.push({
        identifier: `${e.id}.${name}`,
        title: `${sd.entry.title} / ${title}`,
        ...(abstract ? { abstract } : {}),
        wgs84Bbox: sd.lonLatBbox,
        dimensions: dims,
        tileTemplate: `${base}/wmts/1.0.0/tile/${encodeURIComponent(e.id)}/${encodeURIComponent(name)}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png${dimQuery ? `?${dimQuery}` : ""}`,
        theme: { identifier: e.id, title: sd.entry.title, ...(sd.entry.description ? { abstract: sd.entry.description } : {}) },
      });
    }
  }
  return layers;
}

/** The capabilities document listing `tmsIds`. */
async function capabilities(state: ServerState, request: FastifyRequest, tmsIds: readonly TileMatrixSetId[]): Promise<string> {
  const sp = (state.config as { ServiceProvider?: unknown }).ServiceProvider;
  return capabilitiesXml(await layersOf(state, request), {
    title: state.config.ServerTitle ?? "eocube server",
    base: baseUrl(request),
    tmsIds,
    ...(sp && typeof sp === "object" ? { serviceProvider: sp as ServiceProviderConfig } : {}),
  });
}

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

/** Renders and sends a WMTS tile (REST and KVP): TileMatrix 0…{@link WMTS_MAX_ZOOM}; query as {@link tileQueryOf}. */
async function wmtsTile(
  state: ServerState,
  request: FastifyRequest,
  reply: FastifyReply,
  p: { datasetId: string; varName: string; tmsId: TileMatrixSetId; z: number; y: number; x: number },
  kvp: Record<string, string>,
): Promise<FastifyReply> {
  if (p.z > WMTS_MAX_ZOOM) {
    // 07-057r7 §8.2.4: a TileMatrix the capabilities do not list is out of range (400)
    throw new EocubeError(
      "OUT_OF_RANGE",
      `TileMatrix ${p.z} is beyond the deepest of ${p.tmsId} in WMTSCapabilities.xml (${WMTS_MAX_ZOOM})`,
      {
        field: "z",
        hint: `use a TileMatrix 0…${WMTS_MAX_ZOOM}`,
      },
    );
  }
  const sd = await state.ctx.get(p.datasetId, { signal: request.opSignal });
  const v = state.ctx.variable(sd, p.varName);
  const { datasetId, varName, z, y, x } = p;
  return sendTile(state, request, reply, { datasetId, varName, z, y, x }, wmtsGrid(p.tmsId)!, tileQueryOf(kvp, v));
}

/** A non-negative integer KVP parameter. @throws OwsException MissingParameterValue / InvalidParameterValue naming it. */
function intParam(kvp: Record<string, string>, name: string, locator: string): number {
  const s = kvp[name];
  if (s === undefined || s === "") throw new OwsException("MissingParameterValue", `missing parameter ${locator}`, locator);
  if (!/^\d{1,9}$/.test(s))
    throw new OwsException(
      "InvalidParameterValue",
      `${locator} must be a non-negative integer, not ${JSON.stringify(s.slice(0, 40))}`,
      locator,
    );
  return Number(s);
}

/** A layer name `<datasetId>.<varName>` split at the dot after which the dataset id is a served one (ids may contain dots). */
async function splitLayer(state: ServerState, layer: string, signal: AbortSignal): Promise<[string, string]> {
  const ids = new Set((await state.ctx.entries({ signal })).map((e) => e.id));
  for (let i = layer.indexOf("."); i > 0; i = layer.indexOf(".", i + 1)) {
    if (ids.has(layer.slice(0, i))) return [layer.slice(0, i), layer.slice(i + 1)];
  }
  throw new OwsException(
    "InvalidParameterValue",
    `unknown layer ${JSON.stringify(layer.slice(0, 100))}: layers are <dataset>.<variable> as GetCapabilities lists them`,
    "layer",
  );
}

/** The tile a KVP GetTile/GetFeatureInfo names: layer, style, format, tile matrix set, matrix, row and column. */
async function kvpTile(state: ServerState, kvp: Record<string, string>, signal: AbortSignal) {
  if (kvp.version !== undefined && kvp.version !== "1.0.0")
    throw new OwsException("InvalidParameterValue", `version must be 1.0.0, not ${JSON.stringify(kvp.version.slice(0, 20))}`, "version");
  const layer = kvp.layer;
  if (!layer) throw new OwsException("MissingParameterValue", "missing parameter layer (<dataset>.<variable>)", "layer");
  const [datasetId, varName] = await splitLayer(state, layer, signal);
  if (kvp.style && kvp.style.toLowerCase() !== "default")
    throw new OwsException(
      "InvalidParameterValue",
      `unknown style ${JSON.stringify(kvp.style.slice(0, 60))}: the layers have the style default`,
      "style",
    );
  const tmsId = kvp.tilematrixset ?? "WorldCRS84Quad";
  if (!wmtsGrid(tmsId))
    throw new OwsException(
      "InvalidParameterValue",
      `unknown tile matrix set ${JSON.stringify(tmsId.slice(0, 60))}; use ${WMTS_TMS_IDS.join(" or ")}`,
      "TileMatrixSet",
    );
  const grid = wmtsGrid(tmsId)!;
  const z = intParam(kvp, "tilematrix", "TileMatrix");
  if (z > WMTS_MAX_ZOOM)
    throw new OwsException("InvalidParameterValue", `TileMatrix ${z} is not one of ${tmsId} (0…${WMTS_MAX_ZOOM})`, "TileMatrix");
  const y = intParam(kvp, "tilerow", "TileRow");
  const x = intParam(kvp, "tilecol", "TileCol");
  if (y >= grid.rows0 * 2 ** z)
    throw new OwsException("TileOutOfRange", `TileRow ${y} is outside 0…${grid.rows0 * 2 ** z - 1} of TileMatrix ${z}`, "TileRow");
  if (x >= grid.cols0 * 2 ** z)
    throw new OwsException("TileOutOfRange", `TileCol ${x} is outside 0…${grid.cols0 * 2 ** z - 1} of TileMatrix ${z}`, "TileCol");
  return { datasetId, varName, tmsId: tmsId as TileMatrixSetId, z, y, x };
}

/** KVP parameter names of eocube fields, for exception locators. */
const LOCATORS: Record<string, string> = { datasetId: "layer", varName: "layer", z: "TileMatrix", y: "TileRow", x: "TileCol" };

/** Any error of a KVP request as an OWS exception (EocubeErrors by code and field; 5xx messages hidden as for JSON errors). */
function owsExceptionOf(err: unknown, request: FastifyRequest): OwsException {
  if (err instanceof OwsException) return err;
  const reason = request.opSignal?.reason;
  const e = isEocubeError(err, "CANCELLED") && isEocubeError(reason) ? reason : err;
  const { status, body } = errorResponse(e);
  const text = body.hint ? `${body.message} (${body.hint})` : body.message;
  const locator = body.field ? (LOCATORS[body.field] ?? body.field) : undefined;
  if (isEocubeError(e) && status < 500) {
    if (e.code === "OUT_OF_RANGE" && (e.field === "x" || e.field === "y")) return new OwsException("TileOutOfRange", text, locator);
    if (["NOT_FOUND", "UNSAFE_ID", "INVALID_PARAMS", "OUT_OF_RANGE"].includes(e.code))
      return new OwsException("InvalidParameterValue", text, locator);
  }
  if (isEocubeError(e, "UNSUPPORTED")) return new OwsException("OptionNotSupported", text, locator);
  return new OwsException("NoApplicableCode", text, locator, status);
}

/** The value of a layer at pixel (I, J) of a tile as GetFeatureInfo answers it (GeoJSON or text). */
async function featureInfo(
  state: ServerState,
  request: FastifyRequest,
  reply: FastifyReply,
  kvp: Record<string, string>,
): Promise<FastifyReply> {
  const t = await kvpTile(state, kvp, request.opSignal);
  const i = intParam(kvp, "i", "I");
  const j = intParam(kvp, "j", "J");
  if (i > 255) throw new OwsException("PointIJOutOfRange", `I ${i} is outside the tile (0…255)`, "I");
  if (j > 255) throw new OwsException("PointIJOutOfRange", `J ${j} is outside the tile (0…255)`, "J");
  const format = kvp.infoformat ?? "application/json";
  if (format !== "application/json" && format !== "application/geo+json" && format !== "text/plain")
    throw new OwsException(
      "InvalidParameterValue",
      `InfoFormat ${JSON.stringify(format.slice(0, 60))}: use application/json or text/plain`,
      "InfoFormat",
    );
  const grid = wmtsGrid(t.tmsId)!;
  const [x0, y0, x1, y1] = tileBounds(grid, t.z, t.y, t.x);
  const cx = x0 + ((i + 0.5) * (x1 - x0)) / 256;
  const cy = y1 - ((j + 0.5) * (y1 - y0)) / 256;
  const [lon, lat] = grid.crs === "EPSG:3857" ? mercatorToLonLat(cx, cy) : [cx, cy];
  const sd = await state.ctx.get(t.datasetId, { signal: request.opSignal });
  const v = state.ctx.variable(sd, t.varName);
  const slice = await sliceOf(state.ctx, sd, v, tileQueryOf(kvp, v), { signal: request.opSignal });
  const r = await computeStatistics(state.ctx, sd, slice, { type: "Point", coordinates: [lon, lat] }, { signal: request.opSignal });
  const value = r.count > 0 ? (r.mean ?? null) : null;
  const ti = sd.timeName ? v.dims.filter((d) => d !== sd.gm.xDim && d !== sd.gm.yDim).indexOf(sd.timeName) : -1;
  const time = ti >= 0 && sd.times ? toIsoString(sd.times[slice.fixed[ti]!]!) : undefined;
  const units = typeof v.attrs.units === "string" ? v.attrs.units : undefined;
  const props = { layer: `${t.datasetId}.${t.varName}`, value, ...(time ? { time } : {}), ...(units ? { units } : {}) };
  if (format === "text/plain") {
    return reply.type("text/plain; charset=utf-8").send(
      `${Object.entries({ ...props, lon, lat })
        .map(([k, val]) => `${k} = ${val}`)
        .join("\n")}\n`,
    );
  }
  return reply.type(format).send({
    type: "FeatureCollection",
    features: [{ type: "Feature", id: props.layer, geometry: { type: "Point", coordinates: [lon, lat] }, properties: props }],
  });
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

  app.get(
    "/wmts/kvp",
    {
      schema: {
        summary:
          "WMTS 1.0.0 KVP binding: Service=WMTS&Request=GetCapabilities|GetTile|GetFeatureInfo (parameter names in any case; errors as OWS ExceptionReport XML)",
      },
    },
    async (request, reply) => {
      const kvp = lowerKeys(request.query);
      try {
        const service = kvp.service;
        if (!service) throw new OwsException("MissingParameterValue", "missing parameter service (WMTS)", "service");
        if (service.toUpperCase() !== "WMTS")
          throw new OwsException("InvalidParameterValue", `service must be WMTS, not ${JSON.stringify(service.slice(0, 40))}`, "service");
        const req = kvp.request;
        if (!req)
          throw new OwsException(
            "MissingParameterValue",
            "missing parameter request (GetCapabilities, GetTile or GetFeatureInfo)",
            "request",
          );
        switch (req.toLowerCase()) {
          case "getcapabilities": {
            const accept = kvp.acceptversions ?? kvp.version;
            if (accept !== undefined && !accept.split(",").includes("1.0.0"))
              throw new OwsException(
                "VersionNegotiationFailed",
                `this service speaks WMTS 1.0.0 only, not ${JSON.stringify(accept.slice(0, 40))}`,
                "AcceptVersions",
              );
            const tms = kvp.tilematrixset;
            if (tms !== undefined && !wmtsGrid(tms))
              throw new OwsException(
                "InvalidParameterValue",
                `unknown tile matrix set ${JSON.stringify(tms.slice(0, 60))}; use ${WMTS_TMS_IDS.join(" or ")}`,
                "TileMatrixSet",
              );
            return reply.type(xmlType).send(await capabilities(state, request, tms ? [tms as TileMatrixSetId] : WMTS_TMS_IDS));
          }
          case "gettile": {
            const format = (kvp.format ?? "image/png").toLowerCase();
            if (format !== "image/png" && format !== "png")
              throw new OwsException(
                "InvalidParameterValue",
                `format ${JSON.stringify(format.slice(0, 40))}: the tiles are image/png`,
                "format",
              );
            const t = await kvpTile(state, kvp, request.opSignal);
            return await wmtsTile(state, request, reply, t, kvp);
          }
          case "getfeatureinfo":
            return await featureInfo(state, request, reply, kvp);
          default:
            throw new OwsException(
              "OperationNotSupported",
              `request ${JSON.stringify(req.slice(0, 40))} is not an operation of this service (GetCapabilities, GetTile, GetFeatureInfo)`,
              "request",
            );
        }
      } catch (err) {
        const e = owsExceptionOf(err, request);
        if (e.status >= 500) request.log.error({ err }, "WMTS KVP request failed");
        else request.log.info({ code: e.code, locator: e.locator, status: e.status }, e.message);
        return reply
          .code(e.status)
          .type("application/xml")
          .send(exceptionReportXml(e.code, e.message, e.locator));
      }
    },
  );
}
