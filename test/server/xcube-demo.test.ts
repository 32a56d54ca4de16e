// xcube's own demo server configuration (xcube-dev/xcube@bb4fc679 examples/serve/demo/config.yml, with its
// cc_tsm.cpd and places, copied byte for byte into fixtures/xcube-demo/) served unchanged but for the data
// paths, which point at the same data in ../shared/data: it starts, warns once per key eocube cannot honour,
// and serves what xcube serves (groups, entrypoint, custom colour maps, RGB, GeoTIFF bands, allowed_hosts).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { loadServerConfig } from "../../src/server/config.js";
import { DATA, decodePng } from "./helpers.js";
import { getWithHost, logSink, webMercatorTile } from "./xcube-helpers.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/xcube-demo/", import.meta.url));

let server: RunningServer;
let logs: Array<{ level: number; msg: string }>;
const get = (path: string) => getWithHost(`${server.url}${path}`, "localhost:8080");
const json = async (path: string) => {
  const r = await get(path);
  expect(r.status, `${path}: ${r.body.toString().slice(0, 300)}`).toBe(200);
  return JSON.parse(r.body.toString()) as Record<string, unknown> & { datasets: Array<Record<string, unknown>> };
};

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "eocube-xcube-demo-"));
  cpSync(FIXTURE, dir, { recursive: true });
  // only the data paths change: the demo's data files are the ones in ../shared/data
  const text = readFileSync(join(FIXTURE, "config.yml"), "utf8")
    .replace("Path: cube-1-250-250.levels", `Path: ${DATA}zarr/cube-1-250-250.zarr`)
    .replace("Path: cube-5-100-200.zarr", `Path: ${DATA}zarr/cube-1-250-250.zarr`)
    .replace("Path: sample-cog.tif", `Path: ${DATA}geotiff/sample-cog.tif`)
    .replace("Path: sample-geotiff.tif", `Path: ${DATA}geotiff/RGB.byte.tif`);
  writeFileSync(join(dir, "config.yml"), text);
  const sink = logSink();
  logs = sink.lines;
  const config = await loadServerConfig(join(dir, "config.yml"));
  server = await startServer(config, {
    port: 0,
    address: "127.0.0.1",
    handleSignals: false,
    warmUp: false,
    logger: { level: "warn", stream: sink.stream },
  });
}, 120_000);
afterAll(async () => server?.close());

