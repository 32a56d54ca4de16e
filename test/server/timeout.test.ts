// Request timeouts over HTTP on 127.0.0.1: a POST (body read before its handler runs) is bound by
// RequestTimeout as GETs are, and answers 504 TIMEOUT with a JSON body; a client that goes away mid-POST
// aborts the reads of its request.
import { request } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEPS, startServer, type RunningServer } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

const OSTIA = `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;

let server: RunningServer;
beforeAll(async () => {
  // 1 ms: any request that opens and reads the real file takes longer
  server = await startServer(
    { Datasets: [{ Identifier: "ostia", Path: OSTIA }], RequestTimeout: 1 },
    { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
  );
});
afterAll(async () => {
  await server?.close();
});

describe("request timeout", () => {
  it("a heavy POST /timeseries answers 504 TIMEOUT", async () => {
    const world = {
      type: "Polygon",
      coordinates: [
        [
          [-180, -89],
          [180, -89],
          [180, 89],
          [-180, 89],
          [-180, -89],
        ],
      ],
    };
    const body = {
      type: "FeatureCollection",
      features: Array.from({ length: 8 }, () => ({ type: "Feature", properties: {}, geometry: world })),
    };
    const r = await fetch(`${server.url}/timeseries/ostia/analysed_sst?aggMethods=median,std`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(504);
    expect(await r.json()).toMatchObject({ code: "TIMEOUT" });
  });

  it("a heavy POST /statistics answers 504 TIMEOUT", async () => {
    const world = {
      type: "Polygon",
      coordinates: [
        [
          [-180, -89],
          [180, -89],
          [180, 89],
          [-180, 89],
          [-180, -89],
        ],
      ],
    };
    const r = await fetch(`${server.url}/statistics/ostia/analysed_sst?time=2017-06-05T12:00:00Z`, {
      method: "POST",
      body: JSON.stringify(world),
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(504);
    expect(await r.json()).toMatchObject({ code: "TIMEOUT" });
  });
});

describe("client disconnect", () => {
  it("cancels a POST whose client went away (CANCELLED, logged with the request id)", async () => {
    let entered!: () => void;
    const inRead = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // the server's log: resolves `outcome` with the line that ends request gone-1 (its error or response)
    let outcome!: (line: Record<string, unknown>) => void;
    const ended = new Promise<Record<string, unknown>>((r) => (outcome = r));
    const stream = new Writable({
      write(chunk, _enc, cb) {
        const line = JSON.parse(String(chunk)) as Record<string, unknown>;
        if (line.reqId === "gone-1" && (line.code || line.res || line.err)) outcome(line);
        cb();
      },
    });
    // the real file, with analysed_sst's reads held until the client's connection has closed
    const srv = await startServer(
      { Datasets: [{ Identifier: "ostia", Path: OSTIA }] },
      {
        port: 0,
        address: "127.0.0.1",
        logger: { level: "info", stream },
        handleSignals: false,
        warmUp: false,
        deps: {
          openDataset: async (entry, options) => {
            const ds = await DEFAULT_DEPS.openDataset(entry, options);
            const v = ds.data_vars.analysed_sst!;
            const held = v.with({
              read: async (sel, o) => {
                entered();
                await released;
                return v.read(sel, o);
              },
            });
            return ds.with({ data_vars: { ...ds.data_vars, analysed_sst: held } });
          },
        },
      },
    );
    srv.app.server.on("connection", (socket) => socket.once("close", () => setImmediate(release)));
    try {
      // node:http, so that aborting closes the connection at once
      const req = request(`${srv.url}/timeseries/ostia/analysed_sst`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "gone-1" },
      });
      req.on("error", () => undefined);
      req.end(
        JSON.stringify({
          type: "Polygon",
          coordinates: [
            [
              [-20, 40],
              [-10, 40],
              [-10, 47],
              [-20, 47],
              [-20, 40],
            ],
          ],
        }),
      );
      await inRead;
      req.destroy();
      expect(await ended).toMatchObject({ code: "CANCELLED" });
    } finally {
      await srv.close();
    }
  });
});
