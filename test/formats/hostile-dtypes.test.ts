// Zarr variables of data types eocube cannot read (`<f16`, `|V7`), made at test time: describe lists them
// with the reason (JSON `unreadable`, the table's last column), reading one is UNSUPPORTED with the same
// reason, and the readable variables beside them read as usual (issue 10; the server's side is in
// test/server/hostile-files.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDescriptor } from "../../src/cli/describe.js";
import { EocubeError } from "../../src/core/errors.js";
import { describeDatasetObject } from "../../src/stores/descriptor.js";
import { openDataset } from "../../src/stores/open.js";

const work = mkdtempSync(join(tmpdir(), "eocube-hostile-dtypes-"));
const store = join(work, "types.zarr");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const put = (path: string, data: string | Uint8Array) => {
  mkdirSync(dirname(join(store, path)), { recursive: true });
  writeFileSync(join(store, path), data);
};

beforeAll(() => {
  put(".zgroup", JSON.stringify({ zarr_format: 2 }));
  put(".zattrs", "{}");
  const array = (name: string, dims: string[], shape: number[], dtype: string, data?: Uint8Array) => {
    put(
      `${name}/.zarray`,
      JSON.stringify({ zarr_format: 2, shape, chunks: shape, dtype, compressor: null, fill_value: null, filters: null, order: "C" }),
    );
    put(`${name}/.zattrs`, JSON.stringify({ _ARRAY_DIMENSIONS: dims }));
    if (data) put(`${name}/${shape.map(() => "0").join(".")}`, data);
  };
  array("lat", ["lat"], [2], "<f8", new Uint8Array(new Float64Array([10.5, 9.5]).buffer));
  array("lon", ["lon"], [3], "<f8", new Uint8Array(new Float64Array([20.5, 21.5, 22.5]).buffer));
  array("good", ["lat", "lon"], [2, 3], "<f4", new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer));
  array("f16", ["lat", "lon"], [2, 3], "<f16");
  array("void", ["lat", "lon"], [2, 3], "|V7");
});

describe("variables of unreadable data types", () => {
  it("describe lists them with the reason; the readable ones have none", async () => {
    const ds = await openDataset(store);
    const d = await describeDatasetObject(ds, "types.zarr");
    expect(d.data_vars.f16!.unreadable).toBe(
      'its stored data type "<f16" (128-bit floating point numbers) cannot be read: eocube reads bool, (u)int8…64, float16/32/64 and strings',
    );
    expect(d.data_vars.void!.unreadable).toMatch(/^its stored data type "\|V7" \(raw records of 7 bytes \(numpy void\)\) cannot be read/);
    expect(d.data_vars.good!.unreadable).toBeUndefined();
    const table = formatDescriptor(d, work);
    expect(table).toMatch(/f16 +\(lat, lon\) +object +unreadable: its stored data type "<f16"/);
    expect(table).toMatch(/good +\(lat, lon\) +float32 +chunks \(2, 3\)/);
  });

  it("reading one is UNSUPPORTED naming the array and the reason; the others read", async () => {
    const ds = await openDataset(store);
    const err = await ds.data_vars.f16!.read([]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("UNSUPPORTED");
    expect((err as EocubeError).message).toMatch(/types\.zarr\/f16: its stored data type "<f16"/);
    expect(Array.from((await ds.data_vars.good!.read([])).data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
