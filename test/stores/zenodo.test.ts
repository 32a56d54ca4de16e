// The zenodo store against a local server answering the records API's documented shape and serving real files.
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { getDataStoreParamsSchema, newDataStore, openDataset } from "../../src/stores/index.js";
import type { ZenodoDataStore } from "../../src/stores/zenodo/store.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

const REC = "8154445";
const TOKEN = "s3cr3t-token-value";
/** Bodies by file key, per record. */
const records = new Map<string, Map<string, Uint8Array>>();
/** Scripted answers by path: each request takes the first (status, headers) until one is left. */
const script = new Map<string, ({ status: number; headers?: Record<string, string> } | "hang")[]>();
let server: Server;
let base: string;
let cache: string;
const hits: string[] = [];

function recordJson(id: string): unknown {
  // https://developers.zenodo.org/#retrieve17 (InvenioRDM-based Zenodo, 2024): files[] with key, size, checksum, links.self
  const files = [...(records.get(id) ?? [])].map(([key, body]) => ({
    id: createHash("sha1").update(key).digest("hex"),
    key,
    size: body.length,
    checksum: `md5:${createHash("md5").update(body).digest("hex")}`,
    links: { self: `${base}/api/records/${id}/files/${encodeURIComponent(key)}/content` },
  }));
  return {
    created: "2023-07-20T12:00:00.000000+00:00",
    id: Number(id),
    recid: id,
    doi: `10.5281/zenodo.${id}`,
    metadata: { title: "eocube test record", resource_type: { type: "dataset" }, access_right: "open" },
    files,
    links: { self: `${base}/api/records/${id}`, html: `${base}/records/${id}` },
    stats: { downloads: 0 },
  };
}

beforeAll(async () => {
  const tif = await readFile(`${SHARED_DATA}geotiff/sample-cog.tif`);
  const nc = await readFile(`${SHARED_DATA}netcdf3/RGB.nc`);
  // a bare Zarr (metadata at the archive's top, as xcube-zenodo's zipped .zarr records): coordinates + kd489 step 1
  const zarr: Record<string, Uint8Array> = {};
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(ZARR_CUBE, p).split(sep).join("/");
      if (e.isDirectory()) await walk(p);
      else if (!rel.includes("/") || /^(lat|lon|time)/.test(rel) || /^kd489\/(\.|1\.)/.test(rel)) zarr[rel] = await readFile(p);
    }
  };
  await walk(ZARR_CUBE);
  records.set(
    REC,
    new Map<string, Uint8Array>([
      ["sample-cog.tif", tif],
      ["RGB.nc", nc],
      ["cube.zarr.zip", zipSync(zarr, { level: 0 })],
      ["two.zip", zipSync({ "a/RGB.nc": nc, "b/cog.tif": tif, "README.txt": new TextEncoder().encode("hi") }, { level: 1 })],
      ["readme.md", new TextEncoder().encode("# about")],
    ]),
  );
  records.set(
    "666",
    new Map<string, Uint8Array>([
      ["slip.zip", zipSync({ "ok.nc": nc, "../../evil.txt": new TextEncoder().encode("pwned") })],
      ["bomb.zip", zipSync({ "zeros.nc": new Uint8Array(24 * 1024 * 1024) }, { level: 9 })],
    ]),
  );
  server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    hits.push(path);
    const steps = script.get(path);
    const step = steps && (steps.length > 1 ? steps.shift() : steps[0]);
    if (step === "hang") return;
    if (step?.status) return void res.writeHead(step.status, { "content-type": "application/json", ...step.headers }).end('{"status": 0}');
    let m = path.match(/^\/api\/records\/(\d+)$/);
    if (m) {
      if (m[1] === "403" || (m[1] === "777" && req.headers.authorization !== `Bearer ${TOKEN}`))
        return void res.writeHead(403, { "content-type": "application/json" }).end('{"status": 403, "message": "Permission denied."}');
      if (!records.has(m[1]!))
        return void res
          .writeHead(404, { "content-type": "application/json" })
          .end('{"status": 404, "message": "The persistent identifier does not exist."}');
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(recordJson(m[1]!)));
    }
    m = path.match(/^\/(?:api\/)?records\/(\d+)\/files\/(.+?)(\/content)?$/);
    const body = m && records.get(m[1]!)?.get(m[2]!);
    if (!body) return void res.writeHead(404).end();
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    if (range) {
      const a = Number(range[1]);
      const b = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      return void res
        .writeHead(206, { "content-range": `bytes ${a}-${b}/${body.length}`, "content-length": b - a + 1 })
        .end(body.subarray(a, b + 1));
    }
    res.writeHead(200, { "content-length": body.length, "accept-ranges": "bytes" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  records.set("777", records.get(REC)!);
  cache = await mkdtemp(join(tmpdir(), "eocube-zenodo-"));
}, 30_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(cache, { recursive: true, force: true });
});

