// Routes: XYZ tiles /tiles/{datasetId}/{varName}/{z}/{y}/{x}, legends (also xcube's legacy
// /datasets/{id}/vars/{var}/legend.png), and /colorbars (JSON and HTML).
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FromSchema } from "json-schema-to-ts";
import { EocubeError } from "../../core/errors.js";
import type { Variable } from "../../core/variable.js";
import type { ServerState } from "../app.js";
import { DATASET_VAR_PARAMS } from "./params.js";
import type { ServedDataset } from "../datasets.js";
import { colorBarOf } from "../describe.js";
import { colorMapCategories, resolveColorMap, type ColorMap } from "../render/colormaps.js";
import { colorize } from "../render/kernel.js";
import { encodePng } from "../render/png.js";
import { tileGridOf, type TileGrid } from "../render/tilegrid.js";
import { LruCache } from "../cache.js";
import { sliceOf } from "../slices.js";
import { sendMaybeGzipped } from "./meta.js";
import { checkRange, renderTile, tileEtag } from "../tiles.js";
import { COLOR_BARS_RESPONSE, type ColorBars } from "./responses.js";

/** Query parameters of a tile request (other dimensions may be given by name too). */
export const TILE_QUERY = {
  type: "object",
  properties: {
    crs: { type: "string", description: "CRS84 (default, as xcube) or EPSG:3857" },
    vmin: { type: "number", description: "value mapped to the first colour [default: style or attributes]" },
    vmax: { type: "number", description: "value mapped to the last colour" },
    cmap: { type: "string", maxLength: 20000, description: "matplotlib name (viridis, RdBu_r, gray_alpha …) or a JSON user colour map" },
    cbar: { type: "string", maxLength: 20000, description: "xcube's older name of cmap (cmap wins when both are given)" },
    format: { type: "string", maxLength: 100, description: "png or image/png (the only format, as xcube)" },
    norm: { type: "string", enum: ["lin", "log"] },
    time: { type: "string", description: "ISO 8601 time; the nearest time step is shown [default: last]" },
    retina: { type: "string", enum: ["0", "1", "true", "false"], description: "1: 512-px tiles" },
  },
} as const;

/** Path parameters of a tile request. */
export const TILE_PARAMS = {
  type: "object",
  properties: {
    datasetId: { type: "string" },
    varName: { type: "string" },
    z: { type: "integer", minimum: 0, maximum: 24 },
    y: { type: "integer", minimum: 0 },
    x: { type: "integer", minimum: 0 },
  },
  required: ["datasetId", "varName", "z", "y", "x"],
} as const;

/** A tile request's query (see {@link TILE_QUERY}); other dimensions by name. */
export type TileQuery = FromSchema<typeof TILE_QUERY>;
/** A tile request's path parameters (see {@link TILE_PARAMS}). */
export type TileParams = FromSchema<typeof TILE_PARAMS>;

/**
 * The query of a tile or legend request as xcube reads it: `cbar` is an alias of `cmap`, and `format` other than
 * png is refused.
 * @throws EocubeError INVALID_PARAMS ("Illegal format") for another format.
 */
export function normalizeTileQuery<Q extends TileQuery>(q: Q): Q {
  if (q.format !== undefined && q.format !== "png" && q.format !== "image/png")
    throw new EocubeError("INVALID_PARAMS", `Illegal format ${JSON.stringify(q.format.slice(0, 40))}`, {
      field: "format",
      hint: "tiles are PNG: format=png or image/png (or leave it out)",
    });
  const { cbar, format: _format, ...rest } = q;
  return (cbar !== undefined && rest.cmap === undefined ? { ...rest, cmap: cbar } : rest) as Q;
}

/**
 * The colour map and value range of a request: query values over the dataset's defaults. `v` is the variable
 * `varName` resolved (a user variable `name=expr` has no entry in the dataset: xcube's defaults apply).
 */
export function styleOf(
  sd: ServedDataset,
  varName: string,
  q: TileQuery,
  v?: Variable,
): { cmap: ColorMap; vmin: number; vmax: number; norm: "lin" | "log" } {
  const cb = colorBarOf(sd, v ?? sd.dataset.data_vars[varName]!);
  const cmap = resolveColorMap(q.cmap ?? cb.name);
  const norm = q.norm ?? cb.norm;
  const vmin = q.vmin ?? cmap.range?.[0] ?? cb.vmin;
  const vmax = q.vmax ?? cmap.range?.[1] ?? cb.vmax;
  checkRange(vmin, vmax, norm);
  return { cmap, vmin, vmax, norm };
}

