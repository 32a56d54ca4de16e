// The studio's API on a real catalog sample and a real git catalog repository: browsing and search, entity pages with
// their files, inspecting the demo cube, field-by-field checks, and a form publication that equals the CLI's.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDatasetConfig, parseWorkflowConfig } from "../../src/catalog/osc/config.js";
import { configPlanBuilder } from "../../src/catalog/publish/builder.js";
import { buildApp } from "../../src/server/app.js";
import { studioRoutes } from "../../src/server/routes/studio.js";
import { loadCatalogIndex } from "../../src/studio/catalog-index.js";
import { cleanupTempDirs, git, initCatalogRepo, SAMPLE_CATALOG, sampleCatalogRepo } from "../helpers/catalog-repo.js";
import { REPO_ROOT, ZARR_CUBE } from "../helpers/paths.js";

const NOW = new Date("2026-03-01T12:00:00Z");
let app: FastifyInstance;
let repo: string;

/** examples/dataset-config.yaml and workflow-config.yaml as the form sends them (the shared cube by absolute path). */
async function demoConfigs(): Promise<{ dataset: Record<string, unknown>; workflow: Record<string, unknown> }> {
  const dtext = (await readFile(join(REPO_ROOT, "examples/dataset-config.yaml"), "utf8")).replace(
    /^data_source:\n(?:\s+- .*\n)+/m,
    `data_source:\n  - ${ZARR_CUBE}\n`,
  );
  const wtext = await readFile(join(REPO_ROOT, "examples/workflow-config.yaml"), "utf8");
  return {
    dataset: JSON.parse(JSON.stringify(parseDatasetConfig(dtext, "dataset-config.yaml"))),
    workflow: JSON.parse(JSON.stringify(parseWorkflowConfig(wtext, "workflow-config.yaml"))),
  };
}

beforeAll(async () => {
  repo = await sampleCatalogRepo();
  app = await buildApp({ Datasets: [] }, {}, { logger: false, warmUp: false });
  await studioRoutes(app, { catalogDir: repo, now: () => NOW });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await cleanupTempDirs();
});

describe("the studio's catalog index", () => {
  it("indexes every entity of the sample and searches by facet, text, bbox and time", async () => {
    const index = await loadCatalogIndex(SAMPLE_CATALOG);
    expect(index.counts()).toMatchObject({ product: 4, project: 3, theme: 3, variable: 3, workflow: 3, experiment: 3 });
    expect(index.problems).toEqual([]);
    const all = index.search();
    expect(all.total).toBe(4);
    expect(all.facets.theme.oceans).toBeGreaterThan(0);
    expect(index.search({ variable: "sea-ice" }).hits.map((h) => h.id)).toContain("polaris");
    expect(index.search({ q: "POLARIS polar" }).hits.map((h) => h.id)).toContain("polaris");
    expect(index.search({ q: "no-such-word-anywhere" }).total).toBe(0);
    // polaris is global 2020–2024: found by any bbox, not by a time range before it
    expect(index.search({ bbox: [0, 0, 1, 1], q: "polaris" }).total).toBe(1);
    expect(index.search({ q: "polaris", end: "2019-12-31" }).total).toBe(0);
    expect(index.search({ q: "polaris", start: "2021-01-01", end: "2021-02-01" }).total).toBe(1);
    expect(index.search({ kind: "workflow", project: "cerulean-information-factory" }).hits.map((h) => h.id)).toContain("polaris");
  });
});

