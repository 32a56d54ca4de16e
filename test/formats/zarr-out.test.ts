// Variable.read into a caller's buffer (ReadOptions.out): the Zarr reader writes into it, filling only the parts of
// chunks not stored (a reused buffer's old values never show through); other variables' results are copied into it.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Selection } from "../../src/core/selection.js";
import { viewVariable } from "../../src/core/sel.js";
import { Variable } from "../../src/core/variable.js";
import { windowVariable } from "../../src/stores/subset.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { decodeBlosc, decodeBloscRange } from "../../src/formats/zarr/blosc.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { readPooled } from "../../src/ops/buffers.js";
import { openDataset } from "../../src/stores/open.js";

const CUBE = fileURLToPath(new URL("../../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));

/** A 4×4 v2 array of `dtype` (no compressor, chunks 2×2) with only chunk 0.0 stored, holding 1, 2, 3, 4. */
async function tinyArray(dir: string, name: string, dtype: string, fill: number, bytes: Uint8Array): Promise<void> {
  await mkdir(join(dir, "t.zarr", name), { recursive: true });
  const zarray = { zarr_format: 2, shape: [4, 4], chunks: [2, 2], dtype, compressor: null, fill_value: fill, order: "C", filters: null };
  await writeFile(join(dir, "t.zarr", name, ".zarray"), JSON.stringify(zarray));
  await writeFile(join(dir, "t.zarr", name, ".zattrs"), JSON.stringify({ _ARRAY_DIMENSIONS: ["y", "x"] }));
  await writeFile(join(dir, "t.zarr", name, "0.0"), bytes);
}

/** The bytes of a typed array (a Buffer view, for a fast bitwise comparison of 16 MB arrays). */
function bytesOf(a: unknown): Buffer {
  const v = a as ArrayBufferView;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

describe("read into a given buffer (ReadOptions.out)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-zout-"));
    await cp(CUBE, join(dir, "cube.zarr"), { recursive: true });
    await mkdir(join(dir, "t.zarr"), { recursive: true });
    await writeFile(join(dir, "t.zarr", ".zgroup"), JSON.stringify({ zarr_format: 2 }));
    await tinyArray(dir, "i4", "<i4", 0, new Uint8Array(new Int32Array([1, 2, 3, 4]).buffer));
    await tinyArray(dir, "i8", "<i8", 7, new Uint8Array(new BigInt64Array([1n, 2n, 3n, 4n]).buffer));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("slices of the real cube read into one dirty buffer equal fresh reads, and the data are a view of it", async () => {
    const ds = await openDataset(join(dir, "cube.zarr"));
    const v = ds.data_vars.conc_chl!;
    expect(v.readsInto).toBe(true); // every layer of the opened dataset passes the buffer on to the Zarr reader
    expect(viewVariable(v, { time: 1 }).readsInto).toBe(true);
    expect(windowVariable(v, { lat: [10, 20] }).readsInto).toBe(true);
    const out = new Float64Array(1000 * 2000 + 5).fill(-1);
    const sels: Selection[] = [[2], [3], [0], [4, [100, 900], [30, 1730]], [null, 500, 1000]];
    for (const sel of sels) {
      const fresh = await v.read(sel);
      const into = await v.read(sel, { out });
      expect(into.shape).toEqual(fresh.shape);
      expect((into.data as Float64Array).buffer).toBe(out.buffer);
      expect(bytesOf(into.data).equals(bytesOf(fresh.data))).toBe(true); // bit for bit: no -1 left over
    }
    // the pool of ops' input blocks: a block given back is the next one's buffer, same values as a plain read
    const sel: Selection = [
      [1, 4],
      [200, 700],
      [0, 500],
    ];
    const first = await readPooled(v, sel, 3 * 500 * 500);
    expect(bytesOf(first.block.data).equals(bytesOf((await v.read(sel)).data))).toBe(true);
    const buffer = (first.block.data as Float64Array).buffer;
    first.done();
    const second = await readPooled(
      v,
      [
        [0, 3],
        [0, 500],
        [0, 500],
      ],
      3 * 500 * 500,
    );
    expect((second.block.data as Float64Array).buffer).toBe(buffer);
    expect(
      bytesOf(second.block.data).equals(
        bytesOf(
          (
            await v.read([
              [0, 3],
              [0, 500],
              [0, 500],
            ])
          ).data,
        ),
      ),
    ).toBe(true);
    second.done();
    await ds.close();
  });

  it("a read of exactly one stored chunk decodes it straight into the given buffer (blosc, no compressor, damaged)", async () => {
    const ds = await openDataset(join(dir, "cube.zarr"));
    const v = ds.data_vars.conc_chl!;
    const backing = new Float64Array(250 * 250 + 10);
    const out = backing.subarray(3); // not at the start of its ArrayBuffer
    for (const sel of [
      [0, [0, 250], [0, 250]],
      [3, [750, 1000], [1750, 2000]],
      [2, [500, 750], [250, 500]],
    ] as Selection[]) {
      backing.fill(-1);
      const fresh = await v.read(sel);
      const into = await v.read(sel, { out });
      expect((into.data as Float64Array).buffer).toBe(backing.buffer);
      expect((into.data as Float64Array).byteOffset).toBe(24);
      expect(bytesOf(into.data).equals(bytesOf(fresh.data))).toBe(true);
      expect(backing[2]).toBe(-1); // before the buffer: untouched
    }
    await ds.close();
    // without a compressor: a stored chunk, a chunk not stored (fill value), a chunk file one value short (damaged)
    await tinyArray(dir, "short", "<i4", 0, new Uint8Array(new Int32Array([1, 2, 3]).buffer));
    const t = await openZarr(new FileFileSystem(dir), "t.zarr");
    const o = new Int32Array(5).fill(-9);
    const whole = await t.variable("i4").read(
      [
        [0, 2],
        [0, 2],
      ],
      { out: o },
    );
    expect(Array.from(whole.data as Int32Array)).toEqual([1, 2, 3, 4]);
    expect((whole.data as Int32Array).buffer).toBe(o.buffer);
    const empty = await t.variable("i4").read(
      [
        [2, 4],
        [2, 4],
      ],
      { out: o },
    );
    expect(Array.from(empty.data as Int32Array)).toEqual([0, 0, 0, 0]);
    await expect(
      t.variable("short").read(
        [
          [0, 2],
          [0, 2],
        ],
        { out: o },
      ),
    ).rejects.toMatchObject({ code: "CORRUPT_DATA" });
  });

  it("a point time series decodes only the elements it needs: the values of whole-chunk decodes", async () => {
    const ds = await openDataset(join(dir, "cube.zarr"));
    const v = ds.data_vars.conc_chl!;
    const slices = await Promise.all([0, 1, 2, 3, 4].map(async (t) => (await v.read([t])).data as Float64Array));
    for (const [r, c] of [
      [0, 0],
      [500, 1000],
      [999, 1999],
      [731, 1234],
      [249, 250],
    ] as const) {
      const series = (await v.read([null, r, c])).data as Float64Array;
      expect(bytesOf(series).equals(bytesOf(Float64Array.from(slices, (s) => s[r * 2000 + c]!)))).toBe(true);
      const row = (await v.read([3, r, [c - (c % 250), c - (c % 250) + 20]])).data as Float64Array; // 20 of a chunk's 250
      expect(bytesOf(row).equals(bytesOf(slices[3]!.subarray(r * 2000 + c - (c % 250), r * 2000 + c - (c % 250) + 20)))).toBe(true);
    }
    // the range decoder on every stored chunk of the cube, against the whole decode
    const folder = join(dir, "cube.zarr", "conc_chl");
    for (const name of (await readdir(folder)).filter((f) => !f.startsWith("."))) {
      const frame = new Uint8Array(await readFile(join(folder, name)));
      const whole = decodeBlosc(frame)!;
      for (const [first, count] of [
        [0, 1],
        [62499, 1],
        [31337, 250],
        [20_000, 3],
        [62_400, 100],
        [1000, 0],
      ] as const) {
        const part = decodeBloscRange(frame, first, count)!;
        expect(Buffer.from(part).equals(Buffer.from(whole.subarray(first * 8, (first + count) * 8)))).toBe(true);
      }
      expect(decodeBloscRange(frame, 62499, 2)).toBeUndefined(); // past the end
    }
    await ds.close();
  });

  it("chunks not stored get the fill value in a reused buffer (0 for int32, 7n for int64); copies for other variables", async () => {
    const ds = await openZarr(new FileFileSystem(dir), "t.zarr");
    const i4 = ds.variable("i4");
    const o4 = new Int32Array(16).fill(-9);
    const r4 = await i4.read([], { out: o4 });
    expect(Array.from(r4.data as Int32Array)).toEqual([1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r4.data).toBe(o4);
    const o8 = new BigInt64Array(20).fill(-9n);
    const r8 = await ds.variable("i8").read(
      [
        [1, 4],
        [0, 3],
      ],
      { out: o8 },
    );
    expect(Array.from(r8.data as BigInt64Array)).toEqual([3n, 4n, 7n, 7n, 7n, 7n, 7n, 7n, 7n]);
    expect(o8[9]).toBe(-9n); // beyond the selection: untouched

    // a variable whose read knows nothing of `out` gets no `out` and its result is copied
    let seen: unknown = "unset";
    const plain = new Variable({
      name: "plain",
      dims: ["x"],
      shape: [3],
      dtype: "float32",
      read: async (_sel, options) => {
        seen = options?.out;
        return { data: new Float32Array([1, 2, 3]), shape: [3], dtype: "float32" };
      },
    });
    const of = new Float32Array(3);
    const rf = await plain.read([], { out: of });
    expect(seen).toBeUndefined();
    expect(rf.data).toBe(of);
    expect(plain.readsInto).toBe(false);
    expect(Array.from(of)).toEqual([1, 2, 3]);

    await expect(i4.read([], { out: new Float64Array(16) })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(i4.read([], { out: new Int32Array(15) })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
