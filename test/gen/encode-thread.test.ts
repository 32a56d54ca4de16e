// The light blosc encoding thread (formats/zarr/encode-thread.ts): a gen run whose chunks it encodes and writes has the
// same chunk bytes as one encoding on the main thread; the thread's frames are encodeBloscLz4's, decoded back exactly;
// a chunk file it cannot write comes back as the frame (for the store's put to report).
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { decodeBlosc } from "../../src/formats/zarr/blosc.js";
import { encodeBloscLz4 } from "../../src/formats/zarr/blosc-encode.js";
import { EncodeThread } from "../../src/formats/zarr/encode-thread.js";
import { loadGenRequest } from "../../src/gen/request.js";
import { runGen } from "../../src/gen/run.js";
import { DATA } from "../ops/helpers.js";
import { tempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Chunk files (name → bytes) of one variable of a Zarr v2 store. */
function chunks(store: string, v: string): Map<string, Buffer> {
  const dir = join(store, v);
  return new Map(
    readdirSync(dir)
      .filter((f) => !f.startsWith("."))
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
}

describe("blosc encoding thread", () => {
  it("an 8-day mean encoded and written by the thread has the main thread's chunk bytes", async () => {
    const doc = (id: string) => ({
      input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
      cube_config: { variable_names: ["conc_chl", "kd489"], time_period: "8D", time_method: "mean", tile_size: 500 },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: id },
    });
    const now = new Date("2026-01-01T00:00:00Z");
    for (const [id, encodeThreadBytes] of [
      ["main.zarr", -1],
      ["thread.zarr", 0],
    ] as const) {
      const path = join(tmp.dir, `${id}.yaml`);
      await writeFile(path, stringify(doc(id)));
      const r = await runGen(await loadGenRequest(path), { workers: 2, encodeThreadBytes, now });
      expect(r.bytes_written).toBeGreaterThan(0);
    }
    for (const v of ["conc_chl", "kd489"]) {
      const a = chunks(join(tmp.dir, "main.zarr"), v);
      const b = chunks(join(tmp.dir, "thread.zarr"), v);
      expect(a.size).toBeGreaterThan(8);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [k, bytes] of a) expect(Buffer.compare(b.get(k)!, bytes), `${v}/${k}`).toBe(0);
    }
  });

  it("writes encodeBloscLz4's frame, gives the values' buffer back, and returns the frame it could not write", async () => {
    const t = new EncodeThread();
    try {
      const values = new Float64Array(100_000).map((_, i) => (i % 977 === 0 ? NaN : Math.round(Math.sin(i / 50) * 1000) / 8));
      const expected = encodeBloscLz4(new Uint8Array(values.slice().buffer), 8, 5);
      const path = join(tmp.dir, "t", "0.0");
      const d = await t.write(path, new Uint8Array(values.buffer), 8, 5);
      expect(values.buffer.byteLength).toBe(0); // transferred
      expect(d.size).toBe(expected.length);
      expect(d.frame).toBeUndefined();
      expect(Buffer.compare(readFileSync(path), expected)).toBe(0);
      const back = new Float64Array(d.buffer);
      expect(new Float64Array(decodeBlosc(readFileSync(path))!.buffer.slice(0))).toEqual(back);
      // a folder where the file should be: not written, the frame comes back
      const bad = await t.write(join(tmp.dir, "t"), new Uint8Array(d.buffer), 8, 5);
      expect(Buffer.compare(Buffer.from(bad.frame!), expected)).toBe(0);
      expect(t.pending).toBe(0);
    } finally {
      await t.close();
    }
  });
});