const store = (root = REC, extra: Record<string, unknown> = {}) =>
  newDataStore("zenodo", { root, url: base, cache_dir: cache, timeout: 2, retry_delay: 0.05, ...extra }) as ZenodoDataStore;

describe("zenodo store", () => {
  it("has a params schema: root is a record id, unknown params are refused", () => {
    const schema = getDataStoreParamsSchema("zenodo") as { required: string[]; properties: Record<string, { default?: unknown }> };
    expect(schema.required).toEqual(["root"]);
    expect(schema.properties.url!.default).toBe("https://zenodo.org");
    expect(() => newDataStore("zenodo", {})).toThrow(/root/);
    expect(() => newDataStore("zenodo", { root: "../x" })).toThrow(/store_params\/root/);
  });

  it("lists the record's files of known formats and its archives, then the unpacked archive's datasets", async () => {
    const s = store();
    expect(await s.listDataIds()).toEqual(["sample-cog.tif", "RGB.nc", "cube.zarr.zip", "two.zip"]);
    expect(await s.preloadData("two.zip")).toEqual(["two.zip/a/RGB.nc", "two.zip/b/cog.tif"]);
    expect(await store().listDataIds()).toContain("two.zip/b/cog.tif");
    expect((await s.searchData({ limit: 1 })).map((d) => d.data_id)).toEqual(["sample-cog.tif"]);
  });

  it("opens a GeoTIFF and a NetCDF of the record (HTTP ranges) and a zipped Zarr (unpacked) with the files' values", async () => {
    const s = store();
    for (const [id, local] of [
      ["sample-cog.tif", `${SHARED_DATA}geotiff/sample-cog.tif`],
      ["RGB.nc", `${SHARED_DATA}netcdf3/RGB.nc`],
      ["two.zip/a/RGB.nc", `${SHARED_DATA}netcdf3/RGB.nc`],
    ]) {
      const a = await s.openData(id!);
      const b = await openDataset(local!);
      const v = Object.keys(b.data_vars)[0]!;
      expect(Object.keys(a.data_vars)).toEqual(Object.keys(b.data_vars));
      expect(Array.from((await a.data_vars[v]!.read()).data as ArrayLike<number>).slice(0, 5000)).toEqual(
        Array.from((await b.data_vars[v]!.read()).data as ArrayLike<number>).slice(0, 5000),
      );
      await a.close();
      await b.close();
    }
    const open = { variable_names: ["kd489"], bbox: [2, 51, 2.1, 51.1] as [number, number, number, number] };
    const z = await s.openData("cube.zarr.zip", open);
    const l = await openDataset(ZARR_CUBE, { openParams: open });
    expect(Array.from((await z.data_vars.kd489!.read([1])).data as Float64Array)).toEqual(
      Array.from((await l.data_vars.kd489!.read([1])).data as Float64Array),
    );
    expect((await s.describeData("cube.zarr.zip")).data_id).toBe("cube.zarr.zip");
    await z.close();
    await l.close();
    const multi = await s.openData("two.zip").catch((e) => e);
    expect(multi.message).toMatch(/the archive holds 2 datasets/);
  }, 20_000);

  it("refuses hostile archives as a whole: zip-slip and zip bombs, nothing left in the cache", async () => {
    const s = store("666", { max_unpacked_size: 8 * 1024 * 1024 });
    const slip = await s.openData("slip.zip/ok.nc").catch((e) => e);
    expect(isEocubeError(slip, "UNSAFE_ID")).toBe(true);
    expect(slip.message).toMatch(/^zenodo store record 666, data id "slip\.zip\/ok\.nc": .*zip entry "\.\.\/\.\.\/evil\.txt"/);
    const bomb = await s.openData("bomb.zip").catch((e) => e);
    expect(isEocubeError(bomb, "TOO_LARGE")).toBe(true);
    expect(bomb.message).toMatch(/unpacks to more than 8388608 bytes/);
    expect(await readdir(join(cache, "666"))).toEqual([]);
    expect(await readdir(join(cache, ".."))).not.toContain("evil.txt");
  });

  it("names store, record, data id and cause: missing id, unknown record, auth failure", async () => {
    const missing = await store()
      .openData("nope.nc")
      .catch((e) => e);
    expect(isEocubeError(missing, "NOT_FOUND")).toBe(true);
    expect(missing.message).toBe(`zenodo store record ${REC}, data id "nope.nc": no file "nope.nc" in the record`);
    expect(missing.hint).toMatch(/RGB\.nc/);
    const e404 = await store("404404")
      .openData("x.nc")
      .catch((e) => e);
    expect(isEocubeError(e404, "NOT_FOUND")).toBe(true);
    expect(e404.message).toMatch(
      /^zenodo store record 404404, data id "x\.nc": HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/api\/records\/404404/,
    );
    const denied = await store("777", { access_token: "wrong-token" })
      .listDataIds()
      .catch((e) => e);
    expect(isEocubeError(denied, "ACCESS_DENIED")).toBe(true);
    expect(JSON.stringify([denied.message, denied.hint, String(denied.cause)])).not.toMatch(/wrong-token/);
    expect(await store("777", { access_token: TOKEN }).listDataIds()).toContain("RGB.nc");
  });

  it("waits for a 429's Retry-After, retries 5xx with backoff, times out a hanging server", async () => {
    const path = `/api/records/${REC}`;
    // scripted answers in order, then { status: 0 } lets the real record through
    script.set(path, [{ status: 429, headers: { "retry-after": "1" } }, { status: 503 }, { status: 502 }, { status: 0 }]);
    hits.length = 0;
    const t0 = Date.now();
    expect(await store().listDataIds()).toContain("RGB.nc");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000 + 50 + 100);
    expect(hits.filter((h) => h === path)).toHaveLength(4);

    script.set(path, [{ status: 429, headers: { "retry-after": "3600" } }]);
    const long = await store()
      .listDataIds()
      .catch((e) => e);
    expect(long.message).toMatch(/^zenodo store record \d+: rate limited \(HTTP 429\) by .*Retry-After 3600 s/);
    script.set(path, [{ status: 500 }]);
    const e5xx = await store(REC, { retries: 2 })
      .listDataIds()
      .catch((e) => e);
    expect(isEocubeError(e5xx, "REMOTE_ERROR")).toBe(true);
    expect(e5xx.message).toMatch(/HTTP 500/);
    script.set(path, ["hang"]);
    const hang = await store(REC, { timeout: 0.3, retries: 1 })
      .listDataIds()
      .catch((e) => e);
    expect(isEocubeError(hang, "TIMEOUT")).toBe(true);
    expect(hang.message).toMatch(/^zenodo store record \d+: no answer from .* within 300 ms/);
    script.delete(path);
  }, 15_000);
});
