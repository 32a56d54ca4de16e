// Place groups as xcube serves them, on a real listen on 127.0.0.1: a GeoJSON group with Join and PropertyMapping and
// a Shapefile group (written by GDAL's ogr2ogr in Web Mercator, UTF-8 attributes) over the real demo cube; queries by
// bbox, WKT and GeoJSON; dataset place groups (PlaceGroupRef); /datasets?point; config checks; /maintenance/update.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { loadServerConfig, type ServerConfig } from "../../src/server/config.js";
import { expandPath, placeGroupProblems, readFeatures } from "../../src/server/places.js";
import { queryGeometry } from "../../src/server/routes/places.js";
import * as R from "../../src/server/routes/responses.js";
import { newAjv } from "../../src/core/config/ajv.js";
import { DATA } from "./helpers.js";

const CUBE = join(DATA, "zarr/cube-1-250-250.zarr"); // lon 0…5, lat 50…52.5

const feature = (id: string, properties: Record<string, unknown>, geometry: unknown) => ({ type: "Feature", id, properties, geometry });
const square = (x: number, y: number, d = 0.2) => ({
  type: "Polygon",
  coordinates: [
    [
      [x, y],
      [x + d, y],
      [x + d, y + d],
      [x, y + d],
      [x, y],
    ],
  ],
});

let dir: string;
let server: RunningServer;
let configFile: string;

