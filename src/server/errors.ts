// HTTP error mapping: every error becomes JSON {code, message, hint?, field?} with the status from
// core/errors.ts httpStatusOf; fastify's own 4xx (validation, body too large, bad JSON) keep their
// status; 5xx messages are hidden.
import type { FastifyError, FastifyInstance } from "fastify";
import { ERROR_CODES, EocubeError, httpStatusOf, isEocubeError, type ErrorCode } from "../core/errors.js";

/** The JSON body of an error response. */
export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  field?: string;
}

/** Status and body for any thrown value (the one error → status table is core/errors.ts). */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isEocubeError(err)) {
    const status = httpStatusOf(err);
    if (status >= 500 && !ERROR_CODES[err.code].user) return { status, body: { code: err.code, message: "internal server error" } };
    const body: ErrorBody = { code: err.code, message: err.message };
    if (err.hint) body.hint = err.hint;
    if (err.field) body.field = err.field;
    return { status, body };
  }
  const fe = err as Partial<FastifyError>;
  const sc = typeof fe.statusCode === "number" ? fe.statusCode : 500;
  if (sc >= 400 && sc < 500) {
    const code: ErrorCode = sc === 404 ? "NOT_FOUND" : "INVALID_PARAMS";
    const hint = fe.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? "send a smaller body (simplify the geometry)" : fe.validation ? "see /openapi.json for the parameters" : undefined;
    return { status: sc, body: { code, message: fe.message ?? "bad request", ...(hint ? { hint } : {}) } };
  }
  return { status: 500, body: { code: "INTERNAL", message: "internal server error" } };
}

/** Installs the error and not-found handlers on an app. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err0, request, reply) => {
    // an abort caused by the request timeout surfaces as CANCELLED; report the timeout instead
    const reason = (request as { opSignal?: AbortSignal }).opSignal?.reason;
    const err = isEocubeError(err0, "CANCELLED") && isEocubeError(reason, "TIMEOUT") ? reason : err0;
    const { status, body } = errorResponse(err);
    if (status >= 500) request.log.error({ err }, "request failed");
    else request.log.info({ code: body.code, status }, body.message);
    if (reply.sent) return;
    void reply.code(status).type("application/json; charset=utf-8").send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new EocubeError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`, { hint: "GET / lists the API; GET /openapi.json describes it" });
    void reply.code(404).send(errorResponse(e).body);
  });
}
