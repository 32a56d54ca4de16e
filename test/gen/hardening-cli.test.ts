// gen and level through the real CLI (node bin/eocube.js) on real data: Ctrl-C on level, a closed stdout
// (`| head -3`), the output size limit, --info on an absurd grid in bounded time and heap, GeoTIFF inputs in
// worker threads, a misspelled cube_config.variable_names entry, and a crafted NetCDF3 input whose variable name
// climbs out of the output ("../../../escaped") computed in worker threads.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { openDataset } from "../../src/stores/open.js";
import { ensureBuilt } from "../helpers/build.js";
import { runCli } from "../helpers/cli.js";
import { REPO_ROOT, SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "eocube-hardening-cli-"));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BIN = `${REPO_ROOT}bin/eocube.js`;
const COG = { store_id: "file", store_params: { root: `${SHARED_DATA}geotiff` }, data_id: "sample-cog.tif" };
const CUBE = { store_id: "file", store_params: { root: `${SHARED_DATA}zarr` }, data_id: "cube-1-250-250.zarr" };

async function request(name: string, doc: object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, stringify(doc));
  return path;
}

function output(dataId: string): Record<string, unknown> {
  return { store_id: "file", store_params: { root: dir }, data_id: dataId };
}

/** Entries of the test folder that belong to an output (the output and its hidden siblings). */
function leftovers(name: string): string[] {
  return readdirSync(dir).filter((f) => f === name || f.startsWith(`.${name}.`));
}

describe("interruptions", () => {
  it("level on Ctrl-C: a message, exit 2 (as gen), no temporary folder and no output", async () => {
    const child = spawn(process.execPath, [BIN, "level", ZARR_CUBE, "-o", join(dir, "cube.levels"), "--tile-size", "128"], { cwd: dir });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // interrupt once level 0 is being written
    const t0 = Date.now();
    while (!leftovers("cube.levels").some((f) => f.includes(".tmp-")) && Date.now() - t0 < 30_000) await sleep(10);
    expect(leftovers("cube.levels").some((f) => f.includes(".tmp-"))).toBe(true);
    await sleep(200);
    child.kill("SIGINT");
    const code = await done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/error: eocube level was interrupted \(SIGINT\); no change was made to .*cube\.levels/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(leftovers("cube.levels")).toEqual([]);
  }, 60_000);

  it("gen --json | head -3: three progress lines, no EPIPE crash, exit 141 quietly, no temporary store", async () => {
    const req = await request("pipe.yaml", {
      input_configs: [CUBE],
      cube_config: { variable_names: ["conc_chl", "kd489"], tile_size: 250 },
      output_config: output("pipe.zarr"),
    });
    const script = `"${process.execPath}" "${BIN}" gen "${req}" --json --workers 1 | head -3; echo "status=\${PIPESTATUS[0]}" >&2`;
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const c = spawn("bash", ["-c", script], { cwd: dir });
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d) => (stdout += d));
      c.stderr.on("data", (d) => (stderr += d));
      c.on("close", () => resolve({ stdout, stderr }));
    });
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ event: "progress" });
    expect(r.stderr.trim()).toBe("status=141");
    expect(leftovers("pipe.zarr")).toEqual([]);
  }, 60_000);

  it("describe --json | true: any command meeting a closed stdout stops quietly (exit 141, nothing on stderr)", async () => {
    // `true` exits without reading, so describe's one write meets EPIPE (it used to crash: "Unhandled 'error' event")
    const script = `"${process.execPath}" "${BIN}" describe "${ZARR_CUBE}" --json | true; echo "status=\${PIPESTATUS[0]}" >&2`;
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const c = spawn("bash", ["-c", script], { cwd: dir });
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d) => (stdout += d));
      c.stderr.on("data", (d) => (stderr += d));
      c.on("close", () => resolve({ stdout, stderr }));
    });
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe("status=141");
  }, 30_000);
});

