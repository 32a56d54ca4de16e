// HttpsFileSystem against a real HTTP server on 127.0.0.1 serving ../shared/data (Range requests, faults).
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { HttpsFileSystem, redactUrl } from "../../src/fs/https.js";
import type { FileSystem } from "../../src/fs/types.js";
import { withCounting } from "../../src/fs/counting.js";
import { fsAndPathFromUrl, schemeOf } from "../../src/fs/url.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { openFormatDataset } from "../../src/formats/open.js";
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

const ZMETA = "zarr/cube-1-250-250.zarr/.zmetadata";

describe("HttpsFileSystem", () => {
  it("gets whole objects and byte ranges identical to the file", async () => {
    const fs = new HttpsFileSystem(server.url);
    const local = new Uint8Array(await readFile(`${SHARED_DATA}${ZMETA}`));
    expect(await fs.get(ZMETA)).toEqual(local);
    expect(await fs.getRange(ZMETA, 10, 20)).toEqual(local.subarray(10, 30));
    expect(await fs.getRange(ZMETA, 100)).toEqual(local.subarray(100));
    expect(await fs.getRange(ZMETA, -16)).toEqual(local.subarray(local.length - 16));
    expect(server.requests.map((r) => r.range)).toEqual([undefined, "bytes=10-29", "bytes=100-", "bytes=-16"]);
    expect(fs.requestCount).toBe(4);
  });

  it("maps 404 to undefined / NOT_FOUND and HEAD to exists", async () => {
    const fs = new HttpsFileSystem(`${server.url}/zarr`);
    expect(await fs.get("nope.json")).toBeUndefined();
    await expect(fs.getRange("nope.json", 0, 4)).rejects.toMatchObject({ code: "NOT_FOUND", path: `${server.url}/zarr/nope.json` });
    expect(await fs.exists("cube-1-250-250.zarr/.zmetadata")).toBe(true);
    expect(await fs.exists("cube-1-250-250.zarr/nothing")).toBe(false);
    expect(await fs.list("")).toEqual([]);
  });

  it("maps 401/403 to ACCESS_DENIED without retrying, naming the URL without credentials", async () => {
    server.faults.set("/secret/", { status: 403 });
    const fs = new HttpsFileSystem(`http://user:pa55word@${server.url.slice(7)}/secret?token=abc`);
    const err = await fs.get("x.nc").catch((e) => e);
    expect(isEocubeError(err, "ACCESS_DENIED")).toBe(true);
    expect(err.message).not.toContain("pa55word");
    expect(err.message).not.toContain("user");
    expect(err.path).toBe(`${server.url}/secret/x.nc?…`);
    expect(server.requests.length).toBe(1);
  });

  it("retries 5xx a bounded number of times, then REMOTE_ERROR", async () => {
    server.faults.set("/broken", { status: 500 });
    const fs = new HttpsFileSystem(server.url, { retries: 2, retryDelayMs: 10 });
    const err = await fs.getRange("broken.nc", 0, 8).catch((e) => e);
    expect(err).toMatchObject({ code: "REMOTE_ERROR", path: `${server.url}/broken.nc` });
    expect(err.message).toContain("HTTP 500");
    expect(server.requests.length).toBe(3);
  });

  it("times out on a server that never answers (TIMEOUT, bounded)", async () => {
    server.faults.set("/slow", "hang");
    const fs = new HttpsFileSystem(server.url, { timeoutMs: 300, retries: 1, retryDelayMs: 10 });
    const err = await fs.get("slow/a.nc").catch((e) => e);
    expect(err).toMatchObject({ code: "TIMEOUT", path: `${server.url}/slow/a.nc` });
    expect(err.message).toContain("300 ms");
    expect(server.requests.length).toBe(2);
  });

  it("aborts with CANCELLED through the signal", async () => {
    server.faults.set("/slow", "hang");
    const fs = new HttpsFileSystem(server.url, { timeoutMs: 10_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(fs.get("slow/b.nc", { signal: ac.signal })).rejects.toMatchObject({ code: "CANCELLED" });
  });

  it("falls back to a 1-byte GET when the server refuses HEAD (405)", async () => {
    const { createServer } = await import("node:http");
    const srv = createServer((req, res) => {
      if (req.method === "HEAD") res.writeHead(405).end();
      else if (req.url === "/there") res.writeHead(206, { "content-range": "bytes 0-0/10" }).end("x");
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      const fs = new HttpsFileSystem(`http://127.0.0.1:${port}`, { retries: 0 });
      expect(await fs.exists("there")).toBe(true);
      expect(await fs.exists("missing")).toBe(false);
    } finally {
      srv.closeAllConnections();
      srv.close();
    }
  });

  it("is read-only", async () => {
    const fs: FileSystem = new HttpsFileSystem(server.url);
    await expect(fs.put("a", new Uint8Array(1))).rejects.toMatchObject({ code: "READ_ONLY" });
    await expect(fs.delete("a")).rejects.toMatchObject({ code: "READ_ONLY" });
  });

  it("counts calls with withCounting and splits URLs into parent + name", async () => {
    const { fs, path } = fsAndPathFromUrl(`${server.url}/zarr/cube-1-250-250.zarr`);
    expect(fs.root).toBe(`${server.url}/zarr`);
    expect(path).toBe("cube-1-250-250.zarr");
    const counted = withCounting(fs);
    await counted.get(`${path}/.zmetadata`);
    await counted.getRange(`${path}/.zmetadata`, 0, 1);
    expect(counted.counts.get).toBe(1);
    expect(counted.counts.getRange).toBe(1);
    expect(counted.total).toBe(2);
    expect(redactUrl("https://u:p@h.org/a?sig=1")).toBe("https://h.org/a?…");
  });

  it("rejects URL schemes it does not support instead of taking them for local paths", () => {
    expect(schemeOf("/data/x.nc")).toBe("file");
    expect(schemeOf("file:///data/x.nc")).toBe("file");
    expect(schemeOf("HTTPS://h/x.nc")).toBe("https");
    for (const url of ["ftp://x/y.nc", "gs://bucket/x.zarr"]) {
      expect(() => fsAndPathFromUrl(url)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", path: url, message: expect.stringContaining("unsupported URL scheme") }),
      );
    }
  });
});

/** A server that ignores Range (like Python's `http.server`): always 200 with the whole body; counts GETs. */
async function startRangelessServer(files: Map<string, Uint8Array>) {
  const gets: string[] = [];
  const srv = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    if (req.method === "GET") gets.push(path);
    const body = files.get(path);
    if (!body) return void res.writeHead(404).end();
    res
      .writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" })
      .end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    gets,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe("HttpsFileSystem with a server that ignores Range", () => {
  it("downloads an object once and slices later ranges (and get) from the kept body", async () => {
    const tif = new Uint8Array(await readFile(`${SHARED_DATA}geotiff/RGB.byte.tif`));
    const srv = await startRangelessServer(new Map([["/RGB.byte.tif", tif]]));
    try {
      const fs = new HttpsFileSystem(srv.url);
      const ranges = await Promise.all([fs.getRange("RGB.byte.tif", 0, 8), fs.getRange("RGB.byte.tif", 1000, 24)]);
      expect(ranges).toEqual([tif.subarray(0, 8), tif.subarray(1000, 1024)]);
      expect(await fs.getRange("RGB.byte.tif", -16)).toEqual(tif.subarray(tif.length - 16));
      expect(await fs.getRange("RGB.byte.tif", tif.length - 4, 100)).toEqual(tif.subarray(tif.length - 4));
      expect(Buffer.from((await fs.get("RGB.byte.tif"))!).equals(tif)).toBe(true); // (toEqual is slow on 1.7 MB)
      expect(srv.gets).toEqual(["/RGB.byte.tif"]);
      // the caller owns what it gets: changing it does not change later answers
      const bytes = await fs.getRange("RGB.byte.tif", 0, 8);
      bytes.fill(0);
      expect(await fs.getRange("RGB.byte.tif", 0, 8)).toEqual(tif.subarray(0, 8));
    } finally {
      await srv.close();
    }
  });

  it("reads 3 pixels of a GeoTIFF with one GET", async () => {
    const tif = new Uint8Array(await readFile(`${SHARED_DATA}geotiff/RGB.byte.tif`));
    const srv = await startRangelessServer(new Map([["/RGB.byte.tif", tif]]));
    try {
      const { fs, path } = fsAndPathFromUrl(`${srv.url}/RGB.byte.tif`);
      const ds = await openFormatDataset(fs, path);
      const remote = await ds.variable("band_data").read([null, [100, 101], [200, 201]]);
      await ds.close();
      const local = await openFormatDataset(new FileFileSystem(`${SHARED_DATA}geotiff`), "RGB.byte.tif");
      expect(Array.from(remote.data as Uint8Array)).toEqual(
        Array.from((await local.variable("band_data").read([null, [100, 101], [200, 201]])).data as Uint8Array),
      );
      await local.close();
      expect(srv.gets).toEqual(["/RGB.byte.tif"]);
    } finally {
      await srv.close();
    }
  });

  it("keeps at most wholeBodyCacheBytes (least recently used dropped), and nothing beyond the FileSystem object", async () => {
    const a = new Uint8Array(1000).map((_, i) => i % 251);
    const b = new Uint8Array(1000).map((_, i) => (i * 7) % 253);
    const files = new Map([
      ["/a.bin", a],
      ["/b.bin", b],
      ["/big.bin", new Uint8Array(3000).fill(9)],
    ]);
    const srv = await startRangelessServer(files);
    try {
      const fs = new HttpsFileSystem(srv.url, { wholeBodyCacheBytes: 1500 });
      expect(await fs.getRange("a.bin", 10, 5)).toEqual(a.subarray(10, 15));
      expect(await fs.getRange("a.bin", 20, 5)).toEqual(a.subarray(20, 25)); // kept
      expect(await fs.getRange("b.bin", 10, 5)).toEqual(b.subarray(10, 15)); // a dropped: both do not fit
      expect(await fs.getRange("b.bin", 30, 5)).toEqual(b.subarray(30, 35)); // kept
      expect(await fs.getRange("a.bin", 30, 5)).toEqual(a.subarray(30, 35)); // fetched again
      expect(await fs.getRange("big.bin", 0, 2)).toEqual(new Uint8Array([9, 9])); // too big to keep
      expect(await fs.getRange("big.bin", 5, 2)).toEqual(new Uint8Array([9, 9]));
      expect(srv.gets).toEqual(["/a.bin", "/b.bin", "/a.bin", "/big.bin", "/big.bin"]);
      // a new FileSystem sees new contents
      files.set("/a.bin", new Uint8Array(1000).fill(1));
      expect(await new HttpsFileSystem(srv.url).getRange("a.bin", 10, 2)).toEqual(new Uint8Array([1, 1]));
    } finally {
      await srv.close();
    }
  });
});
