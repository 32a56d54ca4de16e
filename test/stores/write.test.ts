// MutableDataStore.writeData/deleteData on the memory and file stores: a real subset of the Zarr cube
// written with the Zarr writer, read back through the same store, replace/ALREADY_EXISTS, delete.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newDataStore, openDataset, type MutableDataStore } from "../../src/stores/index.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

const OPEN = {
  variable_names: ["conc_chl", "kd489"],
  bbox: [1, 51, 1.5, 51.5] as [number, number, number, number],
  time_range: ["2017-01-20", null] as [string, null],
};
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-write-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function roundTrip(store: MutableDataStore): Promise<void> {
  const src = await openDataset(ZARR_CUBE, { openParams: OPEN });
  expect(await store.writeData(src, "sub/cube.zarr")).toBe("sub/cube.zarr");
  expect(await store.listDataIds()).toEqual(["sub/cube.zarr"]);
  const d = await store.describeData("sub/cube.zarr");
  expect(d.dims).toMatchObject({ time: 4, lat: 200, lon: 200 });
  expect(Object.keys(d.data_vars)).toEqual(["conc_chl", "kd489"]);
  expect(d.bbox).toEqual([1, 51, 1.5, 51.5]);
  expect(d.time_range![0]).toBe("2017-01-25T09:35:51.060Z");
  const back = await store.openData("sub/cube.zarr");
  const a = await back.data_vars.conc_chl!.read([2]);
  const b = await src.data_vars.conc_chl!.read([2]);
  expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
  await back.close();

  await expect(store.writeData(src, "sub/cube.zarr")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
  const only = await openDataset(ZARR_CUBE, { openParams: { ...OPEN, variable_names: ["kd489"] } });
  await store.writeData(only, "sub/cube.zarr", { replace: true });
  expect(Object.keys((await store.describeData("sub/cube.zarr")).data_vars)).toEqual(["kd489"]);
  await expect(store.writeData(src, "../escape.zarr")).rejects.toMatchObject({ code: "UNSAFE_ID" });
  await expect(store.writeData(src, "cube.nc")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });

  await store.deleteData("sub/cube.zarr");
  expect(await store.hasData("sub/cube.zarr")).toBe(false);
  await expect(store.deleteData("sub/cube.zarr")).rejects.toMatchObject({ code: "NOT_FOUND" });
  await src.close();
  await only.close();
}

describe("writeData / deleteData", () => {
  it("round-trips a cube subset through the memory store (shared by root id)", async () => {
    await roundTrip(newDataStore("memory", { root: "write-test" }));
  });

  it("round-trips a cube subset through the file store and leaves no temporary folders", async () => {
    await roundTrip(newDataStore("file", { root: dir }));
    expect(await readdir(join(dir, "sub")).catch(() => [])).toEqual([]);
  });

  it("sees memory data through openDataset(memory://…)", async () => {
    const store = newDataStore("memory", { root: "shared-id" });
    const src = await openDataset(ZARR_CUBE, { openParams: { variable_names: ["kd489"], bbox: [2, 51, 2.25, 51.25] } });
    await store.writeData(src, "k.zarr");
    const ds = await openDataset("memory://shared-id/k.zarr");
    expect(ds.data_vars.kd489!.shape).toEqual([5, 100, 100]);
    await ds.close();
    await src.close();
  });

  // GDAL's NetCDF3 export keeps its grid mapping in a char scalar (xarray: dtype |S1, b''); xarray writes such a
  // dataset to Zarr and reads it back with transverse_mercator as a scalar and its attrs, and so does eocube now
  // (int32 0), instead of refusing the whole dataset with UNSUPPORTED 'holds str values'
  it("writes a projected NetCDF3 whose grid-mapping variable is a char scalar, keeping its CRS", async () => {
    const src = newDataStore("file", { root: SHARED_DATA });
    const store = newDataStore("file", { root: dir });
    const open = { bbox: [200000, 2700000, 230000, 2730000] as [number, number, number, number] };
    const ds = await src.openData("netcdf3/RGB.nc", open);
    expect(ds.data_vars.transverse_mercator!.dtype).toBe("str");
    await store.writeData(ds, "rgb.zarr");
    await ds.close();
    const want = await src.describeData("netcdf3/RGB.nc", open);
    const got = await store.describeData("rgb.zarr");
    expect(got.crs).toBe("EPSG:32618");
    expect([got.bbox, got.spatial_res, got.dims]).toEqual([want.bbox, want.spatial_res, want.dims]);
    expect(got.data_vars.transverse_mercator).toMatchObject({
      dtype: "int32",
      shape: [],
      attrs: { grid_mapping_name: "transverse_mercator" },
    });
    const back = await store.openData("rgb.zarr", { variable_names: ["Band1"] });
    const orig = await src.openData("netcdf3/RGB.nc", { ...open, variable_names: ["Band1"] });
    expect(Array.from((await back.data_vars.Band1!.read()).data as Float32Array)).toEqual(
      Array.from((await orig.data_vars.Band1!.read()).data as Float32Array),
    );
    await back.close();
    await orig.close();
    // other strings are still refused, naming the variable
    const madis = await src.openData("netcdf3/madis-sao.nc");
    await expect(store.writeData(madis, "madis.zarr")).rejects.toMatchObject({ code: "UNSUPPORTED", field: "staticIds" });
    await madis.close();
    expect(await store.hasData("madis.zarr")).toBe(false);
  });
});
