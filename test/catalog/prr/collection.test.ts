// `eocube prr` on the real files of ../shared/data: extents and variables against xarray/GDAL references
// (test/fixtures/prr-expected/expected.json, made once by test/fixtures/make-prr-expected.py with
// /usr/bin/python3 + xarray + gdalinfo -json), file sizes/checksums, SELF_CONTAINED links, and validation
// by eocube's validator AND an independent one (Debian's python3-jsonschema, validate_stac.py).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePrrCollection, type PrrResult } from "../../../src/catalog/prr/index.js";
import { validateStacObject } from "../../../src/catalog/stac/validate.js";
import { makeTgz, minimalPdf } from "./helpers.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const SCHEMAS = fileURLToPath(new URL("../../../schemas/", import.meta.url));
const PY_VALIDATOR = fileURLToPath(new URL("./validate_stac.py", import.meta.url));
const EXPECTED = JSON.parse(readFileSync(fileURLToPath(new URL("../../fixtures/prr-expected/expected.json", import.meta.url)), "utf8"));

const OSTIA = (d: string) => `netcdf3/201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
const OSTIA_ID = (d: string) => `201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0`;

let work: string;
let out: string;
let result: PrrResult;
const read = (rel: string) => JSON.parse(readFileSync(join(out, rel), "utf8"));
const item = (id: string) => read(`${id}/${id}.json`);

function pyValidate(dir: string): {
  status: number | null;
  report: { documents: number; errors: Array<{ document: string; pointer: string; message: string }> };
} {
  const r = spawnSync("/usr/bin/python3", [PY_VALIDATOR, SCHEMAS, dir], { encoding: "utf8" });
  if (r.stdout === "") throw new Error(`validate_stac.py failed: ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "eocube-prr-"));
  mkdirSync(join(work, "docs"));
  writeFileSync(join(work, "docs", "manual.pdf"), minimalPdf("Product user manual (test)"));
  makeTgz(join(work, "docs", "insitu.tgz"), { "stations.csv": "station,lat,lon\nA,52.1,3.2\n" });
  writeFileSync(
    join(work, "prr.yaml"),
    `${[
      "id: prr-test",
      "title: PRR test collection",
      "description: Real files of shared/data",
      "license: CC-BY-4.0",
      `base_dir: ${DATA}`,
      "keywords: [test]",
      "themes: [oceans]",
      '"osc:project": prr-test-project',
      '"sci:doi": 10.5281/zenodo.1234567',
      '"sci:citation": Test (2025)',
      "contacts: [{ name: Jane Doe, emails: [{ value: jane@example.org }] }]",
      "items:",
      "  - glob: netcdf3/2017060?120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
      "    description: OSTIA",
      "  - glob: netcdf4/{GFS_global,gfs_output}.nc",
      "  - id: utm",
      "    datetime: 2020-05-01",
      "    assets:",
      "      - { key: landsat, path: geotiff/RGB.byte.tif }",
      "      - { key: cog, path: geotiff/sample-cog.tif }",
      "  - id: cube",
      "    assets: [{ key: zarr, path: zarr/cube-1-250-250.zarr }]",
      "  - id: documentation",
      `    assets: [{ key: manual, path: ${join(work, "docs", "manual.pdf")}, title: Manual, roles: [documentation] }]`,
      "  - id: insitu",
      "    datetime: 2020-06-01T00:00:00Z",
      `    assets: [{ key: package, path: ${join(work, "docs", "insitu.tgz")} }]`,
    ].join("\n")}\n`,
  );
  out = join(work, "out");
  result = await writePrrCollection(join(work, "prr.yaml"), { outDir: out });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("eocube prr on the real files", () => {
  it("writes collection.json and <id>/<id>.json for every item (one per OSTIA and GFS file)", () => {
    const ids = ["01", "06", "07"]
      .filter((d) => d !== "01")
      .concat("05")
      .map(OSTIA_ID);
    for (const id of [...ids, "GFS_global", "gfs_output", "utm", "cube", "documentation", "insitu"]) {
      expect(existsSync(join(out, id, `${id}.json`)), id).toBe(true);
    }
    expect(result.files).toHaveLength(10);
    expect(readdirSync(work).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  it("matches xarray for the NetCDF/Zarr extents, times and variables", () => {
    const cases: Array<[string, string, string]> = [
      [OSTIA("05"), OSTIA_ID("05"), "data"],
      [OSTIA("06"), OSTIA_ID("06"), "data"],
      [OSTIA("07"), OSTIA_ID("07"), "data"],
      ["netcdf4/GFS_global.nc", "GFS_global", "data"],
      ["netcdf4/gfs_output.nc", "gfs_output", "data"],
      ["zarr/cube-1-250-250.zarr", "cube", "zarr"],
    ];
    for (const [rel, id, key] of cases) {
      const exp = EXPECTED.netcdf[rel];
      const it = item(id);
      expect(it.bbox, id).toEqual(exp.bbox.map((v: number) => expect.closeTo(v, 9)));
      expect(it.geometry.type).toBe("Polygon");
      const p = it.properties;
      if (exp.time[0] === exp.time[1]) {
        expect(p.datetime).toBe(exp.time[0]);
      } else {
        expect(p.datetime).toBeNull();
        expect([p.start_datetime, p.end_datetime]).toEqual(exp.time);
      }
      const dims = p["cube:dimensions"];
      expect(Object.keys(dims).sort()).toEqual(Object.keys(exp.dims).sort());
      for (const [c, v] of Object.entries(exp.coords as Record<string, { min: number; max: number; step: number }>)) {
        expect(dims[c].extent, `${id} ${c}`).toEqual([expect.closeTo(v.min, 6), expect.closeTo(v.max, 6)]);
        expect(dims[c].step, `${id} ${c}`).toBeCloseTo(v.step, 6);
      }
      const vars = p["cube:variables"];
      for (const [name, v] of Object.entries(
        exp.data_vars as Record<string, { dims: string[]; units?: string; long_name?: string; dtype: string }>,
      )) {
        expect(vars[name], `${id} ${name}`).toBeDefined();
        expect(vars[name].dimensions).toEqual(v.dims);
        expect(vars[name].type).toBe(v.dims.length === 0 ? "auxiliary" : "data"); // grid mappings (LatLon_Projection) are auxiliary
        expect(vars[name].dtype).toBe(v.dtype);
        if (v.units) expect(vars[name].unit).toBe(v.units);
        if (v.long_name) expect(vars[name].description).toBe(v.long_name);
        expect(vars[name].attrs).toBeTypeOf("object");
      }
      expect(it.assets[key].type).toBe(rel.endsWith(".zarr") ? "application/vnd+zarr" : "application/x-netcdf");
    }
  });

  it("matches GDAL for the UTM GeoTIFF and the COG (reprojected, densified bbox; COG profile; proj fields)", () => {
    const it = item("utm");
    const boxes: number[][] = [];
    for (const [key, rel] of [
      ["landsat", "geotiff/RGB.byte.tif"],
      ["cog", "geotiff/sample-cog.tif"],
    ] as const) {
      const exp = EXPECTED.tiff[rel];
      const a = it.assets[key];
      expect(a.type).toBe(
        exp.overviews > 0 ? "image/tiff; application=geotiff; profile=cloud-optimized" : "image/tiff; application=geotiff",
      );
      expect(a["proj:epsg"]).toBe(exp.epsg);
      expect(a["proj:shape"]).toEqual([exp.size[1], exp.size[0]]);
      const gt = exp.geoTransform;
      expect(a["proj:transform"]).toEqual([gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]]);
      expect(a["cube:dimensions"].x.reference_system).toBe(exp.epsg);
      expect(a["cube:variables"].band_data.dimensions).toEqual(["band", "y", "x"]);
      // our bbox densifies the edges: it contains GDAL's corner-only extent and is within 0.01° of it
      const c = exp.wgs84_corners_bbox;
      boxes.push(c);
      const grid = a["proj:bbox"];
      expect(grid).toEqual(
        [gt[0], gt[3] + gt[5] * exp.size[1], gt[0] + gt[1] * exp.size[0], gt[3]].map((v: number) => expect.closeTo(v, 3)),
      );
    }
    const [w, s, e, n] = it.bbox;
    expect(w).toBeLessThanOrEqual(Math.min(boxes[0]![0]!, boxes[1]![0]!) + 1e-7);
    expect(e).toBeGreaterThanOrEqual(Math.max(boxes[0]![2]!, boxes[1]![2]!) - 1e-7);
    expect(s).toBeCloseTo(Math.min(boxes[0]![1]!, boxes[1]![1]!), 2);
    expect(n).toBeCloseTo(Math.max(boxes[0]![3]!, boxes[1]![3]!), 2);
    expect(it.properties.datetime).toBe("2020-05-01T00:00:00Z");
  });

  it("gives local files file:size and a streamed SHA-256 multihash (as hashlib computes it)", () => {
    expect(item(OSTIA_ID("05")).assets.data["file:size"]).toBe(EXPECTED.files[OSTIA("05")].size);
    expect(item(OSTIA_ID("05")).assets.data["file:checksum"]).toBe(EXPECTED.files[OSTIA("05")].checksum);
    expect(item("utm").assets.cog["file:checksum"]).toBe(EXPECTED.files["geotiff/sample-cog.tif"].checksum);
    expect(item("cube").assets.zarr["file:size"]).toBeUndefined(); // a folder
    const pdf = item("documentation").assets.manual;
    expect(pdf.type).toBe("application/pdf");
    expect(pdf.roles).toEqual(["documentation"]);
    expect(pdf["file:checksum"]).toMatch(/^1220[0-9a-f]{64}$/);
    const tgz = item("insitu").assets.package;
    expect(tgz.type).toBe("application/gzip");
    expect(tgz["file:size"]).toBe(readFileSync(join(work, "docs", "insitu.tgz")).length);
  });

  it("copies every local asset into its item's folder (asset_files: copy, the default) with ./<name> hrefs", () => {
    for (const id of ["utm", "cube", "documentation", "insitu", OSTIA_ID("05"), "GFS_global"]) {
      for (const a of Object.values(item(id).assets) as Array<{ href: string }>) expect(a.href, id).toMatch(/^\.\/[^/]+$/);
    }
    expect(item("utm").assets.landsat.href).toBe("./RGB.byte.tif");
    expect(item("documentation").assets.manual.href).toBe("./manual.pdf");
    // the copies are the same bytes as the data: their SHA-256 is the asset's file:checksum (read from the source)
    for (const [id, key, name] of [
      ["utm", "cog", "sample-cog.tif"],
      ["insitu", "package", "insitu.tgz"],
      [OSTIA_ID("06"), "data", `${OSTIA_ID("06")}.nc`],
    ]) {
      const sha = createHash("sha256")
        .update(readFileSync(join(out, id!, name!)))
        .digest("hex");
      expect(item(id!).assets[key!]["file:checksum"], id).toBe(`1220${sha}`);
    }
    // a Zarr folder is copied whole: the same files with the same bytes
    const src = join(DATA, "zarr/cube-1-250-250.zarr");
    const dst = join(out, "cube", "cube-1-250-250.zarr");
    expect(item("cube").assets.zarr.href).toBe("./cube-1-250-250.zarr");
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => statSync(join(src, f)).isFile()).sort();
    expect((readdirSync(dst, { recursive: true }) as string[]).filter((f) => statSync(join(dst, f)).isFile()).sort()).toEqual(files);
    expect(files.length).toBeGreaterThan(10);
    for (const f of [".zmetadata", files.find((x) => x.startsWith("conc_chl/") && !x.includes(".z"))!]) {
      expect(readFileSync(join(dst, f)).equals(readFileSync(join(src, f))), f).toBe(true);
    }
    expect(result.assetFiles).toEqual(
      expect.arrayContaining(["utm/RGB.byte.tif", "utm/sample-cog.tif", "cube/cube-1-250-250.zarr", "documentation/manual.pdf"]),
    );
    expect(result.assetFiles).toHaveLength(10);
    expect(result.warnings.filter((w) => /leaves the output folder/.test(w.message))).toEqual([]);
  });

  it("has SELF_CONTAINED links: relative root/parent/collection/item, no self", () => {
    const c = read("collection.json");
    const rels = c.links.filter((l: { rel: string }) => ["root", "item", "self"].includes(l.rel));
    expect(rels.filter((l: { rel: string }) => l.rel === "self")).toEqual([]);
    expect(rels.find((l: { rel: string }) => l.rel === "root").href).toBe("./collection.json");
    expect(rels.filter((l: { rel: string }) => l.rel === "item").map((l: { href: string }) => l.href)).toContain("./utm/utm.json");
    for (const id of ["utm", "cube"]) {
      const links = item(id).links;
      expect(links.map((l: { rel: string }) => l.rel).sort()).toEqual(["collection", "parent", "root"]);
      for (const l of links) expect(l.href).toBe("../collection.json");
      expect(item(id).collection).toBe("prr-test");
    }
    expect(c.links.find((l: { rel: string }) => l.rel === "cite-as").href).toBe("https://doi.org/10.5281/zenodo.1234567");
  });

  it("gives the collection the union of the items' extents and summaries of the variables", () => {
    const c = read("collection.json");
    expect(c.extent.spatial.bbox).toEqual([[-180, -90, 180, 90]]);
    expect(c.extent.temporal.interval).toEqual([["2017-01-16T10:09:05.397Z", "2021-01-30T18:00:00Z"]]);
    expect(c.summaries.variables).toEqual(
      expect.arrayContaining(["analysed_sst", "sst_anomaly", "conc_chl", "Temperature_isobaric", "band_data"]),
    );
    expect(c["sci:doi"]).toBe("10.5281/zenodo.1234567");
    expect(c.themes).toEqual([{ scheme: "https://github.com/stac-extensions/osc#theme", concepts: [{ id: "oceans" }] }]);
    expect(c["osc:project"]).toBe("prr-test-project");
    // the documentation item has no time of its own: it takes the collection's extent, with a warning
    const doc = item("documentation").properties;
    expect([doc.start_datetime, doc.end_datetime]).toEqual(c.extent.temporal.interval[0]);
    expect(result.warnings.some((w) => w.item === "documentation" && /no time/.test(w.message))).toBe(true);
  });

  it("is valid for eocube's validator (core + every declared extension)", () => {
    for (const f of result.files) expect(validateStacObject(read(f)), f).toEqual([]);
    expect(read("collection.json").stac_extensions).toEqual(
      expect.arrayContaining([expect.stringContaining("scientific"), expect.stringContaining("themes")]),
    );
    expect(item("utm").stac_extensions).toEqual(
      expect.arrayContaining([
        expect.stringContaining("/file/"),
        expect.stringContaining("/projection/"),
        expect.stringContaining("/datacube/"),
      ]),
    );
  });

  it("is valid for an independent validator (python3-jsonschema over the same schema files), which does catch errors", () => {
    const ok = pyValidate(out);
    expect(ok.report.errors).toEqual([]);
    expect(ok.report.documents).toBe(10);
    expect(ok.status).toBe(0);
    // the same validator rejects a broken copy, so the pass above means something
    const bad = join(work, "bad");
    cpSync(out, bad, { recursive: true });
    const doc = JSON.parse(readFileSync(join(bad, "utm", "utm.json"), "utf8"));
    doc.assets.cog["file:size"] = "big";
    doc.assets.cog["cube:dimensions"].x = { type: "spatial" };
    writeFileSync(join(bad, "utm", "utm.json"), JSON.stringify(doc));
    const r = pyValidate(bad);
    expect(r.status).toBe(1);
    expect(r.report.errors.map((e) => e.document)).toContain("utm/utm.json");
    expect(r.report.errors.some((e) => /file:size/.test(e.pointer) || /'big'/.test(e.message))).toBe(true);
  });
});

describe("examples/prr-config.yaml", () => {
  it("builds from the real files with relative paths and validates with both validators", async () => {
    const example = fileURLToPath(new URL("../../../examples/prr-config.yaml", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "eocube-prr-example-"));
    try {
      const r = await writePrrCollection(example, { outDir: join(dir, "out") });
      expect(r.files).toHaveLength(10);
      // the data lie beside the repository, outside base_dir: named one by one and listed in ONE warning
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]!.item).toBe("eocube-prr-example");
      expect(r.warnings[0]!.message).toMatch(
        /^8 asset\(s\) named in the config lie outside base_dir .* and are published from there: items\[0\]\.assets\[0\] .*20170605120000-UKMO/,
      );
      expect(r.warnings[0]!.message).toContain("cube-1-250-250.zarr");
      for (const f of r.files) expect(validateStacObject(JSON.parse(readFileSync(join(dir, "out", f), "utf8"))), f).toEqual([]);
      const py = pyValidate(join(dir, "out"));
      expect(py.report.errors).toEqual([]);
      expect(py.report.documents).toBe(10);
      const docs = JSON.parse(readFileSync(join(dir, "out", "documentation", "documentation.json"), "utf8"));
      expect(docs.assets.manual.type).toBe("application/pdf");
      const pkg = JSON.parse(readFileSync(join(dir, "out", "insitu-package", "insitu-package.json"), "utf8"));
      expect(pkg.assets.package.type).toBe("application/gzip");
      // self-contained: every asset href is relative and names a copied file or folder inside the output
      for (const f of r.files.filter((x) => x !== "collection.json")) {
        const doc = JSON.parse(readFileSync(join(dir, "out", f), "utf8"));
        for (const a of Object.values(doc.assets) as Array<{ href: string }>) {
          expect(a.href, f).toMatch(/^\.\/[^/]+$/);
          expect(existsSync(join(dir, "out", dirname(f), decodeURIComponent(a.href))), `${f} ${a.href}`).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
