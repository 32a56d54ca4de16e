// catalog init: a new OSC catalog git repository (real git), the six themes, refusal of non-empty folders.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initCatalog } from "../../../src/catalog/osc/init.js";
import { validateCatalog } from "../../../src/catalog/osc/validate/index.js";
import { OSC_THEMES } from "../../../src/catalog/osc/themes.js";
import { main } from "../../../src/cli/index.js";
import { runCli } from "../../helpers/cli.js";

/** Width and height from a lossless WebP (VP8L) header. */
function webpSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(0, 4).toString("latin1")).toBe("RIFF");
  expect(bytes.subarray(8, 16).toString("latin1")).toBe("WEBPVP8L");
  const b = bytes.readUInt32LE(21);
  return [(b & 0x3fff) + 1, ((b >> 14) & 0x3fff) + 1];
}

describe("initCatalog", () => {
  it("creates the root, seven sub-catalogs and six themes, and commits them", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "eocube-init-")), "osc");
    const now = new Date("2026-01-02T03:04:05Z");
    const result = await initCatalog(dir, { now });
    expect(result.files).toContain("catalog.json");
    for (const sub of ["products", "projects", "variables", "themes", "eo-missions", "workflows", "experiments"]) {
      expect(result.files).toContain(`${sub}/catalog.json`);
      const cat = JSON.parse(await readFile(join(dir, sub, "catalog.json"), "utf8"));
      expect(cat.id).toBe(sub);
      expect(cat.links.find((l: { rel: string }) => l.rel === "root").href).toBe("../catalog.json");
      expect(cat.links.find((l: { rel: string }) => l.rel === "parent").title).toBe("Open Science Catalog");
    }
    const root = JSON.parse(await readFile(join(dir, "catalog.json"), "utf8"));
    expect(root.id).toBe("osc");
    expect(root.title).toBe("Open Science Catalog");
    expect(root.links.filter((l: { rel: string }) => l.rel === "child")).toHaveLength(7);
    expect(root.updated).toBe("2026-01-02T03:04:05.000Z");

    expect((await readdir(join(dir, "themes"))).sort()).toEqual([
      "atmosphere",
      "catalog.json",
      "cryosphere",
      "land",
      "magnetosphere-ionosphere",
      "oceans",
      "solid-earth",
    ]);
    // theme fields are the real catalog's (sample: themes/oceans/catalog.json)
    const sample = JSON.parse(
      await readFile(new URL("../../../../shared/fixtures/osc-catalog-sample/themes/oceans/catalog.json", import.meta.url), "utf8"),
    );
    const oceans = JSON.parse(await readFile(join(dir, "themes/oceans/catalog.json"), "utf8"));
    expect(oceans.description).toBe(sample.description);
    expect(oceans.title).toBe(sample.title);
    expect(Object.keys(oceans)).toEqual(Object.keys(sample));
    for (const theme of OSC_THEMES) {
      const cat = JSON.parse(await readFile(join(dir, "themes", theme.id, "catalog.json"), "utf8"));
      const preview = cat.links.find((l: { rel: string }) => l.rel === "preview");
      const [w, h] = webpSize(await readFile(join(dir, "themes", theme.id, preview.href)));
      expect(preview["proj:shape"]).toEqual([h, w]);
      expect(preview["proj:epsg"]).toBeNull();
    }
    // every file ends with a newline and uses 2-space indentation
    const text = await readFile(join(dir, "products/catalog.json"), "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toMatch(/^ {2}"type"/);

    // real git: one commit holding every file, clean tree
    const log = execFileSync("git", ["log", "--format=%H %s"], { cwd: dir, encoding: "utf8" }).trim().split("\n");
    expect(log).toHaveLength(1);
    expect(log[0]).toContain(result.commit!);
    const tracked = execFileSync("git", ["ls-files"], { cwd: dir, encoding: "utf8" }).trim().split("\n").sort();
    expect(tracked).toEqual(result.files);
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" })).toBe("");

    // the OSC validator accepts it without errors or warnings
    const report = await validateCatalog(dir);
    expect(report.files.flatMap((f) => [...f.errors, ...f.warnings].map((p) => `${f.file}: ${p.message}`))).toEqual([]);
    expect(report.summary).toMatchObject({ files: 14, valid: 14, invalid: 0 });
  });

  it("accepts an existing empty folder and refuses a non-empty one, leaving it untouched", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-init-"));
    await expect(initCatalog(dir, { git: false })).resolves.toMatchObject({ dir });
    const other = await mkdtemp(join(tmpdir(), "eocube-init-"));
    await writeFile(join(other, "README.md"), "mine\n");
    await expect(initCatalog(other)).rejects.toMatchObject({ code: "ALREADY_EXISTS", path: other });
    expect(await readdir(other)).toEqual(["README.md"]);
  });

  it("refuses a file in place of the folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-init-"));
    await writeFile(join(dir, "f"), "x");
    await expect(initCatalog(join(dir, "f"))).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
  });
});

describe("eocube catalog init (CLI)", () => {
  it("exits 0 on success, 2 on a non-empty folder", async () => {
    const base = await mkdtemp(join(tmpdir(), "eocube-init-cli-"));
    expect(await main(["node", "eocube", "catalog", "init", join(base, "osc"), "--json"])).toBe(0);
    await mkdir(join(base, "full"));
    await writeFile(join(base, "full", "x"), "x");
    expect(await main(["node", "eocube", "catalog", "init", join(base, "full")])).toBe(2);
  });

  // ENOTDIR (a parent is a file), EPERM (/sys) and ENOENT under /proc, where Node's recursive mkdir never returned
  const linux = process.platform === "linux";
  it.runIf(linux)(
    "file-system failures are one message naming the path, exit 2, no stack, nothing left behind; /proc does not hang",
    async () => {
      const base = await mkdtemp(join(tmpdir(), "eocube-init-fs-"));
      await writeFile(join(base, "afile"), "x");
      const cases: Array<[string, RegExp]> = [
        [join(base, "afile", "sub"), /a part of the path is a file, not a folder \(ENOTDIR\)/],
        [join(base, "afile", "a", "b"), /ENOTDIR/],
        ["/sys/nope", /permission denied \(EPERM\)/],
        ["/proc/nope", /cannot create \/proc\/nope .*\(ENOENT\)/],
        ["/proc/nope/deeper/still", /cannot create \/proc\/nope\/deeper\/still .*\(ENOENT\)/],
      ];
      for (const [path, re] of cases) {
        const res = await runCli(["catalog", "init", path], { timeoutMs: 15_000 });
        expect(res.code, `${path}: ${res.stderr}`).toBe(2);
        expect(res.stderr).toMatch(new RegExp(`^error: .*${path.replace(/[/.]/g, "\\$&")}`, "m"));
        expect(res.stderr).toMatch(re);
        expect(res.stderr).toMatch(/^ {2}hint: /m);
        expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
      }
      expect(await readdir(base)).toEqual(["afile"]);
    },
  );

  it("a folder it made for nested missing parents is removed again when a later step fails", async () => {
    const base = await mkdtemp(join(tmpdir(), "eocube-init-fs-"));
    const { makeFolders } = await import("../../../src/catalog/osc/folders.js");
    await writeFile(join(base, "f"), "x");
    expect(await makeFolders(join(base, "a", "b", "c"), "testing")).toBe(join(base, "a"));
    expect(await readdir(join(base, "a", "b"))).toEqual(["c"]);
    expect(await makeFolders(join(base, "a", "b"), "testing")).toBeUndefined();
    await expect(makeFolders(join(base, "f", "g"), "testing")).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
      path: join(base, "f", "g"),
    });
  });
});
