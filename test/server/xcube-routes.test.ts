// The routes xcube-viewer and xcube clients call, on a real listen on 127.0.0.1 over the real demo cube: GET /,
// viewer states (memory, a folder that survives a restart), /viewer/config/*, /viewer/ext/*, tile defaults and
// aliases (CRS84, cbar, format), the legacy legend route, /colorbars (256×1) and its HTML page, time-series
// tolerance, text/plain bodies; every JSON answer is checked against the response schema its route declares.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newAjv } from "../../src/core/config/ajv.js";
import { startServer, type RunningServer } from "../../src/server/app.js";
import type { ServerConfig } from "../../src/server/config.js";
import * as R from "../../src/server/routes/responses.js";
import { decodePng, DATA } from "./helpers.js";

const CUBE = join(DATA, "zarr/cube-1-250-250.zarr");
const ajv = newAjv();

/** Checks a JSON answer against a declared response schema. */
function conforms(schema: object, body: unknown, what: string): void {
  const validate = ajv.compile(schema);
  expect(validate(body), `${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

let dir: string;
let server: RunningServer;
let config: ServerConfig;

const start = (c: ServerConfig) => startServer(c, { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false });
const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-xcube-routes-"));
  mkdirSync(join(dir, "viewer-config"));
  writeFileSync(join(dir, "viewer-config/config.json"), JSON.stringify({ server: { name: "test" }, branding: { appBarTitle: "Test" } }));
  config = {
    Datasets: [{ Identifier: "cube", Path: CUBE }],
    BaseDir: dir,
    Viewer: { Configuration: { Path: "viewer-config" }, Persistence: { Path: "states" } },
  } as ServerConfig;
  server = await start(config);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("GET / and maintenance", () => {
  it("answers xcube's service fields", async () => {
    const body = await (await get("/")).json();
    conforms(R.SERVER_INFO_RESPONSE, body, "GET /");
    expect(body.pid).toBe(process.pid);
    expect(body.versions.eocube).toBe(body.version);
    expect(body.apis.map((a: { name: string }) => a.name)).toContain("places");
    for (const k of ["startTime", "currentTime", "updateTime"]) expect(Number.isFinite(Date.parse(body[k])), k).toBe(true);
    conforms(R.HEALTH_RESPONSE, await (await get("/health")).json(), "GET /health");
    const api = await (await get("/openapi.json")).json();
    expect(api.paths["/places/{placeGroupId}"].get.responses["200"].content["application/json"].schema).toEqual(R.PLACES_RESPONSE);
  });
});

describe("viewer states (Share button permalinks)", () => {
  const state = { version: 1, controlState: { selectedDatasetId: "cube", mapZoom: 7 }, note: "Zürich" };

  it("PUT (text/plain, as the viewer sends it) gives an 8-character key; GET with it gives the state back", async () => {
    const put = await get("/viewer/state", {
      method: "PUT",
      body: JSON.stringify(state),
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    expect(put.status).toBe(200);
    const { key } = await put.json();
    conforms(R.VIEWER_STATE_KEY_RESPONSE, { key }, "PUT /viewer/state");
    expect(key).toMatch(/^[a-z0-9]{8}$/);
    const back = await get(`/viewer/state?key=${key}`);
    expect(back.status).toBe(200);
    expect(back.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await back.json()).toEqual(state);
    // stored as a file named by the key in Viewer.Persistence.Path (xcube's layout)
    expect(JSON.parse(readFileSync(join(dir, "states", key), "utf8"))).toEqual(state);
    const keys = await (await get("/viewer/state")).json();
    conforms(R.VIEWER_STATE_KEYS_RESPONSE, keys, "GET /viewer/state");
    expect(keys.keys).toContain(key);
    // the state survives a restart
    await server.close();
    server = await start(config);
    expect(await (await get(`/viewer/state?key=${key}`)).json()).toEqual(state);
  });

  it("an unknown key is 404 (the viewer's 'sentinel' probe 204: the API exists), an unsafe one 400, a non-JSON body 400", async () => {
    expect((await get("/viewer/state?key=sentinel")).status).toBe(204);
    expect((await get("/viewer/state?key=nosuchkey")).status).toBe(404);
    expect((await get(`/viewer/state?key=${encodeURIComponent("../../etc/passwd")}`)).status).toBe(400);
    expect((await get("/viewer/state", { method: "PUT", body: "{not json", headers: { "content-type": "text/plain" } })).status).toBe(400);
    expect((await get("/viewer/state", { method: "PUT" })).status).toBe(400);
    // bounded: a state over the body limit is refused
    const big = JSON.stringify({ x: "y".repeat(2 * 1024 * 1024) });
    expect((await get("/viewer/state", { method: "PUT", body: big })).status).toBe(413);
  });

  it("without Viewer.Persistence the states are kept in memory", async () => {
    const mem = await start({ Datasets: [{ Identifier: "cube", Path: CUBE }] });
    try {
      const { key } = await (await fetch(`${mem.url}/viewer/state`, { method: "PUT", body: '{"a": 1}' })).json();
      expect(await (await fetch(`${mem.url}/viewer/state?key=${key}`)).json()).toEqual({ a: 1 });
      // no viewer configuration: 404 as xcube
      expect((await fetch(`${mem.url}/viewer/config/config.json`)).status).toBe(404);
    } finally {
      await mem.close();
    }
  });
});

describe("viewer configuration and extensions", () => {
  it("serves Viewer.Configuration.Path as /viewer/config/*", async () => {
    const r = await get("/viewer/config/config.json");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect((await r.json()).branding.appBarTitle).toBe("Test");
    expect((await get("/viewer/config/nope.json")).status).toBe(404);
    expect([400, 404]).toContain((await get("/viewer/config/..%2F..%2F..%2Fetc%2Fpasswd")).status);
    expect(existsSync(join(dir, "viewer-config/config.json"))).toBe(true);
  });

  it("answers /viewer/ext/contributions with no extensions, the other /viewer/ext/* 404 as xcube without extensions", async () => {
    const r = await get("/viewer/ext/contributions");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ result: { extensions: [], contributions: {} } });
    expect((await get("/viewer/ext/callback", { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("tiles, legends and colour bars as xcube", () => {
  const bytes = async (path: string) => {
    const r = await get(path);
    expect(r.status, path).toBe(200);
    return Buffer.from(await r.arrayBuffer());
  };

  it("the default tile CRS is CRS84 (two tiles at zoom 0), cbar is cmap's alias, format must be png", async () => {
    const q = "time=2017-01-16&vmin=0&vmax=20";
    const def = await bytes(`/tiles/cube/conc_chl/0/0/1?${q}`);
    expect(def.equals(await bytes(`/tiles/cube/conc_chl/0/0/1?crs=CRS84&${q}`))).toBe(true);
    expect((await get(`/tiles/cube/conc_chl/0/0/1?crs=EPSG:3857&${q}`)).status).toBe(400);
    const byCmap = await bytes(`/tiles/cube/conc_chl/5/5/32?${q}&cmap=plasma`);
    expect(byCmap.equals(await bytes(`/tiles/cube/conc_chl/5/5/32?${q}&cbar=plasma`))).toBe(true);
    expect(byCmap.equals(await bytes(`/tiles/cube/conc_chl/5/5/32?${q}&cbar=plasma&format=image/png`))).toBe(true);
    const bad = await get(`/tiles/cube/conc_chl/5/5/32?${q}&format=jpg`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/Illegal format/);
  });

  it("the legacy /datasets/{id}/vars/{var}/legend.png is the legend of /tiles/{id}/{var}/legend", async () => {
    const a = await bytes("/datasets/cube/vars/conc_chl/legend.png?cbar=viridis&vmin=0&vmax=5&width=100&height=8");
    const b = await bytes("/tiles/cube/conc_chl/legend?cmap=viridis&vmin=0&vmax=5&width=100&height=8");
    expect(a.equals(b)).toBe(true);
    expect(decodePng(a)).toMatchObject({ width: 100, height: 8 });
  });

  it("/colorbars images are 256×1 (xcube-viewer stretches them: a second row drew the legend twice); /colorbars.html", async () => {
    const bars = await (await get("/colorbars")).json();
    conforms(R.COLOR_BARS_RESPONSE, bars, "GET /colorbars");
    let n = 0;
    for (const [, , list] of bars) {
      for (const [name, b64] of list) {
        const png = decodePng(Buffer.from(b64, "base64"));
        expect([png.width, png.height], name).toEqual([256, 1]);
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
    const html = await get("/colorbars.html");
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    const text = await html.text();
    expect(text).toContain("<code>viridis</code>");
    expect(text).toContain('src="data:image/png;base64,');
  });
});

describe("time series and statistics as the viewer posts them", () => {
  const point = JSON.stringify({ type: "Point", coordinates: [2.5, 51.5] });
  const series = async (query: string) => {
    const r = await get(`/timeseries/cube/conc_chl?${query}`, {
      method: "POST",
      body: point,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    conforms(R.TIME_SERIES_RESPONSE, body, "POST /timeseries");
    return body.result.map((e: { time: string }) => e.time);
  };

  it("tolerance (seconds, default 1 as xcube) widens startDate/endDate", async () => {
    // the second step is 2017-01-25T09:35:51.060Z; a start 0.5 s after it
    const q = "startDate=2017-01-25T09:35:51.560Z&endDate=2017-01-26T10:50:16.686Z";
    expect(await series(q)).toEqual(["2017-01-25T09:35:51.060Z", "2017-01-26T10:50:16.686Z"]);
    expect(await series(`${q}&tolerance=0`)).toEqual(["2017-01-26T10:50:16.686Z"]);
    expect(await series("startDate=2017-01-25T09:36:51Z&endDate=2017-01-25T09:36:51Z&tolerance=60")).toEqual(["2017-01-25T09:35:51.060Z"]);
    expect((await get("/timeseries/cube/conc_chl?tolerance=-1", { method: "POST", body: point })).status).toBe(400);
  });

  it("statistics of a polygon and a point value, bodies as text/plain; answers as declared", async () => {
    const poly = JSON.stringify({
      type: "Polygon",
      coordinates: [
        [
          [2, 51],
          [3, 51],
          [3, 52],
          [2, 52],
          [2, 51],
        ],
      ],
    });
    const r = await get("/statistics/cube/conc_chl?time=2017-01-16", {
      method: "POST",
      body: poly,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    expect(r.status).toBe(200);
    const stats = await r.json();
    conforms(R.STATISTICS_RESPONSE, stats, "POST /statistics");
    expect(stats.result.count).toBeGreaterThan(0);
    conforms(
      R.POINT_VALUE_RESPONSE,
      await (await get("/statistics/cube/conc_chl?lon=2.5&lat=51.5&time=2017-01-16")).json(),
      "GET /statistics",
    );
  });

  it("dataset answers conform to their declared schemas", async () => {
    conforms(R.DATASETS_RESPONSE, await (await get("/datasets")).json(), "GET /datasets");
    conforms(R.DATASETS_RESPONSE, await (await get("/datasets?details=1")).json(), "GET /datasets?details=1");
    const d = await (await get("/datasets/cube")).json();
    conforms(R.DATASET_RESPONSE, d, "GET /datasets/cube");
    for (const v of d.variables) conforms(R.VARIABLE_SCHEMA, v, `variable ${v.name}`);
    conforms(R.DIMENSION_RESPONSE, await (await get("/datasets/cube/coords/time")).json(), "GET coords");
    conforms(R.PLACE_GROUPS_RESPONSE, await (await get("/places")).json(), "GET /places");
  });
});
