// Every FileSystem refuses keys that could leave its root ('..' segments, absolute keys, NUL) in every
// method, before any I/O: a local folder, memory (and a sub file system of it), a real HTTP server on
// 127.0.0.1 (no request is sent) and s3rver (nothing read, written or deleted beside the prefix).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkKey, joinKey } from "../../src/fs/keys.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { HttpsFileSystem } from "../../src/fs/https.js";
import { MemoryFileSystem } from "../../src/fs/memory.js";
import { S3FileSystem } from "../../src/fs/s3.js";
import type { FileSystem } from "../../src/fs/types.js";
import { subFileSystem } from "../../src/fs/url.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";

const SECRET = "planted secret bytes";
const bytes = (s: string) => new TextEncoder().encode(s);

/** Keys that must be refused by every FileSystem, each beside the file/object `secret` one level above the root. */
const HOSTILE = [
  "../secret",
  "a/../../secret",
  "a/b/../../../secret",
  "..",
  "../",
  "..\\secret",
  "/secret",
  "//secret",
  "\\secret",
  "C:/secret",
  "a\u0000b",
  "secret\u0000.png",
];

/** Calls every method of `fs` with `key`; each must reject with UNSAFE_ID naming the key. */
async function expectAllRefused(fs: FileSystem, key: string): Promise<void> {
  const calls: Array<[string, () => Promise<unknown>]> = [
    ["get", () => fs.get(key)],
    ["getRange", () => fs.getRange(key, 0, 4)],
    ["getRange(suffix)", () => fs.getRange(key, -4)],
    ["put", () => fs.put(key, bytes("overwritten"))],
    ["list", () => fs.list(key)],
    ["delete", () => fs.delete(key)],
    ["exists", () => fs.exists(key)],
  ];
  for (const [name, call] of calls) {
    const r = await call().then(
      (v) => ({ resolved: v }),
      (e: unknown) => e,
    );
    expect(r, `${fs.root} ${name}(${JSON.stringify(key)})`).toMatchObject({ code: "UNSAFE_ID" });
  }
}

describe("checkKey / joinKey", () => {
  it("accepts relative keys (dots inside names, '.zarray', empty root) and refuses '..', absolute and NUL", () => {
    for (const k of ["", "a", "a/b.c", ".zarray", "x/.zattrs", "a..b/c", "...", "dir/", "c/0/1"]) expect(checkKey(k, "r")).toBe(k);
    for (const k of HOSTILE)
      expect(() => checkKey(k, "file:///r"), JSON.stringify(k)).toThrow(expect.objectContaining({ code: "UNSAFE_ID" }));
    expect(() => checkKey("a\u0000b")).toThrow(/"a\\u0000b" contains a NUL character/);
    expect(() => checkKey("../x", "s3://b/p")).toThrow(/"\.\.\/x" has a '\.\.' segment \(under s3:\/\/b\/p\)/);
  });

  it("joins with one '/', strips zarrita's leading '/', keeps a final '/', and refuses instead of normalising", () => {
    expect(joinKey("cube.zarr", "/sst/0.0")).toBe("cube.zarr/sst/0.0");
    expect(joinKey("/a/", "/b/", "c/")).toBe("a/b/c/");
    expect(joinKey("", "x")).toBe("x");
    expect(joinKey("a", "")).toBe("a");
    expect(() => joinKey("cube.zarr", "/v/0/../../../outside/x0")).toThrow(expect.objectContaining({ code: "UNSAFE_ID" }));
    expect(() => joinKey("a/../b", "c")).toThrow(expect.objectContaining({ code: "UNSAFE_ID" }));
  });
});

describe("FileFileSystem", () => {
  const work = mkdtempSync(join(tmpdir(), "eocube-keys-file-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("refuses hostile keys in every method; the file beside the root stays unread and untouched", async () => {
    mkdirSync(join(work, "root", "a", "b"), { recursive: true });
    writeFileSync(join(work, "secret"), SECRET);
    writeFileSync(join(work, "root", "ok"), "ok");
    const fs = new FileFileSystem(join(work, "root"));
    for (const k of HOSTILE) await expectAllRefused(fs, k);
    // "a/../ok" stays inside the root but is refused too: '..' is never normalised away
    await expectAllRefused(fs, "a/../ok");
    expect(readFileSync(join(work, "secret"), "utf8")).toBe(SECRET);
    expect(existsSync(join(work, "root", "ok"))).toBe(true);
    expect(new TextDecoder().decode(await fs.get("ok"))).toBe("ok");
  });
});

describe("MemoryFileSystem and subFileSystem", () => {
  it("refuses hostile keys; a sub file system cannot reach its parent's objects", async () => {
    const mem = new MemoryFileSystem("keys-test");
    await mem.put("secret", bytes(SECRET));
    await mem.put("store/ok", bytes("ok"));
    for (const k of HOSTILE) await expectAllRefused(mem, k);
    const sub = subFileSystem(mem, "store");
    for (const k of HOSTILE) await expectAllRefused(sub, k);
    expect(new TextDecoder().decode(mem.objects.get("secret"))).toBe(SECRET);
    expect(new TextDecoder().decode(await sub.get("ok"))).toBe("ok");
    expect(() => subFileSystem(mem, "store/../other")).toThrow(expect.objectContaining({ code: "UNSAFE_ID" }));
  });
});

describe("HttpsFileSystem (real HTTP server on 127.0.0.1)", () => {
  let server: TestHttpServer;
  const work = mkdtempSync(join(tmpdir(), "eocube-keys-http-"));
  beforeAll(async () => {
    mkdirSync(join(work, "store"));
    writeFileSync(join(work, "secret"), SECRET);
    writeFileSync(join(work, "store", "ok"), "ok");
    server = await startHttpServer(work);
  });
  afterAll(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("refuses hostile keys without sending a request (fetch would resolve '..' to the served secret)", async () => {
    const fs = new HttpsFileSystem(`${server.url}/store`);
    server.reset();
    for (const k of HOSTILE) await expectAllRefused(fs, k);
    expect(server.requests).toEqual([]);
    expect(() => fs.url("../secret")).toThrow(expect.objectContaining({ code: "UNSAFE_ID" }));
    // the secret is really served one level up: only the key check keeps it out of reach
    expect(await (await fetch(`${server.url}/secret`)).text()).toBe(SECRET);
    expect(new TextDecoder().decode(await fs.get("ok"))).toBe("ok");
  });
});

describe("S3FileSystem (s3rver on 127.0.0.1)", () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server("keys-test");
  });
  afterAll(async () => s3.close());

  it("refuses hostile keys; the object beside the prefix is neither read, overwritten nor deleted", async () => {
    const opts = { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET };
    const bucket = new S3FileSystem(s3.bucket, opts);
    await bucket.put("secret", bytes(SECRET));
    await bucket.put("store/ok", bytes("ok"));
    const fs = new S3FileSystem(s3.bucket, { ...opts, prefix: "store" });
    for (const k of HOSTILE) await expectAllRefused(fs, k);
    expect(new TextDecoder().decode(await bucket.get("secret"))).toBe(SECRET);
    expect(await bucket.list("")).toEqual(["secret", "store/"]);
    expect(new TextDecoder().decode(await fs.get("ok"))).toBe("ok");
    expect(() => new S3FileSystem(s3.bucket, { ...opts, prefix: "store/../other" })).toThrow(
      expect.objectContaining({ code: "UNSAFE_ID" }),
    );
  });
});
