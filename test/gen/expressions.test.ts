// gen with user expressions and user code, on the real OLCI cube, checked with xarray (Debian's python3):
// gen2 code_config running a chunk-wise JS module in the worker threads, xcube's legacy processed_variables
// with valid_pixel_expression (CF flags), and refusals that exit 2 naming the problem.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA } from "../server/helpers.js";
import { cli, tempDir } from "./helpers.js";

const run = promisify(execFile);
let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Python: max |out − reference| and NaN mismatches for each `name=expression` (numpy over the input cube `ds`, aligned to `out`). */
const CHECK = `
import json, sys
import numpy as np, xarray as xr
out = xr.open_zarr(sys.argv[1])
ds = xr.open_zarr(sys.argv[2]).sel(time=out.time.values, method="nearest").sel(lat=out.lat.values, lon=out.lon.values, method="nearest", tolerance=1e-6)
res = {"vars": sorted(out.data_vars), "attrs": {k: dict(out[k].attrs) for k in out.data_vars}}
for spec in sys.argv[3:]:
    name, expr = spec.split("=", 1)
    ref = np.asarray(eval(expr, {"np": np, "ds": ds}))
    got = out[name].values
    both = ~np.isnan(ref) & ~np.isnan(got)
    res[name] = {"n": int(both.sum()), "maxdiff": float(np.abs(got[both] - ref[both]).max()) if both.any() else 0.0,
                 "nan_mismatch": int((np.isnan(ref) != np.isnan(got)).sum()), "dtype": str(got.dtype), "shape": list(got.shape)}
print(json.dumps(res, default=str))
`;

// biome-ignore lint/suspicious/noExplicitAny: the checker's JSON
async function check(out: string, ...specs: string[]): Promise<Record<string, any>> {
  const { stdout } = await run("/usr/bin/python3", ["-c", CHECK, out, `${DATA}zarr/cube-1-250-250.zarr`, ...specs], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

describe("gen2 code_config", () => {
  it("runs a chunk-wise module in the worker threads; xarray reads the variables it adds", async () => {
    const log = join(tmp.dir, "threads.log");
    writeFileSync(
      join(tmp.dir, "ratio.mjs"),
      `import { appendFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
export const chunkwise = true;
export function process_dataset(cube, params, eo) {
  const ratio = eo.expression("chl_ratio", "conc_chl / (conc_tsm + " + params.offset + ")", { units: "1" });
  const chl = cube.data_vars.conc_chl;
  const doubled = chl.with({
    name: "chl2",
    attrs: { long_name: "twice chl" },
    read: async (selection, options) => {
      appendFileSync(params.log, threadId + "\\n");
      const a = await chl.read(selection, options);
      return { ...a, data: a.data.map((x) => 2 * x) };
    },
  });
  return cube.with({ data_vars: { ...cube.data_vars, chl_ratio: ratio, chl2: doubled } });
}
`,
    );
    const req = join(tmp.dir, "code.json");
    writeFileSync(
      req,
      JSON.stringify({
        input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
        cube_config: { variable_names: ["conc_chl", "conc_tsm"], time_range: ["2017-01-16", "2017-01-22"], tile_size: 500 },
        code_config: { file_set: { path: "." }, callable_ref: "ratio:process_dataset", callable_params: { offset: 1, log } },
        output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "code.zarr" },
      }),
    );
    // a job this small would run on the main thread alone: 0 starts the 2 worker threads at once
    process.env.EOCUBE_GEN_INLINE_MS = "0";
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      r = await cli(["gen", req, "--workers", "2"]);
    } finally {
      delete process.env.EOCUBE_GEN_INLINE_MS;
    }
    expect(r.code, r.stderr).toBe(0);
    const c = await check(join(tmp.dir, "code.zarr"), "chl_ratio=ds.conc_chl / (ds.conc_tsm + 1)", "chl2=2 * ds.conc_chl");
    expect(c.vars).toEqual(["chl2", "chl_ratio", "conc_chl", "conc_tsm"]);
    expect(c.chl_ratio.n).toBeGreaterThan(10_000);
    expect(c.chl_ratio.maxdiff).toBe(0);
    expect(c.chl_ratio.nan_mismatch).toBe(0);
    expect(c.chl2.maxdiff).toBe(0);
    expect(c.chl2.nan_mismatch).toBe(0);
    expect(c.attrs.chl_ratio.units).toBe("1");
    expect(c.attrs.chl2.long_name).toBe("twice chl");
    // the module's reads ran in worker threads (thread ids > 0), per task
    const threads = readFileSync(log, "utf8").trim().split("\n").map(Number);
    expect(threads.length).toBeGreaterThanOrEqual(4);
    expect(threads.every((t) => t > 0)).toBe(true);
  });

  it("refuses a module that does not declare itself chunk-wise, and inline code, with exit 2", async () => {
    writeFileSync(join(tmp.dir, "whole.mjs"), "export function process_dataset(cube) { return cube; }\n");
    const base = {
      input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
      cube_config: { variable_names: ["conc_chl"] },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "never.zarr" },
    };
    const req = join(tmp.dir, "whole.json");
    writeFileSync(
      req,
      JSON.stringify({ ...base, code_config: { file_set: { path: "whole.mjs" }, callable_ref: "whole:process_dataset" } }),
    );
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("does not declare itself chunk-wise");
    writeFileSync(req, JSON.stringify({ ...base, code_config: { inline_code: "def f(ds): return ds", callable_ref: "m:f" } }));
    const i = await cli(["gen", req, "--workers", "0"]);
    expect(i.code).toBe(2);
    expect(i.stderr).toContain("code_config/inline_code is not supported");
    writeFileSync(req, JSON.stringify({ ...base, code_config: { file_set: { path: "." }, callable_ref: "nothere:f" } }));
    const m = await cli(["gen", req, "--workers", "0"]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("module nothere not found");
  });
});

