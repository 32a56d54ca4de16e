// HttpsFileSystem against a real HTTP server on 127.0.0.1 serving ../shared/data (Range requests, faults).
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { HttpsFileSystem, redactUrl } from "../../src/fs/https.js";
import { withCounting } from "../../src/fs/counting.js";
import { fsAndPathFromUrl } from "../../src/fs/url.js";
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
    const fs = new HttpsFileSystem(server.url);
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
});
