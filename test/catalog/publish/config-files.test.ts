// deep-code's way of telling the configs apart (publish.py: _detect_config_type, _assign_configs, _validate_inputs) and
// `eocube publish` with --dataset-config/--workflow-config, positional files in either order and -m workflow with one
// workflow file (in-process CLI, --dry-run --json, on a git copy of the real OSC sample and a fresh catalog).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assignConfigFiles, completeConfigFiles, detectConfigType } from "../../../src/catalog/publish/config-files.js";
import { main } from "../../../src/cli/index.js";
import { isEocubeError } from "../../../src/core/errors.js";
import { cleanupTempDirs, initCatalogRepo, sampleCatalogRepo, writeDatasetConfig } from "../../helpers/catalog-repo.js";
import { REPO_ROOT } from "../../helpers/paths.js";

const DS = join(REPO_ROOT, "examples/dataset-config.yaml");
const WF = join(REPO_ROOT, "examples/workflow-config.yaml");

afterAll(cleanupTempDirs);

async function file(dir: string, name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isEocubeError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "ok";
}

/** Runs `eocube …` in-process; resolves to the exit code and what it wrote. */
async function eocube(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => {
    out.push(String(c));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => {
    err.push(String(c));
    return true;
  }) as typeof process.stderr.write;
  try {
    const exit = await main(["node", "eocube", ...args]);
    return { code: exit, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
}

describe("detectConfigType (deep-code's _detect_config_type)", () => {
  it("by file name first, then by the top-level keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-cfgtype-"));
    expect(await detectConfigType(join(dir, "my_workflow.yaml"))).toBe("workflow"); // the name decides: not even read
    expect(await detectConfigType(join(dir, "experiment.yml"))).toBe("workflow");
    expect(await detectConfigType(join(dir, "collection.yaml"))).toBe("dataset");
    expect(await detectConfigType(await file(dir, "a.yaml", "collection_id: x\nlicense_type: MIT\n"))).toBe("dataset");
    expect(await detectConfigType(await file(dir, "b.yaml", "workflow_id: w\njupyter_notebook_url: https://x/n.ipynb\n"))).toBe("workflow");
    expect(await code(detectConfigType(await file(dir, "c.yaml", "id: x\nworkflow_id: y\n")))).toMatch(
      /^INVALID_ARGUMENT: cannot tell whether/,
    );
    expect(await code(detectConfigType(await file(dir, "d.yaml", "- a\n")))).toMatch(/^INVALID_CONFIG: /);
  });
});

describe("assignConfigFiles (deep-code's _assign_configs) and completeConfigFiles (_validate_inputs)", () => {
  it("explicit flags win; positional files in either order; one file goes where the mode says", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-cfgassign-"));
    const ds = await file(dir, "one.yaml", "collection_id: x\n");
    const wf = await file(dir, "two.yaml", "workflow_id: w\n");
    expect(await assignConfigFiles({ positional: [wf, ds], mode: "all" })).toEqual({ dataset: ds, workflow: wf, notes: [] });
    expect(await assignConfigFiles({ positional: [ds, wf], mode: "all" })).toEqual({ dataset: ds, workflow: wf, notes: [] });
    expect(await assignConfigFiles({ positional: [wf], mode: "workflow" })).toEqual({ workflow: wf, notes: [] });
    expect(await assignConfigFiles({ positional: [ds], mode: "dataset" })).toEqual({ dataset: ds, notes: [] });
    expect(await assignConfigFiles({ positional: [wf], mode: "all" })).toEqual({ workflow: wf, notes: [] });
    expect(await assignConfigFiles({ positional: [wf], mode: "all", dataset: ds })).toEqual({ dataset: ds, workflow: wf, notes: [] });
    expect(await assignConfigFiles({ positional: [ds, wf], mode: "all", dataset: ds, workflow: wf })).toEqual({
      dataset: ds,
      workflow: wf,
      notes: ["positional config paths ignored because --dataset-config and --workflow-config were given"],
    });
    expect(await code(assignConfigFiles({ positional: [wf, wf], mode: "all" }))).toMatch(/both files look like workflow configs/);
    expect(await code(assignConfigFiles({ positional: [ds, wf], mode: "all", dataset: ds }))).toMatch(
      /at most one positional file with --dataset-config/,
    );
    const other = await file(dir, "three.yaml", "collection_id: y\n");
    expect(await code(assignConfigFiles({ positional: [other], mode: "all", dataset: ds }))).toMatch(/two dataset configs given/);
  });

  it("completes a mode's files from the default names (eocube's, then deep-code's), ignores a workflow config in mode dataset", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-cfgcomplete-"));
    const ds = await file(dir, "dataset_config.yaml", "collection_id: x\n");
    const wf = await file(dir, "workflow_config.yaml", "workflow_id: w\n");
    expect(await completeConfigFiles({ notes: [] }, "all", dir)).toEqual({ dataset: ds, workflow: wf, notes: [] });
    expect(await completeConfigFiles({ dataset: ds, workflow: wf, notes: [] }, "dataset", dir)).toEqual({
      dataset: ds,
      workflow: undefined,
      notes: [`ignoring the workflow config ${wf} since mode is dataset`],
    });
    const empty = await mkdtemp(join(tmpdir(), "eocube-cfgcomplete-"));
    expect(await code(completeConfigFiles({ notes: [] }, "workflow", empty))).toMatch(
      /^NOT_FOUND: WORKFLOW_CONFIG is required in mode workflow/,
    );
    expect(await code(completeConfigFiles({ dataset: join(empty, "nope.yaml"), notes: [] }, "dataset", empty))).toMatch(
      /^NOT_FOUND: dataset config .*nope\.yaml does not exist/,
    );
  });
});

