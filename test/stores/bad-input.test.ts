// Bad input through openDataset: each gives an EocubeError (user error) naming the path and what is wrong.
// Broken copies are made at test time in a temporary folder from the real shared data.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { describeDataset, openDataset } from "../../src/stores/index.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-bad-"));
  const nc = await readFile(`${SHARED_DATA}netcdf3/RGB.nc`);
  await writeFile(join(dir, "truncated.nc"), nc.subarray(0, 3000)); // header intact, data cut
  await writeFile(join(dir, "header-cut.nc"), nc.subarray(0, 100)); // header cut
  const h5 = await readFile(`${SHARED_DATA}netcdf4/basin_mask.nc`);
  await writeFile(join(dir, "truncated4.nc"), h5.subarray(0, 2000));
  await writeFile(join(dir, "notes.txt"), "hello");
  await cp(`${SHARED_DATA}netcdf3/eraint_uvz.nc`, join(dir, "with space.nc"));
  await writeFile(join(dir, "fake.nc"), "this is not a netcdf file at all");
  await cp(ZARR_CUBE, join(dir, "corrupt.zarr"), { recursive: true });
  await writeFile(join(dir, "corrupt.zarr", ".zmetadata"), '{"metadata": {".zgroup": {"zarr_format": 2}, ');
  await cp(ZARR_CUBE, join(dir, "badchunk.zarr"), { recursive: true });
  const chunk = await readFile(join(dir, "badchunk.zarr", "conc_chl", "0.0.1"));
  await writeFile(join(dir, "badchunk.zarr", "conc_chl", "0.0.1"), chunk.subarray(0, Math.floor(chunk.length / 2)));
  await cp(ZARR_CUBE, join(dir, "badarray.zarr"), { recursive: true });
  const meta = JSON.parse(await readFile(join(dir, "badarray.zarr", ".zmetadata"), "utf8"));
  meta.metadata["conc_chl/.zarray"] = "not an object";
  await writeFile(join(dir, "badarray.zarr", ".zmetadata"), JSON.stringify(meta));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function userError(source: string) {
  const err = await describeDataset(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isEocubeError(err), `${source} should fail with an EocubeError, got ${String(err)}`).toBe(true);
  expect((err as { isUserError: boolean }).isUserError).toBe(true);
  return err as { code: string; message: string; path?: string };
}

describe("bad input", () => {
  it("missing file or folder → NOT_FOUND naming the path", async () => {
    for (const name of ["missing.nc", "missing.zarr", "missing.tif", "missing"]) {
      const err = await userError(join(dir, name));
      expect(err.code).toBe("NOT_FOUND");
      expect(err.path).toContain(join(dir, name));
    }
  });

  it("an unsupported URL scheme → INVALID_ARGUMENT (not read as a local path); FILE:// in capitals is a file URL", async () => {
    await expect(openDataset("ftp://example.org/data/cube.nc")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("ftp://"),
    });
    const { storeForRoot } = await import("../../src/stores/root.js");
    expect(() => storeForRoot("ftp://example.org/data")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    const ds = await openDataset(`FILE://${ZARR_CUBE}`);
    expect(Object.keys(ds.data_vars)).toContain("conc_chl");
    await ds.close();
  });

  it("a file name with a space is readable (only writes need strict ids)", async () => {
    const d = await describeDataset(join(dir, "with space.nc"));
    expect(d.data_id).toBe("with space.nc");
    expect(d.dims.latitude).toBe(241);
  });

  it("unknown format → UNKNOWN_FORMAT naming the path", async () => {
    const err = await userError(join(dir, "notes.txt"));
    expect(err.code).toBe("UNKNOWN_FORMAT");
    expect(err.path).toBe(join(dir, "notes.txt"));
  });

  it("truncated NetCDF3 (header cut) and a .nc that is not NetCDF → CORRUPT_DATA or UNKNOWN_FORMAT naming the path", async () => {
    const cut = await userError(join(dir, "header-cut.nc"));
    expect(cut.code).toBe("CORRUPT_DATA");
    expect(cut.path).toContain("header-cut.nc");
    const fake = await userError(join(dir, "fake.nc"));
    expect(["CORRUPT_DATA", "UNKNOWN_FORMAT"]).toContain(fake.code);
    expect(fake.path).toContain("fake.nc");
  });

  it("truncated NetCDF3 (data cut) → CORRUPT_DATA when the values are read", async () => {
    const ds = await openDataset(join(dir, "truncated.nc")).catch((e) => e);
    if (isEocubeError(ds)) {
      expect(ds.code).toBe("CORRUPT_DATA");
      expect(ds.path).toContain("truncated.nc");
      return;
    }
    const err = await ds.data_vars.Band1.read().catch((e: unknown) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect((err as { path?: string; message: string }).path ?? (err as Error).message).toContain("truncated.nc");
    await ds.close();
  });

  it("truncated NetCDF4/HDF5 → CORRUPT_DATA naming the path", async () => {
    const err = await userError(join(dir, "truncated4.nc"));
    expect(err.code).toBe("CORRUPT_DATA");
    expect(err.path).toContain("truncated4.nc");
  });

  it("corrupt .zmetadata JSON and a bad .zarray → CORRUPT_DATA naming the document", async () => {
    const err = await userError(join(dir, "corrupt.zarr"));
    expect(err.code).toBe("CORRUPT_DATA");
    expect(err.path).toContain(join(dir, "corrupt.zarr", ".zmetadata"));
    const err2 = await userError(join(dir, "badarray.zarr"));
    expect(err2.code).toBe("CORRUPT_DATA");
    expect(err2.path ?? err2.message).toContain("badarray.zarr");
  });

  it("a Zarr chunk of the wrong size → CORRUPT_DATA when read, naming the chunk", async () => {
    const ds = await openDataset(join(dir, "badchunk.zarr"));
    const err = await ds.data_vars.conc_chl!.read([0, [0, 10], [250, 260]]).catch((e: unknown) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect(`${(err as { path?: string }).path} ${(err as Error).message}`).toContain("conc_chl/0.0.1");
    await ds.close();
  });
});
