// PRR config: schema errors naming file/field/allowed values, globs, safe and unique ids, --init template.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { EocubeError } from "../../../src/core/errors.js";
import {
  expandGlob,
  idFromFileName,
  loadPrrConfig,
  parsePrrConfig,
  PRR_CONFIG_TEMPLATE,
  writePrrTemplate,
} from "../../../src/catalog/prr/index.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "eocube-prr-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HEAD = ["id: c1", "title: T", "description: D", "license: CC-BY-4.0", `base_dir: ${DATA}`];
let n = 0;
function configFile(lines: string[]): string {
  const f = join(work, `c${n++}.yaml`);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
}
async function failure(p: Promise<unknown>): Promise<EocubeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EocubeError);
    return err as EocubeError;
  }
  throw new Error("expected a failure");
}

describe("config checks (INVALID_CONFIG names the file, field and allowed values)", () => {
  it("rejects an unknown field, listing the allowed ones", async () => {
    const f = configFile([...HEAD, "licence: MIT", "items: [{ id: a, assets: [{ key: d, path: geotiff/sample-cog.tif }] }]"]);
    const e = await failure(loadPrrConfig(f));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.path).toBe(f);
    expect(e.field).toBe("licence");
    expect(e.message).toBe(`${f}:6: unknown field "licence"`);
    expect(e.hint).toMatch(/^did you mean "license"\? allowed fields: id, title, description, license, /);
  });

  it("rejects a licence that is not SPDX / various / proprietary", async () => {
    const f = configFile(["id: c1", "title: T", "description: D", "license: CC-BY", "items: [{ glob: x }]"]);
    const e = await failure(loadPrrConfig(f));
    expect(e.field).toBe("license");
    expect(e.hint).toMatch(/SPDX.*various.*proprietary/);
  });

  it("names a missing required field and a bad field deep in an item", async () => {
    let e = await failure(loadPrrConfig(configFile(["id: c1", "title: T", "license: MIT", "items: [{ glob: x }]"])));
    expect(e.field).toBe("description");
    e = await failure(loadPrrConfig(configFile([...HEAD, "items:", "  - id: a", "    assets: [{ key: d, path: x.nc, roles: data }]"])));
    expect(e.field).toBe("items[0].assets[0].roles");
    e = await failure(loadPrrConfig(configFile([...HEAD, "items:", "  - glob: '*.nc'", "    asset: { key: d, colour: red }"])));
    expect(e.field).toBe("items[0].asset.colour");
    e = await failure(loadPrrConfig(configFile([...HEAD, '"sci:doi": not-a-doi', "items: [{ glob: x }]"])));
    expect(e.field).toBe("sci:doi");
  });

  it("needs exactly one of path or href per asset", async () => {
    const e = await failure(
      loadPrrConfig(configFile([...HEAD, "items: [{ id: a, assets: [{ key: d, path: a.nc, href: 'https://x.org/a.nc' }] }]"])),
    );
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.field).toBe("items[0].assets[0]");
  });

  it("reports YAML syntax errors with the line", async () => {
    const e = await failure(loadPrrConfig(configFile(["id: c1", "title: [unclosed"])));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.message).toMatch(/not valid YAML at line \d+/);
  });

  it("a missing config is NOT_FOUND", async () => {
    expect((await failure(loadPrrConfig(join(work, "nope.yaml")))).code).toBe("NOT_FOUND");
  });
});

