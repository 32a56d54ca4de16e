// Hostile Zarr metadata whose chunk keys climb out of the store (a `dimension_separator` or v3 separator
// such as "/../../../outside/x", an array named ".."): open, describe, read, a real server's /statistics and
// gen refuse it with CORRUPT_DATA naming the document and field, and never return the planted bytes; the
// store adapter itself refuses the climbing key (UNSAFE_ID), as a second line behind the metadata check.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { FileSystemStore } from "../../src/formats/zarr/store.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { startServer } from "../../src/server/app.js";
import { openDataset } from "../../src/stores/open.js";
import { cli } from "../gen/helpers.js";

const work = mkdtempSync(join(tmpdir(), "eocube-hostile-zarr-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The planted value: 1234.5 as float32, repeated; no honest cell of the stores holds it. */
const PLANT = 1234.5;
const HOSTILE_SEP = "/../../../outside/x";

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const json = (path: string, doc: unknown) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(doc));
};

/** Writes the file a climbing chunk key of array folder `arrayDir` resolves to, holding the planted values; returns its path. */
function plant(arrayDir: string, chunkKey: string): string {
  const target = resolve(arrayDir, chunkKey);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, f32([PLANT, PLANT, PLANT, PLANT]));
  return target;
}

/** The coordinates lat [10.5, 10] and lon [20, 20.5] of a v2 store, and `v` (lat, lon) as `vZarray` says. */
function v2Store(dir: string, vZarray: Record<string, unknown>, consolidated = false): void {
  const arr = (shape: number[]) => ({
    zarr_format: 2,
    shape,
    chunks: shape,
    dtype: "<f4",
    compressor: null,
    fill_value: null,
    filters: null,
    order: "C",
  });
  const docs: Record<string, unknown> = {
    ".zgroup": { zarr_format: 2 },
    ".zattrs": {},
    "lat/.zarray": arr([2]),
    "lat/.zattrs": { _ARRAY_DIMENSIONS: ["lat"], units: "degrees_north" },
    "lon/.zarray": arr([2]),
    "lon/.zattrs": { _ARRAY_DIMENSIONS: ["lon"], units: "degrees_east" },
    "v/.zarray": { ...arr([2, 2]), ...vZarray },
    "v/.zattrs": { _ARRAY_DIMENSIONS: ["lat", "lon"] },
  };
  for (const [k, doc] of Object.entries(docs)) json(join(dir, k), doc);
  if (consolidated) json(join(dir, ".zmetadata"), { zarr_consolidated_format: 1, metadata: docs });
  writeFileSync(join(dir, "lat", "0"), f32([10.5, 10]));
  writeFileSync(join(dir, "lon", "0"), f32([20, 20.5]));
}

// 1. v2, walked: the issue's .zarray
const v2dir = join(work, "v2", "cube.zarr");
v2Store(v2dir, { dimension_separator: HOSTILE_SEP });
const v2plant = plant(join(v2dir, "v"), ["0", "0"].join(HOSTILE_SEP));
// 2. v2, consolidated (.zmetadata holds the hostile separator)
const v2cdir = join(work, "v2c", "cube.zarr");
v2Store(v2cdir, { dimension_separator: HOSTILE_SEP }, true);
plant(join(v2cdir, "v"), ["0", "0"].join(HOSTILE_SEP));
// 3. v3: chunk_key_encoding with a climbing separator
const v3dir = join(work, "v3", "cube.zarr");
json(join(v3dir, "zarr.json"), { zarr_format: 3, node_type: "group", attributes: {} });
json(join(v3dir, "v", "zarr.json"), {
  zarr_format: 3,
  node_type: "array",
  shape: [2, 2],
  data_type: "float32",
  dimension_names: ["lat", "lon"],
  chunk_grid: { name: "regular", configuration: { chunk_shape: [2, 2] } },
  chunk_key_encoding: { name: "default", configuration: { separator: HOSTILE_SEP } },
  codecs: [{ name: "bytes", configuration: { endian: "little" } }],
  fill_value: 0,
});
plant(join(v3dir, "v"), ["c", "0", "0"].join(HOSTILE_SEP));
// 4. v2 consolidated metadata naming an array ".." (its chunk 0.0 would be the store's sibling file)
const dotdir = join(work, "dotdot", "cube.zarr");
json(join(dotdir, ".zmetadata"), {
  zarr_consolidated_format: 1,
  metadata: {
    ".zgroup": { zarr_format: 2 },
    "../.zarray": {
      zarr_format: 2,
      shape: [2, 2],
      chunks: [2, 2],
      dtype: "<f4",
      compressor: null,
      fill_value: null,
      filters: null,
      order: "C",
    },
    "../.zattrs": { _ARRAY_DIMENSIONS: ["y", "x"] },
  },
});
plant(dotdir, "../0.0");

