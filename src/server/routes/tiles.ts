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
import type { ColorMapRegistry } from "../render/custom-colormaps.js";
import { colorize } from "../render/kernel.js";
import { encodePng } from "../render/png.js";
import { tileGridOf, type TileGrid } from "../render/tilegrid.js";
import { LruCache } from "../cache.js";
import { sliceOf } from "../slices.js";
import { sendMaybeGzipped } from "./meta.js";
import { checkRange, renderRgbTile, renderTile, tileEtag } from "../tiles.js";
import type { SliceRef } from "../levels.js";
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
    r: { type: "string", description: "varName=rgb: the red channel's variable [default: the style's rgb mapping]" },
    g: { type: "string", description: "varName=rgb: the green channel's variable" },
    b: { type: "string", description: "varName=rgb: the blue channel's variable" },
    rvmin: { type: "number", description: "varName=rgb: value mapped to red 0 [default: the mapping's ValueRange, else vmin or 0]" },
    rvmax: { type: "number", description: "varName=rgb: value mapped to red 255 [default: the mapping's, else vmax or 1]" },
    gvmin: { type: "number" },
    gvmax: { type: "number" },
    bvmin: { type: "number" },
    bvmax: { type: "number" },
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
  // matplotlib maps, the config's CustomColorMaps and .cpd files by name, or a JSON user map
  const cmap = sd.colorMaps.resolve(q.cmap ?? cb.name);
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
  if (p.varName === "rgb" && !sd.variableNames.includes("rgb")) return sendRgbTile(state, request, reply, sd, p, grid, q);
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

/**
 * xcube's RGB tile (`varName=rgb`): the red, green and blue variables and value ranges of the style's `rgb`
 * mapping, each overridable by `r`, `g`, `b` and `rvmin`, `rvmax`, `gvmin` … (a channel neither configured nor
 * given takes `vmin`/`vmax` [default 0, 1] as its range); `norm=log` applies to all; other dimensions (`time`)
 * as for one variable. See `renderRgbTile`.
 * @throws EocubeError INVALID_PARAMS when a channel has no variable ("No variable in dataset … specified for
 *   RGB component R"), NOT_FOUND for an unknown variable, plus the errors of {@link sendTile}.
 */
