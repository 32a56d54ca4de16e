// Server configuration: schema messages (file, field), examples/server-config.yaml, DataStores globs, and
// the CLI's config assembly; a real listen on 127.0.0.1 with graceful close.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { identifierOf, serveConfigOf } from "../../src/cli/serve.js";
import { isEocubeError } from "../../src/core/errors.js";
import { buildApp, startServer } from "../../src/server/app.js";
import { chunkCacheBytes, globMatch, loadServerConfig, validateServerConfig } from "../../src/server/config.js";
import { Dataset } from "../../src/core/dataset.js";
import { DATA, memCube } from "./helpers.js";
import { logSink } from "./xcube-helpers.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/server-config.yaml", import.meta.url));

function errorOf(fn: () => unknown): { code: string; field?: string; path?: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isEocubeError(err)) return { code: err.code, field: err.field, path: err.path, message: err.message };
    throw err;
  }
  throw new Error("no error");
}

describe("server config", () => {
  it("names the field and the file of a problem", () => {
    const e = errorOf(() => validateServerConfig({ Datasets: [{ Identifier: "a/b", Path: "x.zarr" }] }, "srv.yaml"));
    expect(e).toMatchObject({ code: "INVALID_CONFIG", field: "Datasets.0.Identifier", path: "srv.yaml" });
    expect(e.message).toContain("srv.yaml");
    expect(errorOf(() => validateServerConfig({ Datasets: [{ Identifier: "a", Path: "x", Colour: 1 }] })).message).toMatch(/Colour/);
    expect(errorOf(() => validateServerConfig({ DatasetChunkCacheSize: "lots" })).field).toBe("DatasetChunkCacheSize");
    expect(errorOf(() => validateServerConfig({ Datasets: [{ Identifier: "a", Path: "x", Style: "nope" }] })).field).toBe(
      "Datasets.0.Style",
    );
    expect(errorOf(() => validateServerConfig({ Styles: [{ Identifier: "s", ColorMappings: { v: { ValueRange: [5, 1] } } }] })).field).toBe(
      "Styles.0.ColorMappings.v.ValueRange",
    );
    expect(
      errorOf(() =>
        validateServerConfig({
          Datasets: [
            { Identifier: "a", Path: "x" },
            { Identifier: "a", Path: "y" },
          ],
        }),
      ).message,
    ).toMatch(/twice/);
    expect(chunkCacheBytes({ DatasetChunkCacheSize: "1G" })).toBe(1024 ** 3);
  });

  it("loads the example config and serves its datasets, stores and styles", async () => {
    const config = await loadServerConfig(EXAMPLE);
    const app = await buildApp(config);
    try {
      const ids = (await app.inject("/datasets")).json().datasets.map((d: { id: string }) => d.id);
      expect(ids).toEqual(["olci", "ostia", "cog", "tiffs~RGB.byte.tif"]);
      const olci = (await app.inject("/datasets/olci")).json();
      expect(olci.variables.map((v: { name: string }) => v.name).sort()).toEqual(["conc_chl", "conc_tsm", "kd489"]);
      expect(olci.variables.find((v: { name: string }) => v.name === "conc_chl")).toMatchObject({
        colorBarName: "plasma",
        colorBarMax: 24,
      });
      expect((await app.inject("/tiles/tiffs~RGB.byte.tif/band_data/9/219/145?crs=EPSG:3857&band=1&vmin=0&vmax=255")).statusCode).toBe(200);
      expect((await app.inject("/tiles/cog/band_data/9/201/105?crs=EPSG:3857&band=2")).statusCode).toBe(200);
      // xcube's keys of the example: groups, entrypoint, custom colour map, rgb mappings, band_N
      const list = (await app.inject("/datasets")).json();
      expect(list.entrypointDatasetId).toBe("olci");
      expect(list.datasets[0]).toMatchObject({ groupId: "ocean", groupTitle: "Ocean", groupOrder: 0, sortValue: 1 });
      expect(olci.variables.map((v: { name: string }) => v.name)).toEqual(["conc_chl", "conc_tsm", "kd489"]);
      expect(olci.variables[1]).toMatchObject({ colorBarName: "tsm_steps", colorBarMin: 0, colorBarMax: 100 });
      expect(olci.rgbSchema.varNames).toEqual(["conc_chl", "conc_tsm", "kd489"]);
      expect((await app.inject("/tiles/olci/rgb/5/10/16?crs=EPSG:3857")).statusCode).toBe(200);
      expect((await app.inject("/tiles/cog/rgb/9/201/105?crs=EPSG:3857")).statusCode).toBe(200);
      expect((await app.inject("/datasets/cog")).json().variables[1]).toMatchObject({ name: "band_1", colorBarName: "bone" });
    } finally {
      await app.close();
    }
  });

  it("reports YAML syntax errors and missing files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eocube-serve-"));
    writeFileSync(join(dir, "bad.yaml"), "Datasets: [\n  - Identifier: x\n");
    await expect(loadServerConfig(join(dir, "bad.yaml"))).rejects.toMatchObject({ code: "INVALID_CONFIG", path: join(dir, "bad.yaml") });
    await expect(loadServerConfig(join(dir, "none.yaml"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("matches DataStores globs", () => {
    expect(globMatch("*.zarr", "cube.zarr")).toBe(true);
    expect(globMatch("*.zarr", "a/cube.zarr")).toBe(false);
    expect(globMatch("**/*.tif", "a/b/c.tif")).toBe(true);
    expect(globMatch("RGB.byte.tif", "RGBxbyte.tif")).toBe(false);
  });
});

describe("eocube serve (command line)", () => {
  it("turns PATHS into datasets with safe unique identifiers", async () => {
    const c = await serveConfigOf(
      [`${DATA}zarr/cube-1-250-250.zarr`, `${DATA}geotiff/RGB.byte.tif`, `${DATA}zarr/cube-1-250-250.zarr/`],
      {},
    );
    expect(c.Datasets!.map((d) => d.Identifier)).toEqual(["cube-1-250-250", "RGB.byte", "cube-1-250-250_2"]);
    expect(identifierOf("/x/my data (1).nc", new Set())).toBe("my_data__1_");
    await expect(serveConfigOf([], {})).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(serveConfigOf(["/no/such/cube.zarr"], {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await serveConfigOf([`${DATA}zarr/cube-1-250-250.zarr`], { cacheSize: "64M" })).DatasetChunkCacheSize).toBe("64M");
  });

  it("listens on 127.0.0.1, answers /health over HTTP, and closes gracefully", async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const openDataset = async () => {
      started();
      await new Promise((r) => setTimeout(r, 300)); // a slow open keeps the request in flight
      return memCube();
    };
    const server = await startServer(
      { Datasets: [{ Identifier: "mem", Path: "mem.zarr" }] },
      { port: 0, logger: false, handleSignals: false, deps: { openDataset }, warmUp: false },
    );
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await fetch(`${server.url}/health`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { status: string }).status).toBe("ok");
      const slow = fetch(`${server.url}/tiles/mem/temp/0/0/0?crs=EPSG:3857`);
      await inFlight;
      await server.close();
      const res = await slow;
      expect(res.status).toBe(200); // the in-flight request finished before close resolved
      expect(res.headers.get("connection")).toBe("close");
      await expect(fetch(`${server.url}/health`)).rejects.toThrow(); // no longer listening
    } finally {
      await server.close();
    }
  });
});

