// `eocube subset` run in-process (src/cli main): NetCDF4 and Zarr outputs that Debian's xarray reads with the source's
// values at the written labels (cells intersecting the bbox, edge cells included); bad options are user
// errors (exit 2) and write nothing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.js";
import { ZARR_CUBE } from "../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "eocube-subset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PY = `
import json, sys
import numpy as np, xarray as xr
src = xr.open_zarr(sys.argv[1]).conc_chl
out = {}
for f in sys.argv[2:]:
    a = xr.open_zarr(f) if f.endswith(".zarr") else xr.open_dataset(f)
    s = src.sel(lon=a.lon, lat=a.lat, time=a.time)  # the source at the written labels
    out["nc" if f.endswith(".nc") else "zarr"] = {"vars": sorted(a.data_vars), "shape": list(a.conc_chl.shape), "equal": bool(np.array_equal(a.conc_chl.values, s.values, equal_nan=True)),
                   "valid": int(np.isfinite(s.values).sum())}
print(json.dumps(out))
`;

const run = (...args: string[]) => main(["node", "eocube", "subset", ZARR_CUBE, ...args]);

describe("eocube subset", () => {
  it("writes NetCDF4 and Zarr subsets that xarray reads with the source's values", async () => {
    const common = ["--bbox", "3,51.3,3.5,51.6", "--time-range", "2017-01-16/2017-01-26", "--variables", "conc_chl", "--json"];
    expect(await run(...common, "-o", join(dir, "chl.nc"))).toBe(0);
    expect(await run(...common, "--format", "zarr", "-o", join(dir, "chl.zarr"))).toBe(0);
    const out = JSON.parse(
      execFileSync("/usr/bin/python3", ["-c", PY, ZARR_CUBE, join(dir, "chl.nc"), join(dir, "chl.zarr")], { encoding: "utf8" }),
    );
    for (const k of ["nc", "zarr"]) expect(out[k]).toMatchObject({ vars: ["conc_chl"], shape: [3, 120, 201], equal: true });
    expect(out.nc.valid).toBeGreaterThan(0);
  }, 60_000);

  it("refuses bad options with exit 2 and writes nothing", async () => {
    expect(await run("--bbox", "3,51,2", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(await run("--time-range", "2017-01-16", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(await run("--format", "geotiff", "-o", join(dir, "bad.tif"))).toBe(2);
    expect(await run("--variables", "nope", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(existsSync(join(dir, "bad.nc")) || existsSync(join(dir, "bad.tif"))).toBe(false);
  }, 30_000);
});