export async function sendRgbTile(
  state: ServerState,
  request: FastifyRequest,
  reply: FastifyReply,
  sd: ServedDataset,
  p: TileParams,
  grid: TileGrid,
  q: TileQuery,
): Promise<FastifyReply> {
  const { ctx } = state;
  const mapping = [sd.rgb?.Red, sd.rgb?.Green, sd.rgb?.Blue];
  const channels = (["r", "g", "b"] as const).map((c, i) => {
    const name = q[c] ?? mapping[i]?.Variable;
    if (name === undefined) {
      throw new EocubeError(
        "INVALID_PARAMS",
        `No variable in dataset ${JSON.stringify(sd.entry.id)} specified for RGB component ${c.toUpperCase()}`,
        {
          field: c,
          hint: `give ${c}=<variable>, or an rgb mapping (Red, Green, Blue) in the dataset's style`,
        },
      );
    }
    const range: [number, number] = [
      q[`${c}vmin`] ?? mapping[i]?.ValueRange[0] ?? q.vmin ?? 0,
      q[`${c}vmax`] ?? mapping[i]?.ValueRange[1] ?? q.vmax ?? 1,
    ];
    if (!range.every(Number.isFinite))
      throw new EocubeError("INVALID_PARAMS", `${c}vmin and ${c}vmax must be finite numbers`, { field: `${c}vmin` });
    return { name, range, variable: ctx.variable(sd, name) };
  });
  const slices = await Promise.all(channels.map((c) => sliceOf(ctx, sd, c.variable, q, { signal: request.opSignal })));
  const size = q.retina === "1" || q.retina === "true" ? 512 : 256;
  const norm = q.norm ?? "lin";
  const etag = tileEtag([
    state.startedAt,
    p.datasetId,
    "rgb",
    channels.map((c) => [c.name, c.range]),
    slices.map((s) => s.fixed),
    grid.id,
    p.z,
    p.y,
    p.x,
    size,
    norm,
  ]);
  reply.header("ETag", etag).header("Cache-Control", "public, max-age=3600");
  if (request.headers["if-none-match"] === etag) return reply.code(304).send();
  const hit = state.tileCache.get(etag);
  if (hit) return reply.type("image/png").send(hit);
  const png = await renderRgbTile(
    ctx,
    sd,
    {
      grid,
      z: p.z,
      y: p.y,
      x: p.x,
      size,
      slices: slices as [SliceRef, SliceRef, SliceRef],
      ranges: channels.map((c) => c.range) as [[number, number], [number, number], [number, number]],
      norm,
    },
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
const customColorBars = new WeakMap<ColorMapRegistry, ColorBars>();

/** xcube's description of the category of custom colour maps. */
const CUSTOM_CATEGORY = "Custom colormaps, e.g. loaded from SNAP *.cpd files or defined via the xcube server config file.";

/**
 * xcube's /colorbars answer: `[[category, description, [[name, base64 PNG 256×1], …]], …]` (one row, as
 * xcube's images: xcube-viewer stretches it to its legend's height), computed once per process (the server's
 * warm-up computes it ahead of the first request). With a `registry` holding custom maps (the config's
 * CustomColorMaps, `.cpd` ColorFiles), a category "Custom" before "Miscellaneous" lists them as xcube does:
 * `[name, PNG, code]` for CustomColorMaps (`{name, type, colors}`, which xcube-viewer draws its legend
 * from), `[name, PNG]` for `.cpd` maps.
 */
export function colorBars(registry?: ColorMapRegistry): ColorBars {
  colorBarsJson ??= colorMapCategories().map((c): ColorBars[number] => [
    c.name,
    c.description,
    c.names.map((n): [string, string] => [n, legendPng(resolveColorMap(n), 0, 1, "lin", 256, 1).toString("base64")]),
  ]);
  const custom = registry?.custom ?? [];
  if (custom.length === 0) return colorBarsJson;
  let out = customColorBars.get(registry!);
  if (!out) {
    const bars = custom.map((m) => {
      const png = encodePng(m.preview, 256, 1, 4, { level: 6 }).toString("base64");
      return (m.code ? [m.name, png, m.code] : [m.name, png]) as ColorBars[number][2][number];
    });
    const at = colorBarsJson.findIndex((c) => c[0] === "Miscellaneous");
    const category: ColorBars[number] = ["Custom", CUSTOM_CATEGORY, bars];
    out = at < 0 ? [...colorBarsJson, category] : [...colorBarsJson.slice(0, at), category, ...colorBarsJson.slice(at)];
    customColorBars.set(registry!, out);
  }
  return out;
}

const html = (s: string) =>
  s.replace(/[&<>"]/g, (c) => `&${({ "&": "amp", "<": "lt", ">": "gt", '"': "quot" } as Record<string, string>)[c]};`);

/** xcube's /colorbars.html: one table of names and colour bars per category (custom maps of `registry` included). */
export function colorBarsHtml(registry?: ColorMapRegistry): string {
  let body = "";
  for (const [category, description, bars] of colorBars(registry)) {
    body += `    <h2>${html(category)}</h2>\n    <p>${html(description)}</p>\n    <table style="border: 0">\n`;
    for (const [name, png] of bars)
      body += `        <tr><td style="width: 5em"><code>${html(String(name))}</code></td><td style="width: 40em"><img src="data:image/png;base64,${png}" width="100%" height="24"/></td></tr>\n`;
    body += "    </table>\n";
  }
  return `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="UTF-8"><title>eocube Server Colormaps</title></head>\n<body style="padding: 0.2em; font-family: sans-serif">\n${body}</body>\n</html>\n`;
}

let colorBarsBytes: Promise<{ raw: Buffer; gz: Buffer }> | undefined;
const customColorBarsBytes = new WeakMap<ColorMapRegistry, Promise<{ raw: Buffer; gz: Buffer }>>();
/**
 * {@link colorBars} as JSON bytes and their gzip, computed once per process (and once per registry with
 * custom maps), off the event loop for the gzip.
 */
export function colorBarsBody(registry?: ColorMapRegistry): Promise<{ raw: Buffer; gz: Buffer }> {
  const make = async () => {
    const raw = Buffer.from(JSON.stringify(colorBars(registry)));
    return { raw, gz: await gzipAsync(raw, { level: 9 }) };
  };
  if (!registry || registry.custom.length === 0) {
    colorBarsBytes ??= make();
    return colorBarsBytes;
  }
  let p = customColorBarsBytes.get(registry);
  if (!p) {
    p = make();
    customColorBarsBytes.set(registry, p);
  }
  return p;
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
      const { raw, gz } = await colorBarsBody(state.ctx.colorMaps);
      reply.type("application/json; charset=utf-8");
      return sendMaybeGzipped(request, reply, raw, gz);
    },
  );

  app.get("/colorbars.html", { schema: { summary: "The colour maps as an HTML page" } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(colorBarsHtml(state.ctx.colorMaps)),
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
      const custom = state.ctx.colorMaps.find(name);
      const key = custom ? `${name}\u0000${state.startedAt}` : name;
      let png = legends.get(key);
      if (!png) {
        png = legendPng(state.ctx.colorMaps.resolve(name), ...(custom?.range ?? [0, 1]), "lin", 256, 16);
        legends.set(key, png);
      }
      return reply.type("image/png").send(png);
    },
  );
}
