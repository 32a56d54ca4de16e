// The abfs store (Azure Blob Storage) against Azurite, the real Azure Storage emulator from npm, on 127.0.0.1:
// a subset of the real Zarr cube written through the store, listed, described, opened, compared with the source
// and deleted; wrong keys and missing containers give one clear error naming the store param, never the key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EocubeError } from "../../src/core/errors.js";
import { AbfsFileSystem } from "../../src/fs/abfs.js";
import { fsFromUrl } from "../../src/fs/url.js";
import {
  describeDataset,
  findDataStoreIds,
  getDataStoreParamsSchema,
  newDataStore,
  openDataset,
  type MutableDataStore,
} from "../../src/stores/index.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type TestAzurite } from "../helpers/azurite.js";
import { ensureBuilt } from "../helpers/build.js";
import { runCli } from "../helpers/cli.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

const OPEN = {
  variable_names: ["conc_chl", "kd489"],
  bbox: [1, 51, 1.2, 51.2] as [number, number, number, number],
  time_range: ["2017-01-27", null] as [string, null], // the last 2 of the 5 time steps
};
/** A valid base64 key that is not the account's. */
const WRONG_KEY = Buffer.from("not-the-devstoreaccount1-key-at-all-0123456789").toString("base64");

let az: TestAzurite;
let store: MutableDataStore;
/** adlfs's variables would change which credential is used: the tests (and the CLI they run) see none. */
const ENV = ["AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN"];
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
beforeAll(async () => {
  for (const k of ENV) delete process.env[k];
  [az] = await Promise.all([startAzurite("cubes"), ensureBuilt()]);
  store = newDataStore("abfs", { root: "cubes/demo", storage_options: { connection_string: az.connectionString, timeout: 20 } });
  const src = await openDataset(ZARR_CUBE, { openParams: OPEN });
  // the cube through writeData; beside it a minimal Zarr group for the delete test
  const fs = new AbfsFileSystem("cubes", { connectionString: az.connectionString, prefix: "demo/tmp/gone.zarr" });
  const json = (o: object) => new TextEncoder().encode(JSON.stringify(o));
  await Promise.all([
    store.writeData(src, "cube.zarr"),
    fs.put(".zgroup", json({ zarr_format: 2 })),
    fs.put(".zattrs", json({})),
    fs.put("a/.zarray", json({})),
    fs.put("a/0", new Uint8Array(8)),
  ]);
  await src.close();
}, 120_000);
afterAll(async () => {
  await az?.close();
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});

