// Large fresh results of a repeated read size take a spare buffer touched in idle time (formats/zarr/spare.ts): each
// result has memory of its own (a spare is handed out once) and the values are those of a read into a given buffer.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { mallocSettings, mallocSettingsOf, resultBuffer } from "../../src/formats/zarr/spare.js";
import { openDataset } from "../../src/stores/open.js";

const CUBE = fileURLToPath(new URL("../../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));
const idle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("spare result buffers", () => {
  it("repeated 16 MB reads give equal values in buffers of their own", async () => {
    const ds = await openDataset(CUBE);
    const v = ds.data_vars.conc_chl!;
    const want = Buffer.from(((await v.read([3], { out: new Float64Array(2_000_000) })).data as Float64Array).buffer);
    const results: Float64Array[] = [];
    for (let i = 0; i < 4; i++) {
      results.push((await v.read([3])).data as Float64Array);
      await idle(400); // time for the spare to be made
    }
    for (const r of results) expect(Buffer.from(r.buffer, r.byteOffset, r.byteLength).equals(want)).toBe(true);
    expect(new Set(results.map((r) => r.buffer)).size).toBe(4);
    results[0]!.fill(1); // one result's memory is not another's
    for (const r of results.slice(1)) expect(Buffer.from(r.buffer, r.byteOffset, r.byteLength).equals(want)).toBe(true);
    await ds.close();
  }, 60_000);

  it("hands a spare out once and gives small sizes fresh memory", async () => {
    const size = 8 << 20;
    const a = resultBuffer(size);
    const b = resultBuffer(size); // the second of this size schedules a spare
    await idle(400);
    const c = resultBuffer(size); // the spare
    const d = resultBuffer(size);
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect([a, b, c, d].every((x) => x.byteLength === size)).toBe(true);
    expect(resultBuffer(1000).byteLength).toBe(1000);
  }, 30_000);

  it("reads glibc's malloc thresholds from the environment (GLIBC_TUNABLES wins over the MALLOC_*_ names)", () => {
    const command = ["PATH=/usr/bin", "MALLOC_MMAP_THRESHOLD_=67108864", "MALLOC_TRIM_THRESHOLD_=134217728"];
    expect(mallocSettingsOf(command)).toEqual({ mmap: 67108864, trim: 134217728 });
    expect(mallocSettingsOf([...command, "GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=0"])).toEqual({
      mmap: 67108864,
      trim: 0,
    });
    expect(mallocSettingsOf(["GLIBC_TUNABLES=glibc.malloc.mmap_threshold=x"])).toEqual({});
    // this process's own start environment (the test runner sets none of them)
    const own = mallocSettings();
    expect(own.mmap === undefined || Number.isInteger(own.mmap)).toBe(true);
  });
});
