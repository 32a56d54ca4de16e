// `eocube describe` and `eocube list` through the built CLI (`node bin/eocube.js`, needs `npm run build`):
// output, --json, exit codes 0 / 2, and no stack traces for user errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ensureBuilt } from "../helpers/build.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

let server: TestHttpServer;
beforeAll(async () => {
  await ensureBuilt();
  server = await startHttpServer(SHARED_DATA);
}, 300_000);
afterAll(async () => server?.close());

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe("eocube describe", () => {
  it("prints the human table of the Zarr cube", async () => {
    const r = await runCli(["describe", ZARR_CUBE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("<eocube.Dataset> cube-1-250-250.zarr");
    expect(r.stdout).toContain("Dimensions:   (lat: 1000, bnds: 2, lon: 2000, time: 5)");
    expect(r.stdout).toContain("CRS:          EPSG:4326");
    expect(r.stdout).toContain("BBox:         [0, 50, 5, 52.5]");
    expect(r.stdout).toContain("Time range:   2017-01-16T10:09:21.834Z … 2017-01-30T10:46:33.837Z");
    expect(r.stdout).toMatch(/\* lat +\(lat\) +float64 +52\.49875 … 50\.00125/);
    expect(r.stdout).toMatch(/conc_chl +\(time, lat, lon\) +float64 +chunks \(1, 250, 250\)/);
    expect(r.stderr).toBe("");
  });

  it("prints the JSON descriptor with --json, subset by --open-params", async () => {
    const r = await runCli(["describe", `${SHARED_DATA}netcdf3/RGB.nc`, "--json", "--open-params", '{"variable_names": ["Band1"]}']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ data_id: "RGB.nc", data_type: "dataset", crs: "EPSG:32618", dims: { x: 791, y: 718 } });
    expect(Object.keys(d.data_vars)).toEqual(["Band1", "transverse_mercator"]); // the grid mapping stays
    expect(d.bbox_wgs84).toHaveLength(4);
  });

  it("describes over https with --store-params", async () => {
    const r = await runCli(["describe", `${server.url}/zarr/cube-1-250-250.zarr`, "--json", "--store-params", '{"timeout": 5}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).bbox).toEqual([0, 50, 5, 52.5]);
  });

  it("reads each coordinate chunk once for the human table over http, as many requests as --json", async () => {
    const url = `${server.url}/zarr/cube-1-250-250.zarr`;
    server.reset();
    let r = await runCli(["describe", url, "--json"]);
    expect(r.code).toBe(0);
    const jsonPaths = server.requests.map((q) => q.path).sort();
    server.reset();
    r = await runCli(["describe", url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\* lat +\(lat\) +float64 +52\.49875 … 50\.00125/);
    expect(r.stdout).toMatch(/\* time +\(time\) +datetime64\[ns\] 2017-01-16T10:09:21\.834Z … 2017-01-30T10:46:33\.837Z/);
    const paths = server.requests.map((q) => q.path).sort();
    expect(paths).toEqual(jsonPaths);
    expect(new Set(paths).size).toBe(paths.length); // no chunk fetched twice
  });

  it("describes with an explicit --store and a data id", async () => {
    const r = await runCli([
      "describe",
      "netcdf3/eraint_uvz.nc",
      "--store",
      "file",
      "--store-params",
      JSON.stringify({ root: SHARED_DATA }),
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).data_id).toBe("netcdf3/eraint_uvz.nc");
  });

  it("exits 2 with one clear message and no stack trace for user errors", async () => {
    const cases: [string[], RegExp][] = [
      [["describe", `${SHARED_DATA}netcdf3/missing.nc`], /error: .*missing\.nc/],
      [["describe", `${SHARED_DATA}README.md`], /cannot tell the data format of .*README\.md/],
      [["describe", ZARR_CUBE, "--store-params", "{oops"], /--store-params is not valid JSON/],
      [["describe", "x.nc", "--store", "file", "--store-params", '{"root": 3}'], /store_params\/root must be string/],
      [["describe", "x.nc", "--store", "ftp"], /no data store "ftp"/],
      [["describe", ZARR_CUBE, "--open-params", '{"bbox": [10, 10, 11, 11]}'], /open_params\/bbox .* does not overlap/],
      [["describe", `${server.url}/netcdf3/missing.nc`], /no such object: http:\/\/127\.0\.0\.1:\d+\/netcdf3\/missing\.nc/],
      // the URL once, not http://h/http://h/nope.zarr
      [["describe", `${server.url}/nope.zarr`], /^error: no Zarr store at http:\/\/127\.0\.0\.1:\d+\/nope\.zarr\n/],
      [
        ["describe", "ftp://x/y.nc"],
        /^error: unsupported URL scheme ftp:\/\/ in ftp:\/\/x\/y\.nc\n.*\n {2}hint: use a local path or a file:\/\/, http\(s\):\/\/, s3:\/\/, abfs:\/\/ or memory:\/\/ URL/,
      ],
      [["describe"], /missing required argument/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(re);
      noStack(r.stderr);
      expect(r.stdout).toBe("");
    }
  });

  it("exits 2 on HTTP 500 and on a server that never answers, within the timeout", async () => {
    server.faults.set("/netcdf4/", { status: 500 });
    server.faults.set("/zarr/", "hang");
    try {
      let r = await runCli(["describe", `${server.url}/netcdf4/gfs_output.nc`, "--store-params", '{"retries": 0}']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("HTTP 500");
      noStack(r.stderr);
      r = await runCli([
        "describe",
        `${server.url}/zarr/cube-1-250-250.zarr`,
        "--store-params",
        '{"timeout": 0.3, "retries": 0}',
        "--json",
      ]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stderr).error).toMatchObject({ code: "TIMEOUT" });
    } finally {
      server.faults.clear();
    }
  });
});

describe("eocube list", () => {
  it("lists data ids of a folder, as text and JSON", async () => {
    let r = await runCli(["list", SHARED_DATA]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual(expect.arrayContaining(["zarr/cube-1-250-250.zarr", "netcdf3/RGB.nc", "geotiff/cogeo.tif"]));
    r = await runCli(["list", `${SHARED_DATA}geotiff`, "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.store_id).toBe("file");
    expect(out.data_ids).toEqual(["RGB.byte.tif", "cogeo.tif", "goes.tif", "sample-cog.tif", "shade.tif", "world.byte.tif"]);
  });

  it("exits 2 for a root that is a file, or an unsupported URL scheme", async () => {
    let r = await runCli(["list", `${SHARED_DATA}README.md`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*README\.md is not a folder/);
    expect(r.stdout).toBe("");
    noStack(r.stderr);
    r = await runCli(["list", "ftp://x/y"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unsupported URL scheme ftp:\/\//);
    noStack(r.stderr);
  });

  it("exits 2 for a missing folder", async () => {
    const r = await runCli(["list", `${SHARED_DATA}nope`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such folder");
    noStack(r.stderr);
  });
});
