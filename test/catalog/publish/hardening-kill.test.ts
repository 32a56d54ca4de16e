// `eocube publish` (the built CLI) killed with SIGKILL at random moments of real runs into a real catalog repository:
// after each kill the repository is exactly as it was (or holds the complete new branch) and the next run just works;
// SIGTERM stops a run cleanly, removing its lock and temp folders.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../helpers/build.js";
import { cleanupTempDirs, git, initCatalogRepo, repoHealth, tempDir, writeDatasetConfig } from "../../helpers/catalog-repo.js";
import { startCli, type StartedCli } from "../../helpers/cli.js";
import { REPO_ROOT } from "../../helpers/paths.js";

const WF = join(REPO_ROOT, "examples/workflow-config.yaml");
const KILLS = 15;

beforeAll(ensureBuilt, 120_000);
afterAll(cleanupTempDirs);

/** Resolves when `text()` matches `re`, or when the process ends. */
function waitFor(run: StartedCli, re: RegExp, text: () => string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (re.test(text())) {
        run.child.stderr!.off("data", check);
        resolve();
      }
    };
    run.child.stderr!.on("data", check);
    void run.result.then(() => resolve());
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("eocube publish under SIGKILL", () => {
  it(`leaves the repository as it was or with a complete branch, whenever it is killed (${KILLS} kills), and the next run succeeds`, async () => {
    const repo = await initCatalogRepo();
    const base = git(repo, "rev-parse", "HEAD").trim();
    const work = await tempDir("eocube-kill-");
    const tmp = join(work, "tmp");
    await mkdir(tmp);
    const lock = join(repo, ".git", "eocube-publish.lock");
    const publish = (_id: string, config: string, detached = false) =>
      startCli(["publish", config, WF, "--catalog", repo, "--json", "--verbose"], { env: { TMPDIR: tmp }, detached });

    // a whole run first: its duration spreads the kills over a whole run, its files are what every publication holds
    const ref = await writeDatasetConfig(work, "kill-ref");
    const t0 = Date.now();
    const first = await publish("kill-ref", ref).result;
    const duration = Date.now() - t0;
    expect(first.code, first.stderr).toBe(0);
    const expectedFiles = (id: string) =>
      (JSON.parse(first.stdout).files as Array<{ path: string }>).map((f) => f.path.replace("kill-ref", id)).sort();

    const killed: Array<{ id: string; pid: number; at: string; completed: boolean }> = [];
    const log: string[] = [];
    const checked = new Set<string>();
    for (let i = 0; i < KILLS; i++) {
      const id = `kill-${i}`;
      const config = await writeDatasetConfig(work, id);
      // every third run in its own process group, killed with its git children (a git killed mid-write)
      const group = i % 3 === 2;
      const run = publish(id, config, group);
      let stderr = "";
      run.child.stderr!.on("data", (d) => (stderr += d));
      // odd runs: killed within 150 ms of starting the commit (the write/commit phase); even runs: anywhere in the run
      let at: string;
      if (i % 2 === 1) {
        await waitFor(run, /writing the commit/, () => stderr);
        const d = Math.floor(Math.random() * 150);
        await sleep(d);
        at = `${d} ms into the commit phase`;
      } else {
        const d = Math.floor(Math.random() * duration * 1.1);
        await sleep(d);
        at = `${d} ms after the start (a whole run took ${duration} ms)`;
      }
      try {
        process.kill(group ? -run.child.pid! : run.child.pid!, "SIGKILL");
      } catch {
        // already ended
      }
      const res = await run.result;
      const completed = res.code === 0;
      killed.push({ id, pid: run.child.pid!, at, completed });
      log.push(`${id}: killed ${at}${group ? " (process group)" : ""}: ${completed ? "had completed" : `signal ${res.signal}`}`);
      const where = log.join("\n");

      // the repository: clean, HEAD untouched, sound; every branch main or one complete publication on top of main
      const h = repoHealth(repo);
      expect(h.status, where).toBe("");
      expect(h.head, where).toEqual({ ref: "refs/heads/main", sha: base });
      expect(h.fsck, where).toBe("");
      for (const b of h.branches) {
        if (b.branch === "main") {
          expect(b.commit, where).toBe(base);
          continue;
        }
        const bid = /^publish\/(kill-(?:ref|\d+))-\d{14}(?:-\d+)?$/.exec(b.branch)?.[1];
        expect(bid, `${where}\nunexpected branch ${b.branch}`).toBeDefined();
        expect(b.parent, where).toBe(base);
        expect(b.files, `${where}\n${b.branch}`).toEqual(expectedFiles(bid!));
        if (!checked.has(b.commit))
          expect(git(repo, "show", `${b.commit}:products/${bid}/collection.json`), where).toContain(`"id": "${bid}"`);
        checked.add(b.commit);
      }
      if (completed)
        expect(
          h.branches.some((b) => b.branch.startsWith(`publish/${id}-`)),
          where,
        ).toBe(true);
      // a lock left behind names a killed process (which no longer runs): the next run takes it over
      if (existsSync(lock))
        expect(
          killed.map((k) => k.pid),
          where,
        ).toContain(JSON.parse(readFileSync(lock, "utf8")).pid);

      // every fifth kill: the same publication run again, untouched by hand, publishes (or finds the branch its
      // killed run completed)
      if (i % 5 === 4) {
        const next = await publish(id, config).result;
        expect(next.code, `${where}\nnext run: ${next.stderr}`).toBe(0);
        expect(JSON.parse(next.stdout).message, where).toMatch(
          new RegExp(`^(committed \\d+ files on branch|nothing to publish: branch) publish/${id}-`),
        );
        log.push(`${id}: published by the next run`);
      }
    }

    const h = repoHealth(repo);
    expect(h.status).toBe("");
    expect(h.fsck).toBe("");
    expect(h.head).toEqual({ ref: "refs/heads/main", sha: base });
    // no lock and no temp folder left: the killed runs' folders were reclaimed by the runs after them (the last run
    // was a whole one)
    expect(existsSync(lock)).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
    expect(killed.filter((k) => !k.completed).length, log.join("\n")).toBeGreaterThan(KILLS / 4);
  }, 300_000);

  it("SIGTERM: the run stops within seconds (CANCELLED, exit 2) or has finished, and leaves no lock, temp folder or change", async () => {
    const repo = await initCatalogRepo();
    const base = git(repo, "rev-parse", "HEAD").trim();
    const work = await tempDir("eocube-term-");
    const tmp = join(work, "tmp");
    await mkdir(tmp);
    const config = await writeDatasetConfig(work, "term-1");
    const run = startCli(["publish", config, WF, "--catalog", repo, "--verbose"], { env: { TMPDIR: tmp } });
    let stderr = "";
    run.child.stderr!.on("data", (d) => (stderr += d));
    await waitFor(run, /building the publication/, () => stderr);
    const t0 = Date.now();
    run.child.kill("SIGTERM");
    const res = await run.result;
    expect(Date.now() - t0).toBeLessThan(10_000);
    if (res.code !== 0) {
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(/^error: eocube publish was interrupted \(SIGTERM\); the catalog repository was left as it was$/m);
    }
    const h = repoHealth(repo);
    expect(h.status).toBe("");
    expect(h.head).toEqual({ ref: "refs/heads/main", sha: base });
    expect(h.branches.map((b) => b.branch)).toEqual(res.code === 0 ? ["main", expect.stringMatching(/^publish\/term-1-/)] : ["main"]);
    expect(existsSync(join(repo, ".git", "eocube-publish.lock"))).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  }, 60_000);
});
