// lint-dataset: deep-code's xrlint checks on the real cubes (shared/data), on a copy of the Zarr cube made ready for
// deep-code, on small in-memory datasets for each rule, and through the CLI (exit codes; the DeepESDL buckets on s3rver).
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LINT_RULES, lintDataset, type LintMessage } from "../../../src/catalog/osc/lint.js";
import { main } from "../../../src/cli/index.js";
import { Dataset } from "../../../src/core/dataset.js";
import { Variable, type Attrs, type Encoding } from "../../../src/core/variable.js";
import { openDataset } from "../../../src/stores/open.js";
import { DEMO_CUBE, DEMO_DATA_VARS, SHARED_DATA, deepCodeReadyCube } from "./cube-copy.js";

const OSTIA = join(SHARED_DATA, "netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc");

const brief = (ms: LintMessage[]) => ms.map((m) => `${m.severity} ${m.rule}${m.variable ? ` ${m.variable}` : ""}: ${m.message}`);

async function lintFile(path: string) {
  const ds = await openDataset(path);
  try {
    return lintDataset(ds);
  } finally {
    await ds.close();
  }
}

function v(name: string, dims: string[], attrs: Attrs = {}, encoding: Encoding = {}, dtype: "float64" | "int32" = "float64"): Variable {
  return new Variable({
    name,
    dims,
    shape: dims.map(() => 2),
    dtype,
    attrs,
    encoding,
    read: async () => {
      throw new Error("lint reads no data");
    },
  });
}

describe("lintDataset on real data", () => {
  it("the xcube demo cube: no description, no gcmd_keyword_url (errors), NaN fill values on coordinates and missing standard names (warnings)", async () => {
    const r = await lintFile(DEMO_CUBE);
    expect(r.valid).toBe(false);
    expect(brief(r.messages.filter((m) => m.severity === "error"))).toEqual([
      "error deepcode/dataset-description: Dataset missing required 'description' attribute.",
      ...DEMO_DATA_VARS.map((n) => `error deepcode/variable-gcmd-keyword-url ${n}: Variable '${n}' missing 'gcmd_keyword_url' attribute.`),
    ]);
    expect(r.errors).toBe(6);
    // the coordinates were written with fill value NaN, as xarray does
    expect(r.messages.filter((m) => m.rule === "var-missing-data").map((m) => m.variable)).toEqual([
      "lat",
      "lat_bnds",
      "lon",
      "lon_bnds",
      "time",
      "time_bnds",
    ]);
    expect(r.messages.filter((m) => m.rule === "var-units").map((m) => m.variable)).toEqual(["c2rcc_flags", "quality_flags"]);
    // the flag variables' masks and meanings agree; lat/lon have CF units, standard_name and long_name
    expect(r.messages.filter((m) => ["var-flags", "lat-coordinate", "lon-coordinate", "coords-for-dims"].includes(m.rule))).toEqual([]);
  });

  it("OSTIA: lat/lon without long_name are errors of lat-coordinate/lon-coordinate; valid ranges are warned about", async () => {
    const r = await lintFile(OSTIA);
    expect(brief(r.messages.filter((m) => m.rule.endsWith("-coordinate")))).toEqual([
      "error lat-coordinate lat: Missing attribute 'long_name' with value 'latitude'.",
      "error lon-coordinate lon: Missing attribute 'long_name' with value 'longitude'.",
    ]);
    expect(r.messages.filter((m) => m.message.startsWith("Valid ranges")).map((m) => m.variable)).toEqual([
      "lat",
      "lon",
      "sst_anomaly",
      "analysed_sst",
    ]);
    // packed int16 with a _FillValue: nothing to say about missing data
    expect(r.messages.some((m) => m.message.includes("data packing"))).toBe(false);
  });

  it("a copy of the cube prepared for deep-code passes (warnings only)", async () => {
    const r = await lintFile(await deepCodeReadyCube());
    expect(r.errors).toBe(0);
    expect(r.valid).toBe(true);
    expect(r.warnings).toBeGreaterThan(0);
  });
});