describe("request timeout", () => {
  it("answers 504 TIMEOUT when reading takes longer than RequestTimeout", async () => {
    const cube = memCube();
    const v = cube.data_vars.temp!;
    const slow = new Dataset({
      coords: cube.coords,
      data_vars: {
        temp: v.with({
          read: async (sel, o) => {
            await new Promise((r) => setTimeout(r, 300));
            return v.read(sel, o);
          },
        }),
      },
    });
    const app = await buildApp(
      { Datasets: [{ Identifier: "slow", Path: "slow.zarr" }], RequestTimeout: 50 },
      { openDataset: async () => slow },
    );
    try {
      const r = await app.inject("/tiles/slow/temp/3/3/8?crs=CRS84");
      expect(r.statusCode).toBe(504);
      expect(r.json()).toMatchObject({ code: "TIMEOUT" });
    } finally {
      await app.close();
    }
  });
});

describe("a config dataset whose Path does not exist", () => {
  const cli = fileURLToPath(new URL("./cli-main.ts", import.meta.url));
  /** Runs `eocube serve …` from source in its own process; resolves to its exit code and stderr. */
  const serve = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile(process.execPath, ["--import", "tsx", cli, "serve", ...args], { timeout: 60_000 }, (_err, _out, stderr) =>
        done({ code: child.exitCode, stderr }),
      );
    });

  it("fails `eocube serve -c` with exit 2, naming the config file, the Identifier and the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eocube-serve-"));
    const file = join(dir, "server.yaml");
    writeFileSync(
      file,
      `Datasets:\n  - Identifier: olci\n    Path: ${DATA}zarr/cube-1-250-250.zarr\n  - Identifier: ghost\n    Path: nowhere/ghost.zarr\n`,
    );
    const r = await serve(["-c", file, "--port", "0", "--address", "127.0.0.1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('"ghost"');
    expect(r.stderr).toContain(join(dir, "nowhere/ghost.zarr"));
    expect(r.stderr).not.toContain('"olci"');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  });

  it("fails startServer with INVALID_CONFIG before listening", async () => {
    const err = await startServer(
      { Datasets: [{ Identifier: "ghost", Path: "/nonexistent/ghost.zarr" }] },
      { port: 0, logger: false, handleSignals: false, warmUp: false },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEocubeError(err, "INVALID_CONFIG")).toBe(true);
    expect(err).toMatchObject({ field: "Datasets.0.Path" });
    expect((err as Error).message).toContain("/nonexistent/ghost.zarr");
  });
});

