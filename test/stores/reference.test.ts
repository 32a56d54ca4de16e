// The reference store: kerchunk reference JSON (v1 with templates, and v0) made in the test by Python from the tile
// offsets in a real GeoTIFF's header (shared/data/geotiff/shade.tif: uncompressed 256×256 tiles), read over the file
// system and over HTTP byte ranges; the values equal the GeoTIFF's; failures name the store, the data id and cause.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EocubeError } from "../../src/core/errors.js";
import { getDataStoreParamsSchema, newDataStore, openDataset } from "../../src/stores/index.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA } from "../helpers/paths.js";

const TIFF = `${SHARED_DATA}geotiff/shade.tif`;
let dir: string;
let files: TestHttpServer;

/** Python: reads the TIFF's IFD (classic little/big-endian TIFF) and writes a kerchunk v1 reference JSON. */
const MAKE_REFS = `
import json, struct, sys, base64
import numpy as np
path, out, url = sys.argv[1], sys.argv[2], sys.argv[3]
b = open(path, "rb").read()
e = "<" if b[:2] == b"II" else ">"
assert struct.unpack(e + "H", b[2:4])[0] == 42, "classic TIFF only"
ifd = struct.unpack(e + "I", b[4:8])[0]
n = struct.unpack(e + "H", b[ifd:ifd + 2])[0]
sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 12: 8, 16: 8}
fmt = {1: "B", 2: "c", 3: "H", 4: "I", 12: "d", 16: "Q"}
tags = {}
for i in range(n):
    tag, typ, count, val = struct.unpack(e + "HHI4s", b[ifd + 2 + 12 * i: ifd + 14 + 12 * i])
    size = sizes[typ] * count
    data = val if size <= 4 else b[struct.unpack(e + "I", val)[0]:][:size]
    if typ in fmt:
        tags[tag] = struct.unpack(e + fmt[typ] * count, data[:size])
w, h, tw, th = tags[256][0], tags[257][0], tags[322][0], tags[323][0]
assert tags.get(259, (1,))[0] == 1 and tags.get(277, (1,))[0] == 1 and tags[258][0] == 8
offs, counts = tags[324], tags[325]
sx, sy = tags[33550][0], tags[33550][1]
x0, y0 = tags[33922][3], tags[33922][4]
refs = {
  ".zgroup": json.dumps({"zarr_format": 2}),
  ".zattrs": json.dumps({"title": "shade.tif by reference"}),
  "band/.zarray": json.dumps({"chunks": [th, tw], "compressor": None, "dtype": "|u1", "fill_value": None, "filters": None, "order": "C", "shape": [h, w], "zarr_format": 2}),
  "band/.zattrs": json.dumps({"_ARRAY_DIMENSIONS": ["y", "x"]}),
}
for name, vals in (("x", x0 + sx * (np.arange(w) + 0.5)), ("y", y0 - sy * (np.arange(h) + 0.5))):
    refs[name + "/.zarray"] = json.dumps({"chunks": [len(vals)], "compressor": None, "dtype": "<f8", "fill_value": None, "filters": None, "order": "C", "shape": [len(vals)], "zarr_format": 2})
    refs[name + "/.zattrs"] = json.dumps({"_ARRAY_DIMENSIONS": [name]})
    refs[name + "/0"] = "base64:" + base64.b64encode(vals.astype("<f8").tobytes()).decode()
across = (w + tw - 1) // tw
for i, (o, c) in enumerate(zip(offs, counts)):
    refs["band/%d.%d" % (i // across, i % across)] = ["{{u}}", o, c]
json.dump({"version": 1, "templates": {"u": url}, "refs": refs}, open(out, "w"))
`;

/** Python (scipy): a kerchunk v0 reference JSON of a classic NetCDF3 file, each variable one chunk at its offset. */
const MAKE_NC_REFS = `
import json, sys, base64
import numpy as np
from scipy.io import netcdf_file
path, out = sys.argv[1], sys.argv[2]
f = netcdf_file(path, "r", mmap=True)
base = f._mm_buf.__array_interface__["data"][0]
def plain(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, np.ndarray): return v.tolist()
    if isinstance(v, np.generic): return v.item()
    return v
refs = {".zgroup": json.dumps({"zarr_format": 2}), ".zattrs": json.dumps({k: plain(v) for k, v in f._attributes.items()})}
for name, var in f.variables.items():
    attrs = {k: plain(v) for k, v in var._attributes.items()}
    attrs["_ARRAY_DIMENSIONS"] = list(var.dimensions)
    fill = attrs.pop("_FillValue", None)
    if var.data.dtype.kind == "S":  # a CF grid-mapping container: only its attributes matter
        refs[name + "/.zarray"] = json.dumps({"chunks": [], "compressor": None, "dtype": "<i4", "fill_value": None, "filters": None, "order": "C", "shape": [], "zarr_format": 2})
        refs[name + "/0"] = "base64:" + base64.b64encode(np.int32(0).tobytes()).decode()
    else:
        shape = list(var.data.shape)
        refs[name + "/.zarray"] = json.dumps({"chunks": shape, "compressor": None, "dtype": var.data.dtype.str, "fill_value": fill, "filters": None, "order": "C", "shape": shape, "zarr_format": 2})
        key = name + "/" + ".".join("0" for _ in shape) if shape else name + "/0"
        refs[key] = [path, var.data.__array_interface__["data"][0] - base, int(var.data.nbytes)]
    refs[name + "/.zattrs"] = json.dumps(attrs)
json.dump(refs, open(out, "w"))
`;

