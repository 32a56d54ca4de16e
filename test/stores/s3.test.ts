// The s3 store against s3rver on 127.0.0.1 with the Zarr cube (and two single files) uploaded at test time.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDataset, newDataStore, openDataset } from "../../src/stores/index.js";
import { S3FileSystem } from "../../src/fs/s3.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, uploadFolder, type TestS3Server } from "../helpers/s3.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

let s3: TestS3Server;
beforeAll(async () => {
  s3 = await startS3Server("cubes");
  await uploadFolder(s3, ZARR_CUBE, "demo/cube-1-250-250.zarr");
  const fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
  await fs.put("demo/RGB.nc", await readFile(`${SHARED_DATA}netcdf3/RGB.nc`));
  await fs.put("demo/sample-cog.tif", await readFile(`${SHARED_DATA}geotiff/sample-cog.tif`));
}, 120_000);
afterAll(async () => s3.close());

describe("s3 store", () => {
  it("lists the uploaded datasets", async () => {
    const store = newDataStore("s3", { root: `${s3.bucket}/demo`, storage_options: s3.storageOptions });
    expect(await store.listDataIds()).toEqual(["RGB.nc", "cube-1-250-250.zarr", "sample-cog.tif"]);
    expect(await store.hasData("cube-1-250-250.zarr")).toBe(true);
    expect(await store.hasData("nope.zarr")).toBe(false);
  });

  for (const [id, local] of [
    ["cube-1-250-250.zarr", "zarr/cube-1-250-250.zarr"],
    ["RGB.nc", "netcdf3/RGB.nc"],
    ["sample-cog.tif", "geotiff/sample-cog.tif"],
  ]) {
    it(`describes ${id} exactly as the file store does`, async () => {
      const viaS3 = await describeDataset(`s3://${s3.bucket}/demo/${id}`, { storeParams: { storage_options: s3.storageOptions } });
      const viaFile = await describeDataset(`${SHARED_DATA}${local}`);
      expect({ ...viaS3, data_id: "" }).toEqual({ ...viaFile, data_id: "" });
    });
  }

  it("reads the same values as the local copy, anonymously too", async () => {
    const remote = await openDataset(`s3://${s3.bucket}/demo/cube-1-250-250.zarr`, {
      storeParams: { storage_options: { endpoint_url: s3.endpoint, anon: true } },
      openParams: { variable_names: ["kd489"], bbox: [2, 51, 2.1, 51.1] },
    });
    const local = await openDataset(ZARR_CUBE, { openParams: { variable_names: ["kd489"], bbox: [2, 51, 2.1, 51.1] } });
    const a = await remote.data_vars.kd489!.read([1]);
    const b = await local.data_vars.kd489!.read([1]);
    expect(a.shape).toEqual([40, 40]);
    expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
    await remote.close();
    await local.close();
  });

  it("gives ACCESS_DENIED naming the object for unknown credentials, without the secret", async () => {
    // s3rver checks the access key id (InvalidAccessKeyId, HTTP 403) but neither SigV4 signatures nor bucket
    // policies, so "access denied" is produced with an unknown key.
    const err = await describeDataset(`s3://${s3.bucket}/demo/cube-1-250-250.zarr`, {
      storeParams: { storage_options: { endpoint_url: s3.endpoint, key: "INTRUDER", secret: "s3cr3t-value" } },
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "ACCESS_DENIED" });
    expect(err.path).toContain(`s3://${s3.bucket}/demo/cube-1-250-250.zarr/`);
    expect(JSON.stringify(err.toJSON())).not.toContain("s3cr3t-value");
    expect(err.message).not.toContain("s3cr3t-value");
  });

  it("gives NOT_FOUND for a missing dataset and a missing bucket", async () => {
    const so = { storage_options: s3.storageOptions };
    await expect(describeDataset(`s3://${s3.bucket}/demo/missing.zarr`, { storeParams: so })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(describeDataset(`s3://${s3.bucket}/demo/missing.nc`, { storeParams: so })).rejects.toMatchObject({
      code: "NOT_FOUND",
      path: `s3://${s3.bucket}/demo/missing.nc`,
    });
    await expect(describeDataset("s3://no-bucket/missing.nc", { storeParams: so })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("times out against an endpoint that never answers", async () => {
    const { startHttpServer } = await import("../helpers/http-server.js");
    const hang = await startHttpServer(SHARED_DATA);
    hang.faults.set("/", "hang");
    try {
      const err = await describeDataset(`s3://${s3.bucket}/demo/RGB.nc`, {
        storeParams: { storage_options: { endpoint_url: hang.url, anon: true, timeout: 0.3 } },
      }).catch((e) => e);
      expect(err).toMatchObject({ code: "TIMEOUT", path: `s3://${s3.bucket}/demo/RGB.nc` });
    } finally {
      await hang.close();
    }
  });
});
