// The NetCDF4 reader keeps its HDF5 file open while any (CF-decoded) variable can still read it, even after
// garbage collection of the reader's raw Dataset; close() still frees it. Runs a child process with --expose-gc.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const DATA = fileURLToPath(new URL("../../../shared/data/netcdf4/", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./scripts/netcdf4-gc.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("NetCDF4 file lifetime under garbage collection", () => {
  it("reads every variable of CF-decoded datasets after a forced GC (raw Dataset collected)", async () => {
    const files = ["gfs_output.nc", "basin_mask.nc", "GFS_global.nc", "O_L2_0001_SNS_2017104102450_v1.0.nc"].map((f) => DATA + f);
    const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", SCRIPT, ...files], {
      cwd: ROOT,
      timeout: 120_000,
    });
    const out = JSON.parse(stdout.trim().split("\n").pop()!) as { reads: number; errors: string[] };
    expect(out.errors).toEqual([]);
    expect(out.reads).toBeGreaterThan(5 * 4 * 5);
  }, 150_000);
});
