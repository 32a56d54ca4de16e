// Routes: GET /datasets, /datasets/{datasetId}, /datasets/{datasetId}/coords/{dimName} (xcube's shapes).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance } from "fastify";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { Link } from "../../catalog/stac/link.js";
import type { ServerState } from "../app.js";
import { describeDataset, describeDimension } from "../describe.js";
import { baseUrl } from "./meta.js";

const dsParam = { type: "object", properties: { datasetId: { type: "string", maxLength: 200 } }, required: ["datasetId"] } as const;

/** Registers the datasets routes. */
export function datasetsRoutes(fastify: FastifyInstance, state: ServerState): void {
  const { ctx } = state;
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  app.get(
    "/datasets",
    {
      schema: {
        summary: "List the served datasets",
        querystring: { type: "object", properties: { details: { type: "string", enum: ["0", "1", "true", "false"] } } } as const,
      },
    },
    async (request) => {
      const q = request.query;
      const details = q.details === "1" || q.details === "true";
      const entries = (await ctx.entries({ signal: request.opSignal })).filter((e) => !e.hidden);
      const datasets = [];
      for (const e of entries) {
        if (!details) {
          datasets.push({ id: e.id, title: e.title, ...(e.groupTitle ? { groupTitle: e.groupTitle } : {}) });
          continue;
        }
        try {
          const sd = await ctx.open(e.id, { signal: request.opSignal });
          datasets.push(await describeDataset(ctx, sd, true, { signal: request.opSignal }));
        } catch (err) {
          if (!isEocubeError(err) || !err.isUserError) throw err;
          request.log.warn({ dataset: e.id, code: err.code }, err.message);
        }
      }
      return { datasets, links: [Link.self(`${baseUrl(request)}/datasets`).toJSON()] };
    },
  );

  app.get("/datasets/:datasetId", { schema: { summary: "Describe one dataset", params: dsParam } }, async (request) => {
    const { datasetId } = request.params;
    const sd = await ctx.open(datasetId, { signal: request.opSignal });
    return describeDataset(ctx, sd, true, { signal: request.opSignal });
  });

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
      },
    },
    async (request) => {
      const { datasetId, dimName } = request.params;
      const sd = await ctx.open(datasetId, { signal: request.opSignal });
      if (!(dimName in sd.dataset.dims)) {
        throw new EocubeError("NOT_FOUND", `dimension ${JSON.stringify(dimName.slice(0, 100))} not found in dataset ${datasetId}`, {
          field: "dimName",
          hint: `dimensions: ${Object.keys(sd.dataset.dims).join(", ")}`,
        });
      }
      return describeDimension(ctx, sd, dimName, { signal: request.opSignal });
    },
  );
}
