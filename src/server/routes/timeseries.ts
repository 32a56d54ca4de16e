// Routes: POST /timeseries/{datasetId}/{varName} (GeoJSON body; other dimensions by name) → {"result": […]}:
// checked against the request limits before any read, computed geometry by geometry within the work budget.
import { Readable } from "node:stream";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ServerState } from "../app.js";
import { DATASET_VAR_PARAMS } from "./params.js";
import { parseGeoJson } from "../geojson.js";
import { checkWork } from "../limits.js";
import { checkDimParams, sliceOf } from "../slices.js";
import { parseAggMethods, planTimeSeries, seriesOfPlan } from "../timeseries.js";
import { TIME_SERIES_RESPONSE } from "./responses.js";
import { Pacer } from "../../core/pacer.js";

/** Largest geometry body in bytes by default (config `Limits.MaxBodySize`). */
export const GEOMETRY_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * A result is sent whole (so that a timeout or error still answers 504/4xx) while its JSON stays below
 * this many bytes; a longer one is streamed from there on, and an error after that closes the connection.
 */
export const STREAM_AFTER_BYTES = 1024 * 1024;

/** Registers the time-series route. */
export function timeseriesRoutes(app: FastifyInstance, state: ServerState): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().post(
    "/timeseries/:datasetId/:varName",
    {
      bodyLimit: state.limits.maxBodyBytes,
      schema: {
        summary: "Time series of a variable at a point or aggregated over a polygon (GeoJSON body, WGS 84)",
        params: DATASET_VAR_PARAMS,
        querystring: {
          type: "object",
          properties: {
            aggMethods: { type: "string", description: "comma-separated: mean, median, std, min, max, count [default mean]" },
            startDate: { type: "string", description: "ISO 8601, inclusive" },
            endDate: { type: "string", description: "ISO 8601, inclusive" },
            maxValids: { type: "integer", description: "-1: only valid values; n > 0: the n most recent valid values" },
            tolerance: {
              type: "number",
              minimum: 0,
              maximum: 1e9,
              default: 1,
              description: "seconds by which the time range is widened on both sides (as xcube) [default 1]",
            },
          },
          additionalProperties: {
            type: "string",
            description:
              "<dimension name>=<coordinate label>: the index of a non-time, non-spatial dimension (nearest label; default the first)",
          },
        } as const,
        response: { 200: TIME_SERIES_RESPONSE },
      },
    },
    async (request, reply) => {
      const { ctx, limits } = state; // read per request: /maintenance/update replaces the context
      const signal = request.opSignal;
      const { datasetId, varName } = request.params;
      const q = request.query;
      // the TimeSeriesDataset (time-chunked) when it has the variable on the same grid, as xcube
      const sd = await ctx.timeSeriesSource(datasetId, varName, { signal });
      const v = ctx.variable(sd, varName);
      const aggMethods = parseAggMethods(q.aggMethods);
      const parsed = parseGeoJson(request.body, limits);
      const geometries = parsed.geometries;
      const isCollection = parsed.isCollection || geometries.length !== 1;
      checkDimParams(sd, v, q, ["aggMethods", "startDate", "endDate", "maxValids", "tolerance"]);
      const slice = await sliceOf(ctx, sd, v, q, { signal });
      const opts = {
        aggMethods,
        startDate: q.startDate,
        endDate: q.endDate,
        maxValids: q.maxValids,
        toleranceMs: q.tolerance * 1000,
        signal,
        budget: state.budget,
        pacer: new Pacer(signal),
      };
      // everything is checked before the first read: dates, maxValids, the time axis, and the work
      const plan = planTimeSeries(sd, slice, geometries, opts);
      checkWork(limits, { pixelSteps: plan.pixelSteps, crossings: plan.crossings, geometries: geometries.length, steps: plan.steps });
      // one geometry after the other, so that a request holds the values of one geometry at a time
      async function* pieces(): AsyncGenerator<string> {
        yield '{"result":';
        if (isCollection) yield "[";
        for (let g = 0; g < geometries.length; g++) {
          let text = g > 0 ? ",[" : "[";
          let i = 0;
          for await (const e of seriesOfPlan(ctx, sd, slice, plan, g, opts)) text += (i++ > 0 ? "," : "") + JSON.stringify(e);
          yield `${text}]`;
        }
        if (isCollection) yield "]";
        yield "}";
      }
      const it = pieces();
      let head = "";
      for (;;) {
        const r = await it.next();
        // pre-serialized JSON text (see TIME_SERIES_RESPONSE), sent as is
        if (r.done) return (reply as FastifyReply).type("application/json; charset=utf-8").send(head);
        head += r.value;
        if (head.length >= STREAM_AFTER_BYTES) break;
      }
      async function* rest(): AsyncGenerator<string> {
        yield head;
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      }
      return (reply as FastifyReply).type("application/json; charset=utf-8").send(Readable.from(rest()));
    },
  );
}
