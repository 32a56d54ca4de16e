// eocube studio in Chromium: browsing and searching the catalog sample (facets, text, time, entity pages with their
// extent and an experiment's input.yaml), and the publishing form (each problem shown next to its field, the demo
// cube read and pre-filled, a publication that lands as one commit in a real git catalog repository).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { studioRoutes } from "../../src/server/routes/studio.js";
import { cleanupTempDirs, git, sampleCatalogRepo } from "../helpers/catalog-repo.js";
import { ZARR_CUBE } from "../helpers/paths.js";
import { type Browser, launchBrowser, ROOT } from "./harness.js";

let app: FastifyInstance;
let url: string;
let repo: string;
let browser: Browser;
let page: Page & { errors: string[] };

beforeAll(async () => {
  if (!existsSync(join(ROOT, "viewer", "dist", "studio.html"))) {
    const { build } = await import("vite");
    await build({ root: join(ROOT, "viewer"), logLevel: "warn" });
  }
  repo = await sampleCatalogRepo();
  app = await buildApp({ Datasets: [] }, {}, { logger: false, warmUp: false });
  await studioRoutes(app, { catalogDir: repo, now: () => new Date("2026-03-01T12:00:00Z"), cwd: ROOT });
  url = await app.listen({ port: 0, host: "127.0.0.1" });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${url}/studio`);
  await page.waitForSelector("body[data-ready]");
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await cleanupTempDirs();
});

const results = (p: Page) => p.locator("#results li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-id")));
const searched = (p: Page) => p.evaluate(() => Number(document.body.dataset.searched ?? 0));
async function nextSearch(p: Page, before: number): Promise<void> {
  await p.waitForFunction((n) => Number(document.body.dataset.searched ?? 0) > n, before);
}
async function waitTotal(p: Page, text: string): Promise<void> {
  await p.waitForFunction((t) => document.getElementById("total")?.textContent === t, text);
}
const checked = (p: Page) => p.evaluate(() => Number(document.body.dataset.checked ?? 0));
async function nextCheck(p: Page, before: number): Promise<void> {
  await p.waitForFunction((n) => Number(document.body.dataset.checked ?? 0) > n, before);
}
const errorAt = (p: Page, field: string) => p.locator(`[data-field="${field}"] .field-error`);

describe("eocube studio in Chromium", () => {
  it("browses and searches the catalog: facets, text, time, a product with its extent, an experiment's input.yaml", async () => {
    expect(page.url()).toContain("/viewer/studio.html");
    expect(await page.locator("#total").textContent()).toBe("4 results");

    const n = await searched(page);
    await page.selectOption("#f-variable", "sea-ice");
    await nextSearch(page, n);
    expect(await results(page)).toContain("polaris");
    expect(await results(page)).not.toContain("earthcare-frame-lightning");

    await page.selectOption("#f-variable", "");
    await page.fill("#q", "polaris");
    await waitTotal(page, "1 result");
    expect(await results(page)).toEqual(["polaris"]);
    await page.fill("#end", "2019-12-31");
    await waitTotal(page, "0 results");
    await page.fill("#end", "");
    await waitTotal(page, "1 result");

    await page.click('#results a[href="#product/polaris"]');
    await page.waitForFunction(() => document.getElementById("d-title")?.textContent === "POLARIS");
    expect(await page.locator("#extent-map").getAttribute("data-bbox")).toBe("-180,-90,180,90");
    expect(await page.locator("#d-fields").textContent()).toContain("sea-ice");
    await page.click('#d-links a[href="#experiment/polaris"]');
    await page.waitForSelector('pre[data-file="input"]');
    expect(await page.locator('pre[data-file="input"]').textContent()).toContain("ICECHART_SHAPEFILE");
    expect(await page.locator('pre[data-file="environment"]').count()).toBe(1);
    expect(page.errors).toEqual([]);
  }, 30_000);

  it("the form shows each problem next to its field, reads the demo cube, and publishes one commit", async () => {
    await page.click("#tab-publish");
    let n = await checked(page);
    await page.fill('[name="dataset.collection_id"]', "Bad Id");
    await nextCheck(page, n);
    for (const f of [
      "dataset.collection_id",
      "dataset.license_type",
      "dataset.osc_themes",
      "workflow.workflow_id",
      "workflow.properties.title",
      "workflow.properties.license",
    ])
      expect(await errorAt(page, f).count(), f).toBeGreaterThan(0);
    expect(await errorAt(page, "dataset.collection_id").first().textContent()).toContain("collection_id");

    // the dataset read through the stores pre-fills the variables (5 rows)
    await page.fill("#source", ZARR_CUBE);
    await page.click("#inspect");
    await page.waitForSelector("body[data-inspected]");
    expect(await page.locator("#variables tbody tr").count()).toBe(5);

    n = await checked(page);
    await page.fill('[name="dataset.collection_id"]', "studio-demo");
    await page.fill('[name="dataset.title"]', "Studio demo");
    await page.fill('[name="dataset.description"]', "The xcube demo cube published with the studio form.");
    await page.selectOption("#license", "various");
    await page.check('#themes input[value="oceans"]');
    await page.fill('[name="dataset.osc_project"]', "eocube-demo");
    await page.fill('[name="dataset.osc_project_title"]', "eocube demo");
    await page.fill('[name="dataset.osc_project_url"]', "https://github.com/xcube-dev/xcube");
    await page.fill('[name="dataset.osc_project_technical_officer.name"]', "Jane Doe");
    await page.fill('[name="dataset.osc_project_technical_officer.email"]', "not-an-email");
    await page.fill('[name="workflow.workflow_id"]', "studio-demo-workflow");
    await page.fill('[name="workflow.properties.title"]', "Studio demo workflow");
    await page.selectOption("#wf-license", "MIT");
    // the workflow fields of generate-config's workflow-config.yaml: a contact row and the gen request
    await page.fill('[aria-label="contacts name"]', "Jane Doe");
    await page.fill('[aria-label="contacts email"]', "jane.doe@example.org");
    await page.fill('[name="workflow.gen_request"]', "examples/gen-request.yaml");
    await page.fill("#parameters", "spatial_res: [");
    await nextCheck(page, n);
    await errorAt(page, "workflow.parameters").first().waitFor();
    n = await checked(page);
    await page.fill("#parameters", "spatial_res: 0.0025");
    await nextCheck(page, n);
    await errorAt(page, "dataset.osc_project_technical_officer").first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-field="dataset.collection_id"] .field-error'));
    expect(await errorAt(page, "dataset.license_type").count()).toBe(0);

    // a local cube needs an access or documentation link (the OSC's via link)
    await errorAt(page, "dataset.access_link").first().waitFor();
    await page.fill('[name="dataset.access_link"]', "https://github.com/xcube-dev/xcube/tree/main/examples/serve/demo/cube-1-250-250.zarr");
    // new variables need their GCMD keyword: shown in each variable's row
    await errorAt(page, "dataset.variables.conc_chl.gcmd_keyword_url").first().waitFor();
    const gcmd = "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/6eb3919b-85ce-4988-8b78-9d0018fd8089";
    for (const v of ["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"])
      await page.fill(`[aria-label="${v} gcmd_keyword_url"]`, gcmd);
    n = await checked(page);
    await page.fill('[name="dataset.osc_project_technical_officer.email"]', "jane.doe@example.org");
    await nextCheck(page, n);
    await page.waitForFunction(() => document.querySelectorAll(".field-error").length === 0);
    expect(await page.locator("#config-dataset").textContent()).toContain("collection_id: studio-demo");
    const wf = await page.locator("#config-workflow").textContent();
    expect(wf).toContain("- value: jane.doe@example.org");
    expect(wf).toContain(`gen_request: ${join(ROOT, "examples", "gen-request.yaml")}`);
    expect(wf).toContain("spatial_res: 0.0025");
    expect(await page.locator("#download-workflow").getAttribute("download")).toBe("workflow-config.yaml");

    const before = git(repo, "rev-parse", "HEAD").trim();
    await page.click("#publish-btn");
    await page.waitForFunction(
      () => /^(branch|error|not published|nothing)/.test(document.getElementById("publish-result")?.textContent ?? ""),
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.locator("#publish-result").textContent()).toMatch(/^branch publish\/studio-demo-/);
    const commit = await page.evaluate(() => document.body.dataset.published!);
    expect(git(repo, "rev-list", "--count", `${before}..${commit}`).trim()).toBe("1");
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(before);
    const files = git(repo, "diff", "--name-only", before, commit);
    expect(files).toContain("products/studio-demo/collection.json");
    expect(files).toContain("projects/eocube-demo/collection.json");
    expect(await page.locator("#plan-files li").count()).toBeGreaterThan(3);
    // the new product is listed and opened at once, marked as not checked out yet
    await page.click("#tab-browse");
    await page.fill("#q", "studio-demo");
    await waitTotal(page, "1 result");
    await page.click('#results a[href="#product/studio-demo"]');
    await page.waitForFunction(() => document.getElementById("d-title")?.textContent === "Studio demo");
    expect(await page.locator("#d-origin").textContent()).toContain("publish/studio-demo-");
    expect(page.errors).toEqual([]);
  }, 45_000);
});
