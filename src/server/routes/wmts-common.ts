// Shared parts of the WMTS routes (RESTful and KVP): the layers and capabilities of the served datasets, tile
// queries from WMTS parameters in any case, and sending a tile. Spec: OGC 07-057r7 (WMTS 1.0.0).
import type { FastifyReply, FastifyRequest } from "fastify";
import { EocubeError } from "../../core/errors.js";
import { toIsoString } from "../../core/time.js";
import type { Variable } from "../../core/variable.js";
import type { ServerState } from "../app.js";
import type { ServedDataset } from "../datasets.js";
import type { TileMatrixSetId } from "../render/tilegrid.js";
import {
  WMTS_MAX_ZOOM,
  capabilitiesXml,
  wmtsGrid,
  type ServiceProviderConfig,
  type WmtsDimension,
  type WmtsLayer,
} from "../wmts-capabilities.js";
import { baseUrl } from "./meta.js";
import { sendTile, type TileQuery } from "./tiles.js";

/** Query parameters with lower-case names (OGC KVP names are case-insensitive, 06-121r3 §11.5.2); first value of repeated ones. */
export function lowerKeys(query: unknown): Record<string, string> {
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
export function tileQueryOf(kvp: Record<string, string>, v: Variable): TileQuery {
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
export async function capabilities(state: ServerState, request: FastifyRequest, tmsIds: readonly TileMatrixSetId[]): Promise<string> {
  const sp = (state.config as { ServiceProvider?: unknown }).ServiceProvider;
  return capabilitiesXml(await layersOf(state, request), {
    title: state.config.ServerTitle ?? "eocube server",
    base: baseUrl(request),
    tmsIds,
    ...(sp && typeof sp === "object" ? { serviceProvider: sp as ServiceProviderConfig } : {}),
  });
}

/** Renders and sends a WMTS tile (REST and KVP): TileMatrix 0…{@link WMTS_MAX_ZOOM}; query as {@link tileQueryOf}. */
export async function wmtsTile(
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