function writeConfig(extraGroup = false): void {
  const yaml = `
Datasets:
  - Identifier: cube
    Path: ${CUBE}
    PlaceGroups:
      - PlaceGroupRef: inside
      - PlaceGroupRef: shapes
PlaceGroups:
  - Identifier: inside
    Title: Places inside the cube
    Path: places/inside.geojson
    Join:
      Property: ID
      Path: places/inside-media.geojson
    PropertyMapping:
      image: \${base_url}/images/\${image}
      label: name
  - Identifier: shapes
    Title: Shapefile places
    Path: shp/shapes.shp
    Color: "#ff8800"
  - Identifier: outside
    Path: places/outside*.geojson
${extraGroup ? "  - Identifier: added\n    Title: Added later\n    Path: places/outside-2.geojson\n" : ""}`;
  writeFileSync(configFile, yaml);
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
async function json(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await fetch(`${server.url}${path}`, init);
  return { status: r.status, body: await r.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-places-"));
  execFileSync("mkdir", ["-p", join(dir, "places"), join(dir, "shp")]);
  const fc = (features: unknown[]) => JSON.stringify({ type: "FeatureCollection", features });
  writeFileSync(
    join(dir, "places/inside.geojson"),
    fc([
      feature("P1", { ID: "1", name: "North Sea 1" }, { type: "Point", coordinates: [1.0, 51.0] }),
      feature("P2", { ID: "2", name: "North Sea 2" }, { type: "Point", coordinates: [4.0, 52.0] }),
      feature("P3", { ID: "3", name: "Square" }, square(2.0, 50.5)),
    ]),
  );
  writeFileSync(
    join(dir, "places/inside-media.geojson"),
    fc([feature("M1", { ID: "1", image: "one.jpg" }, null), feature("M3", { ID: "3", image: "three.jpg", description: "a square" }, null)]),
  );
  writeFileSync(join(dir, "places/outside-1.geojson"), fc([feature("O1", { ID: "o1" }, { type: "Point", coordinates: [10, 45] })]));
  writeFileSync(join(dir, "places/outside-2.geojson"), fc([feature("O2", { ID: "o2" }, { type: "Point", coordinates: [-170, 10] })]));
  // a real Shapefile in EPSG:3857 with UTF-8 attributes, written by GDAL
  writeFileSync(
    join(dir, "shapes.geojson"),
    fc([
      { type: "Feature", properties: { name: "Ölbucht", code: 7 }, geometry: square(3.0, 51.5, 0.5) },
      { type: "Feature", properties: { name: "Far away", code: 8 }, geometry: square(20, 60, 1) },
    ]),
  );
  execFileSync("ogr2ogr", [
    "-f",
    "ESRI Shapefile",
    "-t_srs",
    "EPSG:3857",
    "-lco",
    "ENCODING=UTF-8",
    join(dir, "shp/shapes.shp"),
    join(dir, "shapes.geojson"),
  ]);
  configFile = join(dir, "server.yaml");
  writeConfig();
  server = await startServer(await loadServerConfig(configFile), {
    port: 0,
    address: "127.0.0.1",
    logger: false,
    handleSignals: false,
    warmUp: false,
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe("place groups (xcube's /places)", () => {
  it("GET /places lists the global groups without features, base_url replaced, no local paths", async () => {
    const r = await fetch(`${server.url}/places`);
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(text).not.toContain(dir);
    const { placeGroups } = JSON.parse(text);
    expect(placeGroups.map((g: { id: string }) => g.id)).toEqual(["inside", "shapes", "outside"]);
    expect(placeGroups[0]).toEqual({
      type: "FeatureCollection",
      id: "inside",
      title: "Places inside the cube",
      description: null,
      propertyMapping: { image: `${server.url}/images/\${image}`, label: "name" },
      join: { property: "ID", encoding: "utf-8" },
      features: null,
    });
    expect(placeGroups[2]).toMatchObject({ title: "outside", propertyMapping: null, join: null });
  });

  it("GET /places/{group}: every feature, server ids, Join properties merged", async () => {
    const { status, body } = await json("/places/inside");
    expect(status).toBe(200);
    const f = body.places.features;
    expect(body.places.type).toBe("FeatureCollection");
    expect(f).toHaveLength(3);
    for (const x of f) expect(x.id).toMatch(/^\d+$/);
    expect(new Set(f.map((x: { id: string }) => x.id)).size).toBe(3);
    expect(f[0].properties).toEqual({ ID: "1", name: "North Sea 1", image: "one.jpg" });
    expect(f[1].properties).toEqual({ ID: "2", name: "North Sea 2" });
    expect(f[2].properties).toMatchObject({ ID: "3", image: "three.jpg", description: "a square" });
    // the features of a glob Path, and all groups
    expect((await json("/places/outside")).body.places.features).toHaveLength(2);
    expect((await json("/places/all")).body.places.features).toHaveLength(3 + 2 + 2);
  });

  it("queries by bbox, WKT and a GeoJSON body (any content type) return the intersecting places", async () => {
    const names = (b: { places: { features: Array<{ properties: { name?: string; ID?: string } }> } }) =>
      b.places.features.map((x) => x.properties.name ?? x.properties.ID);
    expect(names((await json("/places/inside?bbox=0.5,50.5,1.5,51.5")).body)).toEqual(["North Sea 1"]);
    // the square 2.0…2.2 × 50.5…50.7 is touched by a box over its corner
    expect(names((await json("/places/inside?bbox=2.1,50.6,3,51")).body)).toEqual(["Square"]);
    expect(
      names((await json(`/places/inside?geom=${encodeURIComponent("POLYGON((3.5 51.5, 4.5 51.5, 4.5 52.5, 3.5 52.5, 3.5 51.5))")}`)).body),
    ).toEqual(["North Sea 2"]);
    // x1 > x2 crosses the antimeridian: a box 170°E … 160°W
    expect(names((await json("/places/all?bbox=170,0,-160,20")).body)).toEqual(["o2"]);
    const post = await json("/places/inside", {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify({ type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: square(0.9, 50.9) }] }),
    });
    expect(post.status).toBe(200);
    expect(names(post.body)).toEqual(["North Sea 1"]);
  });

  it("bad queries answer 400, unknown groups 404", async () => {
    expect((await json("/places/inside?bbox=1,2,3,4&geom=POINT(1%202)")).status).toBe(400);
    const bad = await json("/places/inside?geom=NOT%20WKT");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/invalid geometry/);
    expect((await json("/places/inside", { method: "POST", body: JSON.stringify({ type: "Polygon", coordinates: "x" }) })).status).toBe(
      400,
    );
    const nf = await json("/places/nope");
    expect(nf.status).toBe(404);
    expect(nf.body.hint).toContain("inside");
    expect(() => queryGeometry("1,2,3")).toThrow(/invalid geometry/);
    // a query geometry over Limits.MaxVertices (100,000) is refused before any test
    const ring = Array.from({ length: 100_001 }, (_, i) => [Math.cos(i / 1e4), Math.sin(i / 1e4)]);
    const big = await json("/places/inside", { method: "POST", body: JSON.stringify({ type: "LineString", coordinates: ring }) });
    expect(big.status).toBe(413);
    expect(big.body.field).toBe("Limits.MaxVertices");
  });

  it("reads a Shapefile: reprojected from its .prj (EPSG:3857) to lon/lat, UTF-8 attributes from its .cpg, Color", async () => {
    const f = (await json("/places/shapes")).body.places.features;
    expect(f).toHaveLength(2);
    expect(f[0].properties).toEqual({ name: "Ölbucht", code: 7, color: "#ff8800" });
    expect(f[0].geometry.type).toBe("Polygon");
    const ring = f[0].geometry.coordinates[0] as number[][];
    const xs = ring.map((p) => p[0]!);
    const ys = ring.map((p) => p[1]!);
    expect(Math.min(...xs)).toBeCloseTo(3.0, 6);
    expect(Math.max(...xs)).toBeCloseTo(3.5, 6);
    expect(Math.min(...ys)).toBeCloseTo(51.5, 6);
    expect(Math.max(...ys)).toBeCloseTo(52.0, 6);
    // a missing file is named as configured, without the server's folders
    const missing = await expandPath("places/none.geojson", dir).catch((e: Error) => e);
    expect(missing).toBeInstanceOf(Error);
    expect((missing as Error).message).toBe("place group file not found: places/none.geojson (relative to the config file)");
    // the same through the reader, and the shapefile's ids were not kept
    const direct = await readFeatures(join(dir, "shp/shapes.shp"));
    expect(direct[1]!.properties).toEqual({ name: "Far away", code: 8 });
  });

  it("dataset place groups: placeGroups in /datasets/{id} (no features), /datasets/{id}/places/{group}, /places/{group}/{id}", async () => {
    const d = (await json("/datasets/cube")).body;
    expect(d.placeGroups.map((g: { id: string }) => g.id)).toEqual(["inside", "shapes"]);
    expect(d.placeGroups[0]).not.toHaveProperty("features");
    expect(d.placeGroups[0].propertyMapping.image).toBe(`${server.url}/images/\${image}`);
    const details = (await json("/datasets?details=1")).body.datasets[0];
    expect(details.placeGroups).toHaveLength(2);
    const g = await json("/datasets/cube/places/shapes");
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ type: "FeatureCollection", id: "shapes", title: "Shapefile places" });
    expect(g.body.features).toHaveLength(2);
    expect((await json("/datasets/cube/places/outside")).status).toBe(404);
    expect((await json("/datasets/nope/places/inside")).status).toBe(404);
    expect((await json("/datasets/..%2Fx/places/inside")).status).toBe(400);
    // places of a group within the dataset's bbox (0…5, 50…52.5): the far shape is not
    const inCube = (await json("/places/shapes/cube")).body.places.features;
    expect(inCube.map((x: { properties: { name: string } }) => x.properties.name)).toEqual(["Ölbucht"]);
    expect((await json("/places/outside/cube")).body.places.features).toEqual([]);
  });

  it("/datasets?point=lon,lat lists the datasets whose bbox contains the point", async () => {
    const inside = (await json("/datasets?point=2.5,51")).body.datasets;
    expect(inside.map((x: { id: string }) => x.id)).toEqual(["cube"]);
    expect(inside[0].bbox).toEqual([0, 50, 5, 52.5]);
    expect((await json("/datasets?point=10,51")).body.datasets).toEqual([]);
    const bad = await json("/datasets?point=10");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "INVALID_PARAMS", field: "point" });
  });

  it("GET /maintenance/update reads the config file again (a new group appears), updateTime moves", async () => {
    const before = (await json("/")).body;
    writeConfig(true);
    await new Promise((r) => setTimeout(r, 5));
    const up = await json("/maintenance/update");
    expect(up).toEqual({ status: 200, body: { status: "OK" } });
    const after = (await json("/")).body;
    expect(after.startTime).toBe(before.startTime);
    expect(Date.parse(after.updateTime)).toBeGreaterThan(Date.parse(before.updateTime));
    expect((await json("/places")).body.placeGroups.map((g: { id: string }) => g.id)).toContain("added");
    expect((await json("/places/added")).body.places.features).toHaveLength(1);
    // the datasets are served by the new context
    expect((await json("/datasets/cube")).status).toBe(200);
    // a broken config is refused and the running one kept
    writeFileSync(configFile, "Datasets: 7\n");
    const broken = await json("/maintenance/update");
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe("INVALID_CONFIG");
    expect((await json("/places/added")).status).toBe(200);
    writeConfig();
  });
});

