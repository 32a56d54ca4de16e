// `eocube store list|info` and plugin stores through the built CLI (needs the build): a real plugin package in a
// temporary project's node_modules is found from the working folder and used by `eocube describe --store`; and
// `eocube describe` on the stac store over a local STAC API.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../helpers/build.js";
import { runCli } from "../helpers/cli.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { REPO_ROOT, SHARED_DATA } from "../helpers/paths.js";
import { type FakeStacApi, startStacApi } from "./stac-api.js";

let project: string;
let files: TestHttpServer;
let api: FakeStacApi;

beforeAll(async () => {
  await ensureBuilt();
  project = mkdtempSync(join(tmpdir(), "eocube-plugin-project-"));
  const nm = join(project, "node_modules");
  mkdirSync(join(nm, "eocube-store-shared"), { recursive: true });
  symlinkSync(REPO_ROOT.replace(/\/$/, ""), join(nm, "eocube"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "project", private: true }));
  writeFileSync(
    join(nm, "eocube-store-shared", "package.json"),
    JSON.stringify({ name: "eocube-store-shared", version: "1.0.0", type: "module", main: "index.js", peerDependencies: { eocube: "*" } }),
  );
  // a plugin built on eocube's public API: a read-only file store over the shared data under its own id
  writeFileSync(
    join(nm, "eocube-store-shared", "index.js"),
    `import { newDataStore } from "eocube";
export const stores = [{
  storeId: "shared",
  title: "The shared test data (read-only)",
  mutable: false,
  paramsSchema: { type: "object", properties: { root: { type: "string", default: ${JSON.stringify(SHARED_DATA)}, description: "data folder" } }, additionalProperties: false },
  create(params) {
    const inner = newDataStore("file", { root: params.root, read_only: true });
    return {
      storeId: "shared", storeParams: params, root: inner.root,
      listDataIds: (o) => inner.listDataIds(o), hasData: (id, o) => inner.hasData(id, o),
      describeData: (id, p, o) => inner.describeData(id, p, o), searchData: (q, o) => inner.searchData(q, o),
      openData: (id, p, o) => inner.openData(id, p, o), getOpenDataParamsSchema: (id, o) => inner.getOpenDataParamsSchema(id, o),
    };
  },
}];
`,
  );
  files = await startHttpServer(SHARED_DATA);
  api = await startStacApi(
    [
      {
        id: "rgb",
        collection: "rgb",
        bbox: [-78.96, 23.56, -76.57, 25.55],
        datetime: "2017-01-01T00:00:00Z",
        assets: { image: { href: `${files.url}/geotiff/RGB.byte.tif`, type: "image/tiff; application=geotiff", roles: ["data"] } },
      },
    ],
    [{ id: "rgb", title: "RGB" }],
  );
}, 300_000);
afterAll(async () => {
  await files?.close();
  await api?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("eocube store", () => {
  it("lists the built-in stores and shows a store's params", async () => {
    let r = await runCli(["store", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^file +Local file system$/m);
    expect(r.stdout).toMatch(/^stac +STAC API or static catalog/m);
    r = await runCli(["store", "info", "stac"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Data store stac: STAC API or static catalog");
    expect(r.stdout).toMatch(/^ {2}url +string \(required\): STAC API landing page/m);
    expect(r.stdout).toMatch(/^ {2}timeout +number \(default 30\): per-request timeout in seconds$/m);
    r = await runCli(["store", "info", "stac", "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      store_id: "stac",
      mutable: false,
      source: "eocube",
      params_schema: { required: ["url"] },
    });
    r = await runCli(["store", "info", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no data store "nope"');
  });

  it("finds a plugin package from the working folder and opens data through it", async () => {
    let r = await runCli(["store", "list", "--json"], { cwd: project });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stores).toContainEqual({
      store_id: "shared",
      title: "The shared test data (read-only)",
      mutable: false,
      source: "eocube-store-shared@1.0.0",
    });
    expect(out.plugins).toEqual([
      {
        package: "eocube-store-shared",
        version: "1.0.0",
        path: join(project, "node_modules", "eocube-store-shared"),
        storeIds: ["shared"],
      },
    ]);
    r = await runCli(["describe", "geotiff/RGB.byte.tif", "--store", "shared", "--json"], { cwd: project });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ data_id: "geotiff/RGB.byte.tif", crs: "EPSG:32618" });
    // without the package (another folder), the id is unknown
    r = await runCli(["describe", "geotiff/RGB.byte.tif", "--store", "shared"], { cwd: tmpdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no data store "shared"');
  });

  it("describes an item of a STAC API with --store stac", async () => {
    const r = await runCli([
      "describe",
      "collections/rgb/items/rgb",
      "--store",
      "stac",
      "--store-params",
      JSON.stringify({ url: api.url }),
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      data_id: "collections/rgb/items/rgb",
      crs: "EPSG:32618",
      dims: { band: 3, x: 791, y: 718 },
    });
    const bad = await runCli([
      "describe",
      "collections/rgb/items/none",
      "--store",
      "stac",
      "--store-params",
      JSON.stringify({ url: api.url }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`stac store ${api.url}, data id "collections/rgb/items/none": cannot read the item: HTTP 404`);
  });
});
