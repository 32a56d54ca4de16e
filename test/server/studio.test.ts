// The studio's API on a real catalog sample and a real git catalog repository: browsing and search, entity pages with
// their files, inspecting the demo cube, field-by-field checks, a form publication that equals the CLI's (locally, and
// as a GitHub pull request against the publish tests' git server and GitHub API fake, the token nowhere afterwards),
// and the published product searchable at once.
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDatasetConfig, parseWorkflowConfig, WORKFLOW_CONFIG_SCHEMA } from "../../src/catalog/osc/config.js";
import { datasetConfigTemplate, workflowConfigTemplate } from "../../src/catalog/osc/templates.js";
import { configPlanBuilder } from "../../src/catalog/publish/builder.js";
import { buildApp } from "../../src/server/app.js";
import { studioRoutes } from "../../src/server/routes/studio.js";
import { loadCatalogIndex } from "../../src/studio/catalog-index.js";
import { cleanupTempDirs, git, initCatalogRepo, repoState, SAMPLE_CATALOG, sampleCatalogRepo, tempDir } from "../helpers/catalog-repo.js";
import { startGitServer, type GitServer } from "../helpers/git-server.js";
import { startGitHubFake, type GitHubFake } from "../helpers/github-fake.js";
import { REPO_ROOT, ZARR_CUBE } from "../helpers/paths.js";

const NOW = new Date("2026-03-01T12:00:00Z");
const TOKEN = "ghp_eocubeStudioToken0123456789abcdef";
const UP = { owner: "ESA-EarthCODE", repo: "open-science-catalog-metadata-testing" };
const LOGIN = "scientist";
const PRODUCT = "xcube-demo-olci-north-sea";
let app: FastifyInstance;
let repo: string;
let gitServer: GitServer;
let fake: GitHubFake;
/** Every line the shared server logged (pino JSON, level trace). */
const serverLog: string[] = [];

/**
 * examples/dataset-config.yaml and workflow-config.yaml as the form sends them (the shared cube by absolute path), with
 * the workflow fields of `eocube generate-config`'s template the example leaves out: the experiment id, a contact's
 * position and email, and the gen request (relative: the studio reads it from its folder, REPO_ROOT here).
 */
async function demoConfigs(): Promise<{ dataset: Record<string, unknown>; workflow: Record<string, unknown> }> {
  const dtext = (await readFile(join(REPO_ROOT, "examples/dataset-config.yaml"), "utf8")).replace(
    /^data_source:\n(?:\s+- .*\n)+/m,
    `data_source:\n  - ${ZARR_CUBE}\n`,
  );
  const wtext = await readFile(join(REPO_ROOT, "examples/workflow-config.yaml"), "utf8");
  const workflow = JSON.parse(JSON.stringify(parseWorkflowConfig(wtext, "workflow-config.yaml")));
  workflow.experiment_id = "xcube-demo-olci-north-sea-2017";
  workflow.gen_request = "examples/gen-request.yaml";
  workflow.contact[0] = { ...workflow.contact[0], position: "Maintainers", emails: [{ value: "xcube@example.org" }] };
  return { dataset: JSON.parse(JSON.stringify(parseDatasetConfig(dtext, "dataset-config.yaml"))), workflow };
}

/** `git ls-tree -r` of a branch as path → blob id. */
function tree(lsTree: string): Map<string, string> {
  return new Map(
    lsTree
      .trim()
      .split("\n")
      .map((l) => {
        const [meta, path] = l.split("\t");
        return [path!, meta!.split(" ")[2]!] as const;
      }),
  );
}

