// The ML toolkit on the real cube: chunk-aware epochs (each stored chunk read once, counted), masks, leak-free
// splits with a buffer, normalisation, batch layouts and NaN policies, and `ml export` read back by xarray.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "../../src/core/dataset.js";
import { type CountingFileSystem, withCounting } from "../../src/fs/counting.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { batches, computeStats, createSampler, exportTrainingSet, makeSplit, readSplit, splitOf, writeSplit } from "../../src/ml/index.js";
import { FsDataStore } from "../../src/stores/index.js";
import { openDataset } from "../../src/stores/open.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

let fs: CountingFileSystem;
/** The first two time steps of the cube (2 × 1000 × 2000; chunks 1 × 250 × 250), read through a counting fs. */
let ds: Dataset;
/** The whole cube (5 time steps), for the time periods. */
let full: Dataset;
const work = mkdtempSync(join(tmpdir(), "eocube-ml-"));

beforeAll(async () => {
  fs = withCounting(new FileFileSystem(SHARED_DATA));
  ds = await new FsDataStore("file", {}, fs).openData("zarr/cube-1-250-250.zarr", { time_range: ["2017-01-16", "2017-01-25"] });
  full = await new FsDataStore("file", {}, new FileFileSystem(SHARED_DATA)).openData("zarr/cube-1-250-250.zarr", {});
});
afterAll(async () => {
  await ds.close();
  await full.close();
  rmSync(work, { recursive: true, force: true });
});