describe("the studio's API", () => {
  it("GET /studio/api/search and /entity: an experiment's input.yaml and environment.yaml, links resolved to entities", async () => {
    const s = (await app.inject({ url: "/studio/api/search?kind=product&theme=oceans&bbox=-180,-90,180,90" })).json();
    expect(s.hits.map((h: { id: string }) => h.id)).toContain("polaris");
    const bad = await app.inject({ url: "/studio/api/search?bbox=1,2,3" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "INVALID_PARAMS" });
    const exp = (await app.inject({ url: "/studio/api/entity/experiment/polaris" })).json();
    expect(exp.files.map((f: { rel: string }) => f.rel).sort()).toEqual(["environment", "input"]);
    expect(exp.files.find((f: { rel: string }) => f.rel === "input").text).toContain("ICECHART_SHAPEFILE");
    expect(exp.links).toContainEqual(expect.objectContaining({ rel: "related", entity: { kind: "workflow", id: "polaris" } }));
    const product = (await app.inject({ url: "/studio/api/entity/product/polaris" })).json();
    expect(product.bbox).toEqual([-180, -90, 180, 90]);
    expect((await app.inject({ url: "/studio/api/entity/product/nope" })).statusCode).toBe(404);
  });

  it("POST /studio/api/inspect reads the demo cube and suggests existing OSC variables", async () => {
    const r = (await app.inject({ method: "POST", url: "/studio/api/inspect", payload: { source: ZARR_CUBE } })).json();
    expect(r.variables.map((v: { name: string }) => v.name)).toEqual(["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"]);
    expect(r.config).toMatchObject({ dataset_id: "cube-1-250-250.zarr", collection_id: "cube-1-250-250", data_source: [ZARR_CUBE] });
    expect(r.bbox[0]).toBeCloseTo(0, 1);
    expect(r.timeRange[0]).toMatch(/^2017-01-/);
  });

  it("POST /studio/api/check names every field that breaks the OSC config rules", async () => {
    const r = (
      await app.inject({
        method: "POST",
        url: "/studio/api/check",
        payload: {
          dataset: {
            dataset_id: "x.zarr",
            collection_id: "Bad Id",
            license_type: "GPL-ish",
            osc_themes: ["ocean"],
            osc_project: "new-proj",
          },
          workflow: { workflow_id: "wf", properties: { title: "t" } },
        },
      })
    ).json();
    const fields = r.problems.map((p: { field: string }) => p.field);
    expect(r.valid).toBe(false);
    expect(fields).toEqual(
      expect.arrayContaining([
        "dataset.collection_id",
        "dataset.license_type",
        "dataset.osc_themes[0]",
        "workflow.properties.license",
        "dataset.osc_project_technical_officer",
      ]),
    );
  });

  it("a form publication equals the CLI's: same configs, one commit with the same files as eocube publish", async () => {
    const { dataset, workflow } = await demoConfigs();
    const checked = (await app.inject({ method: "POST", url: "/studio/api/check", payload: { dataset, workflow } })).json();
    expect(checked.problems).toEqual([]);
    // the YAML the form writes reads back as the same configs
    expect(JSON.parse(JSON.stringify(parseDatasetConfig(checked.files["dataset-config.yaml"], "d.yaml")))).toEqual(dataset);
    expect(JSON.parse(JSON.stringify(parseWorkflowConfig(checked.files["workflow-config.yaml"], "w.yaml")))).toEqual(workflow);

    const [cliRepo, formRepo] = await Promise.all([initCatalogRepo(), initCatalogRepo()]);
    const form = await buildApp({ Datasets: [] }, {}, { logger: false, warmUp: false });
    await studioRoutes(form, { catalogDir: formRepo, now: () => NOW });
    try {
      const before = git(formRepo, "rev-parse", "HEAD").trim();
      const res = await form.inject({ method: "POST", url: "/studio/api/publish", payload: { dataset, workflow, target: "local" } });
      expect(res.statusCode).toBe(200);
      const out = res.json();
      expect(out).toMatchObject({ valid: true, noop: false, branch: "publish/xcube-demo-olci-north-sea-20260301120000" });
      // one commit on top of main; main untouched
      expect(git(formRepo, "rev-list", "--count", `${before}..${out.branch}`).trim()).toBe("1");
      expect(git(formRepo, "rev-parse", "HEAD").trim()).toBe(before);

      // the CLI's plan from the same YAML files (configPlanBuilder: what `eocube publish` builds before its commit)
      const cfgDir = join(cliRepo, "..");
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(cfgDir, "dataset-config.yaml"), checked.files["dataset-config.yaml"]);
      await writeFile(join(cfgDir, "workflow-config.yaml"), checked.files["workflow-config.yaml"]);
      const build = await configPlanBuilder(join(cfgDir, "dataset-config.yaml"), join(cfgDir, "workflow-config.yaml"), {
        mode: "all",
        now: NOW,
      });
      const plan = await build(cliRepo);
      const changed = git(formRepo, "diff", "--name-only", "HEAD", out.branch).trim().split("\n").sort();
      expect(changed).toEqual(plan.files.map((f) => f.path).sort());
      for (const f of plan.files.filter((p) => !p.path.endsWith("environment.yaml")))
        expect(git(formRepo, "show", `${out.branch}:${f.path}`), f.path).toBe(f.content);
    } finally {
      await form.close();
    }
  });
});
