// Routes: GET /datasets[?details&point], /datasets/{datasetId}, /datasets/{datasetId}/coords/{dimName} (xcube's shapes);
// a description lists the dataset's place groups (config `PlaceGroups`) as xcube's `placeGroups`.
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { Link } from "../../catalog/stac/link.js";
import type { ServerState } from "../app.js";
import type { ServedDataset, UngriddedDataset } from "../datasets.js";
import { describeDataset, describeDimension, describeEntry } from "../describe.js";
import { baseUrl } from "./meta.js";
import {
  DATASET_RESPONSE,
  DATASETS_RESPONSE,
  DIMENSION_RESPONSE,
  type DatasetInfo,
  type DatasetSummary,
  type DimensionInfo,
} from "./responses.js";

/**
 * A `point=lon,lat` query as xcube reads it.
 * @throws EocubeError INVALID_PARAMS ("illegal point") unless two numbers.
 */
export function parsePoint(text: string): [number, number] {
  const p = text.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
  if (p.length !== 2 || !p.every(Number.isFinite))
    throw new EocubeError("INVALID_PARAMS", `illegal point: ${JSON.stringify(text.slice(0, 60))} must be a pair of two numbers`, {
      field: "point",
      hint: "point=lon,lat in degrees, e.g. point=11.2,52.3",
    });
  return p as [number, number];
}

/** xcube's test of a point in a bbox `[w, s, e, n]`; w > e crosses the antimeridian. */
export function bboxContains([w, s, e, n]: number[], [x, y]: [number, number]): boolean {
  if (!(y >= s! && y <= n!)) return false;
  return w! < e! ? x >= w! && x <= e! : (x >= w! && x <= 180) || (x >= -180 && x <= e!);
}

/** A dataset's description with its place groups (without features), as xcube's `get_dataset`. */
async function describeWithPlaces(state: ServerState, sd: ServedDataset | UngriddedDataset, request: FastifyRequest): Promise<DatasetInfo> {
  const desc = (await describeDataset(state.ctx, sd, true, { signal: request.opSignal })) as DatasetInfo;
  const groups = await state.places.datasetGroups(sd.entry.id, sd.entry.configField, baseUrl(request));
  if (groups.length === 0) return desc;
  return { ...desc, placeGroups: groups.map(({ features: _f, ...g }) => g) };
}

const dsParam = { type: "object", properties: { datasetId: { type: "string", maxLength: 200 } }, required: ["datasetId"] } as const;

/** Registers the datasets routes. */
export function datasetsRoutes(fastify: FastifyInstance, state: ServerState): void {
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  app.get(
    "/datasets",
    {
      schema: {
        summary: "List the served datasets",
        querystring: {
          type: "object",
          properties: {
            details: { type: "string", enum: ["0", "1", "true", "false"] },
            point: { type: "string", maxLength: 100, description: "lon,lat: only the datasets whose bbox contains this point" },
          },
        } as const,
        response: { 200: DATASETS_RESPONSE },
      },
    },
    async (request) => {
      const { ctx } = state;
      const q = request.query;
      const details = q.details === "1" || q.details === "true";
      const point = q.point !== undefined ? parsePoint(q.point) : undefined;
      const entries = (await ctx.entries({ signal: request.opSignal })).filter((e) => !e.hidden);
      const datasets: DatasetSummary[] = [];
      for (const e of entries) {
        if (!details && !point) {
          datasets.push(describeEntry(ctx, e) as DatasetSummary);
          continue;
        }
        try {
          const sd = await ctx.open(e.id, { signal: request.opSignal });
          const d = details
            ? await describeWithPlaces(state, sd, request)
            : ((await describeDataset(ctx, sd, false, { signal: request.opSignal })) as DatasetSummary);
          if (point && !(d.bbox && bboxContains(d.bbox, point))) continue;
          datasets.push(d);
        } catch (err) {
          if (!isEocubeError(err) || !err.isUserError) throw err;
          request.log.warn({ dataset: e.id, code: err.code }, err.message);
        }
      }
      const entrypoint = (state.config as { EntrypointDatasetId?: string }).EntrypointDatasetId;
      return {
        datasets,
        ...(entrypoint ? { entrypointDatasetId: entrypoint } : {}),
        links: [Link.self(`${baseUrl(request)}/datasets`).toJSON()],
      };
    },
  );

  app.get(
    "/datasets/:datasetId",
    { schema: { summary: "Describe one dataset", params: dsParam, response: { 200: DATASET_RESPONSE } } },
    async (request) => describeWithPlaces(state, await state.ctx.open(request.params.datasetId, { signal: request.opSignal }), request),
  );

  app.get(
    "/datasets/:datasetId/coords/:dimName",
    {
      schema: {
        summary: "Coordinate labels of one dimension",
        params: {
          type: "object",
          required: ["datasetId", "dimName"],
          properties: { datasetId: { type: "string" }, dimName: { type: "string" } },
        } as const,
        response: { 200: DIMENSION_RESPONSE },
      },
    },
    async (request) => {
      const { ctx } = state;
      const { datasetId, dimName } = request.params;
      const sd = await ctx.open(datasetId, { signal: request.opSignal });
      if (!(dimName in sd.dataset.dims)) {
        throw new EocubeError("NOT_FOUND", `dimension ${JSON.stringify(dimName.slice(0, 100))} not found in dataset ${datasetId}`, {
          field: "dimName",
          hint: `dimensions: ${Object.keys(sd.dataset.dims).join(", ")}`,
        });
      }
      return (await describeDimension(ctx, sd, dimName, { signal: request.opSignal })) as DimensionInfo;
    },
  );
}
