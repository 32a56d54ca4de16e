// Start-up warm-up: datasets are opened in the background, in parallel, once the app is ready (metadata and
// coordinates only), so first requests find them open; a dataset that fails to open is retried on its first
// request; close() during the warm-up leaves nothing open. Real data: the OLCI Zarr cube of ../shared/data.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Dataset } from "../../src/core/dataset.js";
import { EocubeError } from "../../src/core/errors.js";
import { buildApp } from "../../src/server/app.js";
import { DEFAULT_DEPS } from "../../src/server/app.js";
import type { DatasetEntry } from "../../src/server/datasets.js";
import { prepareViewerFiles, viewerDir } from "../../src/server/routes/meta.js";
import { DATA, memCube } from "./helpers.js";

describe("warm-up", () => {
  it("opens every listed dataset in parallel before the first request, without reading data values", async () => {
    const opened: string[] = [];
    let running = 0,
      maxRunning = 0;
    let dataReads = 0;
    const openDataset = async (entry: DatasetEntry, o?: object): Promise<Dataset> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        const ds = entry.id === "olci" ? await DEFAULT_DEPS.openDataset(entry, o) : memCube();
        opened.push(entry.id);
        for (const v of Object.values(ds.data_vars)) {
          const read = v.read.bind(v);
          Object.defineProperty(v, "read", {
            value: (...a: Parameters<typeof v.read>) => {
              dataReads++;
              return read(...a);
            },
          });
        }
        return ds;
      } finally {
        running--;
      }
    };
    const app = await buildApp(
      {
        Datasets: [
          { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
          { Identifier: "mem", Path: "mem.zarr" },
          { Identifier: "hidden", Path: "hidden.zarr", Hidden: true },
        ],
      },
      { openDataset },
    );
    try {
      await app.ready();
      // the warm-up runs without any request
      await expect.poll(() => opened.slice().sort(), { timeout: 20_000 }).toEqual(["mem", "olci"]);
      expect(maxRunning).toBe(2);
      expect(dataReads).toBe(0);
      const d = (await app.inject("/datasets/olci")).json();
      expect(d.dimensions.find((x: { name: string }) => x.name === "time").size).toBe(5);
      expect(opened).toHaveLength(2); // not opened again
      expect(dataReads).toBe(0); // /datasets reads coordinates only
      // the hidden dataset is opened on its first request
      expect((await app.inject("/datasets/hidden")).statusCode).toBe(200);
      expect(opened).toContain("hidden");
    } finally {
      await app.close();
    }
  });

  it("a dataset that fails to open during the warm-up is opened again by its first request", async () => {
    let calls = 0;
    const app = await buildApp(
      { Datasets: [{ Identifier: "flaky", Path: "flaky.zarr" }] },
      {
        openDataset: async () => {
          if (++calls === 1) throw new EocubeError("REMOTE_ERROR", "temporarily unavailable");
          return memCube();
        },
      },
    );
    try {
      await app.ready();
      await expect.poll(() => calls, { timeout: 10_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
      const r = await app.inject("/datasets/flaky");
      expect(r.statusCode).toBe(200);
      expect(calls).toBe(2);
    } finally {
      await app.close();
    }
  });

  it("close() during a slow warm-up closes what it opened and opens nothing later", async () => {
    let closed = 0;
    let started = 0;
    const app = await buildApp(
      { Datasets: [{ Identifier: "slow", Path: "slow.zarr" }] },
      {
        openDataset: async () => {
          started++;
          await new Promise((r) => setTimeout(r, 200));
          const ds = memCube();
          const close = ds.close.bind(ds);
          Object.defineProperty(ds, "close", {
            value: async () => {
              closed++;
              return close();
            },
          });
          return ds;
        },
      },
    );
    await app.ready();
    await expect.poll(() => started, { timeout: 10_000 }).toBe(1);
    await app.close();
    expect(closed).toBe(1);
    expect(started).toBe(1);
  });

  it("can be switched off (buildApp option warmUp: false)", async () => {
    let calls = 0;
    const app = await buildApp(
      { Datasets: [{ Identifier: "mem", Path: "mem.zarr" }] },
      {
        openDataset: async () => {
          calls++;
          return memCube();
        },
      },
      { warmUp: false },
    );
    try {
      await app.ready();
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toBe(0);
      expect((await app.inject("/datasets/mem")).statusCode).toBe(200);
      expect(calls).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe("precompressed responses", () => {
  it("/colorbars is gzipped once and answers the same JSON with and without Accept-Encoding", async () => {
    const app = await buildApp({ Datasets: [] });
    try {
      const plain = await app.inject("/colorbars");
      const gz = await app.inject({ url: "/colorbars", headers: { "accept-encoding": "gzip" } });
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gz.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(gunzipSync(gz.rawPayload).toString("utf8"))).toEqual(plain.json());
      expect(plain.json().length).toBeGreaterThan(3);
    } finally {
      await app.close();
    }
  });

  it.runIf(existsSync(join(viewerDir(), "index.html")))(
    "serves the built viewer's files from memory, gzipped when accepted, byte-identical",
    async () => {
      expect(await prepareViewerFiles()).toBeGreaterThan(1);
      const app = await buildApp({ Datasets: [] }, {}, { warmUp: false });
      try {
        const dir = viewerDir();
        const assets = readdirSync(join(dir, "assets")).filter((f) => f.endsWith(".js") || f.endsWith(".css"));
        for (const rel of ["index.html", ...assets.map((f) => `assets/${f}`)]) {
          const want = readFileSync(join(dir, rel));
          const gz = await app.inject({ url: `/viewer/${rel}`, headers: { "accept-encoding": "gzip, deflate, br" } });
          expect(gz.statusCode).toBe(200);
          if (want.length > 1024) {
            expect(gz.headers["content-encoding"]).toBe("gzip");
            expect(gunzipSync(gz.rawPayload).equals(want)).toBe(true);
          }
          const plain = await app.inject(`/viewer/${rel}`);
          expect(plain.headers["content-encoding"]).toBeUndefined();
          expect(plain.rawPayload.equals(want)).toBe(true);
        }
      } finally {
        await app.close();
      }
    },
  );
});