describe("ids", () => {
  it.each(["../x", "a/b", "my item", "x..y", ".hidden", ""])("rejects the unsafe item id %j", async (id) => {
    const f = configFile([...HEAD, "items:", `  - id: ${JSON.stringify(id)}`, "    assets: [{ key: d, path: geotiff/sample-cog.tif }]"]);
    const e = await failure(loadPrrConfig(f));
    expect(e.code).toBe(id === "" ? "INVALID_CONFIG" : "UNSAFE_ID"); // an empty id fails the schema (minLength)
    expect(e.field).toBe("items[0].id");
  });

  it("rejects an unsafe collection id in the schema", async () => {
    const e = await failure(loadPrrConfig(configFile(["id: ../up", "title: T", "description: D", "license: MIT", "items: [{ glob: x }]"])));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.field).toBe("id");
  });

  it("rejects duplicate item ids, also when two globs give the same file name", async () => {
    let e = await failure(
      loadPrrConfig(
        configFile([
          ...HEAD,
          "items:",
          "  - { id: a, assets: [{ key: d, path: geotiff/sample-cog.tif }] }",
          "  - { id: a, assets: [{ key: d, path: geotiff/RGB.byte.tif }] }",
        ]),
      ),
    );
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.message).toMatch(/"a" is used twice \(items\[0\] and items\[1\]\)/);
    e = await failure(loadPrrConfig(configFile([...HEAD, "items:", "  - glob: geotiff/RGB.byte.tif", "  - glob: geotiff/RGB.byte.*"])));
    expect(e.message).toMatch(/"RGB.byte" is used twice/);
    e = await failure(
      loadPrrConfig(configFile([...HEAD, "items:", "  - { id: a, assets: [{ key: d, path: x.tif }, { key: d, path: y.tif }] }"])),
    );
    expect(e.field).toBe("items[0].assets[1].key");
  });

  it("makes safe ids from file names", () => {
    expect(idFromFileName("20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc")).toBe(
      "20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0",
    );
    expect(idFromFileName("my file (v2).tif")).toBe("my-file-v2");
    expect(idFromFileName("package.tar.gz")).toBe("package");
    expect(idFromFileName("cube.zarr/")).toBe("cube");
    expect(idFromFileName("__x..y__.nc")).toBe("x.y");
  });
});

describe("globs", () => {
  it("expands *, ?, {a,b} and ** relative to base_dir, one item per file", async () => {
    const ostia = await expandGlob(DATA, "netcdf3/2017060?120000-*.nc");
    expect(ostia.map((p) => p.slice(DATA.length))).toEqual(
      [5, 6, 7].map((d) => `netcdf3/2017060${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`),
    );
    expect((await expandGlob(DATA, "netcdf4/{GFS_global,gfs_output}.nc")).length).toBe(2);
    expect((await expandGlob(DATA, "**/sample-cog.tif")).map((p) => p.slice(DATA.length))).toEqual(["geotiff/sample-cog.tif"]);
    expect((await expandGlob(DATA, "zarr/*.zarr")).map((p) => p.slice(DATA.length))).toEqual(["zarr/cube-1-250-250.zarr"]);
    const r = await loadPrrConfig(
      configFile([...HEAD, "items:", "  - glob: netcdf3/2017060*.nc", "    id_prefix: sst-", "    asset: { title: SST }"]),
    );
    expect(r.items.map((i) => i.id)).toEqual(
      [5, 6, 7].map((d) => `sst-2017060${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0`),
    );
    expect(r.items[0]!.assets[0]).toMatchObject({ key: "data", title: "SST", path: ostia[0] });
  });

  it("a glob matching nothing is INVALID_CONFIG naming the glob", async () => {
    const e = await failure(loadPrrConfig(configFile([...HEAD, "items: [{ glob: 'netcdf3/*.grib' }]"])));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.field).toBe("items[0].glob");
  });

  it("paths are relative to base_dir, itself relative to the config file", async () => {
    mkdirSync(join(work, "proj", "cfg"), { recursive: true });
    const f = join(work, "proj", "cfg", "prr.yaml");
    writeFileSync(
      f,
      [
        "id: c1",
        "title: T",
        "description: D",
        "license: MIT",
        "base_dir: ..",
        "items: [{ id: a, assets: [{ key: d, path: data/x.nc }] }]",
      ].join("\n"),
    );
    const r = await loadPrrConfig(f);
    expect(r.baseDir).toBe(join(work, "proj"));
    expect(r.items[0]!.assets[0]!.path).toBe(join(work, "proj", "data", "x.nc"));
  });
});

describe("--init template", () => {
  it("is a valid config, written once (ALREADY_EXISTS without force)", async () => {
    expect(parsePrrConfig(PRR_CONFIG_TEMPLATE, "template").id).toBe("my-project-results");
    const f = join(work, "tpl.yaml");
    await writePrrTemplate(f);
    expect(readFileSync(f, "utf8")).toBe(PRR_CONFIG_TEMPLATE);
    writeFileSync(f, "mine");
    expect((await failure(writePrrTemplate(f))).code).toBe("ALREADY_EXISTS");
    expect(readFileSync(f, "utf8")).toBe("mine");
    await writePrrTemplate(f, { force: true });
    expect(readFileSync(f, "utf8")).toBe(PRR_CONFIG_TEMPLATE);
  });
});
