// Routes: GET /statistics/{datasetId}/{varName}?lon&lat&time (value at a point) and POST with a
// GeoJSON geometry (count/minimum/maximum/mean/deviation/histogram), as xcube answers them.
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { EocubeError } from "../../core/errors.js";
import { toIsoString } from "../../core/time.js";
import type { Variable } from "../../core/variable.js";
import type { ServerState } from "../app.js";
import type { ServedDataset } from "../datasets.js";
import { planPolygonMasks } from "../../ops/masks.js";
import { parseGeoJson } from "../geojson.js";
import { checkWork } from "../limits.js";
import { sliceOf } from "../slices.js";
import { DATASET_VAR_PARAMS } from "./params.js";
import { POINT_VALUE_RESPONSE, STATISTICS_RESPONSE } from "./responses.js";
import { computeStatistics } from "../statistics.js";
import { Pacer } from "../../core/pacer.js";

const params = DATASET_VAR_PARAMS;
const timeParam = {
  type: "string",
  description: "ISO 8601 time (nearest step) or current; required when the variable has a time dimension",
} as const;

/**
 * xcube's rule: statistics are of one time step, so `time` is required when the variable has a time
 * dimension ("current" means the last step).
 * @throws EocubeError INVALID_PARAMS naming the field, with the first and last labels as a hint.
 */
export function requireTime(sd: ServedDataset, v: Variable, time: unknown): void {
  if (!sd.timeName || !sd.times || !v.dims.includes(sd.timeName)) return;
  if (typeof time === "string" && time.trim() !== "") return;
  const n = sd.times.length;
  throw new EocubeError(
    "INVALID_PARAMS",
    `missing query parameter time: variable ${v.name} of dataset ${sd.entry.id} has a time dimension`,
    {
      field: "time",
      hint: `give a time label of /datasets/${sd.entry.id}/coords/${sd.timeName} (${n > 0 ? `${toIsoString(sd.times[0]!)} … ${toIsoString(sd.times[n - 1]!)}` : "none"}) or time=current for the last one`,
    },
  );
}

/** Registers the statistics routes. */
export function statisticsRoutes(app: FastifyInstance, state: ServerState): void {
  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  typed.get(
    "/statistics/:datasetId/:varName",
    {
      schema: {
        summary: "Value of a variable at a point and time",
        params,
        querystring: {
          type: "object",
          required: ["lon", "lat"],
          properties: {
            lon: { type: "number", minimum: -180, maximum: 360 },
            lat: { type: "number", minimum: -90, maximum: 90 },
            time: timeParam,
          },
        } as const,
        response: { 200: POINT_VALUE_RESPONSE },
      },
    },
    async (request) => {
      const { ctx } = state;
      const { datasetId, varName } = request.params;
      const q = request.query;
      const sd = await ctx.get(datasetId, { signal: request.opSignal });
      const v = ctx.variable(sd, varName);
      requireTime(sd, v, q.time);
      const slice = await sliceOf(ctx, sd, v, q, { signal: request.opSignal });
      const r = await computeStatistics(ctx, sd, slice, { type: "Point", coordinates: [q.lon, q.lat] }, { signal: request.opSignal });
      return { result: r.count > 0 ? { value: r.mean } : {} };
    },
  );

  typed.post(
    "/statistics/:datasetId/:varName",
    {
      bodyLimit: state.limits.maxBodyBytes,
      schema: {
        summary: "Statistics of a variable in a GeoJSON geometry at a time",
        params,
        querystring: { type: "object", properties: { time: timeParam } } as const,
        response: { 200: STATISTICS_RESPONSE },
      },
    },
    async (request) => {
      const { ctx } = state;
      const { datasetId, varName } = request.params;
      const sd = await ctx.get(datasetId, { signal: request.opSignal });
      const v = ctx.variable(sd, varName);
      const { geometries } = parseGeoJson(request.body, state.limits);
      if (geometries.length !== 1) throw new EocubeError("INVALID_PARAMS", "statistics need exactly one geometry", { field: "body" });
      requireTime(sd, v, request.query.time);
      const slice = await sliceOf(ctx, sd, v, request.query, { signal: request.opSignal });
      const g = geometries[0]!;
      // the work is checked before the first read
      const plan = g.type === "Polygon" ? planPolygonMasks(sd.gm, g.polygons) : undefined;
      checkWork(state.limits, { pixelSteps: plan?.pixels ?? 1, crossings: plan?.crossings ?? 0, geometries: 1, steps: 1 });
      const signal = request.opSignal;
      return {
        result: await computeStatistics(ctx, sd, slice, g, {
          signal,
          budget: state.budget,
          pacer: new Pacer(signal),
          ...(plan ? { plan } : {}),
        }),
      };
    },
  );
}
