// xcube multi-level reader: a .levels folder built at test time from the real cube — level 0 a copy
// of the cube (or a 0.link to it), level 1 written with our Zarr writer by 2× subsampling.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { isEocubeError } from "../../src/core/errors.js";
import type { NdArray } from "../../src/core/ndarray.js";
import type { DimSelection } from "../../src/core/selection.js";
import { Variable } from "../../src/core/variable.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { openLevels } from "../../src/formats/levels.js";
import { getFormatReader, sniffFormat } from "../../src/formats/registry.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { writeDataset } from "../../src/formats/zarr/writer.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const ZLEVELS = { version: "1.0", num_levels: 2, tile_size: [250, 250], use_saved_levels: true, agg_methods: { conc_chl: "first" } };

/** Every other element along lat/lon (xcube's "first" aggregation). */
function subsample2(v: Variable): Variable {
  const spatial = v.dims.map((d) => d === "lat" || d === "lon");
  const shape = v.shape.map((s, i) => (spatial[i] ? Math.ceil(s / 2) : s));
  return new Variable({
    name: v.name,
    dims: v.dims,
    shape,
    dtype: v.dtype,
    attrs: v.attrs,
    chunks: v.chunks.map((c, i) => Math.min(c, shape[i]!)),
    read: async (sel) => {
      const ranges = shape.map((s, i) => {
        const d = sel[i] as DimSelection | undefined;
        return d === null || d === undefined ? [0, s] : typeof d === "number" ? [d, d + 1] : d;
      });
      const full = await v.read(ranges.map(([a, b], i) => (spatial[i] ? [2 * a!, Math.min(v.shape[i]!, 2 * b! - 1)] : [a!, b!])));
      const outShape = ranges.map(([a, b]) => b! - a!);
      const out = new Float64Array(outShape.reduce((x, y) => x * y, 1));
      const fullStrides = full.shape.map((_, i) => full.shape.slice(i + 1).reduce((x, y) => x * y, 1));
      out.forEach((_, k) => {
        let rem = k,
          off = 0;
        for (let i = outShape.length - 1; i >= 0; i--) {
          const idx = rem % outShape[i]!;
          rem = Math.floor(rem / outShape[i]!);
          off += (spatial[i] ? 2 * idx : idx) * fullStrides[i]!;
        }
        out[k] = (full.data as Float64Array)[off]!;
      });
      return { data: out, shape: outShape, dtype: "float64" } as NdArray;
    },
  });
}

let dir: string;
let fs: FileFileSystem;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-levels-"));
  fs = new FileFileSystem(dir);
  const cube = await openZarr(new FileFileSystem(DATA, { readOnly: true }), "zarr/cube-1-250-250.zarr");
  // level 1 of a smaller dataset keeps the test quick: two variables and the coordinates
  const keep = ["lat", "lon", "time", "conc_chl"];
  const level1 = new Dataset({
    data_vars: Object.fromEntries(keep.map((n) => [n, subsample2(cube.variable(n))])),
    attrs: cube.attrs,
  });
  await mkdir(join(dir, "copy.levels"), { recursive: true });
  await cp(join(DATA, "zarr/cube-1-250-250.zarr"), join(dir, "copy.levels", "0.zarr"), { recursive: true });
  await writeDataset(level1, fs, "copy.levels/1.zarr");
  await writeFile(join(dir, "copy.levels", ".zlevels"), JSON.stringify(ZLEVELS));
  // the same with 0.link to the base cube (copied beside the .levels)
  await cp(join(DATA, "zarr/cube-1-250-250.zarr"), join(dir, "base.zarr"), { recursive: true });
  await mkdir(join(dir, "linked.levels"));
  await writeFile(join(dir, "linked.levels", "0.link"), "base.zarr");
  await cp(join(dir, "copy.levels", "1.zarr"), join(dir, "linked.levels", "1.zarr"), { recursive: true });
  await writeFile(join(dir, "linked.levels", ".zlevels"), JSON.stringify(ZLEVELS));
  // broken: .zlevels promises 3 levels
  await mkdir(join(dir, "broken.levels"));
  await writeFile(join(dir, "broken.levels", "0.link"), "base.zarr");
  await writeFile(join(dir, "broken.levels", ".zlevels"), JSON.stringify({ ...ZLEVELS, num_levels: 3 }));
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("levels reader", () => {
  it.each(["copy.levels", "linked.levels"])("%s opens as level 0 with level 1 as overview", async (name) => {
    expect(await sniffFormat(fs, name)).toBe("levels");
    const ds = await (await getFormatReader("levels")).open(fs, name);
    expect(ds.dims).toEqual({ time: 5, lat: 1000, lon: 2000, bnds: 2 });
    expect(ds.encoding).toMatchObject({ format: "levels", num_levels: 2, tile_size: [250, 250], agg_methods: { conc_chl: "first" } });
    expect(ds.overviews).toHaveLength(1);
    const l1 = ds.overviews[0]!;
    expect(l1.dims).toEqual({ time: 5, lat: 500, lon: 1000 });
    const lat0 = (await ds.variable("lat").read([[0, 4]])).data as Float64Array;
    const lat1 = (await l1.variable("lat").read([[0, 2]])).data as Float64Array;
    expect(Array.from(lat1)).toEqual([lat0[0], lat0[2]]);
    const full = (await ds.variable("conc_chl").read([0, [480, 484], [684, 688]])).data as Float64Array;
    const half = (await l1.variable("conc_chl").read([0, [240, 242], [342, 344]])).data as Float64Array;
    expect(Array.from(half)).toEqual([full[0], full[2], full[8], full[10]]);
  });

  it("a level missing from the folder → CORRUPT_DATA; no folder → NOT_FOUND", async () => {
    const e1 = await openLevels(fs, "broken.levels").catch((e: unknown) => e);
    expect(isEocubeError(e1, "CORRUPT_DATA")).toBe(true);
    expect((e1 as Error).message).toMatch(/level 1 .*missing/);
    const e2 = await openLevels(fs, "nothing.levels").catch((e: unknown) => e);
    expect(isEocubeError(e2, "NOT_FOUND")).toBe(true);
  });
});