describe("lintDataset rule by rule (in-memory datasets)", () => {
  const lat = v("lat", ["lat"], { units: "degrees_north", standard_name: "latitude", long_name: "latitude" });
  const lon = v("lon", ["lon"], { units: "degrees_east", standard_name: "longitude", long_name: "longitude" });
  const good = { description: "d" };
  const dataAttrs = { units: "1", standard_name: "x", long_name: "x", gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/x" };
  const fill = { _FillValue: Number.NaN, dtype: "float64" as const };

  it("a clean dataset has no findings", () => {
    const ds = new Dataset({ coords: { lat, lon }, data_vars: { a: v("a", ["lat", "lon"], dataAttrs, fill) }, attrs: good });
    expect(lintDataset(ds).messages).toEqual([]);
    expect(Object.keys(LINT_RULES)).toHaveLength(11);
  });

  it("coords-for-dims, grid-mappings, access-latency", () => {
    const crs = v("crs", ["lat"], {});
    const ds = new Dataset({
      coords: { lat },
      data_vars: {
        a: v("a", ["lat", "x"], { ...dataAttrs, grid_mapping: "crs" }, fill),
        b: v("b", ["lat"], { ...dataAttrs, grid_mapping: "nowhere" }, fill),
        crs,
      },
      attrs: good,
    });
    const r = lintDataset(ds, { accessLatencyMs: 3200 });
    expect(brief(r.messages.filter((m) => m.rule !== "var-units" && m.rule !== "var-desc" && !m.rule.startsWith("deepcode")))).toEqual([
      "warn access-latency: Access latency exceeds threshold: 3.2 > 2.5 seconds.",
      "error coords-for-dims: Data variable dimension without coordinates: x.",
      "error grid-mappings: Grid mapping variable 'crs' should be a coordinate variable, not data variable.",
      "error grid-mappings: Grid mapping variable 'crs' should be a scalar, but has dimension(s) lat.",
      "error grid-mappings: Grid mapping variable 'crs' is missing a valid attribute 'grid_mapping_name'.",
      "error grid-mappings: Missing grid mapping variable 'nowhere' referred to by variable 'b'.",
    ]);
  });

  it("lat-coordinate/lon-coordinate: aliases of units, axis instead of standard_name, wrong values", () => {
    const ds = new Dataset({
      coords: {
        latitude: v("latitude", ["latitude"], { units: "degree_N", axis: "Y", long_name: "latitude" }),
        lon: v("lon", ["lon"], { units: "m", standard_name: "longitude", axis: "Z", long_name: "Longitude" }),
      },
      data_vars: { a: v("a", ["latitude", "lon"], dataAttrs, fill) },
      attrs: good,
    });
    expect(brief(lintDataset(ds).messages.filter((m) => m.rule.endsWith("coordinate")))).toEqual([
      "error lon-coordinate lon: Attribute 'units' should be 'degrees_east', was \"m\".",
      "error lon-coordinate lon: Attribute 'axis' should be 'X', was \"Z\".",
      "error lon-coordinate lon: Attribute 'long_name' should be 'longitude', was \"Longitude\".",
    ]);
  });

  it("var-flags, var-missing-data, var-units, var-desc and the deep-code rules", () => {
    const ds = new Dataset({
      coords: { lat: v("lat", ["lat"], lat.attrs, { _FillValue: -1 }), lon },
      data_vars: {
        flags: v("flags", ["lat", "lon"], { ...dataAttrs, flag_values: [1, 2, 3], flag_masks: [1, 2], flag_meanings: "a b" }, fill),
        meanings: v("meanings", ["lat", "lon"], { ...dataAttrs, flag_meanings: "a b" }, fill),
        packed: v("packed", ["lat", "lon"], { ...dataAttrs }, { dtype: "int32", scale_factor: 0.01 }, "int32"),
        floats: v("floats", ["lat", "lon"], { units: "", valid_min: 0 }, { dtype: "float32" }),
      },
      attrs: {},
    });
    expect(brief(lintDataset(ds).messages)).toEqual([
      "error deepcode/dataset-description: Dataset missing required 'description' attribute.",
      "warn var-missing-data lat: Unexpected encoding '_FillValue', coordinates must not have missing data.",
      "error var-flags flags: Attribute 'flag_masks' must have same length as attribute 'flag_values'.",
      "error var-flags flags: Attribute 'flag_meanings' must have as many entries (2) as 'flag_values' or 'flag_masks' (3).",
      "error var-flags flags: Flags variable should have an integer data type, was 'float64'",
      "error var-flags meanings: Missing attribute 'flag_values' or 'flag_masks' when attribute 'flag_meanings' is used.",
      "warn var-missing-data packed: Missing attribute '_FillValue' since data packing is used.",
      "warn var-desc floats: Missing attribute 'standard_name'.",
      "warn var-desc floats: Missing attribute 'long_name'.",
      "error deepcode/variable-gcmd-keyword-url floats: Variable 'floats' missing 'gcmd_keyword_url' attribute.",
      "warn var-missing-data floats: Missing attribute '_FillValue', which should be NaN.",
      "warn var-missing-data floats: Valid ranges are not recognized by xarray (as of Feb 2025).",
      "warn var-units floats: Empty attribute 'units'.",
    ]);
  });
});

describe("eocube lint-dataset (CLI)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ["S3_USER_STORAGE_BUCKET", "S3_USER_STORAGE_KEY", "S3_USER_STORAGE_SECRET"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("exits 2 on errors, 0 when only warned about, 2 with --strict", async () => {
    const ready = await deepCodeReadyCube();
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "eocube", "lint-dataset", DEMO_CUBE, "--json"])).toBe(2);
      expect(await main(["node", "eocube", "lint-dataset", ready, "--json"])).toBe(0);
      expect(await main(["node", "eocube", "lint-dataset", ready, "--strict", "--json"])).toBe(2);
      expect(JSON.parse(String(out.mock.calls[1]![0]))).toMatchObject({ valid: true, errors: 0 });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it("reads a bare id from the DeepESDL public bucket, else the team bucket of S3_USER_STORAGE_* (here s3rver), secrets never shown", async () => {
    const { startS3Server, uploadFolder, S3RVER_SECRET } = await import("../../helpers/s3.js");
    const s3 = await startS3Server("team-bucket");
    const out: string[] = [];
    let secret = "";
    const write = process.stdout.write.bind(process.stdout);
    const errWrite = process.stderr.write.bind(process.stderr);
    try {
      await uploadFolder(s3, await deepCodeReadyCube(), "ready.zarr");
      const params = JSON.stringify({ storage_options: { endpoint_url: s3.endpoint, region: "us-east-1" } });
      process.stdout.write = ((c: string) => {
        out.push(String(c));
        return true;
      }) as typeof process.stdout.write;
      process.stderr.write = ((c: string) => {
        out.push(String(c));
        return true;
      }) as typeof process.stderr.write;
      // no team bucket configured: the public bucket (absent on this server) is all deep-code tries
      expect(await main(["node", "eocube", "lint-dataset", "ready.zarr", "--store-params", params])).toBe(2);
      process.env.S3_USER_STORAGE_BUCKET = "team-bucket";
      process.env.S3_USER_STORAGE_KEY = "S3RVER";
      process.env.S3_USER_STORAGE_SECRET = S3RVER_SECRET;
      secret = S3RVER_SECRET;
      expect(await main(["node", "eocube", "lint-dataset", "ready.zarr", "--store-params", params])).toBe(0);
    } finally {
      process.stdout.write = write;
      process.stderr.write = errWrite;
      await s3.close();
    }
    const text = out.join("");
    expect(text).toContain("s3://team-bucket/ready.zarr:");
    expect(text).toMatch(/0 error\(s\)/);
    expect(text).not.toContain(secret);
  });
});