describe("chunk-aware epochs", () => {
  it("reads each stored chunk once per epoch, in a seeded order", async () => {
    const s = await createSampler(ds, { inputs: ["kd489", "conc_tsm"], targets: ["conc_chl"], size: { y: 50, x: 50 } });
    // 2 × 4 × 8 chunks of 1 × 250 × 250 per variable
    expect(s.units.length).toBe(64);
    const epoch = async (seed: number, e: number) => {
      fs.reset();
      const order: string[] = [];
      for await (const b of batches(s, { batchSize: 64, seed, epoch: e, bufferSize: 256 })) {
        expect(b.xShape).toEqual([b.size, 2, 50, 50]);
        expect(b.yShape).toEqual([b.size, 1, 50, 50]);
        order.push(...b.extents.map((x) => `${x.t0},${x.y0},${x.x0}`));
      }
      const chunkKeys = fs.counts.keys.filter((k) => /\/(kd489|conc_tsm|conc_chl)\/\d/.test(k));
      // every stored chunk once; a chunk that is not stored is tried at most once (not at all for the other
      // variables of a unit whose first input has no finite value)
      expect(new Set(chunkKeys).size).toBe(chunkKeys.length);
      const read = chunkKeys.filter((k) => stored.has(k.replace(/^.*\/([a-z0-9_]+\/[\d.]+)$/, "$1")));
      expect(read.length).toBe(stored.size);
      return order;
    };
    // the stored chunks of time steps 0 and 1 (the dataset's time range)
    const stored = new Set<string>();
    for (const v of ["kd489", "conc_tsm", "conc_chl"])
      for (const k of await fs.inner.list(`zarr/cube-1-250-250.zarr/${v}/`)) {
        const name = k.split("/").pop()!;
        if (/^[01]\.\d+\.\d+$/.test(name)) stored.add(`${v}/${name}`);
      }
    expect(stored.size).toBeGreaterThan(10);
    const a = await epoch(7, 0);
    const b = await epoch(7, 0);
    const c = await epoch(7, 1);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect([...c].sort()).toEqual([...a].sort());
  }, 20_000);

  it("keeps samples by mask expression and minimum valid share", async () => {
    const opts = { inputs: ["conc_chl"], kind: "patch" as const, size: { y: 25, x: 25 } };
    const unit = (await createSampler(ds, opts)).units.find((u) => u.window.t0 === 0 && u.window.y0 === 250 && u.window.x0 === 250)!;
    const all = await (await createSampler(ds, { ...opts, minValid: 0 })).load(unit);
    const half = await (await createSampler(ds, { ...opts, minValid: 0.5 })).load(unit);
    const masked = await (await createSampler(ds, { ...opts, minValid: 0.5, mask: "conc_chl > 5 and kd489 < 3" })).load(unit);
    expect(all.length).toBeGreaterThan(half.length);
    expect(half.length).toBeGreaterThan(masked.length);
    for (const s of masked) {
      const n = s.valid.reduce((a, v) => a + v, 0);
      expect(n).toBeGreaterThanOrEqual(0.5 * 625);
      const low = Array.from(s.valid).filter((v, k) => v === 1 && !(s.values[k]! > 5));
      expect(low).toEqual([]);
    }
    await expect(createSampler(ds, { ...opts, mask: "conc_chl >" })).rejects.toMatchObject({ code: "INVALID_EXPRESSION" });
    await expect(createSampler(ds, { inputs: ["chl"] })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("samples are copies out of the reused read buffers: overlapping loads equal one-by-one loads and direct reads", async () => {
    const s = await createSampler(ds, { inputs: ["kd489", "conc_chl"], size: { y: 50, x: 50 }, minValid: 0.2 });
    const units = s.units.filter((u) => u.window.t0 === 0 && u.window.y0 === 250); // 8 units along x, most with data
    const bytes = (samples: Awaited<ReturnType<typeof s.load>>) =>
      samples.map((x) => [x.extent, Buffer.from(x.values.buffer).toString("base64"), Buffer.from(x.valid).toString("base64")]);
    const oneByOne = [];
    for (const u of units) oneByOne.push(bytes(await s.load(u)));
    // 8 loads at once (more than the 2 buffer sets the sampler keeps); a caller's out buffer is not used
    const out = new Float64Array(250 * 250).fill(7);
    const together = (await Promise.all(units.map((u) => s.load(u, { out })))).map(bytes);
    expect(together).toEqual(oneByOne);
    expect(out.every((v) => v === 7)).toBe(true);
    expect(oneByOne.flat().length).toBeGreaterThan(20);
    const first = (await s.load(units[1]!))[0]!;
    const e = first.extent;
    const direct = await ds.variable("conc_chl").read([
      [e.t0, e.t1],
      [e.y0, e.y1],
      [e.x0, e.x1],
    ]);
    expect(Array.from(first.values.subarray(2500))).toEqual(Array.from(Float32Array.from(direct.data as Float64Array)));
  });

  it("makes pixel time series [N, C, T] and blocks [N, T, H, W, C]", async () => {
    const small = await openDataset(ZARR_CUBE, {
      openParams: { bbox: [2.5, 51.5625, 3.125, 51.875], time_range: ["2017-01-16", "2017-01-25"] },
    });
    const px = await createSampler(small, { inputs: ["conc_chl", "kd489"], kind: "pixel", minValid: 0.5 });
    expect(px.sampleShape).toEqual([2, 1, 1]);
    const b1 = await batches(px, { batchSize: 8, shuffle: false }).next();
    expect(b1.value!.xShape).toEqual([8, 2, 2]);
    const bl = await createSampler(small, { inputs: ["conc_chl"], kind: "block", size: { time: 2, y: 10, x: 10 } });
    expect(bl.units[0]!.window).toEqual({ t0: 0, t1: 2, y0: 0, y1: 125, x0: 0, x1: 250 });
    const b2 = await batches(bl, { batchSize: 4, layout: "NHWC", nan: "mask" }).next();
    expect(b2.value!.xShape).toEqual([4, 2, 10, 10, 2]);
    expect(b2.value!.xChannels).toEqual(["conc_chl", "valid"]);
  });
});

describe("splits, normalisation and batches", () => {
  it("leaves no validation sample within the buffer of a training block; the split is reusable JSON", async () => {
    const s = await createSampler(ds, { inputs: ["conc_chl"], size: { y: 10, x: 10 }, minValid: 0 });
    const spec = makeSplit(s.shape, { blockSize: [125, 125], buffer: 15, seed: 3 });
    await writeSplit(spec, join(work, "split.json"));
    const again = await readSplit(join(work, "split.json"));
    expect(again).toEqual(spec);
    const trainBlocks = again.blocks.flatMap((b, i) => (b === "train" ? [[Math.floor(i / 16), i % 16] as const] : []));
    let nVal = 0;
    let nTrain = 0;
    for (const u of s.units.filter((u) => u.window.t0 === 0)) {
      for (const e of s.extentsOf(u)) {
        const split = splitOf(again, e, s.times);
        if (split === "train") nTrain++;
        if (split !== "val") continue;
        nVal++;
        // the gap between the sample and every train block is more than 15 px (Chebyshev distance)
        for (const [by, bx] of trainBlocks) {
          const gapY = Math.max(by * 125 - e.y1, e.y0 - (by + 1) * 125) + 1;
          const gapX = Math.max(bx * 125 - e.x1, e.x0 - (bx + 1) * 125) + 1;
          if (Math.max(gapY, gapX) <= 15) throw new Error(`val sample at ${e.y0},${e.x0} is within 15 px of train block ${by},${bx}`);
        }
      }
    }
    expect(nVal).toBeGreaterThan(100);
    expect(nTrain).toBeGreaterThan(4 * nVal);
    // by time periods with a buffer (steps 2017-01-16, -25, -26, -28, -30): -25 and -26 lie within 2 days of the other period
    const px = await createSampler(full, { inputs: ["conc_chl"], kind: "pixel", size: { time: 1 } });
    const tspec = makeSplit(px.shape, {
      periods: { train: ["2017-01-16", "2017-01-25"], val: ["2017-01-26", "2017-01-30"] },
      timeBuffer: 2,
    });
    const at = (t: number) => splitOf(tspec, { t0: t, t1: t + 1, y0: 0, y1: 1, x0: 0, x1: 1 }, px.times);
    expect([0, 1, 2, 3, 4].map(at)).toEqual(["train", null, null, "val", "val"]);
  });

  it("normalises with train statistics computed chunk-wise; NCHW and NHWC hold the same values", async () => {
    const s = await createSampler(ds, { inputs: ["kd489", "conc_tsm"], targets: ["conc_chl"], size: { y: 50, x: 50 }, minValid: 1 });
    const spec = makeSplit(s.shape, { blockSize: [250, 250], buffer: 0, seed: 1 });
    const stats = await computeStats(s, { splitSpec: spec });
    expect(stats.kd489!.count).toBeGreaterThan(10_000);
    let sum = 0;
    let sq = 0;
    let n = 0;
    for await (const b of batches(s, { split: "train", splitSpec: spec, stats, nan: "drop", batchSize: 128 })) {
      for (let i = 0; i < b.size; i++) {
        for (let k = 0; k < 2500; k++) {
          const v = b.x[i * 2 * 2500 + k]!; // kd489 channel
          sum += v;
          sq += v * v;
          n++;
        }
      }
    }
    expect(n).toBe(stats.kd489!.count);
    expect(Math.abs(sum / n)).toBeLessThan(1e-4);
    expect(sq / n).toBeCloseTo(1, 3);
    const one = async (layout: "NCHW" | "NHWC") =>
      (await batches(s, { split: "val", splitSpec: spec, stats, layout, nan: "mask", seed: 2, batchSize: 4 }).next()).value!;
    const a = await one("NCHW");
    const b = await one("NHWC");
    expect(b.xShape).toEqual([4, 50, 50, 3]);
    for (let i = 0; i < 4; i++)
      for (let c = 0; c < 3; c++) for (let k = 0; k < 2500; k += 97) expect(b.x[(i * 2500 + k) * 3 + c]).toBe(a.x[(i * 3 + c) * 2500 + k]);
  });

  it("ml export writes one array per split that xarray reads back with the same values", async () => {
    // 500 × 500 px of one time step, off the Thames estuary
    const sub = await openDataset(ZARR_CUBE, { openParams: { bbox: [0, 51.25, 1.25, 52.5], time_range: ["2017-01-16", "2017-01-17"] } });
    const s = await createSampler(sub, { inputs: ["kd489", "conc_tsm"], targets: ["conc_chl"], size: { y: 25, x: 25 }, minValid: 0.8 });
    expect(s.shape).toEqual([1, 500, 500]);
    const spec = makeSplit(s.shape, { blockSize: [125, 125], buffer: 5, seed: 4 });
    const out = join(work, "train.zarr");
    const res = await exportTrainingSet(s, out, { splitSpec: spec, batchSize: 64, seed: 9, nan: "fill" });
    expect(res.counts.train).toBeGreaterThan(res.counts.val!);
    const py = `
import sys, json, xarray as xr, numpy as np
ds = xr.open_zarr(sys.argv[1], consolidated=True)
out = {}
for name in ["train", "val", "test"]:
    a = ds[name].values.astype("<f4")
    a.tofile(sys.argv[2] + "/" + name + ".f32")
    out[name] = {"shape": list(a.shape), "dims": list(ds[name].dims)}
out["normalization"] = ds.attrs["normalization"]
out["channels"] = ds.attrs["channels"]
print(json.dumps(out))
`;
    const r = spawnSync("/usr/bin/python3", ["-c", py, out, work], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
    const got = JSON.parse(r.stdout);
    expect(got.channels).toEqual(["kd489", "conc_tsm", "conc_chl"]);
    expect(got.normalization.stats.conc_chl.mean).toBeCloseTo(res.stats!.conc_chl!.mean, 12);
    for (const name of ["train", "val", "test"] as const) {
      expect(got[name].shape).toEqual([res.counts[name], 3, 25, 25]);
      expect(got[name].dims).toEqual([`${name}_sample`, "channel", "y", "x"]);
      const py32 = new Float32Array(readFileSync(join(work, `${name}.f32`)).buffer.slice(0));
      const ours: number[] = [];
      for await (const b of batches(s, { split: name, splitSpec: spec, stats: res.stats, batchSize: 64, seed: 9, nan: "fill" })) {
        for (let i = 0; i < b.size; i++) {
          ours.push(...b.x.subarray(i * 2 * 625, (i + 1) * 2 * 625), ...b.y!.subarray(i * 625, (i + 1) * 625));
        }
      }
      expect(py32.length).toBe(ours.length);
      expect(Array.from(py32).every((v, i) => v === Math.fround(ours[i]!))).toBe(true);
    }
  }, 20_000);
});