describe("the output size limit", () => {
  it("refuses a plan over --max-output-size (TOO_LARGE naming both sizes, nothing written), and writes it when allowed", async () => {
    const req = await request("cog.yaml", { input_configs: [COG], cube_config: {}, output_config: output("cog.zarr") });
    const refused = await runCli(["gen", req, "--max-output-size", "100K", "--json"]);
    expect(refused.code).toBe(2);
    const err = JSON.parse(refused.stderr).error;
    expect(err).toMatchObject({ code: "TOO_LARGE", field: "--max-output-size" });
    expect(err.message).toMatch(/would hold about 1\.3 MiB .*more than the limit of 100\.0 KiB/);
    expect(leftovers("cog.zarr")).toEqual([]);
    const allowed = await runCli(["gen", req, "--max-output-size", "2M", "--workers", "0"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(existsSync(join(dir, "cog.zarr/.zmetadata"))).toBe(true);
    const bad = await runCli(["gen", req, "--max-output-size", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-output-size must be a size/);
  }, 60_000);

  it("a 0.003 m grid over the COG: --info answers at once in a 128 MB heap, gen refuses it by the default 100 GiB limit", async () => {
    const req = await request("tiny.yaml", {
      input_configs: [COG],
      cube_config: { crs: "EPSG:32613", bbox: [399960, 3890260, 509720, 4000020], spatial_res: 0.003 },
      output_config: output("tiny.zarr"),
    });
    const env = { NODE_OPTIONS: "--max-old-space-size=128" };
    let t0 = Date.now();
    const info = await runCli(["gen", req, "--info"], { env, timeoutMs: 30_000 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/36586667 × 36586667 pixels/);
    expect(info.stdout).toMatch(/chunks: +15319166043 in 15319166043 tasks/);
    expect(info.stdout).toMatch(/estimated: +14\.3 PiB uncompressed \(over the 100\.0 GiB limit/);
    t0 = Date.now();
    const run = await runCli(["gen", req], { env, timeoutMs: 30_000 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/would hold about 14\.3 PiB .*more than the limit of 100\.0 GiB/);
    expect(leftovers("tiny.zarr")).toEqual([]);
  }, 60_000);

  it("the same for a swath to rectify: --info on a 2000000 × 1333334 grid answers at once (the index map waits for a read)", async () => {
    const req = await request("olci.yaml", {
      input_configs: [
        { store_id: "file", store_params: { root: `${SHARED_DATA}netcdf4` }, data_id: "O_L2_0001_SNS_2017104102450_v1.0.nc" },
      ],
      cube_config: { variable_names: ["conc_chl"], crs: "EPSG:4326", bbox: [1.1, 52.3, 1.7, 52.7], spatial_res: 0.0000003 },
      output_config: output("olci.zarr"),
    });
    const t0 = Date.now();
    const info = await runCli(["gen", req, "--info"], { env: { NODE_OPTIONS: "--max-old-space-size=128" }, timeoutMs: 30_000 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/2000000 × 1333334 pixels/);
    expect(info.stdout).toMatch(/over the 100\.0 GiB limit/);
  }, 60_000);
});

describe("bugs", () => {
  it("gen with a GeoTIFF input in 2 worker threads writes the COG's values", async () => {
    const req = await request("cog-workers.yaml", {
      input_configs: [COG],
      cube_config: { tile_size: 128 },
      output_config: output("cog-workers.zarr"),
    });
    const r = await runCli(["gen", req, "--workers", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const got = await openDataset(join(dir, "cog-workers.zarr"));
    const want = await openDataset(`${SHARED_DATA}geotiff/sample-cog.tif`);
    try {
      const a = await got.data_vars.band_data!.read();
      const b = await want.data_vars.band_data!.read();
      expect(a.shape).toEqual([3, 343, 343]);
      expect(a.shape).toEqual(b.shape);
      let diff = 0;
      for (let i = 0; i < a.data.length; i++) {
        const x = Number(a.data[i]);
        const y = Number(b.data[i]);
        if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) diff++;
      }
      expect(diff).toBe(0);
    } finally {
      await got.close();
      await want.close();
    }
  }, 60_000);

  it("a misspelled cube_config.variable_names entry is NOT_FOUND naming it and the close name; nothing is written", async () => {
    const req = await request("chla.yaml", {
      input_configs: [CUBE],
      cube_config: { variable_names: ["conc_chla", "kd489"] },
      output_config: output("chla.zarr"),
    });
    const r = await runCli(["gen", req, "--json"]);
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stderr).error;
    expect(err).toMatchObject({ code: "NOT_FOUND", field: "cube_config/variable_names", path: req });
    expect(err.message).toMatch(/variable "conc_chla" not found in the input/);
    expect(err.hint).toMatch(/did you mean conc_chl\?/);
    expect(leftovers("chla.zarr")).toEqual([]);
  }, 30_000);

  it("a crafted NetCDF3 variable named '../../../escaped', computed in worker threads: refused naming it, nothing written outside, no output; its sibling in the same file is generated", async () => {
    // scipy writes any bytes as a classic NetCDF3 name; the threads start at once (EOCUBE_GEN_INLINE_MS=0) and write
    // their own chunk files into the temporary store (gen/worker.ts), so the name must be refused before any task
    const nc = join(dir, "escaped.nc");
    const py = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        `import sys, numpy as np
from scipy.io import netcdf_file
f = netcdf_file(sys.argv[1], "w")
f.createDimension("time", 1); f.createDimension("lat", 40); f.createDimension("lon", 80)
t = f.createVariable("time", "f8", ("time",)); t[:] = [0]; t.units = "days since 2020-01-01"
la = f.createVariable("lat", "f4", ("lat",)); la[:] = np.linspace(-19.5, 19.5, 40); la.units = "degrees_north"
lo = f.createVariable("lon", "f4", ("lon",)); lo[:] = np.linspace(-39.5, 39.5, 80); lo.units = "degrees_east"
for name in ["../../../escaped", "kept"]:
    v = f.createVariable(name, "f4", ("time", "lat", "lon")); v[:] = np.arange(3200, dtype="f4").reshape(1, 40, 80)
f.close()`,
        nc,
      ],
      { encoding: "utf8" },
    );
    expect(py.status, py.stderr).toBe(0);
    // the output three folders down, so that the climbing key would land in `dir` itself
    const root = join(dir, "deep", "a", "b");
    mkdirSync(root, { recursive: true });
    const doc = (variable: string, dataId: string) => ({
      input_configs: [{ store_id: "file", store_params: { root: dir }, data_id: "escaped.nc" }],
      cube_config: {
        variable_names: [variable],
        bbox: [-40, -20, 40, 20],
        spatial_res: 0.05,
        tile_size: [100, 100],
        spatial_method: "nearest",
      },
      output_config: { store_id: "file", store_params: { root }, data_id: dataId },
    });
    const before = readdirSync(dir).sort();
    const env = { EOCUBE_GEN_INLINE_MS: "0" };
    const bad = await runCli(["gen", await request("escaped.yaml", doc("../../../escaped", "out.zarr")), "--workers", "2", "--json"], {
      env,
    });
    expect(bad.code).toBe(2);
    const err = JSON.parse(bad.stderr).error;
    expect(err.message).toMatch(/"\.\.\/\.\.\/\.\.\/escaped": the name must be non-empty, without '\/'/);
    expect(err.field).toBe("../../../escaped");
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(dir).sort()).toEqual([...before, "escaped.yaml"].sort());
    expect(readdirSync(root)).toEqual([]);
    expect(existsSync(join(dir, "escaped"))).toBe(false);
    const good = await runCli(["gen", await request("kept.yaml", doc("kept", "kept.zarr")), "--workers", "2"], { env });
    expect(good.code, good.stderr).toBe(0);
    const ds = await openDataset(join(root, "kept.zarr"));
    try {
      const v = await ds.data_vars.kept!.read();
      expect(v.shape).toEqual([1, 800, 1600]);
      const values = new Set<number>();
      for (const x of v.data as Float32Array) values.add(x);
      expect(values.size).toBe(3200); // nearest resampling at 0.05° of the 1° cells: every input value, none other
      expect(Math.min(...values)).toBe(0);
      expect(Math.max(...values)).toBe(3199);
    } finally {
      await ds.close();
    }
  }, 60_000);
});