describe("place answers conform to their declared response schemas", () => {
  it("/places, /places/{group}, /datasets/{id} with placeGroups, /datasets/{id}/places/{group}", async () => {
    const ajv = newAjv();
    const check = async (schema: object, path: string) => {
      const validate = ajv.compile(schema);
      const { body } = await json(path);
      expect(validate(body), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    };
    await check(R.PLACE_GROUPS_RESPONSE, "/places");
    await check(R.PLACES_RESPONSE, "/places/inside?bbox=0,50,5,53");
    await check(R.PLACES_RESPONSE, "/places/shapes/cube");
    await check(R.DATASET_RESPONSE, "/datasets/cube");
    await check(R.PLACE_GROUP_SCHEMA, "/datasets/cube/places/shapes");
    await check(R.DATASETS_RESPONSE, "/datasets?point=2.5,51");
  });
});

describe("PlaceGroups config checks", () => {
  const problems = (c: unknown) => placeGroupProblems(c as ServerConfig).map((p) => p.field);
  it("names PlaceGroupRef misuse, unknown references and missing keys", () => {
    expect(
      problems({
        PlaceGroups: [{ Identifier: "a", Path: "a.geojson" }],
        Datasets: [{ Identifier: "d", Path: "x", PlaceGroups: [{ PlaceGroupRef: "a" }] }],
      }),
    ).toEqual([]);
    expect(problems({ PlaceGroups: [{ PlaceGroupRef: "a" }] })).toEqual(["PlaceGroups.0.PlaceGroupRef"]);
    expect(problems({ PlaceGroups: [{ Identifier: "a" }] })).toEqual(["PlaceGroups.0.Path"]);
    expect(problems({ Datasets: [{ Identifier: "d", Path: "x", PlaceGroups: [{ PlaceGroupRef: "b" }] }] })).toEqual([
      "Datasets.0.PlaceGroups.0.PlaceGroupRef",
    ]);
    expect(
      problems({
        PlaceGroups: [{ Identifier: "a", Path: "p" }],
        Datasets: [{ Identifier: "d", Path: "x", PlaceGroups: [{ PlaceGroupRef: "a", Title: "t" }] }],
      }),
    ).toEqual(["Datasets.0.PlaceGroups.0"]);
    expect(
      problems({
        PlaceGroups: [
          { Identifier: "a", Path: "p" },
          { Identifier: "a", Path: "q" },
        ],
      }),
    ).toEqual(["PlaceGroups.1.Identifier"]);
  });
});
