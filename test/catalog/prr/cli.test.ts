// `eocube prr` through the CLI's main(): output, --json, exit codes; bad input: missing files, unreadable
// data (plain asset + warning), an existing output folder (refused; --force replaces it atomically),
// a collection that does not validate (nothing written).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/index.js";
import { validatePrrDocuments } from "../../../src/catalog/prr/index.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "eocube-prr-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(["node", "eocube", "prr", ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

let n = 0;
function config(items: string[], extra: string[] = []): string {
  const f = join(work, `prr${n++}.yaml`);
  writeFileSync(
    f,
    `${["id: cli-test", "title: T", "description: D", "license: MIT", `base_dir: ${work}`, ...extra, "items:", ...items].join("\n")}\n`,
  );
  return f;
}

mkdirSync(join(work, "data"));
copyFileSync(join(DATA, "geotiff/sample-cog.tif"), join(work, "data", "cog.tif"));
const COG_ITEM = ["  - { id: cog, datetime: 2020-01-01, assets: [{ key: data, path: data/cog.tif }] }"];

describe("eocube prr (CLI)", () => {
  it("writes the collection and prints a summary (exit 0); --json prints files, warnings and extent", async () => {
    const out = join(work, "out-ok");
    const r = await run(config(COG_ITEM), "-o", out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote 2 STAC documents to .*out-ok \(collection cli-test, 1 items\), all valid$/m);
    expect(r.out).toContain("cog/cog.json");
    expect(JSON.parse(readFileSync(join(out, "cog", "cog.json"), "utf8")).assets.data.href).toBe("./cog.tif");
    expect(readFileSync(join(out, "cog", "cog.tif")).equals(readFileSync(join(work, "data", "cog.tif")))).toBe(true);
    const j = await run(config(COG_ITEM), "-o", join(work, "out-json"), "--json");
    expect(j.code).toBe(0);
    const body = JSON.parse(j.out);
    expect(body.files).toEqual(["collection.json", "cog/cog.json"]);
    expect(body.extent.spatial.bbox[0][0]).toBeCloseTo(-106.11, 2);
  });

  it("refuses an existing output folder (exit 2, untouched); --force replaces it whole", async () => {
    const out = join(work, "out-exists");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "old");
    const r = await run(config(COG_ITEM), "-o", out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: output .*out-exists exists/);
    expect(r.err).toMatch(/--force/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(out)).toEqual(["keep.txt"]);
    const f = await run(config(COG_ITEM), "-o", out, "--force");
    expect(f.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["cog", "collection.json"]);
    expect(readdirSync(work).filter((x) => /\.(tmp|old)-/.test(x))).toEqual([]);
  });

  it("refuses data inside the output folder (--force would delete them)", async () => {
    const out = join(work, "out-holds-data");
    mkdirSync(out);
    copyFileSync(join(DATA, "geotiff/sample-cog.tif"), join(out, "cog.tif"));
    const r = await run(
      config(["  - { id: a, datetime: 2020-01-01, assets: [{ key: data, path: out-holds-data/cog.tif }] }"]),
      "-o",
      out,
      "--force",
      "--json",
    );
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error).toMatchObject({ code: "INVALID_ARGUMENT", field: "items[0].assets[0].path" });
    expect(readdirSync(out)).toEqual(["cog.tif"]);
  });

  it("a missing asset file is NOT_FOUND naming the config field; nothing is written", async () => {
    const out = join(work, "out-missing");
    const r = await run(config(["  - { id: a, assets: [{ key: data, path: data/nope.nc }] }"]), "-o", out, "--json");
    expect(r.code).toBe(2);
    const e = JSON.parse(r.err).error;
    expect(e.code).toBe("NOT_FOUND");
    expect(e.field).toBe("items[0].assets[0].path");
    expect(existsSync(out)).toBe(false);
  });

  it("unreadable data become a plain asset with a warning, never a crash", async () => {
    writeFileSync(join(work, "data", "broken.nc"), "CDF\x01 this is not really NetCDF");
    const tif = readFileSync(join(DATA, "geotiff/sample-cog.tif"));
    writeFileSync(join(work, "data", "truncated.tif"), tif.subarray(0, 300));
    const out = join(work, "out-broken");
    const r = await run(
      config([
        "  - { id: broken, datetime: 2020-01-01, assets: [{ key: nc, path: data/broken.nc }, { key: tif, path: data/truncated.tif }] }",
      ]),
      "-o",
      out,
    );
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: broken\/nc: cannot read the data/);
    expect(r.err).toMatch(/warning: broken\/tif: cannot read the data/);
    const item = JSON.parse(readFileSync(join(out, "broken", "broken.json"), "utf8"));
    expect(item.assets.nc).toMatchObject({ type: "application/x-netcdf", roles: ["data"] });
    expect(item.assets.nc["file:size"]).toBe(Buffer.byteLength("CDF\x01 this is not really NetCDF", "utf8"));
    expect(item.assets.tif.type).toBe("image/tiff; application=geotiff");
    expect(item.geometry).toBeNull();
    expect(item.properties["cube:dimensions"]).toBeUndefined();
  });

  it("does not write anything when a document does not validate, naming document, pointer and rule", async () => {
    const out = join(work, "out-invalid");
    const r = await run(config(COG_ITEM, ["links: [{ rel: item, href: 'https://example.org/elsewhere.json' }]"]), "-o", out, "--json");
    expect(r.code).toBe(2);
    const e = JSON.parse(r.err).error;
    expect(e.code).toBe("VALIDATION_FAILED");
    expect(e.path).toBe("collection.json");
    expect(e.details[0]).toMatchObject({ document: "collection.json", rule: "SELF_CONTAINED" });
    expect(e.details[0].pointer).toMatch(/^\/links\/\d+\/href$/);
    expect(existsSync(out)).toBe(false);
    // schema failures name the JSON pointer and the schema section
    const docs = new Map([
      ["x/x.json", { type: "Feature", stac_version: "1.0.0", id: "x", geometry: null, properties: { datetime: 5 }, links: [], assets: {} }],
    ]);
    const p = validatePrrDocuments(docs as never);
    expect(p[0]).toMatchObject({ document: "x/x.json", section: "Feature" });
    expect(p.map((q) => q.instancePath)).toContain("/properties/datetime");
  });

  it("usage errors exit 2: no config, no -o; --init writes the template once", async () => {
    expect((await run()).code).toBe(2);
    expect((await run(config(COG_ITEM))).err).toMatch(/missing -o/);
    const tpl = join(work, "tpl.yaml");
    expect((await run("--init", "-o", tpl)).code).toBe(0);
    expect(readFileSync(tpl, "utf8")).toMatch(/^# eocube prr/);
    const again = await run("--init", "-o", tpl);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists/);
    expect((await run("--init", "-o", tpl, "--force")).code).toBe(0);
  });
});