function makeRefs(out: string, url: string): void {
  const r = spawnSync("python3", ["-c", MAKE_REFS, TIFF, out, url], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
}

async function errorOf(p: Promise<unknown>): Promise<EocubeError> {
  try {
    await p;
  } catch (err) {
    return err as EocubeError;
  }
  throw new Error("no error thrown");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-refs-"));
  files = await startHttpServer(SHARED_DATA);
  makeRefs(join(dir, "shade.json"), TIFF);
  makeRefs(join(dir, "shade-http.json"), `${files.url}/geotiff/shade.tif`);
  // v0: the same references with the template expanded, at the top level
  const v1 = JSON.parse(readFileSync(join(dir, "shade-http.json"), "utf8"));
  const v0: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(v1.refs as Record<string, unknown>)) v0[k] = Array.isArray(v) ? [v1.templates.u, v[1], v[2]] : v;
  writeFileSync(join(dir, "shade-v0.json"), JSON.stringify(v0));
  // a reference past the end of the file
  const bad = structuredClone(v1);
  bad.refs["band/0.0"] = ["{{u}}", 10_000_000, 65536];
  writeFileSync(join(dir, "broken.json"), JSON.stringify(bad));
  const r = spawnSync("python3", ["-c", MAKE_NC_REFS, `${SHARED_DATA}netcdf3/RGB.nc`, join(dir, "rgb-nc.json")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
}, 60_000);
afterAll(async () => {
  await files?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("reference store", () => {
  it("has a params schema and lists one data id per reference file", async () => {
    const schema = getDataStoreParamsSchema("reference") as { required: string[] };
    expect(schema.required).toEqual(["refs"]);
    expect(() => newDataStore("reference", {})).toThrow("store_params must have required property 'refs'");
    const store = newDataStore("reference", { refs: [join(dir, "shade.json"), join(dir, "shade-v0.json")] });
    expect(await store.listDataIds()).toEqual(["shade", "shade-v0"]);
    expect(await store.hasData("shade")).toBe(true);
    expect(await store.hasData("nope")).toBe(false);
  });

  it("opens v1 (file targets) and v0 (HTTP byte ranges) references with the GeoTIFF's values", async () => {
    const store = newDataStore("reference", { refs: [join(dir, "shade.json"), join(dir, "shade-http.json"), join(dir, "shade-v0.json")] });
    const direct = await openDataset(TIFF);
    const want = await direct.data_vars.band_data!.read([0, [246, 266], [753, 783]]);
    try {
      for (const id of ["shade", "shade-http", "shade-v0"]) {
        files.reset();
        const ds = await store.openData(id);
        try {
          expect(ds.dims).toEqual({ x: 1024, y: 1024 });
          const got = await ds.data_vars.band!.read([
            [246, 266],
            [753, 783],
          ]);
          // the GeoTIFF reader decodes its nodata 255 to NaN; the references keep the raw bytes
          const raw = Array.from(want.data as Float32Array, (v) => (Number.isNaN(v) ? 255 : v));
          expect(raw.filter((v) => v !== 255).length).toBeGreaterThan(100);
          expect(Array.from(got.data as Uint8Array)).toEqual(raw);
          if (id !== "shade") {
            // only the byte ranges of the tiles the selection touches (4 tiles) were asked for
            const ranged = files.requests.filter((r) => r.range);
            expect(ranged).toHaveLength(4);
          }
        } finally {
          await ds.close();
        }
      }
      const d = await store.describeData("shade");
      expect(d).toMatchObject({ data_id: "shade", dims: { x: 1024, y: 1024 }, attrs: { title: "shade.tif by reference" } });
    } finally {
      await direct.close();
    }
  });

  it("opens the byte ranges of a NetCDF3 file's variables with the file's values and CRS", async () => {
    const store = newDataStore("reference", { refs: [join(dir, "rgb-nc.json")] });
    const d = await store.describeData("rgb-nc");
    expect(d).toMatchObject({ data_id: "rgb-nc", crs: "EPSG:32618", dims: { x: 791, y: 718 } });
    const ds = await store.openData("rgb-nc", { variable_names: ["Band2"] });
    const direct = await openDataset(`${SHARED_DATA}netcdf3/RGB.nc`);
    try {
      const a = Array.from(
        (
          await ds.data_vars.Band2!.read([
            [300, 310],
            [400, 420],
          ])
        ).data as ArrayLike<number>,
      );
      const b = Array.from(
        (
          await direct.data_vars.Band2!.read([
            [300, 310],
            [400, 420],
          ])
        ).data as ArrayLike<number>,
      );
      expect(a).toEqual(b);
      expect(new Set(a).size).toBeGreaterThan(5);
    } finally {
      await ds.close();
      await direct.close();
    }
  });

  it("fails with errors naming the store, the data id and the cause", async () => {
    const store = newDataStore("reference", {
      refs: [join(dir, "broken.json"), join(dir, "missing.json"), join(dir, "shade-http.json")],
      retries: 0,
    });
    let err = await errorOf(store.openData("nope"));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toBe('reference store: no data id "nope"');
    err = await errorOf(store.openData("missing"));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toMatch(/^reference store, data id "missing": cannot read .*missing\.json: ENOENT$/);
    const ds = await store.openData("broken");
    err = await errorOf(
      ds.data_vars.band!.read([
        [0, 10],
        [0, 10],
      ]),
    );
    expect(err.code).toBe("CORRUPT_DATA");
    await ds.close();
    files.faults.set("/geotiff/shade.tif", { status: 404 });
    try {
      const d2 = await store.openData("shade-http");
      err = await errorOf(
        d2.data_vars.band!.read([
          [0, 10],
          [0, 10],
        ]),
      );
      expect(err.code).toBe("NOT_FOUND");
      expect(err.message).toMatch(/shade\.tif/);
      await d2.close();
    } finally {
      files.faults.clear();
    }
  });
});
