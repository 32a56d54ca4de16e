// S3FileSystem against s3rver on 127.0.0.1 (real S3 protocol, signature checks).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileSystem } from "../../src/fs/s3.js";
import { siblingPath, swapInto } from "../../src/fs/swap.js";
import { fsFromUrl } from "../../src/fs/url.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";

let s3: TestS3Server;
beforeAll(async () => {
  s3 = await startS3Server("fs-test");
});
afterAll(async () => s3.close());

const bytes = (s: string) => new TextEncoder().encode(s);

describe("S3FileSystem", () => {
  it("puts, gets, ranges, lists, checks and deletes objects under a prefix", async () => {
    const fs = new S3FileSystem(s3.bucket, { prefix: "p/q", endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    expect(fs.root).toBe("s3://fs-test/p/q");
    await fs.put("a.zarr/.zgroup", bytes('{"zarr_format":2}'));
    await fs.put("a.zarr/x/0.0", bytes("0123456789"));
    await fs.put("b.nc", bytes("CDF\x01"));
    expect(new TextDecoder().decode(await fs.get("a.zarr/.zgroup"))).toBe('{"zarr_format":2}');
    expect(new TextDecoder().decode(await fs.getRange("a.zarr/x/0.0", 2, 3))).toBe("234");
    expect(new TextDecoder().decode(await fs.getRange("a.zarr/x/0.0", -2))).toBe("89");
    expect(await fs.list("")).toEqual(["a.zarr/", "b.nc"]);
    expect(await fs.list("a.zarr")).toEqual([".zgroup", "x/"]);
    expect(await fs.exists("b.nc")).toBe(true);
    expect(await fs.exists("a.zarr/")).toBe(true);
    expect(await fs.exists("c.nc")).toBe(false);
    expect(await fs.get("c.nc")).toBeUndefined();
    await expect(fs.getRange("c.nc", 0, 1)).rejects.toMatchObject({ code: "NOT_FOUND", path: "s3://fs-test/p/q/c.nc" });
    await fs.delete("a.zarr/");
    expect(await fs.list("")).toEqual(["b.nc"]);
  });

  it("copies an object on the server (CopyObject), a key with spaces included", async () => {
    const fs = new S3FileSystem(s3.bucket, { prefix: "cp", endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    await fs.put(".c.zarr.tmp-1/x/0.0", bytes("chunk bytes"));
    await fs.put("run 1/a b.json", bytes("{}"));
    await fs.copy(".c.zarr.tmp-1/x/0.0", "c.zarr/x/0.0");
    await fs.copy("run 1/a b.json", "run 2/a b.json");
    expect(new TextDecoder().decode(await fs.get("c.zarr/x/0.0"))).toBe("chunk bytes");
    expect(new TextDecoder().decode(await fs.get("run 2/a b.json"))).toBe("{}");
    expect(new TextDecoder().decode(await fs.get(".c.zarr.tmp-1/x/0.0"))).toBe("chunk bytes");
    await expect(fs.copy("missing", "c.zarr/y")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await fs.exists("c.zarr/y")).toBe(false);
  });

  it("puts a finished store in place with copies on the server; a key s3rver decodes wrongly is read and written", async () => {
    const fs = new S3FileSystem(s3.bucket, { prefix: "swap", endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    const tmp = siblingPath("c.zarr", "tmp");
    const objects: Record<string, string> = { ".zgroup": "{}", ".zmetadata": "{}", "x/.zarray": "{}", "x/0.0": "ab", "a+b/0": "cd" };
    for (const [k, v] of Object.entries(objects)) await fs.put(`${tmp}/${k}`, bytes(v));
    await swapInto(fs, tmp, "c.zarr");
    for (const [k, v] of Object.entries(objects)) expect(new TextDecoder().decode(await fs.get(`c.zarr/${k}`))).toBe(v);
    expect(await fs.list("")).toEqual(["c.zarr/"]);
  });

  it("reads anonymously (s3rver allows unsigned reads)", async () => {
    const fs = fsFromUrl(`s3://${s3.bucket}/p/q`, { endpoint_url: s3.endpoint, anon: true });
    expect(await fs.exists("b.nc")).toBe(true);
  });

  it("maps wrong credentials to ACCESS_DENIED without leaking the secret", async () => {
    const fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: "WRONGKEY", secret: "top-secret-value" });
    const err = await fs.get("p/q/b.nc").catch((e) => e);
    expect(err).toMatchObject({ code: "ACCESS_DENIED", path: "s3://fs-test/p/q/b.nc" });
    expect(JSON.stringify(err.toJSON())).not.toContain("top-secret-value");
    // s3rver checks the access key id but not SigV4 signatures, so a wrong secret alone is accepted there.
    const err2 = await new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: "NOBODY", secret: S3RVER_SECRET })
      .getRange("p/q/b.nc", 0, 2)
      .catch((e) => e);
    expect(err2.code).toBe("ACCESS_DENIED");
  });

  it("names a missing bucket NOT_FOUND and an unreachable endpoint REMOTE_ERROR or TIMEOUT", async () => {
    const fs = new S3FileSystem("no-such-bucket", { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    await expect(fs.get("x")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const dead = new S3FileSystem("b-x", { endpointUrl: "http://127.0.0.1:9", anon: true, timeoutMs: 500, maxAttempts: 1 });
    const err = await dead.get("x").catch((e) => e);
    expect(["REMOTE_ERROR", "TIMEOUT"]).toContain(err.code);
    expect(err.path).toBe("s3://b-x/x");
  });
});
