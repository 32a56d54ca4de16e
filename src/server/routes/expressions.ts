// Routes: xcube's expressions API: GET /expressions/capabilities (what user-variable expressions may use)
// and GET /expressions/validate/{datasetId}/{varExpr} (checks and evaluates an expression on a corner of the
// dataset); errors carry xcube's `error` object as well so that xcube-viewer shows the problem.
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply } from "fastify";
import { isEocubeError } from "../../core/errors.js";
import { expressionCapabilities } from "../../expr/functions.js";
import { computedVariable } from "../../expr/variable.js";
import type { ServerState } from "../app.js";
import { errorResponse } from "../errors.js";

const list = { type: "array", items: { type: "string" } } as const;

/** GET /expressions/capabilities (xcube's shape). */
export const EXPRESSION_CAPABILITIES_RESPONSE = {
  type: "object",
  required: ["namespace"],
  properties: {
    namespace: {
      type: "object",
      required: ["constants", "arrayFunctions", "otherFunctions", "arrayOperators", "otherOperators"],
      properties: { constants: list, arrayFunctions: list, otherFunctions: list, arrayOperators: list, otherOperators: list },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** GET /expressions/validate/…: the mean of the expression over the dataset's first two steps of each dimension (null when none is a number). */
export const EXPRESSION_VALIDATE_RESPONSE = {
  type: "object",
  required: ["result"],
  properties: { result: { type: ["number", "null"] } },
  additionalProperties: false,
} as const;

/** Values per dimension the validation evaluates (xcube: `slice(0, min(2, size))`). */
const SAMPLE = 2;

/** Registers the expressions routes. */
export function expressionsRoutes(app: FastifyInstance, state: ServerState): void {
  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  typed.get(
    "/expressions/capabilities",
    {
      schema: {
        summary: "What expressions of user variables may use: constants, functions and operators (xcube's namespace)",
        response: { 200: EXPRESSION_CAPABILITIES_RESPONSE },
      },
    },
    async (_request, reply) => {
      reply.header("Cache-Control", "public, max-age=3600");
      return expressionCapabilities();
    },
  );

  typed.get(
    "/expressions/validate/:datasetId/:varExpr",
    {
      schema: {
        summary: "Checks an expression of a user variable against a dataset and evaluates it on the dataset's corner",
        params: {
          type: "object",
          required: ["datasetId", "varExpr"],
          properties: { datasetId: { type: "string" }, varExpr: { type: "string", description: "the expression (URL-encoded)" } },
        } as const,
        response: { 200: EXPRESSION_VALIDATE_RESPONSE },
      },
    },
    async (request, reply) => {
      const { datasetId, varExpr } = request.params;
      try {
        const sd = await state.ctx.open(datasetId, { signal: request.opSignal });
        const v = computedVariable(sd.dataset.data_vars, "expression", varExpr, { allowed: sd.variableNames, field: "varExpr" });
        const arr = await v.read(
          v.shape.map((n) => [0, Math.min(SAMPLE, n)] as [number, number]),
          { signal: request.opSignal },
        );
        let sum = 0;
        let count = 0;
        const data = arr.data as ArrayLike<number | bigint>;
        for (let i = 0; i < data.length; i++) {
          const y = Number(data[i]);
          if (!Number.isNaN(y)) {
            sum += y;
            count++;
          }
        }
        return { result: count > 0 && Number.isFinite(sum / count) ? sum / count : null };
      } catch (err) {
        if (!isEocubeError(err) || !err.isUserError) throw err;
        // xcube-viewer reads `error.message` and shows what is inside its parentheses
        const { status, body } = errorResponse(err);
        return (reply as FastifyReply)
          .code(status)
          .type("application/json; charset=utf-8")
          .send(
            JSON.stringify({
              ...body,
              error: {
                status_code: status,
                message: `HTTP ${status}: ${status === 400 ? "Bad Request" : "Error"} (${body.message})`,
                exception: [],
              },
            }),
          );
      }
    },
  );
}
