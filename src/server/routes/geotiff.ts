// Route: GET|HEAD /geotiff/{datasetId}/{varName}.tif — a variable as a tiled GeoTIFF (time steps as bands, pyramid
// levels as overviews) computed on request, read whole or by HTTP Range requests (RFC 9110 §14) as GDAL's
// /vsicurl/ does; the data asset of the STAC items. Layout: server/geotiff-layout.ts, bytes: server/geotiff.ts.
import { Readable } from "node:stream";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { formatBytes } from "../../core/bytes.js";
import { EocubeError } from "../../core/errors.js";
import type { ServerState } from "../app.js";
import { LruCache } from "../cache.js";
import { GEOTIFF_TYPE, byteRange, geoTiffOf, type ServedGeoTiff } from "../geotiff.js";
import { checkDimParams } from "../slices.js";
import { tileEtag } from "../tiles.js";

/** Most bytes one response sends (a whole file, or one range); GDAL reads far less at a time. */
export const MAX_GEOTIFF_RESPONSE = 256 * 1024 ** 2;

/**
 * The one byte range `[start, end]` (inclusive) a `Range` header asks of a file of `size` bytes: `bytes=a-b`,
 * `bytes=a-`, `bytes=-n`; several ranges are coalesced into the one spanning them (RFC 9110 §14.2 allows it).
 * @returns undefined for a header that is not a bytes range (then the whole file is sent, as the RFC says),
 *   or "unsatisfiable" when no range overlaps the file (416).
 */
export function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header ?? "");
  if (!m) return undefined;
  let lo = Infinity;
  let hi = -1;
  for (const part of m[1]!.split(",")) {
    const r = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(part);
    if (!r || (r[1] === "" && r[2] === "")) return undefined;
    let a: number;
    let b: number;
    if (r[1] === "") {
      a = Math.max(0, size - Number(r[2]));
      b = size - 1;
    } else {
      a = Number(r[1]);
      b = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
      if (b < a && r[2] !== "") return undefined;
    }
    if (a >= size || b < a) continue;
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  return hi < 0 ? "unsatisfiable" : [lo, hi];
}

/** Registers the GeoTIFF route. */
export function geotiffRoutes(app: FastifyInstance, state: ServerState): void {
  // layouts (headers with their tile offsets) by ETag, bounded in bytes
  const files = new LruCache<ServedGeoTiff>({ maxBytes: 64 * 1024 ** 2, sizeOf: (g) => g.layout.header.length + 1024 });
  app.withTypeProvider<JsonSchemaToTsProvider>().route({
    method: ["GET", "HEAD"],
    url: "/geotiff/:datasetId/:fileName",
    compress: false,
    schema: {
      summary:
        "A variable as a tiled GeoTIFF (float, NaN no-data; time steps as bands, or the one of ?time=; other dimensions by name; pyramid levels as overviews); HTTP Range requests",
      params: {
        type: "object",
        required: ["datasetId", "fileName"],
        properties: { datasetId: { type: "string" }, fileName: { type: "string", pattern: "\\.tif$", description: "<varName>.tif" } },
      } as const,
      querystring: {
        type: "object",
        properties: { time: { type: "string", description: "ISO 8601: one band, the nearest step [default: all steps]" } },
      } as const,
    },
    handler: async (request, reply) => {
      const { datasetId, fileName } = request.params;
      const varName = fileName.slice(0, -".tif".length);
      const signal = request.opSignal;
      const sd = await state.ctx.get(datasetId, { signal });
      const v = state.ctx.variable(sd, varName);
      const query = request.query as Record<string, unknown>;
      checkDimParams(sd, v, query, ["time"]);
      const etag = tileEtag([state.startedAt, "geotiff", datasetId, varName, query]);
      let g = files.get(etag);
      if (!g || g.sd !== sd) {
        // (a configuration update reopens datasets: a layout of the previous one is not reused)
        g = await geoTiffOf(state.ctx, sd, v, query, { signal });
        files.set(etag, g);
      }
      const { size } = g.layout;
      reply
        .header("Accept-Ranges", "bytes")
        .header("ETag", etag)
        .header("Cache-Control", "public, max-age=3600")
        .type(GEOTIFF_TYPE)
        .header("Content-Disposition", `inline; filename="${`${datasetId}.${varName}.tif`.replace(/[^\x20-\x21\x23-\x7e]/g, "_")}"`);
      if (request.headers["if-none-match"] === etag) return reply.code(304).send();
      const range = parseRange(request.headers.range, size);
      if (range === "unsatisfiable") {
        return reply
          .code(416)
          .header("Content-Range", `bytes */${size}`)
          .type("application/json; charset=utf-8")
          .send({
            code: "OUT_OF_RANGE",
            message: `the range ${String(request.headers.range).slice(0, 60)} lies beyond the file's ${size} bytes`,
            field: "range",
          });
      }
      const [start, end] = range ?? [0, size - 1];
      const length = end - start + 1;
      if (length > MAX_GEOTIFF_RESPONSE) {
        throw new EocubeError(
          "TOO_LARGE",
          `${range ? "the range asks for" : "the file has"} ${formatBytes(length)}, more than one response sends (${formatBytes(MAX_GEOTIFF_RESPONSE)})`,
          {
            field: range ? "range" : "fileName",
            hint: "read it with HTTP Range requests (GDAL's /vsicurl/ does), or ask for one time step with ?time=",
          },
        );
      }
      if (range) reply.code(206).header("Content-Range", `bytes ${start}-${end}/${size}`);
      reply.header("Content-Length", String(length));
      if (request.method === "HEAD") return reply.send();
      return reply.send(Readable.from(byteRange(state.ctx, g, start, end, { signal }), { objectMode: false }));
    },
  });
}
