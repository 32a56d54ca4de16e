// OGC API – Coverages download (/ogc/collections/{id}/coverage) against a server on 127.0.0.1: the NetCDF4 answer read
// by Debian's xarray (values of the source at the written labels) and by GDAL (bbox, CRS); bad parameters → 400.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

const OLCI = `${DATA}zarr/cube-1-250-250.zarr`;
const dir = mkdtempSync(join(tmpdir(), "eocube-cov-"));
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({ Datasets: [{ Identifier: "olci", Path: OLCI }] }, {}, { warmUp: false });
}, 30_000);
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PY = `
import json, sys
import numpy as np, xarray as xr
a = xr.open_dataset(sys.argv[1])
s = xr.open_zarr(sys.argv[2]).conc_chl.sel(lon=a.lon, lat=a.lat, time=a.time)
print(json.dumps({"vars": sorted(a.data_vars), "shape": list(a.conc_chl.shape), "equal": bool(np.array_equal(a.conc_chl.values, s.values, equal_nan=True))}))
`;

describe("/ogc/collections/{id}/coverage", () => {
  it("answers a bbox, datetime and properties subset as NetCDF4 that xarray and GDAL read", async () => {
    const r = await app.inject({
      url: "/ogc/collections/olci/coverage?bbox=1,51,1.5,51.5&datetime=2017-01-16/2017-01-26&properties=conc_chl&f=netcdf",
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/netcdf");
    expect(r.headers["content-crs"]).toBe("[OGC:CRS84]");
    const file = join(dir, "olci.nc");
    writeFileSync(file, r.rawPayload);
    const out = JSON.parse(execFileSync("/usr/bin/python3", ["-c", PY, file, OLCI], { encoding: "utf8" }));
    expect(out).toMatchObject({ vars: ["conc_chl", "crs"], equal: true });
    expect(out.shape[0]).toBe(3);
    const g = JSON.parse(execFileSync("gdalinfo", ["-json", `NETCDF:${file}:conc_chl`], { encoding: "utf8" }));
    expect(g.stac["proj:epsg"]).toBe(4326);
    const [x0, dx, , y0, , dy] = g.geoTransform as number[];
    expect(x0).toBeCloseTo(1, 6);
    expect(y0).toBeCloseTo(51.5, 6);
    expect(x0! + dx! * g.size[0]).toBeCloseTo(1.5, 6);
    expect(y0! + dy! * g.size[1]).toBeCloseTo(51, 6);
  }, 60_000);

  it("refuses bad parameters with 400 and unsupported media types with 415", async () => {
    const get = (q: string) => app.inject({ url: `/ogc/collections/olci/coverage?${q}` });
    for (const q of [
      "bbox=1,51,0,52",
      "bbox=a,b,c,d",
      "datetime=yesterday",
      "properties=nope",
      "datetime=2017-01-01/2017-01-02/2017-01-03",
    ]) {
      const r = await get(q);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().field, q).toBeDefined();
    }
    expect((await get("f=image/png")).statusCode).toBe(415);
    expect((await get("bbox=10,10,11,11")).statusCode).toBe(400); // outside the data
    expect((await app.inject({ url: "/ogc/collections/nope/coverage" })).statusCode).toBe(404);
  });
});