describe("xcube's demo config (examples/serve/demo/config.yml)", () => {
  it("starts and warns once per key eocube cannot honour, naming what is skipped", () => {
    const warnings = logs.filter((l) => l.level === 40).map((l) => l.msg);
    const once = (re: RegExp) =>
      expect(
        warnings.filter((w) => re.test(w)),
        `${re}: ${warnings.join("\n")}`,
      ).toHaveLength(1);
    once(/^Datasets\[\]\.Augmentation: .*local \(compute_extra_vars\.py: compute_variables\)/);
    once(
      /^Datasets\[\]\.FileSystem: memory: .*local_1w \(it is computed by Python code \(resample_in_time\.py: compute_dataset of local\)\)/,
    );
    // Variables patterns naming what the Python augmentation would add are skipped, each said once
    once(/"chl_category" matches no variable of dataset "local" and is skipped/);
    once(/"chl_tsm_sum" matches no variable of dataset "local" and is skipped/);
    // keys eocube honours are not warned about
    for (const key of ["ServiceProvider", "allowed_hosts", "DatasetGroups", "CustomColorMaps", "PlaceGroups", "AccessControl"])
      expect(warnings.some((w) => w.startsWith(key))).toBe(false);
  });

  it("answers only the allowed host, as xcube (allowed_hosts)", async () => {
    const r = await getWithHost(`${server.url}/datasets`, "127.0.0.1");
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).message).toMatch(/Host "127.0.0.1" not allowed/);
  });

  it("lists the datasets with their groups, sort values and the entrypoint", async () => {
    const list = await json("/datasets");
    expect(list.entrypointDatasetId).toBe("geotiff_local");
    // local_ts is hidden, local_1w computed by Python (skipped)
    expect(list.datasets.map((d) => d.id)).toEqual(["local", "cog_local", "geotiff_local"]);
    const [local, cog, tif] = list.datasets;
    expect(local).toMatchObject({
      title: "Local OLCI L2C cube for region SNS",
      groupId: "first_local",
      groupTitle: "Zarr",
      groupOrder: 0,
      groupDescription: "This is a zarr dataset group description!",
      bbox: [0, 50, 5, 52.5],
    });
    expect(cog).toMatchObject({ groupId: "second_local", groupTitle: "GeoTIFF", groupOrder: 1, sortValue: 2 });
    expect(tif).toMatchObject({ sortValue: 1, groupTitle: "GeoTIFF" });
  });

  it("describes a dataset as xcube: variables in the Variables order, custom and .cpd colour bars, rgbSchema, attributions", async () => {
    const d = await json("/datasets/local");
    const vars = d.variables as Array<Record<string, unknown>>;
    expect(vars.map((v) => v.name)).toEqual(["conc_chl", "conc_tsm", "kd489", "c2rcc_flags", "quality_flags"]);
    expect(vars[0]).toMatchObject({ colorBarName: "my_cmap", colorBarMin: 0, colorBarMax: 20 });
    expect(vars[1]).toMatchObject({ colorBarName: "cc_tsm", colorBarMax: 30 });
    expect(vars[1]!.colorBarMin).toBeCloseTo(0.0672554675129238, 12);
    expect(vars[2]).toMatchObject({ colorBarName: "viridis", colorBarMin: 0, colorBarMax: 6 });
    expect(typeof vars[0]!.htmlRepr).toBe("string");
    expect(d.rgbSchema).toMatchObject({
      varNames: ["conc_chl", "conc_tsm", "kd489"],
      normRanges: [
        [0, 24],
        [0, 100],
        [0, 6],
      ],
    });
    expect(d.spatialUnits).toBe("degree");
    expect(d.attributions).toEqual([
      "© by Brockmann Consult GmbH 2020, contains modified Copernicus Data 2019, processed by ESA",
      "© by EU H2020 CyanoAlert project",
    ]);
    expect(d.bbox).toEqual([0, 50, 5, 52.5]);
    // the hidden time-series twin is served by its id
    expect((await get("/datasets/local_ts")).status).toBe(200);
  });

  it("serves GeoTIFF bands as xcube names them (band_1 … band_3) with the tif_style", async () => {
    const d = await json("/datasets/cog_local");
    const vars = d.variables as Array<Record<string, unknown>>;
    expect(vars.map((v) => v.name)).toEqual(["band_data", "band_1", "band_2", "band_3"]);
    expect(vars[1]).toMatchObject({ colorBarName: "bone", colorBarMin: 0, colorBarMax: 255, dims: ["y", "x"] });
    expect(d.spatialUnits).toBe("metre");
    expect((d.rgbSchema as { varNames: string[] }).varNames).toEqual(["band_1", "band_2", "band_3"]);
    const [w, s, e, n] = d.bbox as number[];
    for (const name of ["band_1", "rgb"]) {
      const png = decodePng((await get(`/tiles/cog_local/${name}/${webMercatorTile((w! + e!) / 2, (s! + n!) / 2, 9)}?crs=EPSG:3857`)).body);
      expect(
        png.pixels.some((_, i) => i % 4 === 3 && png.pixels[i] === 255),
        name,
      ).toBe(true);
    }
  });

  it("lists the custom colour maps in /colorbars as xcube (category Custom, with the code of CustomColorMaps)", async () => {
    const bars = JSON.parse((await get("/colorbars")).body.toString()) as Array<[string, string, unknown[][]]>;
    const names = bars.map((c) => c[0]);
    expect(names.indexOf("Custom")).toBe(names.indexOf("Miscellaneous") - 1);
    const custom = bars.find((c) => c[0] === "Custom")![2];
    expect(custom.map((b) => b[0])).toEqual(["my_cmap", "cmap_bloom_risk", "s2_l2_scl", "cc_tsm"]);
    expect(custom[0]![2]).toEqual({
      name: "my_cmap",
      type: "continuous",
      colors: [
        [0, "red", "low"],
        [12, "#0000FF", "medium"],
        [18, "#00ff00ff", "mediumhigh"],
        [24, "#00ff004d", "high"],
      ],
    });
    expect(custom[3]).toHaveLength(2); // a .cpd map has no code
    const img = decodePng(Buffer.from(custom[0]![1] as string, "base64"));
    expect([img.width, img.height]).toEqual([256, 1]);
    expect(Array.from(img.pixels.subarray(0, 4))).toEqual([255, 0, 0, 255]);
  });
});
