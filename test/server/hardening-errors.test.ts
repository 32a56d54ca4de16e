// fastify's own errors keep eocube's documented error body {code, message, hint?, field?} and their
// status: a URL that does not decode, an over-long path parameter, a malformed or empty JSON body, an
// unsupported media type, a body over the limit, an unknown route (app.inject on the real cube).
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/core/errors.js";
import { buildApp } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(
    { Datasets: [{ Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` }], Limits: { MaxBodySize: "64K" } },
    {},
    { warmUp: false },
  );
});
afterAll(async () => {
  await app?.close();
});

/** Checks the documented error body: only {code, message, hint?, field?}, a known code, no fastify fields. */
function expectErrorBody(
  r: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  code: string,
): Record<string, unknown> {
  expect(r.statusCode).toBe(status);
  expect(String(r.headers["content-type"])).toMatch(/^application\/json/);
  const body = JSON.parse(r.body) as Record<string, unknown>;
  expect(body.code).toBe(code);
  expect(Object.keys(ERROR_CODES)).toContain(body.code);
  expect(typeof body.message).toBe("string");
  for (const k of Object.keys(body)) expect(["code", "message", "hint", "field"]).toContain(k);
  expect(JSON.stringify(body)).not.toMatch(/FST_|statusCode/);
  return body;
}

const ts = "/timeseries/olci/conc_chl";
const point = JSON.stringify({ type: "Point", coordinates: [2, 51] });

describe("framework errors answer {code, message}", () => {
  it("a URL with a malformed %-escape (was FST_ERR_BAD_URL)", async () => {
    for (const url of ["/datasets/%E0%A4%A", "/tiles/olci/conc_chl/%zz/0/0", "/datasets/%"]) {
      const body = expectErrorBody(await app.inject({ method: "GET", url }), 400, "INVALID_PARAMS");
      expect(body.field).toBe("url");
    }
  });

  it("a viewer path with a literal % (decoded once by the router, never twice) is 404, not 500", async () => {
    for (const url of ["/viewer/%25zz", "/viewer/%25"]) expectErrorBody(await app.inject({ method: "GET", url }), 404, "NOT_FOUND");
    expectErrorBody(await app.inject({ method: "GET", url: "/viewer/a%2F..%2F..%2F..%2Fpackage.json" }), 400, "UNSAFE_ID");
  });

  it("a path parameter longer than the router allows", async () => {
    expectErrorBody(await app.inject({ method: "GET", url: `/datasets/${"a".repeat(600)}` }), 400, "INVALID_PARAMS");
  });

  it("a body that is not JSON, an empty JSON body, and a JSON body with __proto__", async () => {
    const headers = { "content-type": "application/json" };
    expectErrorBody(
      await app.inject({ method: "POST", url: ts, payload: '{"type": "Point", "coordinates": [2, ', headers }),
      400,
      "INVALID_PARAMS",
    );
    expectErrorBody(await app.inject({ method: "POST", url: ts, payload: "", headers }), 400, "INVALID_PARAMS");
    expectErrorBody(
      await app.inject({ method: "POST", url: ts, payload: '{"__proto__": {"x": 1}, "type": "Point"}', headers }),
      400,
      "INVALID_PARAMS",
    );
  });

  it("a body is read as JSON whatever its content type (as xcube); a malformed Content-Type keeps 415", async () => {
    for (const type of ["text/plain;charset=UTF-8", "text/xml", "application/octet-stream"]) {
      const r = await app.inject({ method: "POST", url: ts, payload: point, headers: { "content-type": type } });
      expect(r.statusCode, type).toBe(200);
      expect(r.json().result.length).toBeGreaterThan(0);
    }
    expectErrorBody(
      await app.inject({ method: "POST", url: ts, payload: "<Point/>", headers: { "content-type": "text/xml" } }),
      400,
      "INVALID_PARAMS",
    );
    const big = JSON.stringify({ type: "MultiPoint", coordinates: Array.from({ length: 8000 }, (_, i) => [2 + i * 1e-6, 51]) });
    expectErrorBody(
      await app.inject({ method: "POST", url: ts, payload: big, headers: { "content-type": "text/plain" } }),
      413,
      "TOO_LARGE",
    );
    const body = expectErrorBody(
      await app.inject({ method: "POST", url: ts, payload: point, headers: { "content-type": "not a media type" } }),
      415,
      "INVALID_PARAMS",
    );
    expect(body.hint).toMatch(/application\/json/);
  });

  it("a body over Limits.MaxBodySize is 413 TOO_LARGE naming the limit", async () => {
    const big = JSON.stringify({ type: "MultiPoint", coordinates: Array.from({ length: 8000 }, (_, i) => [2 + i * 1e-6, 51]) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const body = expectErrorBody(
      await app.inject({ method: "POST", url: ts, payload: big, headers: { "content-type": "application/json" } }),
      413,
      "TOO_LARGE",
    );
    expect(body.field).toBe("Limits.MaxBodySize");
  });

  it("an unknown route and an unknown method are 404 NOT_FOUND", async () => {
    expectErrorBody(await app.inject({ method: "GET", url: "/no/such/route" }), 404, "NOT_FOUND");
    expectErrorBody(await app.inject({ method: "DELETE", url: "/datasets/olci" }), 404, "NOT_FOUND");
  });

  it("query validation errors", async () => {
    expectErrorBody(
      await app.inject({ method: "POST", url: `${ts}?maxValids=many`, payload: point, headers: { "content-type": "application/json" } }),
      400,
      "INVALID_PARAMS",
    );
  });
});
