// xcube's server configuration keys honoured by eocube, each on a real server on 127.0.0.1 with real data:
// DatasetGroups/GroupId, SortValue, Tags, Attribution, BoundingBox, TimeSeriesDataset, Hidden,
// FileSystem s3 (+ Endpoint, Anonymous, Region) against s3rver, base_dir, url_prefix/reverse_url_prefix,
// port, Authentication with scopes, ColorFile, CustomColorMaps by name; typos stay errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { isEocubeError } from "../../src/core/errors.js";
import { Variable } from "../../src/core/variable.js";
import { writeDataset } from "../../src/formats/zarr/writer.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { rechunk } from "../../src/ops/rechunk.js";
import { subset } from "../../src/ops/subset.js";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { loadServerConfig, validateServerConfig, type ServerConfig } from "../../src/server/config.js";
import { openDataset } from "../../src/stores/open.js";
import { startS3Server, uploadFolder, type TestS3Server } from "../helpers/s3.js";
import { DATA, decodePng } from "./helpers.js";
import { logSink, webMercatorTile } from "./xcube-helpers.js";

let dir: string;
let small: string;
let doubled: string;
let s3: TestS3Server;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-xcube-config-"));
  const cube = decodeCF(await openDataset(`${DATA}zarr/cube-1-250-250.zarr`));
  const sub = await subset(cube, { variable_names: ["conc_chl", "kd489"], bbox: [1, 51, 2, 52] });
  const fs = new FileFileSystem(dir);
  await writeDataset(sub, fs, "small.zarr");
  // the time-series twin: chunked along time, its conc_chl doubled so that reads from it can be told apart
  const v = sub.data_vars.conc_chl!;
  const twice = new Variable({
    name: v.name,
    dims: v.dims,
    shape: v.shape,
    dtype: v.dtype,
    chunks: v.chunks,
    attrs: v.attrs,
    encoding: v.encoding,
    read: async (sel, o) => {
      const a = await v.read(sel, o);
      const d = a.data as Float64Array | Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = d[i]! * 2;
      return a;
    },
  });
  await writeDataset(rechunk(sub.with({ data_vars: { conc_chl: twice } }), { time: 5, lat: 200, lon: 200 }), fs, "doubled-ts.zarr");
  small = join(dir, "small.zarr");
  doubled = join(dir, "doubled-ts.zarr");
  s3 = await startS3Server("cubes");
  await uploadFolder(s3, small, "demo/small.zarr");
}, 120_000);
afterAll(async () => {
  await s3?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a server on 127.0.0.1 (port 0) with `config`, keeping its warnings. */
async function serve(config: ServerConfig): Promise<{ server: RunningServer; warnings: string[] }> {
  const sink = logSink();
  const server = await startServer(config, {
    port: 0,
    address: "127.0.0.1",
    handleSignals: false,
    warmUp: false,
    logger: { level: "warn", stream: sink.stream },
  });
  return { server, warnings: sink.lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  const r = await fetch(url);
  expect(r.status, `${url}: ${await r.clone().text()}`).toBe(200);
  return (await r.json()) as T;
}

function errorOf(fn: () => unknown): { code: string; field?: string; message: string; hint?: string } {
  try {
    fn();
  } catch (err) {
    if (isEocubeError(err))
      return { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.hint ? { hint: err.hint } : {}) };
    throw err;
  }
  throw new Error("no error");
}

describe("keys outside xcube's schema stay errors", () => {
  it("names a typo with the close key", () => {
    const top = errorOf(() => validateServerConfig({ DatasetGroup: [] }, "srv.yaml"));
    expect(top).toMatchObject({ code: "INVALID_CONFIG", field: "DatasetGroup" });
    expect(top.hint).toMatch(/did you mean "DatasetGroups"/);
    const inner = errorOf(() => validateServerConfig({ Datasets: [{ Identifier: "a", Path: "x", GroupID: "g" }] }, "srv.yaml"));
    expect(inner).toMatchObject({ field: "Datasets.0.GroupID" });
    expect(inner.hint).toMatch(/did you mean "GroupId"/);
  });

  it("refuses GroupTitle beside GroupId, as xcube's /datasets does", () => {
    const e = errorOf(() =>
      validateServerConfig({
        DatasetGroups: [{ Identifier: "g", Title: "G" }],
        Datasets: [{ Identifier: "a", Path: "x", GroupId: "g", GroupTitle: "other" }],
      }),
    );
    expect(e).toMatchObject({ code: "INVALID_CONFIG", field: "Datasets.0.GroupTitle" });
  });

  it("accepts every key of xcube's schema, including those eocube does not honour", () => {
    expect(() =>
      validateServerConfig({
        port: 8080,
        address: "0.0.0.0",
        allowed_hosts: ["localhost:8080"],
        base_dir: "/data",
        url_prefix: "api",
        reverse_url_prefix: "https://example.com/api",
        trace_perf: true,
        static_routes: [{ path: "/docs", dir_path: "/www" }],
        api_spec: { includes: ["datasets"] },
        tornado: { xheaders: true },
        PlaceGroups: [{ Identifier: "p", Title: "P", Path: "p.geojson" }],
        Authentication: { Authority: "https://auth.example.com/", Audience: "api" },
        Compute: { MaxWorkers: 2 },
        VolumesAccess: { MaxVoxelCount: 1000000 },
        STAC: { Identifier: "x", Collection: { Title: "c" } },
        AccessControl: { RequiredScopes: ["read:dataset:*"] },
        DatasetAttribution: "© someone",
        Datasets: [
          {
            Identifier: "a",
            Path: "a.zarr",
            StoreInstanceId: "file_1",
            ChunkCacheSize: "100M",
            Augmentation: { Path: "x.py", Function: "f", InputParameters: { k: 1 } },
            AccessControl: { IsSubstitute: true },
            PlaceGroups: [{ PlaceGroupRef: "p" }],
            Attribution: ["x", "y"],
          },
          { Identifier: "b", Path: "b.py", FileSystem: "memory", Function: "f", InputDatasets: ["a"], InputParameters: { p: 1 } },
        ],
      }),
    ).not.toThrow();
  });
});

describe("honoured keys", () => {
  it("DatasetGroups, GroupId, SortValue, Tags, Attribution/DatasetAttribution, BoundingBox (bbox and ?point), Hidden", async () => {
    const { server } = await serve({
      DatasetAttribution: "© all",
      DatasetGroups: [
        { Identifier: "b", Title: "Second", Description: "the second group" },
        { Identifier: "a", Title: "First" },
      ],
      Datasets: [
        { Identifier: "one", Path: small, GroupId: "a", SortValue: 2, Tags: ["ocean", "olci"], Attribution: "© one" },
        { Identifier: "two", Path: `${DATA}zarr/cube-1-250-250.zarr`, GroupId: "b", BoundingBox: [10, 40, 11, 41] },
        { Identifier: "hid", Path: small, Hidden: true },
      ],
    });
    try {
      const list = await getJson<{ datasets: Record<string, unknown>[] }>(`${server.url}/datasets`);
      expect(list.datasets.map((d) => d.id)).toEqual(["one", "two"]);
      expect(list.datasets[0]).toMatchObject({ groupId: "a", groupTitle: "First", groupOrder: 1, sortValue: 2, tags: ["ocean", "olci"] });
      expect(list.datasets[1]).toMatchObject({
        groupTitle: "Second",
        groupOrder: 0,
        groupDescription: "the second group",
        bbox: [10, 40, 11, 41],
      });
      const one = await getJson(`${server.url}/datasets/one`);
      expect(one.attributions).toEqual(["© one"]);
      expect((await getJson(`${server.url}/datasets/two`)).attributions).toEqual(["© all"]);
      // BoundingBox is the reported bbox, as xcube: ?point uses it, the data are not cut
      const near = await getJson<{ datasets: { id: string }[] }>(`${server.url}/datasets?point=10.5,40.5`);
      expect(near.datasets.map((d) => d.id)).toEqual(["two"]);
      const tile = decodePng(
        Buffer.from(await (await fetch(`${server.url}/tiles/two/conc_chl/${webMercatorTile(1.5, 51.5, 5)}?crs=EPSG:3857`)).arrayBuffer()),
      );
      expect(tile.pixels.some((_, i) => i % 4 === 3 && tile.pixels[i] === 255)).toBe(true);
      expect((await fetch(`${server.url}/datasets/hid`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("TimeSeriesDataset: time series and timeChunkSize come from the time-chunked twin", async () => {
    const { server } = await serve({
      Datasets: [
        { Identifier: "main", Path: small, TimeSeriesDataset: "ts" },
        { Identifier: "plain", Path: small },
        { Identifier: "ts", Path: doubled, Hidden: true },
      ],
    });
    try {
      const desc = await getJson<{ variables: { name: string; timeChunkSize: number }[] }>(`${server.url}/datasets/main`);
      expect(desc.variables.find((v) => v.name === "conc_chl")!.timeChunkSize).toBe(5);
      expect(desc.variables.find((v) => v.name === "kd489")!.timeChunkSize).toBe(1); // not in the twin
      const series = async (id: string, v: string) => {
        const r = await fetch(`${server.url}/timeseries/${id}/${v}?aggMethods=mean`, {
          method: "POST",
          body: JSON.stringify({ type: "Point", coordinates: [1.5, 51.5] }),
          headers: { "content-type": "application/json" },
        });
        expect(r.status).toBe(200);
        return ((await r.json()) as { result: { mean: number | null }[] }).result.map((x) => x.mean);
      };
      const fromTwin = await series("main", "conc_chl");
      const own = await series("plain", "conc_chl");
      expect(own.some((x) => x !== null)).toBe(true);
      expect(fromTwin).toEqual(own.map((x) => (x === null ? null : x * 2)));
      expect(await series("main", "kd489")).toEqual(await series("plain", "kd489"));
    } finally {
      await server.close();
    }
  });

  it("FileSystem s3 with Endpoint, Anonymous and Region reads s3://<Path>", async () => {
    const { server } = await serve({
      Datasets: [
        {
          Identifier: "remote",
          FileSystem: "s3",
          Path: `${s3.bucket}/demo/small.zarr`,
          Endpoint: s3.endpoint,
          Anonymous: true,
          Region: "us-east-1",
        },
      ],
    });
    try {
      const desc = await getJson<{ variables: { name: string }[] }>(`${server.url}/datasets/remote`);
      expect(desc.variables.map((v) => v.name)).toEqual(["conc_chl", "kd489"]);
    } finally {
      await server.close();
    }
  });

  it("base_dir resolves relative paths (ColorFile too); port as the listen port", async () => {
    const cfgDir = join(dir, "config");
    const dataDir = join(dir, "data");
    mkdirSync(cfgDir, { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "ramp.cpd"), "numPoints=2\ncolor0=0,0,0\ncolor1=255,255,255\nsample0=0\nsample1=10\n");
    const file = join(cfgDir, "server.yaml");
    writeFileSync(
      file,
      [
        "port: 0",
        `base_dir: ${dir}`,
        "Datasets:",
        "  - {Identifier: c, Path: small.zarr, Style: s}",
        "Styles:",
        "  - Identifier: s",
        "    ColorMappings:",
        "      conc_chl: {ColorFile: data/ramp.cpd}",
        "      kd489: {ColorFile: data/missing.cpd}",
      ].join("\n"),
    );
    const config = await loadServerConfig(file);
    const sink = logSink();
    const server = await startServer(config, {
      handleSignals: false,
      warmUp: false,
      address: "127.0.0.1",
      logger: { level: "warn", stream: sink.stream },
    });
    try {
      expect(server.url).not.toMatch(/:8080$/);
      const desc = await getJson<{ variables: Record<string, unknown>[] }>(`${server.url}/datasets/c`);
      expect(desc.variables[0]).toMatchObject({ name: "conc_chl", colorBarName: "ramp", colorBarMin: 0, colorBarMax: 10 });
      expect(desc.variables[1]).toMatchObject({ name: "kd489", colorBarName: "viridis" });
      const warnings = sink.lines.filter((l) => l.level === 40).map((l) => l.msg);
      expect(warnings).toContainEqual(
        expect.stringMatching(/Styles\.0\.ColorMappings\.kd489\.ColorFile: no colour file at .*missing\.cpd; the mapping is skipped/),
      );
    } finally {
      await server.close();
    }
  });

  it("url_prefix mounts every route under it; reverse_url_prefix builds the URLs in answers", async () => {
    const { server } = await serve({
      url_prefix: "api/v1/",
      reverse_url_prefix: "https://example.com/xcube",
      Datasets: [{ Identifier: "c", Path: small }],
    });
    try {
      const list = await getJson<{ datasets: { id: string }[]; links: { href: string }[] }>(`${server.url}/api/v1/datasets`);
      expect(list.datasets.map((d) => d.id)).toEqual(["c"]);
      expect(list.links[0]!.href).toBe("https://example.com/xcube/datasets");
      expect((await fetch(`${server.url}/api/v1/tiles/c/conc_chl/0/0/0`)).status).toBe(200);
      expect((await fetch(`${server.url}/datasets`)).status).toBe(404);
      expect((await fetch(`${server.url}/api/v1/viewer`, { redirect: "manual" })).headers.get("location")).toBe("/api/v1/viewer/");
    } finally {
      await server.close();
    }
  });

  it("Authentication: datasets that need scopes are not served (eocube serves every client as xcube serves one without a token)", async () => {
    const { server, warnings } = await serve({
      Authentication: { Authority: "https://auth.example.com/", Audience: "api" },
      Datasets: [
        { Identifier: "open", Path: small },
        { Identifier: "closed", Path: small, AccessControl: { RequiredScopes: ["read:dataset:closed"] } },
        { Identifier: "demo", Path: small, AccessControl: { RequiredScopes: ["read:dataset:demo"], IsSubstitute: true } },
      ],
    });
    try {
      const list = await getJson<{ datasets: { id: string }[] }>(`${server.url}/datasets`);
      expect(list.datasets.map((d) => d.id)).toEqual(["open", "demo"]);
      expect((await fetch(`${server.url}/datasets/closed`)).status).toBe(404);
      expect(warnings.filter((w) => w.startsWith("Authentication:"))).toEqual([
        "Authentication: eocube does not authenticate: every client is served as xcube serves a client without a token; datasets that need scopes are not served: closed",
      ]);
    } finally {
      await server.close();
    }
  });

  it("CustomColorMaps are usable by name in ColorBar and in a tile's cmap", async () => {
    const { server } = await serve({
      CustomColorMaps: [
        {
          Identifier: "two",
          Type: "stepwise",
          Colors: [
            [0, "red"],
            [10, "blue"],
            [20, "white"],
          ],
        },
      ],
      Styles: [{ Identifier: "s", ColorMappings: { conc_chl: { ColorBar: "two" } } }],
      Datasets: [{ Identifier: "c", Path: small, Style: "s" }],
    });
    try {
      const desc = await getJson<{ variables: Record<string, unknown>[] }>(`${server.url}/datasets/c`);
      expect(desc.variables[0]).toMatchObject({ colorBarName: "two", colorBarMin: 0, colorBarMax: 20 });
      const tile = `${server.url}/tiles/c/kd489/${webMercatorTile(1.5, 51.5, 8)}?crs=EPSG:3857&cmap=two&vmin=0&vmax=1000`;
      const png = decodePng(Buffer.from(await (await fetch(tile)).arrayBuffer()));
      // every valid kd489 value lies far below 500: the first step's red
      for (let i = 0; i < png.pixels.length; i += 4) {
        if (png.pixels[i + 3] === 0) continue;
        expect(Array.from(png.pixels.subarray(i, i + 4))).toEqual([255, 0, 0, 255]);
      }
      expect((await fetch(`${server.url}/tiles/c/kd489/0/0/0?cmap=twoo`)).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
