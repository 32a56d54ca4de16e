// Round trip: the stac store reads a static collection written by `eocube prr` (writePrrCollection) whose assets link
// real shared/data files by relative path: lists its items, describes them, opens them with the files' values.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePrrCollection } from "../../src/catalog/prr/index.js";
import { newDataStore, openDataset } from "../../src/stores/index.js";
import type { StacDataStore } from "../../src/stores/stac/store.js";
import { SHARED_DATA } from "../helpers/paths.js";

const OSTIA = "netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc";
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-stac-prr-"));
  writeFileSync(
    join(dir, "prr.yaml"),
    [
      "id: round-trip",
      "title: Round trip",
      "description: PRR collection read back by the stac store",
      "license: MIT",
      `base_dir: ${SHARED_DATA}`,
      "datetime: 2017-06-05",
      "asset_files: link",
      "items:",
      "  - { id: rgb, assets: [{ key: data, path: geotiff/RGB.byte.tif }] }",
      `  - { id: ostia, assets: [{ key: sst, path: ${OSTIA} }] }`,
      "",
    ].join("\n"),
  );
  await writePrrCollection(join(dir, "prr.yaml"), { outDir: join(dir, "out") });
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("stac store over an eocube prr collection", () => {
  it("lists, describes and opens its items", async () => {
    const store = newDataStore("stac", { url: join(dir, "out", "collection.json") }) as StacDataStore;
    expect(await store.listDataIds()).toEqual(["rgb/rgb.json", "ostia/ostia.json"]);
    expect((await store.listCollections()).map((c) => c.id)).toEqual(["round-trip"]);
    const rgb = await store.describeData("rgb/rgb.json");
    expect(rgb).toMatchObject({ crs: "EPSG:32618", dims: { band: 3, x: 791, y: 718 } });
    expect(Object.keys(rgb.data_vars)).toEqual(["data"]);
    const ds = await store.openData("ostia/ostia.json", { variable_names: ["analysed_sst"] });
    const src = await openDataset(`${SHARED_DATA}${OSTIA}`);
    try {
      const a = await ds.data_vars.analysed_sst!.read([0, [100, 105], [200, 210]]);
      const b = await src.data_vars.analysed_sst!.read([0, [100, 105], [200, 210]]);
      expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
    } finally {
      await ds.close();
      await src.close();
    }
  });
});