/** Renders a tile for a request (query as {@link normalizeTileQuery} reads it) and sends it with ETag/Cache-Control (304 on a matching If-None-Match). */
export async function sendTile(
  state: ServerState,
  request: FastifyRequest,
  reply: FastifyReply,
  p: TileParams,
  grid: TileGrid,
  query: TileQuery,
): Promise<FastifyReply> {
  const { ctx } = state;
  const q = normalizeTileQuery(query);
  const sd = await ctx.get(p.datasetId, { signal: request.opSignal });
  const v = ctx.variable(sd, p.varName);
  const style = styleOf(sd, p.varName, q, v);
  const slice = await sliceOf(ctx, sd, v, q, { signal: request.opSignal });
  const size = q.retina === "1" || q.retina === "true" ? 512 : 256;
  const etag = tileEtag([
    state.startedAt,
    p.datasetId,
    p.varName,
    slice.fixed,
    grid.id,
    p.z,
    p.y,
    p.x,
    size,
    style.cmap.name,
    q.cmap ?? "",
    style.vmin,
    style.vmax,
    style.norm,
  ]);
  reply.header("ETag", etag).header("Cache-Control", "public, max-age=3600");
  if (request.headers["if-none-match"] === etag) return reply.code(304).send();
  const hit = state.tileCache.get(etag);
  if (hit) return reply.type("image/png").send(hit);
  const png = await renderTile(
    ctx,
    sd,
    { grid, z: p.z, y: p.y, x: p.x, size, slice, cmap: style.cmap, norm: style },
    { signal: request.opSignal },
  );
  state.tileCache.set(etag, png);
  return reply.type("image/png").send(png);
}

/** A horizontal colour-bar image of `width`×`height` pixels for a colour map over [vmin, vmax]. */
export function legendPng(cmap: ColorMap, vmin: number, vmax: number, norm: "lin" | "log", width: number, height: number): Buffer {
  const row = new Float64Array(width);
  for (let i = 0; i < width; i++) {
    const t = (i + 0.5) / width;
    row[i] = norm === "log" ? Math.exp(Math.log(vmin) + t * (Math.log(vmax) - Math.log(vmin))) : vmin + t * (vmax - vmin);
  }
  if (cmap.kind === "categories") {
    for (let i = 0; i < width; i++)
      row[i] = cmap.values![Math.min(cmap.values!.length - 1, Math.floor(((i + 0.5) / width) * cmap.values!.length))]!;
  }
  const rgbaRow = new Uint8Array(width * 4);
  colorize(row, cmap, { vmin, vmax, norm }, rgbaRow);
  const img = new Uint8Array(width * height * 4);
  for (let j = 0; j < height; j++) img.set(rgbaRow, j * width * 4);
  return encodePng(img, width, height, 4, { level: 6 });
}

let colorBarsJson: ColorBars | undefined;
/**
 * xcube's /colorbars answer: `[[category, description, [[name, base64 PNG 256×1], …]], …]` (one row, as
 * xcube's images: xcube-viewer stretches it to its legend's height), computed once per process (the server's
 * warm-up computes it ahead of the first request).
 */
export function colorBars(): ColorBars {
  colorBarsJson ??= colorMapCategories().map((c): ColorBars[number] => [
    c.name,
    c.description,
    c.names.map((n): [string, string] => [n, legendPng(resolveColorMap(n), 0, 1, "lin", 256, 1).toString("base64")]),
  ]);
  return colorBarsJson;
}

