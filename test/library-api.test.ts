// The README's library example, run as written against "eocube" (src/index.ts): validate a catalog, plan and publish
// a dataset from deep-code style config files into a catalog repository, and build a PRR collection.
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildPrrCollection,
  buildPublication,
  loadDatasetConfig,
  loadPrrConfig,
  loadWorkflowConfig,
  publish,
  validateCatalog,
  writePrrCollection,
} from "../src/index.js";
import { cleanupTempDirs, git, SAMPLE_CATALOG, sampleCatalogRepo, tempDir, writeDatasetConfig } from "./helpers/catalog-repo.js";
import { REPO_ROOT } from "./helpers/paths.js";

afterAll(cleanupTempDirs);

const DATA = join(REPO_ROOT, "..", "shared", "data");

describe('the library API: import { publish, buildPublication, validateCatalog, buildPrrCollection } from "eocube"', () => {
  it("validateCatalog: the OSC CI's verdict per file, with eocube's warnings", async () => {
    const dir = join(await tempDir("eocube-lib-"), "catalog");
    await cp(SAMPLE_CATALOG, dir, { recursive: true });
    const report = await validateCatalog(dir);
    expect(report.summary).toEqual({ files: 36, valid: 36, invalid: 0, warnings: report.summary.warnings });
    expect(report.valid).toBe(true);
    const polaris = report.files.find((f) => f.file === "products/polaris/collection.json")!;
    expect(polaris).toMatchObject({ valid: true, errors: [] });
  });

  it("buildPublication plans the files; publish commits them on a branch of the catalog repository", async () => {
    const repo = await sampleCatalogRepo();
    const configs = await tempDir("eocube-lib-cfg-");
    const datasetConfig = await writeDatasetConfig(configs, "lib-cube");
    const workflowConfig = join(REPO_ROOT, "examples/workflow-config.yaml");

    const plan = await buildPublication(await loadDatasetConfig(datasetConfig), await loadWorkflowConfig(workflowConfig), repo, {
      now: new Date("2026-03-01T12:00:00Z"),
    });
    const planned = plan.files.map((f) => f.path);
    expect(planned).toContain("products/lib-cube/collection.json");
    expect(plan.files.find((f) => f.path === "products/catalog.json")?.action).toBe("update");

    const before = git(repo, "rev-parse", "HEAD").trim();
    const result = await publish({ catalogDir: repo, datasetConfig, workflowConfig, now: new Date("2026-03-01T12:00:00Z") });
    expect(result).toMatchObject({ noop: false, dryRun: false, branch: "publish/lib-cube-20260301120000" });
    expect(result.files.map((f) => f.path).sort()).toEqual([...planned].sort());
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(before); // the checkout is untouched
    const product = JSON.parse(git(repo, "show", `${result.branch}:products/lib-cube/collection.json`));
    expect(product.id).toBe("lib-cube");

    // the same publication again is a no-op naming the branch; a dry run from the files is one too
    const again = await publish({ catalogDir: repo, datasetConfig, workflowConfig, dryRun: true });
    expect(again).toMatchObject({ noop: true, branch: result.branch });
  });

  it("publish without a plan builder or a dataset config is INVALID_ARGUMENT naming datasetConfig", async () => {
    const repo = await sampleCatalogRepo();
    await expect(publish({ catalogDir: repo })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "datasetConfig" });
  });

  it("buildPrrCollection builds a PRR collection in memory; writePrrCollection writes it", async () => {
    const dir = await tempDir("eocube-lib-prr-");
    const config = join(dir, "prr.yaml");
    await writeFile(
      config,
      [
        "id: lib-prr",
        "title: Library example",
        "description: A PRR collection of one GeoTIFF.",
        "license: CC-BY-4.0",
        `base_dir: ${DATA}`,
        "items:",
        "  - id: cog",
        "    datetime: 2017-01-01 00:00:00+00:00", // as Python's YAML writes a datetime
        "    assets: [{ key: data, path: geotiff/sample-cog.tif }]",
        "",
      ].join("\n"),
    );
    const built = await buildPrrCollection(await loadPrrConfig(config), { outDir: join(dir, "out") });
    expect([...built.documents.keys()].sort()).toEqual(["cog/cog.json", "collection.json"]);
    expect(built.items[0]).toMatchObject({ id: "cog", properties: { datetime: "2017-01-01T00:00:00Z" } });
    const result = await writePrrCollection(config, { outDir: join(dir, "out") });
    expect([...result.files].sort()).toEqual(["cog/cog.json", "collection.json"]);
    expect(JSON.parse(await readFile(join(dir, "out", "collection.json"), "utf8")).id).toBe("lib-prr");
  });
});
