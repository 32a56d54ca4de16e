// xcube's expressions API and user variables on the server: /expressions/capabilities and /validate as
// xcube answers them, and tiles, time series and statistics of `chl_ratio=conc_chl/(conc_tsm+1)` on the
// real OLCI cube equal those of the same variable computed by numpy (xarray) and written to a Zarr cube.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { DATA, decodePng } from "./helpers.js";

const CUBE = `${DATA}zarr/cube-1-250-250.zarr`;
const EXPR = "chl_ratio=conc_chl/(conc_tsm+1)";
const V = encodeURIComponent(EXPR);

let app: FastifyInstance;
let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "eocube-expr-"));
  // the reference: numpy computes the variable, xarray writes it with the cube's grid and chunks
  execFileSync(
    "/usr/bin/python3",
    [
      "-c",
      `import sys, xarray as xr
ds = xr.open_zarr(sys.argv[1])
out = xr.Dataset({"chl_ratio": ds.conc_chl / (ds.conc_tsm + 1)})
out.chl_ratio.encoding = {}
out.chunk({"time": 1, "lat": 250, "lon": 250}).to_zarr(sys.argv[2], consolidated=True)`,
      CUBE,
      join(tmp, "ref.zarr"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  app = await buildApp(
    {
      Datasets: [
        { Identifier: "olci", Path: CUBE },
        { Identifier: "ref", Path: join(tmp, "ref.zarr") },
      ],
    },
    {},
    { warmUp: false },
  );
}, 120_000);
afterAll(async () => {
  await app?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  app.inject({ method: "POST", url, payload: JSON.stringify(body), headers: { "content-type": "application/json" } });

describe("/expressions", () => {
  it("capabilities in xcube's shape", async () => {
    const r = await app.inject("/expressions/capabilities");
    expect(r.statusCode).toBe(200);
    const ns = r.json().namespace;
    expect(Object.keys(ns).sort()).toEqual(["arrayFunctions", "arrayOperators", "constants", "otherFunctions", "otherOperators"]);
    expect(ns.constants).toEqual(["e", "inf", "nan", "pi"]);
    expect(ns.arrayFunctions).toContain("sqrt(X)");
    expect(ns.arrayFunctions).toContain("where(C,X,Y)");
    expect(ns.arrayFunctions).toContain("arctan2(X,Y)");
    expect(ns.arrayOperators).toContain("X & Y");
  });

  it("validates an expression on the dataset's corner", async () => {
    const r = await app.inject(`/expressions/validate/olci/${encodeURIComponent("2*conc_chl")}`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toHaveProperty("result");
    const f = await app.inject(`/expressions/validate/olci/${encodeURIComponent("c2rcc_flags.Valid_PE & (kd489 > 0)")}`);
    expect(f.statusCode).toBe(200);
  });

  it.each([
    ["bibo*conc_chl", "name 'bibo' is not defined at character 0"],
    ["constructor", "name 'constructor' is not defined"],
    ["conc_chl.__proto__", "protected attribute '__proto__'"],
    ["conc_chl.constructor", "attribute access is not allowed"],
    ["conc_chl[0]", "subscripts"],
    ["sqrt(conc_chl, 2)", "sqrt() takes 1 argument (2 given)"],
    ["eval(conc_chl)", "function 'eval' is not defined"],
    ["conc_chl +", "at character"],
    [`${"(".repeat(80)}conc_chl${")".repeat(80)}`, "nested more than 64"],
    ["1 + 2", "gives a constant"],
    ["conc_chl && kd489", "write and"],
  ])("refuses %s with 400 naming the problem", async (expr, words) => {
    const r = await app.inject(`/expressions/validate/olci/${encodeURIComponent(expr)}`);
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.code).toBe("INVALID_EXPRESSION");
    expect(body.message).toContain(words);
    // xcube's error object, whose message xcube-viewer shows between the parentheses
    expect(body.error.status_code).toBe(400);
    expect(body.error.message).toMatch(/^HTTP 400: Bad Request \(.*\)$/);
  });

  it("refuses unknown datasets and over-long expressions", async () => {
    expect((await app.inject(`/expressions/validate/nope/${encodeURIComponent("conc_chl")}`)).statusCode).toBe(404);
    // a long segment is fine (as xcube: no per-segment limit); the expression's own limit answers 400 naming it
    const long = await app.inject(`/expressions/validate/olci/${encodeURIComponent(`conc_chl${"+conc_chl".repeat(200)}`)}`);
    expect(long.statusCode, long.body).toBe(200);
    const tooLong = await app.inject(`/expressions/validate/olci/${encodeURIComponent(`conc_chl${"+1".repeat(5000)}`)}`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toMatch(/10,?000/);
  });
});

describe("user variable chl_ratio=conc_chl/(conc_tsm+1) against numpy", () => {
  it("tiles equal those of numpy's values, at the base level and derived levels", async () => {
    for (const [z, y, x] of [
      [0, 0, 0],
      [6, 21, 32],
      [9, 171, 258],
    ]) {
      const q = `crs=EPSG:3857&time=2017-01-16&vmin=0&vmax=3&cmap=viridis`;
      const a = await app.inject(`/tiles/olci/${V}/${z}/${y}/${x}?${q}`);
      const b = await app.inject(`/tiles/ref/chl_ratio/${z}/${y}/${x}?${q}`);
      expect(a.statusCode, `${z}/${y}/${x}`).toBe(200);
      expect(b.statusCode).toBe(200);
      const pa = decodePng(a.rawPayload);
      const pb = decodePng(b.rawPayload);
      expect(Buffer.from(pa.pixels).equals(Buffer.from(pb.pixels)), `${z}/${y}/${x}`).toBe(true);
    }
    // some pixels are drawn (not all transparent)
    const png = decodePng((await app.inject(`/tiles/olci/${V}/9/171/258?crs=EPSG:3857&time=2017-01-16&vmin=0&vmax=3`)).rawPayload);
    expect(png.pixels.some((v, i) => i % 4 === 3 && v === 255)).toBe(true);
  });

  it("WMTS tiles and legends accept the user variable", async () => {
    const w = await app.inject(`/wmts/1.0.0/tile/olci/${V}/WorldWebMercatorQuad/6/21/32.png?time=2017-01-16`);
    expect(w.statusCode).toBe(200);
    expect((await app.inject(`/tiles/olci/${V}/legend`)).statusCode).toBe(200);
  });

  it("point and polygon time series equal numpy's", async () => {
    const point = { type: "Point", coordinates: [2.5, 51.3] };
    const polygon = {
      type: "Polygon",
      coordinates: [
        [
          [2.2, 51.2],
          [2.9, 51.2],
          [2.9, 51.6],
          [2.2, 51.6],
          [2.2, 51.2],
        ],
      ],
    };
    for (const g of [point, polygon]) {
      const q = g === point ? "aggMethods=mean" : "aggMethods=mean,median,std,min,max,count";
      const a = await post(`/timeseries/olci/${V}?${q}`, g);
      const b = await post(`/timeseries/ref/chl_ratio?${q}`, g);
      expect(a.statusCode).toBe(200);
      expect(a.json().result.length).toBeGreaterThan(0);
      expect(a.json()).toEqual(b.json());
    }
  });

  it("statistics equal numpy's", async () => {
    const ring = [
      [2.2, 51.2],
      [2.9, 51.2],
      [2.9, 51.6],
      [2.2, 51.6],
      [2.2, 51.2],
    ];
    const a = await post(`/statistics/olci/${V}?time=2017-01-16`, { type: "Polygon", coordinates: [ring] });
    const b = await post(`/statistics/ref/chl_ratio?time=2017-01-16`, { type: "Polygon", coordinates: [ring] });
    expect(a.statusCode).toBe(200);
    expect(a.json().result.count).toBeGreaterThan(0);
    expect(a.json()).toEqual(b.json());
    const p = await app.inject(`/statistics/olci/${V}?lon=2.5&lat=51.3&time=2017-01-16`);
    const q = await app.inject(`/statistics/ref/chl_ratio?lon=2.5&lat=51.3&time=2017-01-16`);
    expect(p.json()).toEqual(q.json());
  });

  it("a bad user variable in a tile URL answers 400 naming the problem", async () => {
    const r = await app.inject(`/tiles/olci/${encodeURIComponent("x=conc_chl/bibo")}/0/0/0`);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain("name 'bibo' is not defined");
    const n = await app.inject(`/tiles/olci/${encodeURIComponent("1x=conc_chl")}/0/0/0`);
    expect(n.statusCode).toBe(400);
  });
});

describe("the config's user variables", () => {
  let cfgApp: FastifyInstance;
  beforeAll(async () => {
    writeFileSync(
      join(tmp, "aug.mjs"),
      `export function compute_variables(dataset, params) {
  const chl = dataset.data_vars.conc_chl;
  const scaled = chl.with({
    name: "chl_scaled",
    attrs: { units: "scaled" },
    read: async (selection, options) => {
      const a = await chl.read(selection, options);
      return { ...a, data: a.data.map((x) => x * params.factor) };
    },
  });
  return { chl_scaled: scaled };
}
`,
    );
    cfgApp = await buildApp(
      {
        BaseDir: tmp,
        Datasets: [
          {
            Identifier: "olci",
            Path: CUBE,
            Variables: ["conc_chl", "chl_ratio=conc_chl/(conc_tsm+1)", "chl_scaled"],
            Augmentation: { Path: "aug.mjs", Function: "compute_variables", InputParameters: { factor: 10 } },
          },
        ],
      },
      {},
      { warmUp: false },
    );
  });
  afterAll(async () => {
    await cfgApp?.close();
  });

  it("publishes computed Variables entries and the Augmentation module's variables", async () => {
    const d = (await cfgApp.inject("/datasets/olci")).json();
    expect(d.variables.map((v: { name: string }) => v.name)).toEqual(["conc_chl", "chl_ratio", "chl_scaled"]);
    const q = "crs=EPSG:3857&time=2017-01-16&vmin=0&vmax=3";
    const a = await cfgApp.inject(`/tiles/olci/chl_ratio/6/21/32?${q}`);
    const b = await app.inject(`/tiles/ref/chl_ratio/6/21/32?${q}`);
    expect(Buffer.from(decodePng(a.rawPayload).pixels).equals(Buffer.from(decodePng(b.rawPayload).pixels))).toBe(true);
    const p = (await cfgApp.inject("/statistics/olci/chl_scaled?lon=2.5&lat=51.3&time=2017-01-16")).json().result.value;
    const c = (await cfgApp.inject("/statistics/olci/conc_chl?lon=2.5&lat=51.3&time=2017-01-16")).json().result.value;
    expect(p).toBeCloseTo(c * 10, 9);
  });

  it("a computed Variables entry that does not check answers 400 naming the config field", async () => {
    const bad = await buildApp({ Datasets: [{ Identifier: "olci", Path: CUBE, Variables: ["x=conc_chl/bibo"] }] }, {}, { warmUp: false });
    try {
      const r = await bad.inject("/datasets/olci");
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toContain("Datasets.0.Variables.0");
      expect(r.json().message).toContain("name 'bibo' is not defined");
    } finally {
      await bad.close();
    }
  });
});
