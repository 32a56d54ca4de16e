import { chmod, readFile, readdir, symlink, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../../src/core/errors.js";
import { applyPlan, NOTHING_TO_PUBLISH } from "../../../src/catalog/publish/apply.js";
import { planDiffs } from "../../../src/catalog/publish/diff.js";
import type { PublicationPlan } from "../../../src/catalog/osc/plan.js";
import { cleanupTempDirs, git, repoState, sampleCatalogRepo, tempDir } from "../../helpers/catalog-repo.js";

afterAll(cleanupTempDirs);

const okValidator = async () => ({ errors: [] });
const NOW = new Date("2026-11-22T03:04:05Z");

async function samplePlan(repo: string): Promise<PublicationPlan> {
  const productsPath = "products/catalog.json";
  const previous = await readFile(join(repo, productsPath), "utf8");
  const products = JSON.parse(previous);
  products.links.push({ rel: "child", href: "./my-cube/collection.json", type: "application/json", title: "My cube" });
  return {
    collectionId: "my-cube",
    workflowId: "my-workflow",
    files: [
      { path: "products/my-cube/collection.json", action: "create", content: `${JSON.stringify({ id: "my-cube" }, null, 2)}\n` },
      { path: productsPath, action: "update", previous, content: `${JSON.stringify(products, null, 2)}\n` },
    ],
    warnings: [],
  };
}

async function expectError(p: Promise<unknown>, code: string, re: RegExp) {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(isEocubeError(err), String(err)).toBe(true);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(re);
  return err;
}

describe("applyPlan", () => {
  it("commits all planned files on a new publish/<id>-<timestamp> branch in one commit, leaving HEAD, index and tree alone", async () => {
    const repo = await sampleCatalogRepo();
    const base = git(repo, "rev-parse", "HEAD").trim();
    const before = git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored");
    const plan = await samplePlan(repo);
    const res = await applyPlan(plan, repo, { now: NOW, validate: okValidator });
    expect(res.noop).toBe(false);
    expect(res.branch).toBe("publish/my-cube-20261122030405");
    expect(res.previous).toEqual({ branch: "main", sha: base });
    // the checkout is exactly as it was: still on main, nothing written, index untouched
    expect(git(repo, "symbolic-ref", "--short", "HEAD").trim()).toBe("main");
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(base);
    expect(git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored")).toBe(before);
    expect(git(repo, "diff", "--cached", "--name-only")).toBe("");
    await expect(readFile(join(repo, "products/my-cube/collection.json"))).rejects.toThrow();
    // the branch holds one commit on top of main with exactly the planned files
    expect(git(repo, "rev-parse", `${res.branch}`).trim()).toBe(res.commit);
    expect(git(repo, "rev-parse", `${res.branch}^`).trim()).toBe(base);
    expect(git(repo, "log", "-1", "--format=%s", res.branch!).trim()).toBe("Publish dataset: my-cube + workflow/experiment: my-workflow");
    expect(git(repo, "diff", "--name-only", base, res.branch!).trim().split("\n").sort()).toEqual([
      "products/catalog.json",
      "products/my-cube/collection.json",
    ]);
    for (const f of plan.files) expect(git(repo, "show", `${res.branch}:${f.path}`)).toBe(f.content);
    expect(git(repo, "config", "--list", "--local")).not.toMatch(/user\./);
    git(repo, "fsck", "--no-dangling");

    // the same plan again is a no-op naming the branch that holds it
    const again = await applyPlan(plan, repo, { now: new Date(NOW.getTime() + 60_000), validate: okValidator });
    expect(again).toMatchObject({
      noop: true,
      message: `nothing to publish: branch ${res.branch} already contains this publication`,
      branch: res.branch,
      commit: res.commit,
    });
    expect(git(repo, "branch", "--list", "publish/*").trim().split("\n")).toHaveLength(1);
    // checked out, the branch is the publication; from there the plan is a no-op as well
    git(repo, "switch", "-q", res.branch!);
    expect(await readFile(join(repo, "products/my-cube/collection.json"), "utf8")).toBe(plan.files[0]!.content);
    expect(await applyPlan(plan, repo, { validate: okValidator })).toMatchObject({ noop: true, message: NOTHING_TO_PUBLISH });
  });

  it("a changed plan makes a second branch from HEAD, not from the first branch", async () => {
    const repo = await sampleCatalogRepo();
    const base = git(repo, "rev-parse", "HEAD").trim();
    const first = await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: okValidator });
    const plan = await samplePlan(repo);
    plan.files[0]!.content = `${JSON.stringify({ id: "my-cube", title: "changed" })}\n`;
    const second = await applyPlan(plan, repo, { now: NOW, validate: okValidator });
    expect(second.branch).toBe(`${first.branch}-2`);
    expect(git(repo, "rev-parse", `${second.branch}^`).trim()).toBe(base);
    expect(git(repo, "show", `${second.branch}:products/my-cube/collection.json`)).toContain("changed");
  });

  it("an empty plan creates no branch", async () => {
    const repo = await sampleCatalogRepo();
    const before = repoState(repo);
    const res = await applyPlan({ collectionId: "x", files: [], warnings: [] }, repo, { validate: okValidator });
    expect(res.noop).toBe(true);
    expect(res.message).toBe(NOTHING_TO_PUBLISH);
    expect(repoState(repo)).toBe(before);
  });

  it("refuses a folder that is not a git repository", async () => {
    const dir = await tempDir("eocube-nogit-");
    await expectError(
      applyPlan({ collectionId: "x", files: [], warnings: [] }, dir, { validate: okValidator }),
      "GIT_ERROR",
      /not a git repository/,
    );
    await expectError(
      applyPlan({ collectionId: "x", files: [], warnings: [] }, join(dir, "missing"), { validate: okValidator }),
      "GIT_ERROR",
      /not a git repository/,
    );
  });

  it("refuses a dirty working tree, naming the files", async () => {
    const repo = await sampleCatalogRepo();
    await writeFile(join(repo, "catalog.json"), "{}\n");
    await writeFile(join(repo, "stray.txt"), "x\n");
    const before = repoState(repo);
    const err = await expectError(
      applyPlan(await samplePlan(repo), repo, { validate: okValidator }),
      "GIT_ERROR",
      /not clean: .*catalog\.json.*stray\.txt/,
    );
    expect(err.hint).toMatch(/commit or remove/);
    expect(repoState(repo)).toBe(before);
  });

  it("touches nothing when the resulting catalog fails validation, and lists file, rule and hint", async () => {
    const repo = await sampleCatalogRepo();
    const before = repoState(repo);
    const bad = async () => ({
      errors: [{ file: "products/my-cube/collection.json", rule: "stac-collection", message: "missing extent", hint: "add an extent" }],
    });
    const err = await expectError(
      applyPlan(await samplePlan(repo), repo, { validate: bad }),
      "VALIDATION_FAILED",
      /products\/my-cube\/collection\.json: \[stac-collection\] missing extent \(hint: add an extent\)/,
    );
    expect((err.details as { problems: unknown[] }).problems).toHaveLength(1);
    expect(repoState(repo)).toBe(before);
  });

  it("uses the OSC validator by default: an invalid result is VALIDATION_FAILED naming file and rule, nothing touched", async () => {
    const repo = await sampleCatalogRepo();
    const before = repoState(repo);
    // a product whose id is not its folder name, and that products/catalog.json does not list
    const content = await readFile(join(repo, "products/polaris/collection.json"), "utf8");
    const plan: PublicationPlan = {
      collectionId: "not-polaris",
      files: [{ path: "products/not-polaris/collection.json", action: "create", content }],
      warnings: [],
    };
    const err = await expectError(applyPlan(plan, repo, { now: NOW }), "VALIDATION_FAILED", /products\/not-polaris\/collection\.json: \[/);
    const problems = (err.details as { problems: Array<{ file: string; rule: string; hint?: string }> }).problems;
    expect(problems.some((p) => p.file === "products/not-polaris/collection.json" && p.hint)).toBe(true);
    expect(repoState(repo)).toBe(before);
  });

  it("validates the whole resulting catalog (existing files plus planned ones) in a copy", async () => {
    const repo = await sampleCatalogRepo();
    let seen: string[] = [];
    const spy = async (dir: string) => {
      seen = git(repo, "ls-files")
        .trim()
        .split("\n")
        .filter((p) => !p.startsWith(".git"));
      const planned = await readFile(join(dir, "products/my-cube/collection.json"), "utf8");
      expect(JSON.parse(planned).id).toBe("my-cube");
      expect(dir).not.toBe(repo);
      for (const p of seen) await readFile(join(dir, p));
      return { errors: [] };
    };
    await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: spy });
    expect(seen.length).toBeGreaterThan(40);
  });

  it("runs no commit hook (nothing is checked out to check), and a branch that cannot be made leaves the repository as it was", async () => {
    const repo = await sampleCatalogRepo();
    await mkdir(join(repo, ".git/hooks"), { recursive: true });
    await writeFile(join(repo, ".git/hooks/pre-commit"), "#!/bin/sh\necho 'hook says no' >&2\nexit 1\n");
    await chmod(join(repo, ".git/hooks/pre-commit"), 0o755);
    const res = await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: okValidator });
    expect(res.noop).toBe(false);

    // a branch named 'publish' makes every publish/… ref impossible: one GIT_ERROR, nothing else changes
    const other = await sampleCatalogRepo();
    git(other, "branch", "publish");
    const before = repoState(other);
    const err = await expectError(
      applyPlan(await samplePlan(other), other, { now: NOW, validate: okValidator }),
      "GIT_ERROR",
      /could not create the branch publish\/my-cube-20261122030405: .*refs\/heads\/publish' exists/,
    );
    expect(err.hint).toMatch(/git branch -m publish/);
    expect(repoState(other)).toBe(before);
  });

  it("a branch name taken (or locked by a killed git) is skipped", async () => {
    const repo = await sampleCatalogRepo();
    await mkdir(join(repo, ".git/refs/heads/publish"), { recursive: true });
    await writeFile(join(repo, ".git/refs/heads/publish/my-cube-20261122030405.lock"), "");
    const res = await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: okValidator });
    expect(res.branch).toBe("publish/my-cube-20261122030405-2");
  });

  it("builds on options.base without checking it out", async () => {
    const repo = await sampleCatalogRepo();
    const base = git(repo, "rev-parse", "HEAD").trim();
    await writeFile(join(repo, "NOTE.md"), "later\n");
    git(repo, "add", "NOTE.md");
    git(repo, "commit", "-q", "-m", "later");
    const head = git(repo, "rev-parse", "HEAD").trim();
    const res = await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: okValidator, base });
    expect(git(repo, "rev-parse", `${res.branch}^`).trim()).toBe(base);
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(head);
    expect(git(repo, "ls-tree", "--name-only", res.branch!)).not.toContain("NOTE.md");
  });

  it("a planned file that cannot be written leaves the repository as it was", async () => {
    const repo = await sampleCatalogRepo();
    const before = repoState(repo);
    const plan = await samplePlan(repo);
    // "products/catalog.json/x" needs catalog.json to be a folder: the write fails after the first file
    plan.files.push({ path: "products/catalog.json/x.json", action: "create", content: "{}\n" });
    await expect(applyPlan(plan, repo, { now: NOW, validate: okValidator })).rejects.toThrow(
      /writes both the file products\/catalog\.json and products\/catalog\.json\/x\.json/,
    );
    // the same clash with a file of the catalog (not of the plan) is UNSAFE_ID naming the file
    const clash: PublicationPlan = {
      collectionId: "x",
      files: [{ path: "products/catalog.json/x.json", action: "create", content: "{}\n" }],
      warnings: [],
    };
    await expectError(
      applyPlan(clash, repo, { now: NOW, validate: okValidator }),
      "UNSAFE_ID",
      /planned file products\/catalog\.json\/x\.json clashes with the catalog/,
    );
    expect(repoState(repo)).toBe(before);
  });

  it("refuses unsafe planned paths before touching anything", async () => {
    const repo = await sampleCatalogRepo();
    for (const p of ["../x.json", "/etc/x", "a/../../x", ".git/config", "a\\b"]) {
      await expectError(
        applyPlan({ collectionId: "x", files: [{ path: p, action: "create", content: "" }], warnings: [] }, repo, {
          validate: okValidator,
        }),
        "UNSAFE_ID",
        /safe/,
      );
    }
  });

  it("commits as eocube when no git identity is configured, without writing any config", async () => {
    const repo = await sampleCatalogRepo();
    const home = await tempDir("eocube-home-");
    const saved = {
      HOME: process.env.HOME,
      GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL,
      GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM,
    };
    Object.assign(process.env, { HOME: home, GIT_CONFIG_GLOBAL: join(home, "no-gitconfig"), GIT_CONFIG_NOSYSTEM: "1" });
    try {
      await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: okValidator });
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    expect(git(repo, "log", "-1", "--format=%an <%ae>", "publish/my-cube-20261122030405").trim()).toBe(
      "eocube <eocube@users.noreply.github.com>",
    );
    expect(git(repo, "config", "--list", "--local")).not.toMatch(/user\./);
    expect(await readdir(home)).toEqual([]);
  });

  it("without git on PATH: one GIT_ERROR saying so", async () => {
    const repo = await sampleCatalogRepo();
    const empty = await tempDir("eocube-nopath-");
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      const err = await expectError(
        applyPlan(await samplePlan(repo), repo, { validate: okValidator }),
        "GIT_ERROR",
        /^git is not installed or not on PATH$/,
      );
      expect(err.hint).toMatch(/install git/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("refuses to write through a symbolic link in the catalog", async () => {
    const repo = await sampleCatalogRepo();
    const outside = await tempDir("eocube-outside-");
    await symlink(outside, join(repo, "products", "my-cube"));
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "a link");
    const before = repoState(repo);
    await expectError(
      applyPlan(await samplePlan(repo), repo, { validate: okValidator }),
      "UNSAFE_ID",
      /products\/my-cube is a symbolic link/,
    );
    expect(repoState(repo)).toBe(before);
    expect(await readdir(outside)).toEqual([]);
  });

  it("works on a detached HEAD and leaves it detached", async () => {
    const repo = await sampleCatalogRepo();
    git(repo, "checkout", "-q", "--detach");
    const head = git(repo, "rev-parse", "HEAD").trim();
    const res = await applyPlan(await samplePlan(repo), repo, { now: NOW, validate: okValidator });
    expect(res.previous).toEqual({ sha: head });
    expect(res.branch).toBe("publish/my-cube-20261122030405");
    expect(git(repo, "rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("HEAD");
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(head);
    expect(git(repo, "status", "--porcelain")).toBe("");
  });
});

describe("planDiffs", () => {
  it("gives git-style unified diffs for created and updated files", async () => {
    const repo = await sampleCatalogRepo();
    const diffs = await planDiffs((await samplePlan(repo)).files);
    expect(diffs[0]!.diff.split("\n").slice(0, 4)).toEqual([
      "diff --git a/products/my-cube/collection.json b/products/my-cube/collection.json",
      "new file mode 100644",
      expect.stringMatching(/^index 0000000\.\.[0-9a-f]+$/),
      "--- /dev/null",
    ]);
    expect(diffs[0]!.diff).toContain("+++ b/products/my-cube/collection.json");
    expect(diffs[0]!.diff).toContain('+  "id": "my-cube"');
    expect(diffs[1]!.diff).toContain("--- a/products/catalog.json");
    expect(diffs[1]!.diff).toContain("+++ b/products/catalog.json");
    expect(diffs[1]!.diff).toMatch(/^\+.*"href": "\.\/my-cube\/collection\.json"/m);
  });
});