describe("legacy processed_variables and valid_pixel_expression", () => {
  const config = (extra: string) => `output_region: [1.0, 51.0, 2.0, 52.0]
output_size: [400, 400]
output_resampling: Nearest
output_writer_params:
  chunksizes: {lon: 200, lat: 200}
input_paths: ["${DATA}zarr/cube-1-250-250.zarr"]
${extra}`;

  it("computes and masks variables as xcube's evaluate_dataset; xarray agrees with numpy", async () => {
    const cfg = join(tmp.dir, "legacy.yml");
    writeFileSync(
      cfg,
      config(`output_variables:
  - conc_chl
  - chl_ratio
  - kd489:
      valid_pixel_expression: kd489 < 1.5
processed_variables:
  - c2rcc_flags
  - chl_ratio:
      expression: conc_chl / (conc_tsm + 1)
      units: "1"
  - conc_chl:
      valid_pixel_expression: c2rcc_flags.Valid_PE and not c2rcc_flags.Cloud_risk
`),
    );
    const out = join(tmp.dir, "legacy.zarr");
    const r = await cli(["gen", cfg, "-o", out, "--workers", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const flags = "ds.c2rcc_flags.fillna(0).astype('int64').values";
    const c = await check(
      out,
      "chl_ratio=ds.conc_chl / (ds.conc_tsm + 1)",
      `conc_chl=np.where(((${flags} & -2147483648) != 0) & ((${flags} & 8) == 0), ds.conc_chl, np.nan)`,
      "kd489=np.where(ds.kd489 < 1.5, ds.kd489, np.nan)",
    );
    expect(c.vars).toEqual(["chl_ratio", "conc_chl", "kd489"]);
    for (const v of ["chl_ratio", "conc_chl", "kd489"]) {
      expect(c[v].n, v).toBeGreaterThan(1000);
      expect(c[v].maxdiff, v).toBe(0);
      expect(c[v].nan_mismatch, v).toBe(0);
    }
    expect(c.attrs.chl_ratio.units).toBe("1");
    expect(c.attrs.chl_ratio.expression).toBe("conc_chl / (conc_tsm + 1)");
  });

  it.each([
    ["an unknown name", "expression: conc_chl / bibo", "name 'bibo' is not defined at character 11"],
    ["member access", "expression: conc_chl.constructor", "attribute access is not allowed"],
    ["a syntax error", "expression: conc_chl +* 2", "processed_variables/0/x/expression"],
    ["deep nesting", `expression: "${"(".repeat(70)}conc_chl${")".repeat(70)}"`, "nested more than 64"],
    ["1 MB of text", `expression: "${"conc_chl + ".repeat(100_000)}1"`, "more than the 10,000 allowed"],
  ])("refuses %s with exit 2", async (_what, line, words) => {
    const cfg = join(tmp.dir, "bad.yml");
    writeFileSync(cfg, config(`output_variables: [x]\nprocessed_variables:\n  - x:\n      ${line}\n`));
    const r = await cli(["gen", cfg, "-o", join(tmp.dir, "bad.zarr"), "--workers", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(words);
  });
});