describe("abfs store", () => {
  it("is registered with xcube's abfs storage_options and checks them before any request", () => {
    expect(findDataStoreIds("abfs://cubes/demo/cube.zarr")).toEqual(["abfs"]);
    expect(findDataStoreIds("az://cubes/demo/cube.zarr")).toEqual(["abfs"]);
    const schema = getDataStoreParamsSchema("abfs") as { required: string[]; properties: Record<string, { properties?: object }> };
    expect(schema.required).toEqual(["root"]);
    expect(Object.keys(schema.properties.storage_options!.properties!)).toEqual(
      expect.arrayContaining(["account_name", "account_key", "connection_string", "sas_token", "anon"]),
    );
    expect(() => newDataStore("abfs", { root: "Cubes" })).toThrow(/store_params\/root must match/);
    expect(() => newDataStore("abfs", { root: "cubes", storage_options: { key: "x" } })).toThrow(/storage_options/);
    const noAccount = errorOf(() => newDataStore("abfs", { root: "cubes", storage_options: {} }));
    expect(noAccount).toMatchObject({ code: "INVALID_PARAMS", field: "store_params/storage_options/account_name" });
    const secret = "%%not base64 s3cr3t%%";
    const badKey = errorOf(() =>
      newDataStore("abfs", { root: "cubes", storage_options: { account_name: AZURITE_ACCOUNT, account_key: secret } }),
    );
    expect(badKey).toMatchObject({ code: "INVALID_PARAMS", field: "store_params/storage_options/account_key" });
    expect(JSON.stringify(badKey.toJSON())).not.toContain("s3cr3t");
  });

  it("writes a real cube subset that lists, describes and opens with the source's values", async () => {
    expect(await store.listDataIds()).toEqual(["cube.zarr", "tmp/gone.zarr"]);
    expect(await store.hasData("cube.zarr")).toBe(true);
    const d = await store.describeData("cube.zarr");
    expect(d.dims).toMatchObject({ time: 2, lat: 80, lon: 80 });
    expect(Object.keys(d.data_vars)).toEqual(["conc_chl", "kd489"]);
    expect(d.bbox).toEqual([1, 51, 1.2, 51.2]);
    // the same data through account_name + account_key + account_host and the abfs:// URL form
    const remote = await openDataset(`abfs://cubes/demo/cube.zarr`, { storeParams: { storage_options: az.storageOptions } });
    const local = await openDataset(ZARR_CUBE, { openParams: OPEN });
    for (const v of ["conc_chl", "kd489"]) {
      const a = await remote.data_vars[v]!.read();
      const b = await local.data_vars[v]!.read();
      expect(a.shape).toEqual([2, 80, 80]);
      expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
    }
    expect(Array.from((await remote.coords.lat!.read()).data as Float64Array)).toEqual(
      Array.from((await local.coords.lat!.read()).data as Float64Array),
    );
    await remote.close();
    await local.close();
  });

  it("reads byte ranges, suffix ranges and folder listings of blobs like the other file systems", async () => {
    const fs = fsFromUrl("abfs://cubes/demo", { connection_string: az.connectionString });
    expect(fs.root).toBe("abfs://cubes/demo");
    expect(await fs.list("")).toEqual(["cube.zarr/", "tmp/"]);
    expect(await fs.list("cube.zarr")).toEqual(expect.arrayContaining([".zattrs", ".zgroup", ".zmetadata", "conc_chl/", "kd489/", "lat/"]));
    const whole = (await fs.get("cube.zarr/.zgroup"))!;
    expect(new TextDecoder().decode(whole)).toContain("zarr_format");
    expect(await fs.getRange("cube.zarr/.zgroup", 2, 5)).toEqual(whole.slice(2, 7));
    expect(await fs.getRange("cube.zarr/.zgroup", -4)).toEqual(whole.slice(-4));
    expect(await fs.getRange("cube.zarr/.zgroup", whole.length + 10, 4)).toEqual(new Uint8Array(0));
    expect(await fs.get("cube.zarr/nope")).toBeUndefined();
    expect(await fs.exists("cube.zarr/kd489/")).toBe(true);
    expect(await fs.exists("cube.zarr/nope/")).toBe(false);
    await expect(fs.get("../x")).rejects.toMatchObject({ code: "UNSAFE_ID" });
  });

  it("refuses a wrong account key with ACCESS_DENIED naming the store param, never the key", async () => {
    const wrong = { ...az.storageOptions, account_key: WRONG_KEY };
    const err = await describeDataset("abfs://cubes/demo/cube.zarr", { storeParams: { storage_options: wrong } }).catch((e) => e);
    expect(err).toMatchObject({ code: "ACCESS_DENIED", field: "store_params/storage_options/account_key" });
    expect(err.message).toMatch(/access denied .* abfs:\/\/cubes\/demo\/cube\.zarr.*store_params\/storage_options\/account_key/);
    const viaStore = newDataStore("abfs", { root: "cubes/demo", storage_options: wrong });
    const err2 = (await viaStore.listDataIds().catch((e) => e)) as EocubeError;
    expect(err2).toMatchObject({ code: "ACCESS_DENIED", field: "store_params/storage_options/account_key" });
    const cs = az.connectionString.replace(AZURITE_KEY, WRONG_KEY);
    const err3 = (await newDataStore("abfs", { root: "cubes", storage_options: { connection_string: cs } })
      .describeData("demo/cube.zarr")
      .catch((e) => e)) as EocubeError;
    expect(err3).toMatchObject({ code: "ACCESS_DENIED", field: "store_params/storage_options/connection_string" });
    for (const e of [err, err2, err3]) {
      const shown = `${e.message} ${JSON.stringify(e.toJSON())} ${e.hint}`;
      expect(shown).not.toContain(WRONG_KEY);
      expect(shown).not.toContain(AZURITE_KEY);
    }
  });

  it("reads with a SAS token or anonymously from a public container; a bad SAS or a private container is ACCESS_DENIED", async () => {
    const { BlobServiceClient, ContainerSASPermissions } = await import("@azure/storage-blob");
    const service = BlobServiceClient.fromConnectionString(az.connectionString);
    const sasUrl = await service
      .getContainerClient("cubes")
      .generateSasUrl({ permissions: ContainerSASPermissions.parse("rl"), expiresOn: new Date(Date.now() + 3_600_000) });
    const sas = sasUrl.split("?")[1]!;
    const withSas = (sas_token: string) =>
      newDataStore("abfs", {
        root: "cubes/demo",
        storage_options: { account_name: AZURITE_ACCOUNT, account_host: az.accountUrl, sas_token },
      });
    expect(await withSas(sas).listDataIds()).toEqual(["cube.zarr", "tmp/gone.zarr"]);
    const forged = sas.replace(/sig=[^&]+/, "sig=Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D");
    const err = (await withSas(forged)
      .describeData("cube.zarr")
      .catch((e) => e)) as EocubeError;
    expect(err).toMatchObject({ code: "ACCESS_DENIED", field: "store_params/storage_options/sas_token" });
    expect(`${err.message} ${JSON.stringify(err.toJSON())}`).not.toMatch(/sig=|Zm9yZ2Vk/);
    // anonymous: a public container reads, the private one is refused with a hint naming the credentials
    const pub = service.getContainerClient("public-cubes");
    await pub.create({ access: "container" });
    await pub.getBlockBlobClient("x/.zgroup").uploadData(Buffer.from('{"zarr_format": 2}'));
    const anonFs = fsFromUrl("abfs://public-cubes/x", { account_name: AZURITE_ACCOUNT, account_host: az.accountUrl, anon: true });
    expect(new TextDecoder().decode(await anonFs.get(".zgroup"))).toBe('{"zarr_format": 2}');
    const denied = newDataStore("abfs", { root: "cubes", storage_options: { account_name: AZURITE_ACCOUNT, account_host: az.accountUrl } });
    const err2 = (await denied.listDataIds().catch((e) => e)) as EocubeError;
    expect(err2).toMatchObject({ code: "ACCESS_DENIED", field: "store_params/storage_options/anon" });
    expect(err2.message).toContain("anonymous access was refused");
    expect(err2.hint).toContain("store_params/storage_options/account_key");
  });

  it("gives TIMEOUT for an account host that never answers and REMOTE_ERROR for one that is not there", async () => {
    const { startHttpServer } = await import("../helpers/http-server.js");
    const hang = await startHttpServer(SHARED_DATA);
    hang.faults.set("/", "hang");
    try {
      const so = { account_name: AZURITE_ACCOUNT, account_key: AZURITE_KEY, account_host: `${hang.url}/${AZURITE_ACCOUNT}`, timeout: 0.3 };
      const err = await describeDataset("abfs://cubes/demo/cube.zarr", { storeParams: { storage_options: so } }).catch((e) => e);
      expect(err).toMatchObject({ code: "TIMEOUT" });
      expect(err.path).toMatch(/^abfs:\/\/cubes\/demo\/cube\.zarr\//);
    } finally {
      await hang.close();
    }
    const closed = { ...az.storageOptions, account_host: `${hang.url}/${AZURITE_ACCOUNT}`, timeout: 5 }; // closed now
    const err = (await newDataStore("abfs", { root: "cubes", storage_options: closed })
      .listDataIds()
      .catch((e) => e)) as EocubeError;
    expect(err).toMatchObject({ code: "REMOTE_ERROR" });
    expect(err.message).toMatch(/cannot reach Azure Blob Storage for abfs:\/\/cubes\/.*ECONNREFUSED/);
  });

  it("names a missing container as NOT_FOUND on store_params/root", async () => {
    const missing = newDataStore("abfs", { root: "no-such-container/x", storage_options: { connection_string: az.connectionString } });
    const err = (await missing.listDataIds().catch((e) => e)) as EocubeError;
    expect(err).toMatchObject({ code: "NOT_FOUND", field: "store_params/root" });
    expect(err.message).toContain('no such container "no-such-container" in account devstoreaccount1');
    await expect(missing.describeData("cube.zarr")).rejects.toMatchObject({ code: "NOT_FOUND", field: "store_params/root" });
    const src = await openDataset(ZARR_CUBE, { openParams: { ...OPEN, variable_names: ["kd489"] } });
    await expect((missing as MutableDataStore).writeData(src, "cube.zarr")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await src.close();
    // a missing dataset in an existing container is a plain NOT_FOUND
    await expect(store.describeData("nope.zarr")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("deletes a dataset with all its blobs", async () => {
    await store.deleteData("tmp/gone.zarr");
    expect(await store.hasData("tmp/gone.zarr")).toBe(false);
    expect(await store.listDataIds()).toEqual(["cube.zarr"]);
    const fs = new AbfsFileSystem("cubes", { connectionString: az.connectionString, prefix: "demo" });
    expect(await fs.list("")).toEqual(["cube.zarr/"]);
    await expect(store.deleteData("tmp/gone.zarr")).rejects.toMatchObject({ code: "NOT_FOUND" });
    // deleting a file system's root removes what is under its prefix only
    const scratch = new AbfsFileSystem("cubes", { connectionString: az.connectionString, prefix: "scratch" });
    const whole = new AbfsFileSystem("cubes", { connectionString: az.connectionString });
    await Promise.all([
      scratch.put("a/b", new Uint8Array(1)),
      scratch.put("c", new Uint8Array(1)),
      whole.put("scratch", new Uint8Array(1)),
    ]);
    await scratch.delete("");
    expect(await scratch.list("")).toEqual([]);
    expect(await whole.exists("scratch")).toBe(true);
    await whole.delete("scratch");
  });

  it("eocube list takes the store and its params on the command line; its errors hide the key", async () => {
    const so = { storage_options: { connection_string: az.connectionString } };
    let r = await runCli(["list", "cubes", "--store", "abfs", "--store-params", JSON.stringify(so), "--json"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ store_id: "abfs", root: "abfs://cubes", data_ids: ["demo/cube.zarr"] });
    const bad = JSON.stringify({ storage_options: { ...az.storageOptions, account_key: WRONG_KEY } });
    r = await runCli(["list", "abfs://cubes/demo", "--store-params", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("store_params/storage_options/account_key");
    expect(r.stderr).not.toContain(WRONG_KEY);
  });
});

function errorOf(fn: () => unknown): EocubeError {
  try {
    fn();
  } catch (err) {
    return err as EocubeError;
  }
  throw new Error("no error thrown");
}
