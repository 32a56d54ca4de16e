// `asset_files: copy | link` and `asset_base_url`: where local asset files end up and what their hrefs are
// (collection level, overridden per item and per asset); name clashes refused before anything is written.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { EocubeError } from "../../../src/core/errors.js";
import { PRR_CONFIG_TEMPLATE, parsePrrConfig, writePrrCollection } from "../../../src/catalog/prr/index.js";
import { validateStacObject } from "../../../src/catalog/stac/validate.js";
import { minimalPdf } from "./helpers.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const SCHEMAS = fileURLToPath(new URL("../../../schemas/", import.meta.url));
const PY_VALIDATOR = fileURLToPath(new URL("./validate_stac.py", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "eocube-prr-assets-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

mkdirSync(join(work, "data", "b"), { recursive: true });
copyFileSync(join(DATA, "geotiff/sample-cog.tif"), join(work, "data", "cog.tif"));
copyFileSync(join(DATA, "geotiff/sample-cog.tif"), join(work, "data", "b", "cog.tif"));
writeFileSync(join(work, "data", "manual.pdf"), minimalPdf("manual"));
writeFileSync(join(work, "data", "a.json"), "{}\n");

let n = 0;
function config(items: string[], extra: string[] = []): string {
  const f = join(work, `prr${n++}.yaml`);
  writeFileSync(
    f,
    `${[
      "id: assets-test",
      "title: T",
      "description: D",
      "license: MIT",
      "base_dir: data",
      "datetime: 2020-01-01",
      ...extra,
      "items:",
      ...items,
    ].join("\n")}\n`,
  );
  return f;
}
const read = (out: string, id: string) => JSON.parse(readFileSync(join(out, id, `${id}.json`), "utf8"));

async function failure(p: Promise<unknown>): Promise<EocubeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EocubeError);
    return err as EocubeError;
  }
  throw new Error("expected a failure");
}

describe("asset_files: link", () => {
  it("keeps the files where they are, hrefs relative to the item's JSON, and warns that they leave the output", async () => {
    const out = join(work, "out-link");
    const r = await writePrrCollection(
      config(["  - { id: cog, assets: [{ key: data, path: cog.tif }] }", "  - glob: '*.pdf'"], ["asset_files: link"]),
      { outDir: out },
    );
    expect(read(out, "cog").assets.data.href).toBe("../../data/cog.tif");
    expect(read(out, "manual").assets.data.href).toBe("../../data/manual.pdf");
    expect(readdirSync(join(out, "cog"))).toEqual(["cog.json"]);
    expect(r.assetFiles).toEqual([]);
    const leaving = r.warnings.filter((w) => /leaves the output folder/.test(w.message));
    expect(leaving.map((w) => `${w.item}/${w.asset}`).sort()).toEqual(["cog/data", "manual/data"]);
    expect(leaving[0]!.message).toMatch(/asset_files: copy/);
    // file:size/file:checksum still describe the local file
    expect(read(out, "cog").assets.data["file:size"]).toBe(readFileSync(join(work, "data", "cog.tif")).length);
  });

  it("is overridden per item and per asset (asset > item > collection, default copy)", async () => {
    const out = join(work, "out-mixed");
    const r = await writePrrCollection(
      config(
        [
          "  - { id: copied, asset_files: copy, assets: [{ key: a, path: cog.tif }, { key: b, path: manual.pdf, asset_files: link }] }",
          "  - { id: linked, assets: [{ key: a, path: cog.tif }] }",
          "  - { glob: 'b/*.tif', id_prefix: g-, asset: { asset_files: copy } }",
        ],
        ["asset_files: link"],
      ),
      { outDir: out },
    );
    const copied = read(out, "copied").assets;
    expect(copied.a.href).toBe("./cog.tif");
    expect(copied.b.href).toBe("../../data/manual.pdf");
    expect(read(out, "linked").assets.a.href).toBe("../../data/cog.tif");
    expect(read(out, "g-cog").assets.data.href).toBe("./cog.tif");
    expect(r.assetFiles.sort()).toEqual(["copied/cog.tif", "g-cog/cog.tif"]);
    expect(readFileSync(join(out, "g-cog", "cog.tif")).equals(readFileSync(join(work, "data", "b", "cog.tif")))).toBe(true);
    // without any asset_files the default is copy
    const out2 = join(work, "out-default");
    await writePrrCollection(config(["  - { id: cog, assets: [{ key: data, path: cog.tif }] }"]), { outDir: out2 });
    expect(readdirSync(join(out2, "cog")).sort()).toEqual(["cog.json", "cog.tif"]);
  });
});