describe("eocube publish with deep-code's arguments", () => {
  it("--dataset-config/--workflow-config, and positional files in reversed order, give the same publication", async () => {
    const repo = await initCatalogRepo();
    const flags = await eocube("publish", "--dataset-config", DS, "--workflow-config", WF, "--catalog", repo, "--dry-run", "--json");
    expect(flags.code, flags.stderr).toBe(0);
    const reversed = await eocube("publish", WF, DS, "--catalog", repo, "--dry-run", "--json");
    expect(reversed.code, reversed.stderr).toBe(0);
    const paths = (r: { stdout: string }) => (JSON.parse(r.stdout).files as { path: string }[]).map((f) => f.path);
    expect(paths(reversed)).toEqual(paths(flags));
    expect(paths(flags)).toContain("experiments/xcube-demo-olci-rectification/record.json");
    // a config detected by its content (no hint in its name) in the other slot
    const dir = await mkdtemp(join(tmpdir(), "eocube-cli-cfg-"));
    const plain = await writeDatasetConfig(dir, "plain-name");
    const byContent = await eocube("publish", WF, plain, "--catalog", repo, "--dry-run", "--json");
    expect(byContent.code, byContent.stderr).toBe(0);
    expect(paths(byContent)).toContain("products/plain-name/collection.json");
    // two workflow configs: a usage error
    const two = await eocube("publish", WF, WF, "--catalog", repo, "--dry-run");
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/both files look like workflow configs/);
  });

  it("-m workflow with one workflow file writes the workflow only (no experiment, as deep-code)", async () => {
    const repo = await sampleCatalogRepo();
    const dir = await mkdtemp(join(tmpdir(), "eocube-cli-wf-"));
    const wf = await file(
      dir,
      "run.yaml",
      "workflow_id: Polar Demo\nproperties:\n  title: Polar demo\n  license: MIT\n  themes: [cryosphere]\n  osc_project: cerulean-information-factory\njupyter_notebook_url: https://github.com/me/repo/blob/main/polar.ipynb\n",
    );
    const res = await eocube("publish", wf, "-m", "workflow", "--catalog", repo, "--dry-run", "--json");
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.files.map((f: { path: string }) => f.path)).toEqual([
      "projects/cerulean-information-factory/collection.json",
      "workflows/catalog.json",
      "workflows/polar-demo/record.json",
    ]);
    expect(out.warnings).toContain(
      `workflow_id "Polar Demo" is published as "polar-demo" (deep-code's normalisation: spaces → '-', lower case)`,
    );
    expect(out.problems ?? []).toEqual([]);
    // mode dataset with both files: the workflow config is ignored with a note
    const ds = await eocube("publish", DS, WF, "-m", "dataset", "--catalog", await initCatalogRepo(), "--dry-run", "--json");
    expect(ds.code, ds.stderr).toBe(0);
    expect(ds.stderr).toContain(`note: ignoring the workflow config ${WF} since mode is dataset`);
  });
});
