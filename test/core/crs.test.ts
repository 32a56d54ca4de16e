// The one CRS module (core/crs.ts): the one EPSG loader serves resolveCrs, epsgToProj4 and the GeoTIFF reader
// alike, and proj4js is loaded only when a CRS is first used (a real Node process imports the library).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { epsgDefinition, epsgToProj4, pointTransform, resolveCrs } from "../../src/core/crs.js";
import { crsFromGeoKeys } from "../../src/formats/geotiff.js";
import { REPO_ROOT } from "../helpers/paths.js";

describe("epsgDefinition: the one EPSG loader", () => {
  it("gives the registry's PROJ string (without +type=crs), WKT and name; undefined for unknown codes", () => {
    const utm = epsgDefinition(32633)!;
    expect(utm.proj4).toBe("+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs");
    expect(utm.wkt).toMatch(/^PROJCS\["WGS 84 \/ UTM zone 33N"/);
    expect(utm.name).toBe("WGS 84 / UTM zone 33N");
    for (const bad of [0, -4326, 1.5, 99999999]) expect(epsgDefinition(bad), String(bad)).toBeUndefined();
  });

  it("resolveCrs, epsgToProj4 and the GeoTIFF reader give the same definition of a code", async () => {
    const swiss = epsgDefinition(2056)!;
    expect(resolveCrs("EPSG:2056")).toEqual({ crs: "EPSG:2056", proj4: swiss.proj4, isGeographic: false });
    expect(resolveCrs("urn:ogc:def:crs:EPSG::2056").proj4).toBe(swiss.proj4);
    // a code outside epsgToProj4's table of well-known codes comes from the registry (was undefined)
    expect(epsgToProj4(2056)).toBe(swiss.proj4);
    expect(epsgToProj4(32633)).toBe("+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs");
    expect(await crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 2056 })).toEqual({
      epsg: 2056,
      proj4: swiss.proj4,
      wkt: swiss.wkt,
      isGeographic: false,
    });
    expect(() => resolveCrs("EPSG:99999999")).toThrow(/not in the EPSG registry/);
    const out = new Float64Array(2);
    pointTransform("EPSG:4326", swiss.proj4)(8.5, 47.4, out);
    expect(out[0]).toBeCloseTo(2_683_000, -4);
  });
});

describe("proj4js is loaded on first use", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-lazy-proj4-"));
    await writeFile(
      join(dir, "probe.mts"),
      [
        'import { createRequire } from "node:module";',
        "const require = createRequire(import.meta.url);",
        "const lib = await import(process.argv[2]);",
        "const loaded = () => Object.keys(require.cache).some((k) => /node_modules[\\\\/]proj4[\\\\/]/.test(k));",
        "const before = loaded();",
        'lib.resolveCrs("EPSG:32633");',
        "console.log(JSON.stringify({ before, after: loaded() }));",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("importing the library loads no proj4; resolving a CRS does", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(dir, "probe.mts"), join(REPO_ROOT, "src/index.ts")],
      { cwd: REPO_ROOT, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({ before: false, after: true });
  });
});