const html = (s: string) =>
  s.replace(/[&<>"]/g, (c) => `&${({ "&": "amp", "<": "lt", ">": "gt", '"': "quot" } as Record<string, string>)[c]};`);

/** xcube's /colorbars.html: one table of names and colour bars per category. */
export function colorBarsHtml(): string {
  let body = "";
  for (const [category, description, bars] of colorBars()) {
    body += `    <h2>${html(category)}</h2>\n    <p>${html(description)}</p>\n    <table style="border: 0">\n`;
    for (const [name, png] of bars)
      body += `        <tr><td style="width: 5em"><code>${html(String(name))}</code></td><td style="width: 40em"><img src="data:image/png;base64,${png}" width="100%" height="24"/></td></tr>\n`;
    body += "    </table>\n";
  }
  return `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="UTF-8"><title>eocube Server Colormaps</title></head>\n<body style="padding: 0.2em; font-family: sans-serif">\n${body}</body>\n</html>\n`;
}

let colorBarsBytes: Promise<{ raw: Buffer; gz: Buffer }> | undefined;
/** {@link colorBars} as JSON bytes and their gzip, computed once per process (off the event loop for the gzip). */
export function colorBarsBody(): Promise<{ raw: Buffer; gz: Buffer }> {
  colorBarsBytes ??= (async () => {
    const raw = Buffer.from(JSON.stringify(colorBars()));
    return { raw, gz: await gzipAsync(raw, { level: 9 }) };
  })();
  return colorBarsBytes;
}
const gzipAsync = promisify(gzip);

/** Registers the tile, legend and colour-bar routes. */
export function tilesRoutes(app: FastifyInstance, state: ServerState): void {
  // legend and colour-bar PNGs by style (small; bounded in bytes)
  const legends = new LruCache<Buffer>({ maxBytes: 4 * 1024 ** 2 });
  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  typed.get(
    "/tiles/:datasetId/:varName/:z/:y/:x",
    {
      schema: { summary: "A map tile (PNG) of a variable", params: TILE_PARAMS, querystring: TILE_QUERY },
    },
    async (request, reply) => {
      const q = request.query;
      return sendTile(state, request, reply, request.params, tileGridOf(q.crs ?? "CRS84"), q);
    },
  );

  const legendQuery = {
    type: "object",
    properties: {
      ...TILE_QUERY.properties,
      width: { type: "integer", minimum: 1, maximum: 2048, default: 256 },
      height: { type: "integer", minimum: 1, maximum: 512, default: 16 },
    },
  } as const;
  const legend = async (
    request: FastifyRequest,
    reply: FastifyReply,
    { datasetId, varName }: { datasetId: string; varName: string },
    query: FromSchema<typeof legendQuery>,
  ) => {
    const q = normalizeTileQuery(query);
    const sd = await state.ctx.get(datasetId, { signal: request.opSignal });
    const s = styleOf(sd, varName, q, state.ctx.variable(sd, varName));
    const key = JSON.stringify([q.cmap ?? s.cmap.name, s.vmin, s.vmax, s.norm, q.width, q.height]);
    let png = legends.get(key);
    if (!png) {
      png = legendPng(s.cmap, s.vmin, s.vmax, s.norm, q.width, q.height);
      legends.set(key, png);
    }
    return reply.type("image/png").header("Cache-Control", "public, max-age=3600").send(png);
  };
  typed.get(
    "/tiles/:datasetId/:varName/legend",
    { schema: { summary: "Colour legend (PNG) of a variable", params: DATASET_VAR_PARAMS, querystring: legendQuery } },
    async (request, reply) => legend(request, reply, request.params, request.query),
  );
  typed.get(
    "/datasets/:datasetId/vars/:varName/legend.png",
    {
      schema: { summary: "Colour legend (PNG) of a variable (xcube's older route)", params: DATASET_VAR_PARAMS, querystring: legendQuery },
    },
    async (request, reply) => legend(request, reply, request.params, request.query),
  );

  app.get(
    "/colorbars",
    { schema: { summary: "The colour maps, by category, each with a base64 PNG preview (256×1)", response: { 200: COLOR_BARS_RESPONSE } } },
    async (request, reply) => {
      const { raw, gz } = await colorBarsBody();
      reply.type("application/json; charset=utf-8");
      return sendMaybeGzipped(request, reply, raw, gz);
    },
  );

  app.get("/colorbars.html", { schema: { summary: "The colour maps as an HTML page" } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(colorBarsHtml()),
  );

  typed.get(
    "/colorbars/:cmap",
    {
      schema: {
        summary: "One colour map as PNG",
        params: { type: "object", required: ["cmap"], properties: { cmap: { type: "string", maxLength: 200 } } } as const,
      },
    },
    async (request, reply) => {
      const { cmap } = request.params;
      const name = cmap.replace(/\.png$/, "");
      if (name.startsWith("{"))
        throw new EocubeError("INVALID_PARAMS", "use /tiles/{id}/{var}/legend?cmap=… for user colour maps", { field: "cmap" });
      let png = legends.get(name);
      if (!png) {
        png = legendPng(resolveColorMap(name), 0, 1, "lin", 256, 16);
        legends.set(name, png);
      }
      return reply.type("image/png").send(png);
    },
  );
}
