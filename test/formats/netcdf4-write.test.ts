// NetCDF4 writer (h5wasm): files xarray (Debian's netCDF4) and GDAL read back with the source's values, times,
// dimensions, attributes and CRS.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeNetcdf4 } from "../../src/formats/netcdf4-write.js";
import { subset } from "../../src/ops/subset.js";
import { openDataset } from "../../src/stores/open.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "eocube-nc4w-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PY = `
import json, sys
import numpy as np, xarray as xr
a = xr.open_dataset(sys.argv[1])
s = xr.open_zarr(sys.argv[2]).conc_chl.sel(lon=slice(1, 2), lat=slice(52, 51), time=slice("2017-01-16", "2017-01-26"))
print(json.dumps({"dims": {k: int(v) for k, v in a.sizes.items()}, "vars": sorted(a.data_vars),
  "equal": bool(np.array_equal(a.conc_chl.values, s.values, equal_nan=True)), "valid": int(np.isfinite(a.conc_chl.values).sum()),
  "times": bool((a.time.values == s.time.values).all()), "lat": bool(np.array_equal(a.lat.values, s.lat.values)),
  "units": a.conc_chl.attrs.get("units"), "conventions": a.attrs.get("Conventions")}))
`;

describe("writeNetcdf4", () => {
  it("writes a subset of the Zarr cube that xarray reads with the source's values, times and coordinates", async () => {
    const ds = await openDataset(ZARR_CUBE);
    const sub = await subset(ds, { variable_names: ["conc_chl"], bbox: [1, 51, 2, 52], time_range: ["2017-01-16", "2017-01-26"] });
    const file = join(dir, "sub.nc");
    await writeNetcdf4(sub, file);
    expect(readdirSync(dir)).toEqual(["sub.nc"]); // no temporary file left
    const out = JSON.parse(execFileSync("/usr/bin/python3", ["-c", PY, file, ZARR_CUBE], { encoding: "utf8" }));
    expect(out).toMatchObject({
      dims: { time: 3, lat: 400, lon: 400, bnds: 2 },
      vars: ["conc_chl"],
      equal: true,
      times: true,
      lat: true,
      units: "mg m^-3",
      conventions: "CF-1.7",
    });
    expect(out.valid).toBeGreaterThan(1000);
  }, 30_000);

  it("writes a GeoTIFF's bands and grid mapping, which GDAL reads with the source's CRS and geotransform", async () => {
    const src = `${SHARED_DATA}geotiff/RGB.byte.tif`;
    const file = join(dir, "rgb.nc");
    await writeNetcdf4(await openDataset(src), file);
    const a = JSON.parse(execFileSync("gdalinfo", ["-json", `NETCDF:${file}:band_data`], { encoding: "utf8" }));
    const b = JSON.parse(execFileSync("gdalinfo", ["-json", src], { encoding: "utf8" }));
    expect(a.size).toEqual(b.size);
    expect(a.stac["proj:epsg"]).toBe(32618);
    expect(a.bands).toHaveLength(3);
    for (const [i, x] of (a.geoTransform as number[]).entries()) expect(x).toBeCloseTo(b.geoTransform[i], 6);
  }, 30_000);
});
