// generate-config: annotated templates that parse as valid configs; no silent overwrite; deep-code's -o/--output-dir and file names.
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDatasetConfig, loadWorkflowConfig } from "../../../src/catalog/osc/config.js";
import { writeConfigTemplates } from "../../../src/catalog/osc/templates.js";
import { main } from "../../../src/cli/index.js";
import { runCli } from "../../helpers/cli.js";

describe("writeConfigTemplates", () => {
  it("writes both templates, each a valid config with comments on the fields", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-gc-"));
    const files = await writeConfigTemplates(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["dataset-config.yaml", "workflow-config.yaml"]);
    const d = await loadDatasetConfig(files[0]!);
    expect(d.collection_id).toBe("my-cube");
    const w = await loadWorkflowConfig(files[1]!);
    expect(w.workflow_id).toBe("my-workflow");
    const text = await readFile(files[0]!, "utf8");
    for (const field of [
      "dataset_id",
      "collection_id",
      "license_type",
      "osc_themes",
      "osc_region",
      "dataset_status",
      "access_link",
      "documentation_link",
      "visualisation_link",
      "osc_project",
      "osc_project_title",
      "osc_project_url",
      "cf_parameter",
      "variables",
      "osc_missions",
      "keywords",
      "osc_project_technical_officer",
      "store_id",
      "store_params",
    ]) {
      expect(text).toContain(`${field}:`);
    }
    expect(text).toContain("atmosphere, cryosphere, land, magnetosphere-ionosphere, oceans, solid-earth");
    // the optional project dates are documented, and valid once uncommented
    expect(text).toMatch(/^# osc_project_start: \d{4}-\d{2}-\d{2}$/m);
    await writeFile(files[0]!, text.replace(/^# (osc_project_(start|end): )/gm, "$1"));
    const dated = await loadDatasetConfig(files[0]!);
    expect([dated.osc_project_start, dated.osc_project_end]).toEqual(["2021-01-01", "2024-12-31"]);
    expect(text).toContain("planned | ongoing | completed");
  });

  it("refuses to overwrite without force (ALREADY_EXISTS) and overwrites with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-gc-"));
    await writeFile(join(dir, "workflow-config.yaml"), "mine\n");
    await expect(writeConfigTemplates(dir)).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
    expect(await readFile(join(dir, "workflow-config.yaml"), "utf8")).toBe("mine\n");
    await expect(readFile(join(dir, "dataset-config.yaml"), "utf8")).rejects.toThrow();
    await writeConfigTemplates(dir, { force: true });
    expect(await readFile(join(dir, "workflow-config.yaml"), "utf8")).toContain("workflow_id:");
  });

  it("CLI: exit 0, then exit 2 without --force, 0 with it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-gc-cli-"));
    expect(await main(["node", "eocube", "generate-config", "-o", dir, "--json"])).toBe(0);
    expect(await main(["node", "eocube", "generate-config", "-o", dir])).toBe(2);
    expect(await main(["node", "eocube", "generate-config", "-o", dir, "--force"])).toBe(0);
  });

  it("CLI: deep-code's --output-dir and, with --deep-code-names, deep-code's file names (dataset_config.yaml, workflow_config.yaml)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-gc-dc-"));
    expect(await main(["node", "eocube", "generate-config", "--output-dir", dir, "--deep-code-names", "--json"])).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(["dataset_config.yaml", "workflow_config.yaml"]);
    expect((await loadDatasetConfig(join(dir, "dataset_config.yaml"))).collection_id).toBe("my-cube");
    expect((await loadWorkflowConfig(join(dir, "workflow_config.yaml"))).workflow_id).toBe("my-workflow");
    const other = await mkdtemp(join(tmpdir(), "eocube-gc-dc-"));
    expect(await main(["node", "eocube", "generate-config", "--output-dir", other])).toBe(0);
    expect((await readdir(other)).sort()).toEqual(["dataset-config.yaml", "workflow-config.yaml"]);
  });

  it.runIf(process.platform === "linux")(
    "-o on a file, under a file, under /sys or /proc: one message naming the path, exit 2, no stack, nothing written",
    async () => {
      const base = await mkdtemp(join(tmpdir(), "eocube-gc-fs-"));
      await writeFile(join(base, "afile"), "mine\n");
      const cases: Array<[string, RegExp]> = [
        [join(base, "afile"), /is a file, not a folder/],
        [join(base, "afile", "sub"), /a part of the path is a file, not a folder \(ENOTDIR\)/],
        ["/sys/nope", /permission denied \(EPERM\)/],
        ["/proc/nope", /cannot create \/proc\/nope .*\(ENOENT\)/],
      ];
      for (const [path, re] of cases) {
        const res = await runCli(["generate-config", "-o", path], { timeoutMs: 15_000 });
        expect(res.code, `${path}: ${res.stderr}`).toBe(2);
        expect(res.stderr).toMatch(new RegExp(`^error: .*${path.replace(/[/.]/g, "\\$&")}`, "m"));
        expect(res.stderr).toMatch(re);
        expect(res.stderr).toMatch(/^ {2}hint: /m);
        expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
        expect(res.stdout).toBe("");
      }
      expect(await readdir(base)).toEqual(["afile"]);
      expect(await readFile(join(base, "afile"), "utf8")).toBe("mine\n");
    },
  );
});
