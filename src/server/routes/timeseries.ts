// Routes: POST /timeseries/{datasetId}/{varName} (GeoJSON body; other dimensions by name) → {"result": […]}, streamed.
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { ServerState } from "../app.js";
import { parseGeoJson } from "../geojson.js";
import { checkDimParams, sliceOf } from "../slices.js";
import { parseAggMethods, timeSeries } from "../timeseries.js";

/** Largest request body in bytes for geometry uploads. */
export const GEOMETRY_BODY_LIMIT = 16 * 1024 * 1024;

/** Registers the time-series route. */
export function timeseriesRoutes(app: FastifyInstance, state: ServerState): void {
  app.post("/timeseries/:datasetId/:varName", {
    bodyLimit: GEOMETRY_BODY_LIMIT,
    schema: {
      summary: "Time series of a variable at a point or aggregated over a polygon (GeoJSON body, WGS 84)",
      params: { type: "object", properties: { datasetId: { type: "string" }, varName: { type: "string" } } },
      querystring: {
        type: "object",
        properties: {
          aggMethods: { type: "string", description: "comma-separated: mean, median, std, min, max, count [default mean]" },
          startDate: { type: "string", description: "ISO 8601, inclusive" },
          endDate: { type: "string", description: "ISO 8601, inclusive" },
          maxValids: { type: "integer", description: "-1: only valid values; n > 0: the n most recent valid values" },
        },
        additionalProperties: { type: "string", description: "<dimension name>=<coordinate label>: the index of a non-time, non-spatial dimension (nearest label; default the first)" },
      },
    },
  }, async (request, reply) => {
    const { ctx } = state;
    const { datasetId, varName } = request.params as { datasetId: string; varName: string };
    const q = request.query as { aggMethods?: string; startDate?: string; endDate?: string; maxValids?: number };
    const sd = await ctx.get(datasetId, { signal: request.opSignal });
    const v = ctx.variable(sd, varName);
    const aggMethods = parseAggMethods(q.aggMethods);
    const parsed = parseGeoJson(request.body);
    const geometries = parsed.geometries;
    const isCollection = parsed.isCollection || geometries.length !== 1;
    checkDimParams(sd, v, request.query as Record<string, unknown>, ["aggMethods", "startDate", "endDate", "maxValids"]);
    const slice = await sliceOf(ctx, sd, v, request.query as Record<string, unknown>, { signal: request.opSignal });
    const opts = { aggMethods, startDate: q.startDate, endDate: q.endDate, maxValids: q.maxValids, signal: request.opSignal };
    // validate everything (dates, maxValids, time axis) before the first byte: pull the first entry
    const iters = geometries.map((g) => timeSeries(ctx, sd, slice, g, opts));
    const firsts = await Promise.all(iters.map((it) => it.next()));
    async function* body(): AsyncGenerator<string> {
      yield '{"result":';
      if (isCollection) yield "[";
      for (let g = 0; g < iters.length; g++) {
        if (g > 0) yield ",";
        yield "[";
        let first = firsts[g]!;
        let i = 0;
        while (!first.done) {
          yield (i++ > 0 ? "," : "") + JSON.stringify(first.value);
          first = await iters[g]!.next();
        }
        yield "]";
      }
      if (isCollection) yield "]";
      yield "}";
    }
    return reply.type("application/json; charset=utf-8").send(Readable.from(body()));
  });
}