describe("hostile Zarr chunk keys", () => {
  it("the planted files lie outside the stores (the crafted keys really climb out)", () => {
    expect(relative(v2dir, v2plant).startsWith("..")).toBe(true);
    expect(existsSync(join(work, "v2", "outside", "x0"))).toBe(true);
    expect(existsSync(join(work, "dotdot", "0.0"))).toBe(true);
  });

  it("open refuses each store with CORRUPT_DATA naming the metadata document and the field", async () => {
    const cases: Array<[string, RegExp, string]> = [
      [
        v2dir,
        /cube\.zarr\/v\/\.zarray: dimension_separator must be "\." or "\/", got "\/\.\.\/\.\.\/\.\.\/outside\/x"/,
        "dimension_separator",
      ],
      [v2cdir, /cube\.zarr\/\.zmetadata: v\/\.zarray: dimension_separator must be/, "dimension_separator"],
      [
        v3dir,
        /cube\.zarr\/v\/zarr\.json: chunk_key_encoding\.configuration\.separator must be "\." or "\/"/,
        "chunk_key_encoding.configuration.separator",
      ],
      [dotdir, /cube\.zarr\/\.zmetadata: metadata\.\.\.\/\.zarray names the array "\.\."/, "metadata.../.zarray"],
    ];
    for (const [dir, message, field] of cases) {
      const err = await openDataset(dir).then(
        async (ds) => {
          // should not open; if it does, reading must not give the planted values
          const a = await ds.data_vars[Object.keys(ds.data_vars)[0]!]!.read();
          return new Error(`opened and read ${Array.from(a.data as Float32Array).join(",")}`);
        },
        (e: unknown) => e,
      );
      expect(err, dir).toMatchObject({ code: "CORRUPT_DATA", field });
      expect((err as Error).message, dir).toMatch(message);
    }
  });

  it("describe exits 2 naming the .zarray and the field, with no stack trace and no planted value", async () => {
    const r = await cli(["describe", v2dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/v\/\.zarray: dimension_separator must be "\." or "\/"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain(String(PLANT));
  });

  it("the store adapter refuses the climbing chunk key itself (UNSAFE_ID), whatever the metadata check lets through", async () => {
    const store = new FileSystemStore(new FileFileSystem(join(work, "v2")), "cube.zarr");
    await expect(store.get(`/v/${["0", "0"].join(HOSTILE_SEP)}`)).rejects.toMatchObject({ code: "UNSAFE_ID" });
    await expect(store.getRange(`/v/${["0", "0"].join(HOSTILE_SEP)}`, { offset: 0, length: 4 })).rejects.toMatchObject({
      code: "UNSAFE_ID",
    });
    // an honest key still reads
    expect(Array.from(new Float32Array((await store.get("/lat/0"))!.slice().buffer))).toEqual([10.5, 10]);
  });

  it("a real server's /statistics answers 422 CORRUPT_DATA, never the planted value", async () => {
    const server = await startServer(
      {
        Datasets: [
          { Identifier: "v2", Path: v2dir },
          { Identifier: "v3", Path: v3dir },
          { Identifier: "v2c", Path: v2cdir },
        ],
      },
      { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
    );
    try {
      for (const id of ["v2", "v3", "v2c"]) {
        const res = await fetch(`${server.url}/statistics/${id}/v?lon=20&lat=10.5`);
        const text = await res.text();
        expect(res.status, `${id}: ${text}`).toBe(422);
        expect(JSON.parse(text), id).toMatchObject({ code: "CORRUPT_DATA" });
        expect(text, id).toMatch(/separator/);
        expect(text, id).not.toContain(String(PLANT));
      }
    } finally {
      await server.close();
    }
  });

  it("gen refuses the input (exit 2, naming the .zarray) and writes no cube", async () => {
    const out = join(work, "gen-out");
    mkdirSync(out);
    const req = join(work, "gen.yaml");
    writeFileSync(
      req,
      stringify({
        input_configs: [{ store_id: "file", store_params: { root: join(work, "v2") }, data_id: "cube.zarr" }],
        cube_config: {
          variable_names: ["v"],
          crs: "EPSG:4326",
          bbox: [19.75, 9.75, 20.75, 10.75],
          spatial_res: 0.5,
          spatial_method: "nearest",
        },
        output_config: { store_id: "file", store_params: { root: out }, data_id: "stolen.zarr" },
      }),
    );
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cube\.zarr\/v\/\.zarray: dimension_separator must be "\." or "\/"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(out)).toEqual([]);
  });
});