describe("asset_base_url", () => {
  it("turns copied and linked local assets into absolute URLs under it (remote hrefs untouched); valid for both validators", async () => {
    const out = join(work, "out-url");
    const r = await writePrrCollection(
      config(
        [
          "  - id: cog",
          "    assets:",
          "      - { key: data, path: cog.tif }",
          "      - { key: manual, path: manual.pdf, asset_files: link }",
          "      - { key: remote, href: 'https://example.org/x/remote.nc', type: application/x-netcdf }",
          "  - { id: my-item.v2, assets: [{ key: data, path: b/cog.tif }] }",
        ],
        ["asset_base_url: https://prr.example.org/collections/assets-test"],
      ),
      { outDir: out },
    );
    const a = read(out, "cog").assets;
    expect(a.data.href).toBe("https://prr.example.org/collections/assets-test/cog/cog.tif");
    expect(a.manual.href).toBe("https://prr.example.org/collections/data/manual.pdf"); // ../../data/manual.pdf from …/assets-test/cog/
    expect(a.remote.href).toBe("https://example.org/x/remote.nc");
    expect(read(out, "my-item.v2").assets.data.href).toBe("https://prr.example.org/collections/assets-test/my-item.v2/cog.tif");
    expect(existsSync(join(out, "cog", "cog.tif"))).toBe(true);
    expect(r.warnings.filter((w) => /leaves the output folder/.test(w.message)).map((w) => w.asset)).toEqual(["manual"]);
    expect(r.warnings.find((w) => w.asset === "manual")!.message).toContain("https://prr.example.org/collections/data/manual.pdf");
    for (const f of r.files) expect(validateStacObject(JSON.parse(readFileSync(join(out, f), "utf8"))), f).toEqual([]);
    const py = spawnSync("/usr/bin/python3", [PY_VALIDATOR, SCHEMAS, out], { encoding: "utf8" });
    expect(JSON.parse(py.stdout)).toEqual({ documents: 3, errors: [] });
  });

  it("must be an absolute URL (INVALID_CONFIG naming the field)", async () => {
    const e = await failure(
      writePrrCollection(config(["  - { id: cog, assets: [{ key: data, path: cog.tif }] }"], ["asset_base_url: collections/x/"]), {
        outDir: join(work, "out-badurl"),
      }),
    );
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.field).toBe("asset_base_url");
    expect(existsSync(join(work, "out-badurl"))).toBe(false);
  });
});

describe("bad asset_files input", () => {
  it("names the field and the allowed values of an unknown mode", async () => {
    const e = await failure(
      writePrrCollection(config(["  - { id: cog, asset_files: move, assets: [{ key: data, path: cog.tif }] }"]), {
        outDir: join(work, "out-badmode"),
      }),
    );
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.field).toBe("items[0].asset_files");
    expect(e.hint).toMatch(/copy, link/);
  });

  it("refuses two copied assets with the same file name in one item (or one named <id>.json); nothing is written", async () => {
    const out = join(work, "out-clash");
    const e = await failure(
      writePrrCollection(config(["  - { id: cog, assets: [{ key: a, path: cog.tif }, { key: b, path: b/cog.tif }] }"]), { outDir: out }),
    );
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.field).toBe("items[0].assets[1].path");
    expect(e.message).toContain("cog/cog.tif");
    expect(e.hint).toMatch(/asset_files: link/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((x) => /\.tmp-/.test(x))).toEqual([]);
    const j = await failure(writePrrCollection(config(["  - { id: a, assets: [{ key: m, path: a.json }] }"]), { outDir: out }));
    expect(j.field).toBe("items[0].assets[0].path");
    expect(j.message).toMatch(/item's own JSON file/);
    // the same names linked (not copied) are fine
    await writePrrCollection(
      config(["  - { id: cog, asset_files: link, assets: [{ key: a, path: cog.tif }, { key: b, path: b/cog.tif }] }"]),
      { outDir: out },
    );
    expect(read(out, "cog").assets.b.href).toBe("../../data/b/cog.tif");
  });
});

describe("--init template", () => {
  it("shows asset_files and asset_base_url, and parses", () => {
    expect(PRR_CONFIG_TEMPLATE).toMatch(/^asset_files: copy/m);
    expect(PRR_CONFIG_TEMPLATE).toMatch(/^# asset_base_url: https:\/\//m);
    expect(parsePrrConfig(PRR_CONFIG_TEMPLATE, "t.yaml").asset_files).toBe("copy");
  });
});
