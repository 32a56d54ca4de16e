// HTTP error mapping: every error becomes JSON {code, message, hint?, field?} with the status from
// core/errors.ts httpStatusOf; fastify's own errors (bad URL, validation, body too large, bad JSON,
// unsupported media type) and Node's client errors (slow or malformed requests) keep their status with
// the same body; 5xx messages are hidden.
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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
    const message = (fe.message ?? "bad request").slice(0, 300);
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return {
        status: 413,
        body: {
          code: "TOO_LARGE",
          message: `the request body is larger than the limit of this route (${message})`,
          field: "Limits.MaxBodySize",
          hint: "send a smaller body (simplify the geometry); the server's operator can raise Limits.MaxBodySize",
        },
      };
    }
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return { status: 415, body: { code: "INVALID_PARAMS", message, field: "content-type", hint: "send the body as application/json" } };
    }
    const code: ErrorCode = sc === 404 ? "NOT_FOUND" : "INVALID_PARAMS";
    const hint = fe.validation
      ? "see /openapi.json for the parameters"
      : fe.code?.startsWith("FST_ERR_CTP") || err instanceof SyntaxError
        ? "send a valid JSON body (GeoJSON for /timeseries and /statistics)"
        : undefined;
    return { status: sc, body: { code, message, ...(hint ? { hint } : {}) } };
  }
  return { status: 500, body: { code: "INTERNAL", message: "internal server error" } };
}

/**
 * fastify's `frameworkErrors`: errors raised before routing (a URL that does not decode, a path
 * parameter over the length limit) answer 400 with the JSON error body instead of fastify's own.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e =
    err.code === "FST_ERR_BAD_URL"
      ? new EocubeError("INVALID_PARAMS", "the URL is not valid (a malformed %-escape)", {
          field: "url",
          hint: "percent-encode the path and query as RFC 3986 says (%25 for a literal %)",
        })
      : err.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? new EocubeError("INVALID_PARAMS", "a path parameter of the URL is longer than 500 characters", { field: "url" })
        : new EocubeError("INVALID_PARAMS", `the request cannot be routed (${String(err.code)})`, { field: "url" });
  request.log.info({ code: e.code, fastifyCode: err.code }, e.message);
  void reply.code(400).type("application/json; charset=utf-8").send(errorResponse(e).body);
}

/**
 * The http server's `clientError` handler: a request whose headers or body did not arrive in time
 * (HeadersTimeout/ReceiveTimeout → 408), whose headers are too large (431), or that is not HTTP (400)
 * gets the JSON error body and its connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, body] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [
          408,
          "Request Timeout",
          {
            code: "TIMEOUT",
            message: "the request was not received in time (Limits.HeadersTimeout / Limits.ReceiveTimeout)",
            hint: "send the headers and body without pauses",
          },
        ]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", { code: "TOO_LARGE", message: "the request headers are too large" }]
        : [400, "Bad Request", { code: "INVALID_PARAMS", message: "the request is not valid HTTP" }];
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

const shutdownErrors = new WeakSet<object>();

/**
 * The error of a request refused or aborted because the server is shutting down: CANCELLED, answered
 * with HTTP 503 (not CANCELLED's 499) so that clients and proxies retry.
 */
export function shutdownError(): EocubeError {
  const e = new EocubeError("CANCELLED", "the server is shutting down", { hint: "retry in a moment (or at another instance)" });
  shutdownErrors.add(e);
  return e;
}

/** Installs the error and not-found handlers on an app. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err0, request, reply) => {
    // an abort caused by the request timeout surfaces as CANCELLED; report the timeout instead
    const reason = (request as { opSignal?: AbortSignal }).opSignal?.reason;
    const err = isEocubeError(err0, "CANCELLED") && isEocubeError(reason) ? reason : err0;
    const { status: status0, body } = errorResponse(err);
    // a request refused or cut short by a shutdown: 503 (retry elsewhere or later)
    const status = shutdownErrors.has(err as object) ? 503 : status0;
    if (status >= 500) request.log.error({ err }, "request failed");
    else request.log.info({ code: body.code, status }, body.message);
    if (reply.sent) return;
    void reply.code(status).type("application/json; charset=utf-8").send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new EocubeError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`, {
      hint: "GET / lists the API; GET /openapi.json describes it",
    });
    void reply.code(404).send(errorResponse(e).body);
  });
}
