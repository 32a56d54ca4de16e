// Ten `eocube publish` processes (the built CLI, ten products) racing into one real catalog repository: each one either
// commits exactly its own publication on its own branch or is refused by the catalog lock; nothing half-done remains.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateCatalog } from "../../../src/catalog/osc/validate/index.js";
import { ensureBuilt } from "../../helpers/build.js";
import { cleanupTempDirs, git, initCatalogRepo, repoHealth, tempDir, writeDatasetConfig } from "../../helpers/catalog-repo.js";
import { startCli } from "../../helpers/cli.js";
import { REPO_ROOT } from "../../helpers/paths.js";

const WF = join(REPO_ROOT, "examples/workflow-config.yaml");
const N = 10;

beforeAll(ensureBuilt, 120_000);
afterAll(cleanupTempDirs);

describe("concurrent eocube publish into one catalog", () => {
  it("each process commits exactly its own files on its own branch, or is refused by the lock (exit 2); no dirty tree", async () => {
    const repo = await initCatalogRepo();
    const base = git(repo, "rev-parse", "HEAD").trim();
    const work = await tempDir("eocube-race-");
    const tmp = join(work, "tmp"); // the processes' TMPDIR: what they leave there is theirs
    await mkdir(tmp);
    const ids = Array.from({ length: N }, (_, i) => `race-${i}`);
    const configs = await Promise.all(ids.map((id) => writeDatasetConfig(work, id)));

    // seven start together and collide; the other three start once the winner has ended, so at least two succeed
    const runs: Array<ReturnType<typeof startCli>> = [];
    const start = async (i: number) => {
      runs.push(startCli(["publish", configs[i]!, WF, "--catalog", repo, "--json"], { env: { TMPDIR: tmp } }));
      await new Promise((r) => setTimeout(r, 100));
    };
    for (let i = 0; i < 7; i++) await start(i);
    await new Promise<void>((resolve) => {
      for (const r of runs) void r.result.then((x) => x.code === 0 && resolve());
      void Promise.all(runs.map((r) => r.result)).then(() => resolve());
    });
    for (let i = 7; i < N; i++) await start(i);
    const pids = runs.map((r) => r.child.pid!);
    const results = await Promise.all(runs.map((r) => r.result));

    const made = new Map<string, { branch: string; commit: string; files: string[] }>();
    for (const [i, res] of results.entries()) {
      const id = ids[i]!;
      if (res.code === 0) {
        const out = JSON.parse(res.stdout);
        expect(out).toMatchObject({
          noop: false,
          dryRun: false,
          branch: expect.stringMatching(new RegExp(`^publish/${id}-\\d{14}(-\\d+)?$`)),
        });
        made.set(out.branch, { branch: out.branch, commit: out.commit, files: out.files.map((f: { path: string }) => f.path).sort() });
        // its own product, and no other's
        expect(out.files.map((f: { path: string }) => f.path)).toContain(`products/${id}/collection.json`);
        expect(JSON.stringify(out.files)).not.toMatch(new RegExp(`race-(?!${i}\\b)\\d`));
      } else {
        expect(res.code, `${id}: ${res.stderr}`).toBe(2);
        const err = JSON.parse(res.stderr.trim().split("\n").pop()!).error;
        expect(err.code).toBe("GIT_ERROR");
        expect(err.message).toMatch(new RegExp(`^the catalog ${repo} is locked by another eocube publish \\(pid (\\d+), since `));
        const holder = Number(/pid (\d+)/.exec(err.message)![1]);
        expect(pids).toContain(holder);
        expect(holder).not.toBe(pids[i]);
        expect(err.hint).toMatch(/wait until that publication has finished/);
        expect(err.path).toBe(join(repo, ".git", "eocube-publish.lock"));
      }
    }
    expect(made.size).toBeGreaterThanOrEqual(2);
    expect(made.size).toBeLessThan(N);

    // the repository: clean, HEAD where it was, sound, and every branch is main or one complete publication
    const health = repoHealth(repo);
    expect(health.fsck).toBe("");
    expect(health.status).toBe("");
    expect(health.head).toEqual({ ref: "refs/heads/main", sha: base });
    for (const b of health.branches) {
      if (b.branch === "main") {
        expect(b.commit).toBe(base);
        continue;
      }
      const m = made.get(b.branch);
      expect(m, `branch ${b.branch} was not reported by any process`).toBeDefined();
      expect(b.commit).toBe(m!.commit);
      expect(b.parent).toBe(base);
      expect(b.files).toEqual(m!.files);
    }
    expect(health.branches.length).toBe(made.size + 1);
    // each branch's catalog links its own product only, and is valid as the OSC CI would check it
    for (const m of made.values()) {
      const id = /^publish\/(race-\d+)-/.exec(m.branch)![1]!;
      const products = JSON.parse(git(repo, "show", `${m.commit}:products/catalog.json`));
      expect(products.links.filter((l: { rel: string }) => l.rel === "child").map((l: { href: string }) => l.href)).toEqual([
        `./${id}/collection.json`,
      ]);
      const copy = join(await tempDir("eocube-race-check-"), "catalog");
      await mkdir(copy);
      execFileSync("sh", ["-c", `git archive ${m.commit} | tar -x -C "${copy}"`], { cwd: repo });
      const report = await validateCatalog(copy);
      expect(report.files.filter((f) => !f.valid).map((f) => [f.file, f.errors])).toEqual([]);
    }
    expect(git(repo, "status", "--porcelain")).toBe("");
    // no lock and no temp folder left behind
    expect(existsSync(join(repo, ".git", "eocube-publish.lock"))).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  }, 180_000);
});
