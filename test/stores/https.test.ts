// The https store against a real HTTP server on 127.0.0.1 serving ../shared/data (Range requests):
// same descriptors as the file store, request counts, and 404/500/timeout errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeDataset, newDataStore, openDataset } from "../../src/stores/index.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA } from "../helpers/paths.js";

let server: TestHttpServer;
beforeAll(async () => {
  server = await startHttpServer(SHARED_DATA);
});
afterAll(async () => server.close());
beforeEach(() => {
  server.faults.clear();
  server.reset();
});

const FILES = [
  "zarr/cube-1-250-250.zarr",
  "netcdf3/RGB.nc",
  "netcdf3/eraint_uvz.nc",
  "netcdf4/gfs_output.nc",
  "geotiff/sample-cog.tif",
  "geotiff/RGB.byte.tif",
];

describe("https store", () => {
  for (const id of FILES) {
    it(`describes ${id} exactly as the file store does`, async () => {
      const viaHttp = await describeDataset(`${server.url}/${id}`);
      const viaFile = await describeDataset(`${SHARED_DATA}${id}`);
      expect(viaHttp).toEqual(viaFile);
      expect(server.requests.every((r) => r.method === "GET" || r.method === "HEAD")).toBe(true);
    });
  }

  it("describes the consolidated Zarr cube with 1 metadata request plus coordinate chunks, never data chunks", async () => {
    // .zmetadata (1) + lon (8 chunks of 250) + lat (4), read whole for the grid check, + the first and last of
    // the 5 one-value time chunks (time is monotonic per CF) = 15 requests
    await describeDataset(`${server.url}/zarr/cube-1-250-250.zarr`);
    const paths = server.requests.map((r) => r.path.replace("/zarr/cube-1-250-250.zarr/", ""));
    const metadata = paths.filter((p) => p.split("/").pop()!.startsWith(".z"));
    expect(metadata).toEqual([".zmetadata"]);
    // the rest are chunks of coordinates (lat, lon, time) read for bbox and time range, never data variables
    expect(paths.filter((p) => /^(conc_chl|conc_tsm|kd489|c2rcc_flags|quality_flags)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /^lon\/\d+$/.test(p)).length).toBe(8);
    expect(paths.filter((p) => /^lat\/\d+$/.test(p)).length).toBe(4);
    expect(paths.filter((p) => /^time\/\d+$/.test(p)).sort()).toEqual(["time/0", "time/4"]);
    expect(paths.length).toBe(15);
  });

  it("reads a window through Range requests only for the chunks it touches", async () => {
    const ds = await openDataset(`${server.url}/geotiff/sample-cog.tif`);
    server.reset();
    const v = ds.data_vars.band_data!;
    const arr = await v.read([0, [0, 10], [0, 10]]);
    expect(arr.shape).toEqual([10, 10]);
    expect(server.requests.every((r) => r.range !== undefined)).toBe(true);
    expect(server.requests.length).toBeLessThanOrEqual(3);
    await ds.close();
  });

  it("gives NOT_FOUND naming the URL for a missing dataset (404)", async () => {
    await expect(describeDataset(`${server.url}/netcdf3/missing.nc`)).rejects.toMatchObject({
      code: "NOT_FOUND",
      path: `${server.url}/netcdf3/missing.nc`,
    });
    await expect(describeDataset(`${server.url}/zarr/missing.zarr`)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("gives REMOTE_ERROR after bounded retries for HTTP 500", async () => {
    server.faults.set("/netcdf3/", { status: 500 });
    const err = await describeDataset(`${server.url}/netcdf3/RGB.nc`, { storeParams: { retries: 1 } }).catch((e) => e);
    expect(err).toMatchObject({ code: "REMOTE_ERROR" });
    expect(err.path).toContain(`${server.url}/netcdf3/RGB.nc`);
    expect(server.requests.length).toBe(2);
  });

  it("gives TIMEOUT within the configured timeout for a server that never answers", async () => {
    server.faults.set("/zarr/", "hang");
    const t0 = Date.now();
    const err = await describeDataset(`${server.url}/zarr/cube-1-250-250.zarr`, { storeParams: { timeout: 0.3, retries: 0 } }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: "TIMEOUT", path: `${server.url}/zarr/cube-1-250-250.zarr/.zmetadata` });
    expect(Date.now() - t0).toBeLessThan(20_000); // bounded: no hang (not a timing assertion on speed)
  });

  it("cannot list (https) and says so with an empty list", async () => {
    expect(await newDataStore("https", { root: server.url }).listDataIds()).toEqual([]);
  });
});