describe("config names checked against colour maps and the data", () => {
  it("refuses an unknown ColorBar, listing close names", () => {
    const e = errorOf(() =>
      validateServerConfig(
        {
          Styles: [
            {
              Identifier: "s",
              ColorMappings: { chl: { ColorBar: "viridiss" }, sst: { ColorBar: "RdBU_r" }, ok: { ColorBar: "plasma_r_alpha" } },
            },
          ],
        },
        "srv.yaml",
      ),
    );
    expect(e).toMatchObject({ code: "INVALID_CONFIG", field: "Styles.0.ColorMappings.chl.ColorBar", path: "srv.yaml" });
    expect(e.message).toMatch(/"viridiss" is not a known colour map; close names: viridis\b/);
    expect(e.message).toMatch(/"RdBU_r" is not a known colour map; close names: RdBu_r\b/);
    expect(e.message).not.toContain("plasma_r_alpha");
    expect(
      errorOf(() => validateServerConfig({ Styles: [{ Identifier: "s", ColorMappings: { v: { ColorBar: '{"type": "rainbow"}' } } }] }))
        .message,
    ).toContain("not a valid JSON colour map");
  });

  /** Starts a server with `config`, returns its warnings and the description of dataset `id`. */
  const startWarned = async (config: Parameters<typeof startServer>[0], id: string) => {
    const sink = logSink();
    const s = await startServer(config, {
      port: 0,
      address: "127.0.0.1",
      logger: { level: "warn", stream: sink.stream },
      handleSignals: false,
      warmUp: false,
    });
    try {
      const desc = (await (await fetch(`${s.url}/datasets/${id}`)).json()) as { variables: { name: string }[] };
      return { warnings: sink.lines.filter((l) => l.level === 40).map((l) => l.msg), names: desc.variables.map((v) => v.name) };
    } finally {
      await s.close();
    }
  };

  it("skips Variables patterns that match no variable (a warning with close names) and keeps the patterns' order, as xcube", async () => {
    const { warnings, names } = await startWarned(
      { Datasets: [{ Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr`, Variables: ["kd489", "conc_*", "conc_chll"] }] },
      "olci",
    );
    expect(names).toEqual(["kd489", "conc_chl", "conc_tsm"]);
    expect(warnings).toContainEqual(
      expect.stringContaining('"conc_chll" matches no variable of dataset "olci" and is skipped; close names: conc_chl'),
    );
  });

  it("warns about a style's ColorMappings key that no dataset of that style has, at start", async () => {
    const { warnings } = await startWarned(
      {
        Datasets: [
          { Identifier: "ostia", Path: `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`, Style: "sea" },
        ],
        Styles: [{ Identifier: "sea", ColorMappings: { analysed_sst: { ColorBar: "RdBu_r" }, analysed_sstt: { ColorBar: "jet" } } }],
      },
      "ostia",
    );
    expect(warnings).toContainEqual(
      expect.stringContaining('no dataset with Style "sea" has a variable "analysed_sstt"; close names: analysed_sst'),
    );
  });

  it("`eocube serve -c` with a Variables pattern matching nothing starts and logs the warning (JSON lines off a terminal)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eocube-serve-"));
    const file = join(dir, "server.yaml");
    writeFileSync(file, `Datasets:\n  - Identifier: olci\n    Path: ${DATA}zarr/cube-1-250-250.zarr\n    Variables: [kd490, "*"]\n`);
    const cli = fileURLToPath(new URL("./cli-main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "serve", "-c", file, "--port", "0", "--quiet"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const listening = await new Promise<boolean>((done) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("listening on")) done(true);
      });
      child.once("exit", () => done(false));
    });
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    expect(listening, err).toBe(true);
    const lines = out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.map((l) => l.msg)).toContainEqual(
      expect.stringContaining('"kd490" matches no variable of dataset "olci" and is skipped; close names: kd489'),
    );
    // --quiet: warnings only, no request lines
    expect(lines.every((l) => l.level >= 40)).toBe(true);
  }, 60_000);
});

describe("GroupTitle (xcube's groupTitle in /datasets)", () => {
  it("is returned for Datasets entries and DataStores datasets (entry over store), and only when given", async () => {
    const server = await startServer(
      {
        Datasets: [
          { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr`, GroupTitle: "Ocean colour" },
          { Identifier: "plain", Path: `${DATA}geotiff/shade.tif` },
        ],
        DataStores: [
          {
            Identifier: "tifs",
            StoreId: "file",
            StoreParams: { root: `${DATA}geotiff` },
            GroupTitle: "GeoTIFFs",
            Datasets: [{ Path: "world.byte.tif" }, { Path: "RGB.byte.tif", GroupTitle: "RGB" }],
          },
        ],
      },
      { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
    );
    try {
      const list = (await (await fetch(`${server.url}/datasets`)).json()) as { datasets: { id: string; groupTitle?: string }[] };
      const byId = Object.fromEntries(list.datasets.map((d) => [d.id, d]));
      expect(byId.olci!.groupTitle).toBe("Ocean colour");
      expect("groupTitle" in byId.plain!).toBe(false);
      expect(byId["tifs~world.byte.tif"]!.groupTitle).toBe("GeoTIFFs");
      expect(byId["tifs~RGB.byte.tif"]!.groupTitle).toBe("RGB");
      const one = (await (await fetch(`${server.url}/datasets/olci`)).json()) as { groupTitle?: string };
      expect(one.groupTitle).toBe("Ocean colour");
    } finally {
      await server.close();
    }
  });

  it("must be a string: a config error naming the field", async () => {
    await expect(
      startServer(
        { Datasets: [{ Identifier: "x", Path: `${DATA}geotiff/shade.tif`, GroupTitle: 3 as unknown as string }] },
        { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
      ),
    ).rejects.toThrow(/GroupTitle/);
  });
});
