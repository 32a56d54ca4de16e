// Route: the WMTS 1.0.0 KVP binding /wmts/kvp — GetCapabilities, GetTile and GetFeatureInfo with parameter names in
// any case, errors as OWS ExceptionReport XML. Spec: OGC 07-057r7 §7–8 (KVP encoding), OGC 06-121r3 §8 (exceptions).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isEocubeError } from "../../core/errors.js";
import { toIsoString } from "../../core/time.js";
import type { ServerState } from "../app.js";
import { errorResponse } from "../errors.js";
import { mercatorToLonLat, tileBounds, type TileMatrixSetId } from "../render/tilegrid.js";
import { sliceOf } from "../slices.js";
import { computeStatistics } from "../statistics.js";
import {
  OWS_EXCEPTION_STATUS,
  WMTS_MAX_ZOOM,
  WMTS_TMS_IDS,
  exceptionReportXml,
  wmtsGrid,
  type OwsExceptionCode,
} from "../wmts-capabilities.js";
import { capabilities, lowerKeys, tileQueryOf, wmtsTile } from "./wmts-common.js";

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

/** Registers GET /wmts/kvp. */
export function wmtsKvpRoutes(app: FastifyInstance, state: ServerState): void {
  const xmlType = "application/xml; charset=utf-8";
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
