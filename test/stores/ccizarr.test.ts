// The ccizarr store against s3rver holding the real Zarr cube under the CCI bucket layout (esacci/<id>.zarr).
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { S3FileSystem } from "../../src/fs/s3.js";
import { CCI_ZARR_BUCKET, CCI_ZARR_ENDPOINT } from "../../src/stores/ccizarr/store.js";
import { getDataStoreParamsSchema, newDataStore, openDataset } from "../../src/stores/index.js";
import { ZARR_CUBE } from "../helpers/paths.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";

const ID = "ESACCI-OC-L3S-CHLOR_A-MERGED-1D_DAILY_4km_GEO_PML_OCx-QAA-fv6.0.zarr";
let s3: TestS3Server;
let fs: S3FileSystem;

beforeAll(async () => {
  s3 = await startS3Server(CCI_ZARR_BUCKET);
  fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
  // metadata, coordinates and one time step of kd489 (other chunks read as fill values; not used here)
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files.push(relative(ZARR_CUBE, p).split(sep).join("/"));
    }
  };
  await walk(ZARR_CUBE);
  const keep = files.filter((f) => !f.includes("/") || /^(lat|lon|time)/.test(f) || /^kd489\/(\.|1\.)/.test(f));
  await Promise.all(keep.map(async (f) => fs.put(`${ID}/${f}`, await readFile(join(ZARR_CUBE, f)))));
}, 60_000);
afterAll(async () => s3.close());

const params = () => ({ endpoint_url: s3.endpoint, timeout: 5 });

describe("ccizarr store", () => {
  it("has xcube-cci's endpoint and bucket as defaults and refuses unknown params", () => {
    const schema = getDataStoreParamsSchema("ccizarr") as { properties: Record<string, { default?: unknown }> };
    expect(schema.properties.endpoint_url!.default).toBe(CCI_ZARR_ENDPOINT);
    expect(schema.properties.root!.default).toBe("esacci");
    expect(() => newDataStore("ccizarr", { bucket: "x" })).toThrow(/store_params/);
    expect(newDataStore("ccizarr").root).toBe("s3://esacci");
  });

  it("lists the bucket's Zarr datasets, or data_ids.json when the bucket has one", async () => {
    const store = newDataStore("ccizarr", params());
    expect(await store.listDataIds()).toEqual([ID]);
    await fs.put("data_ids.json", new TextEncoder().encode(JSON.stringify([ID, "other.zarr"])));
    try {
      expect(await store.listDataIds()).toEqual([ID, "other.zarr"]);
    } finally {
      await fs.delete("data_ids.json");
    }
  });

  it("opens a dataset anonymously with the values of the local cube", async () => {
    const store = newDataStore("ccizarr", params());
    const open = { variable_names: ["kd489"], bbox: [2, 51, 2.1, 51.1] as [number, number, number, number] };
    const remote = await store.openData(ID, open);
    const local = await openDataset(ZARR_CUBE, { openParams: open });
    const a = await remote.data_vars.kd489!.read([1]);
    const b = await local.data_vars.kd489!.read([1]);
    expect(a.shape).toEqual([40, 40]);
    expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
    expect((await store.describeData(ID)).data_id).toBe(ID);
    await remote.close();
    await local.close();
  });

  it("names the store, the data id and the cause: missing id, missing bucket, unreachable endpoint", async () => {
    const store = newDataStore("ccizarr", params());
    const missing = await store.openData("nope.zarr").catch((e) => e);
    expect(isEocubeError(missing, "NOT_FOUND")).toBe(true);
    expect(missing.message).toMatch(/^ccizarr store s3:\/\/esacci, data id "nope\.zarr": no Zarr dataset/);

    const noBucket = newDataStore("ccizarr", { ...params(), root: "no-such-bucket" });
    const e404 = await noBucket.openData(ID).catch((e) => e);
    expect(e404.message).toMatch(/^ccizarr store s3:\/\/no-such-bucket, data id "ESACCI-/);
    expect(isEocubeError(e404, "NOT_FOUND")).toBe(true);

    const port = await new Promise<number>((res) => {
      const srv = createServer();
      srv.listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => res(p));
      });
    });
    const down = newDataStore("ccizarr", { endpoint_url: `http://127.0.0.1:${port}`, timeout: 1 });
    const eDown = await down.listDataIds().catch((e) => e);
    expect(isEocubeError(eDown)).toBe(true);
    expect(eDown.message).toMatch(/^ccizarr store s3:\/\/esacci: /);
  }, 20_000);
});