/** git's blob id of a text. */
const blobId = (text: string) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0`)
    .update(text)
    .digest("hex");

beforeAll(async () => {
  repo = await sampleCatalogRepo();
  // the publish tests' GitHub: a git HTTP server and the REST API fake checked against GitHub's OpenAPI description
  gitServer = await startGitServer(TOKEN);
  gitServer.createBare(UP.owner, UP.repo, repo);
  fake = await startGitHubFake({ token: TOKEN, login: LOGIN, gitServer, forkHiddenFor: 1 });
  fake.addRepo(UP.owner, UP.repo);
  const stream = new Writable({
    write(chunk, _enc, done) {
      serverLog.push(String(chunk));
      done();
    },
  });
  app = await buildApp({ Datasets: [] }, {}, { logger: { level: "trace", stream }, warmUp: false });
  await studioRoutes(app, {
    catalogDir: repo,
    now: () => NOW,
    cwd: REPO_ROOT,
    github: { apiUrl: fake.url, gitUrl: gitServer.url, forkPollMs: 5 },
  });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await fake?.close();
  await gitServer?.close();
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

  it("the form has a field for every field of generate-config's templates and of the workflow config schema", async () => {
    const html = await readFile(join(REPO_ROOT, "viewer/studio.html"), "utf8");
    const fields = new Set([...html.matchAll(/data-field="([^"]+)"/g)].map((m) => m[1]));
    const keysOf = (o: object, prefix: string, nested: string[]) =>
      Object.entries(o).flatMap(([k, v]) =>
        nested.includes(k) ? Object.keys(v as object).map((n) => `${prefix}${k}.${n}`) : [`${prefix}${k}`],
      );
    const wanted = [
      ...keysOf(parse(workflowConfigTemplate()), "workflow.", ["properties"]),
      ...keysOf(
        { ...WORKFLOW_CONFIG_SCHEMA.properties, properties: WORKFLOW_CONFIG_SCHEMA.properties.properties.properties },
        "workflow.",
        ["properties"],
      ),
      // the dataset's id and data source come from the dataset read at the top of the form
      ...keysOf(parse(datasetConfigTemplate()), "dataset.", []).filter((k) => k !== "dataset.dataset_id"),
    ]
      // deep-code's alias of the top-level osc_project
      .filter((k) => k !== "workflow.properties.osc_project");
    expect(wanted.filter((k) => !fields.has(k))).toEqual([]);
  });

  it("a form publication equals the CLI's: the configs generate-config's templates hold, one commit with the same files as eocube publish, searchable at once", async () => {
    const { dataset, workflow } = await demoConfigs();
    const checked = (await app.inject({ method: "POST", url: "/studio/api/check", payload: { dataset, workflow } })).json();
    expect(checked.problems).toEqual([]);
    // the YAML the form writes reads back as the same configs, the gen request's path made absolute
    const genRequest = join(REPO_ROOT, "examples/gen-request.yaml");
    expect(JSON.parse(JSON.stringify(parseDatasetConfig(checked.files["dataset-config.yaml"], "d.yaml")))).toEqual(dataset);
    expect(JSON.parse(JSON.stringify(parseWorkflowConfig(checked.files["workflow-config.yaml"], "w.yaml")))).toEqual({
      ...workflow,
      gen_request: genRequest,
    });

    const [cliRepo, formRepo] = await Promise.all([initCatalogRepo(), initCatalogRepo()]);
    const form = await buildApp({ Datasets: [] }, {}, { logger: false, warmUp: false });
    await studioRoutes(form, { catalogDir: formRepo, now: () => NOW, cwd: REPO_ROOT });
    try {
      const before = git(formRepo, "rev-parse", "HEAD").trim();
      expect((await form.inject({ url: `/studio/api/search?q=${PRODUCT}` })).json().total).toBe(0);
      const res = await form.inject({ method: "POST", url: "/studio/api/publish", payload: { dataset, workflow, target: "local" } });
      expect(res.statusCode).toBe(200);
      const out = res.json();
      expect(out).toMatchObject({ valid: true, noop: false, branch: `publish/${PRODUCT}-20260301120000` });
      // one commit on top of main; main untouched
      expect(git(formRepo, "rev-list", "--count", `${before}..${out.branch}`).trim()).toBe("1");
      expect(git(formRepo, "rev-parse", "HEAD").trim()).toBe(before);

      // the CLI's plan from the same YAML files (configPlanBuilder: what `eocube publish` builds before its commit)
      const cfgDir = join(cliRepo, "..");
      await writeFile(join(cfgDir, "dataset-config.yaml"), checked.files["dataset-config.yaml"]);
      await writeFile(join(cfgDir, "workflow-config.yaml"), checked.files["workflow-config.yaml"]);
      const build = await configPlanBuilder(join(cfgDir, "dataset-config.yaml"), join(cfgDir, "workflow-config.yaml"), {
        mode: "all",
        now: NOW,
      });
      const plan = await build(cliRepo);
      const changed = git(formRepo, "diff", "--name-only", "HEAD", out.branch).trim().split("\n").sort();
      expect(changed).toEqual(plan.files.map((f) => f.path).sort());
      const blobs = tree(git(formRepo, "ls-tree", "-r", out.branch));
      for (const f of plan.files) expect(blobs.get(f.path), f.path).toBe(blobId(f.content));
      // the workflow fields reached the records: the gen request in input.yaml, the contact in the workflow record
      const exp = "experiments/xcube-demo-olci-north-sea-2017";
      expect(git(formRepo, "show", `${out.branch}:${exp}/input.yaml`)).toContain("workflow: eocube-gen");
      expect(git(formRepo, "show", `${out.branch}:workflows/xcube-demo-olci-rectification/record.json`)).toContain("xcube@example.org");

      // the new product, its experiment and workflow are browsed and searched at once (the branch is not checked out)
      const found = (await form.inject({ url: `/studio/api/search?q=${PRODUCT}` })).json();
      expect(found.hits.map((h: { id: string }) => h.id)).toEqual([PRODUCT]);
      expect(found.hits[0].origin).toEqual({ branch: out.branch, commit: out.commit });
      expect((await form.inject({ url: "/studio/api/search?kind=workflow" })).json().total).toBe(1);
      const e = (await form.inject({ url: "/studio/api/entity/experiment/xcube-demo-olci-north-sea-2017" })).json();
      expect(e.files.find((f: { rel: string }) => f.rel === "input").text).toContain("gen_request:");
    } finally {
      await form.close();
    }
  });
});

describe("publications made outside the studio", () => {
  it("a CLI publication and a merge into the checked-out branch are searched without a restart", async () => {
    const { dataset, workflow } = await demoConfigs();
    const checked = (await app.inject({ method: "POST", url: "/studio/api/check", payload: { dataset, workflow } })).json();
    const catalogDir = await initCatalogRepo();
    const studio = await buildApp({ Datasets: [] }, {}, { logger: false, warmUp: false });
    await studioRoutes(studio, { catalogDir, now: () => NOW, cwd: REPO_ROOT });
    const search = async () => (await studio.inject({ url: `/studio/api/search?q=${PRODUCT}` })).json();
    try {
      expect((await search()).total).toBe(0);
      // `eocube publish` from another process: one commit on a new branch, the checkout untouched
      const cfgDir = join(catalogDir, "..");
      await writeFile(join(cfgDir, "dataset-config.yaml"), checked.files["dataset-config.yaml"]);
      await writeFile(join(cfgDir, "workflow-config.yaml"), checked.files["workflow-config.yaml"]);
      const { publish } = await import("../../src/catalog/publish/publish.js");
      const out = await publish({
        catalogDir,
        datasetConfig: join(cfgDir, "dataset-config.yaml"),
        workflowConfig: join(cfgDir, "workflow-config.yaml"),
        now: NOW,
      });
      await new Promise((r) => setTimeout(r, 1100)); // the studio looks at the repository at most once a second
      const found = await search();
      expect(found.hits.map((h: { id: string }) => h.id)).toEqual([PRODUCT]);
      expect(found.hits[0].origin).toEqual({ branch: out.branch, commit: out.commit });
      // merged into the checked-out branch (as after a git pull of the merged pull request): indexed from the folder
      git(catalogDir, "merge", "--ff-only", "-q", out.branch!);
      await new Promise((r) => setTimeout(r, 1100));
      const merged = await search();
      expect(merged.total).toBe(1);
      expect(merged.hits[0].origin).toBeUndefined();
    } finally {
      await studio.close();
    }
  });
});

/** Every file under `dir` (the .git folder included). */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe("the studio's GitHub publication", () => {
  it("opens the pull request with the files of the CLI's PR flow; the token is in no answer, log or file; the product is searchable at once", async () => {
    const { dataset, workflow } = await demoConfigs();
    const answers: string[] = [];
    const call = async (url: string, payload?: Record<string, unknown>) => {
      const r = payload === undefined ? await app.inject({ url }) : await app.inject({ method: "POST", url, payload });
      answers.push(r.body);
      return r;
    };
    const none = await call("/studio/api/publish", { dataset, workflow, target: "testing" });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: "INVALID_PARAMS" });
    // a wrong token: GitHub's refusal is answered, the token is not
    const wrong = "ghp_wrongStudioToken0123456789abcdefgh";
    const refused = await call("/studio/api/publish", { dataset, workflow, target: "testing", token: wrong });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.json()).toMatchObject({ code: "GITHUB_ERROR" });
    expect(refused.body + serverLog.join("")).not.toContain(wrong);
    expect((await call(`/studio/api/search?q=${PRODUCT}`)).json().total).toBe(0);
    const stateBefore = repoState(repo);

    const res = await call("/studio/api/publish", { dataset, workflow, target: "testing", token: TOKEN });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({
      valid: true,
      noop: false,
      environment: "testing",
      fork: `${LOGIN}/${UP.repo}`,
      branch: `publish/${PRODUCT}-20260301120000`,
      pullRequest: { number: 1, action: "created", url: `https://github.com/${UP.owner}/${UP.repo}/pull/1` },
    });
    const pr = fake.pulls[0]!;
    expect(pr.head).toMatchObject({ owner: LOGIN, ref: out.branch, sha: out.commit });
    expect(pr.base).toBe("main");
    expect(fake.violations).toEqual([]);
    // the local catalog's checkout is untouched (the branch is kept beside it)
    expect(repoState(repo).split("\n")[0]).toBe(stateBefore.split("\n")[0]);
    expect(git(repo, "status", "--porcelain")).toBe("");

    // the CLI's PR flow plans on the upstream main (the sample) from the same config files: the PR holds exactly that
    const cfgDir = await tempDir("eocube-studio-cfg-");
    const configs = (await call("/studio/api/check", { dataset, workflow })).json().files;
    await writeFile(join(cfgDir, "dataset-config.yaml"), configs["dataset-config.yaml"]);
    await writeFile(join(cfgDir, "workflow-config.yaml"), configs["workflow-config.yaml"]);
    const build = await configPlanBuilder(join(cfgDir, "dataset-config.yaml"), join(cfgDir, "workflow-config.yaml"), {
      mode: "all",
      now: NOW,
    });
    const plan = await build(join(SAMPLE_CATALOG));
    const prFiles = gitServer.git(LOGIN, UP.repo, "diff", "--name-only", "main", out.branch).trim().split("\n").sort();
    expect(prFiles).toEqual(plan.files.map((f) => f.path).sort());
    const blobs = tree(gitServer.git(LOGIN, UP.repo, "ls-tree", "-r", out.branch));
    for (const f of plan.files) expect(blobs.get(f.path), f.path).toBe(blobId(f.content));
    for (const f of plan.files) expect(pr.body).toContain(f.path);

    // the pull request's product is browsed and searched at once, marked with its pull request
    const found = (await call(`/studio/api/search?q=${PRODUCT}`)).json();
    expect(found.hits.map((h: { id: string }) => h.id)).toEqual([PRODUCT]);
    const entity = (await call(`/studio/api/entity/product/${PRODUCT}`)).json();
    expect(entity.origin).toEqual({ branch: out.branch, commit: out.commit, pullRequest: out.pullRequest.url });

    // the token went to GitHub and git only: no answer, log line, file of the catalog (.git/config included) holds it
    const authorised = fake.calls.filter((c) => c.status !== 401);
    expect(authorised.length).toBeGreaterThan(3);
    expect(authorised.every((c) => c.authorization?.replace(/^(token|bearer) /i, "") === TOKEN)).toBe(true);
    expect(gitServer.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(serverLog.length).toBeGreaterThan(0);
    const b64 = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    for (const text of [...answers, serverLog.join("")]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(b64);
    }
    expect(await readFile(join(repo, ".git/config"), "utf8")).not.toContain("Authorization");
    for (const f of await allFiles(dirname(repo))) {
      const buf = await readFile(f);
      expect(buf.includes(TOKEN), f).toBe(false);
      expect(buf.includes(b64), f).toBe(false);
    }
  });
});
