// `eocube prr` accepts deep-code's dev `generate-prr-collection` config (its dataset config with items_config, as in
// deep-code's tests/tools/test_prr.py) unchanged: a copy of the real Zarr cube next to it becomes the item's asset.
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parsePrrConfig } from "../../../src/catalog/prr/config.js";
import { main } from "../../../src/cli/index.js";
import { isEocubeError } from "../../../src/core/errors.js";
import { deepCodeReadyCube } from "../osc/cube-copy.js";

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

/** deep-code's test config (test_prr.py `_write_config`), with the PRR fields of its docs. */
const CONFIG = `collection_id: tool-prr
items_config:
- dataset_id: test.zarr
  item_id: tool-item
license_type: CC-BY-4.0
osc_project: tool-project
osc_project_url: https://project.example.org
osc_status: ongoing
osc_region: Global
osc_themes:
- Oceans
documentation_link: https://example.org
osc_missions: [sentinel-3]
osc_contract_number: 4000114410/15/NL/BW
osc_project_description: Project description.
thumbnail: https://example.org/logo.jpeg
sci_doi: 10.1000/xyz123
`;

describe("eocube prr with deep-code's generate-prr-collection config", () => {
  it("writes a valid collection: the cube next to the config is the item's zarr-data asset; unwritten fields are named", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-prr-dc-"));
    await cp(await deepCodeReadyCube("test.zarr"), join(dir, "test.zarr"), { recursive: true });
    const file = join(dir, "dataset-config.yaml");
    await writeFile(file, CONFIG);
    const out = join(dir, "out");
    const r = await run(file, "-o", out, "--json");
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out);
    const collection = JSON.parse(await readFile(join(out, "collection.json"), "utf8"));
    expect(collection.id).toBe("tool-prr");
    expect(collection.title).toBe("Tool Prr");
    expect(collection.license).toBe("CC-BY-4.0");
    expect(collection["osc:project"]).toBe("tool-project");
    expect(collection["osc:status"]).toBe("ongoing");
    expect(collection["sci:doi"]).toBe("10.1000/xyz123");
    expect(collection.themes[0].concepts).toEqual([{ id: "oceans" }]);
    expect(collection.links.filter((l: { rel: string }) => l.rel === "via" || l.rel === "related")).toEqual([
      { rel: "via", href: "https://example.org", type: "text/html", title: "Documentation" },
      { rel: "related", href: "https://project.example.org", type: "text/html", title: "Project website" },
    ]);
    // the Zarr is copied next to the item and linked relatively, as deep-code writes it for the PRR
    const item = JSON.parse(await readFile(join(out, "tool-item", "tool-item.json"), "utf8"));
    expect(item.assets["zarr-data"]).toMatchObject({ href: "./test.zarr", type: "application/vnd+zarr", roles: ["data"] });
    expect(item.bbox).toEqual([0, 50, 5, 52.5]);
    const messages = body.warnings.map((w: { message: string }) => w.message);
    expect(messages).toContain(
      'deep-code config without description: the collection gets deep-code\'s "No description provided."; set description',
    );
    expect(messages).toContain(
      "deep-code field(s) eocube prr does not write: osc_contract_number, osc_project_description, osc_missions, osc_region, thumbnail",
    );
  });

  it("a bare dataset_id that is no local folder is linked under access_link_root (deep-code's default s3://deep-esdl-public/); wrong values are named as usual", () => {
    const cfg = parsePrrConfig(
      CONFIG.replace("dataset_id: test.zarr", "dataset_id: elsewhere.zarr"),
      join(tmpdir(), "no-such-dir", "c.yaml"),
    );
    expect(cfg.items[0]).toMatchObject({
      id: "tool-item",
      assets: [{ key: "zarr-data", href: "s3://deep-esdl-public/elsewhere.zarr", extract: true }],
    });
    try {
      parsePrrConfig(CONFIG.replace("license_type: CC-BY-4.0", "license_type: not-a-licence"), "c.yaml");
      throw new Error("accepted");
    } catch (err) {
      if (!isEocubeError(err)) throw err;
      expect(err.code).toBe("INVALID_CONFIG");
      expect(err.message).toMatch(/license/);
    }
  });
});
