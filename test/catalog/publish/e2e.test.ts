// End to end through the `eocube publish` CLI with the real Zarr cube (shared/data) and examples/*.yaml:
// a local catalog made by initCatalog; GitHub = git's git-http-backend on 127.0.0.1 + the OpenAPI-checked fake.
import { spawn } from "node:child_process";
import { createServer as createNetServer } from "node:net";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { initCatalog } from "../../../src/catalog/osc/init.js";
import { validateCatalog } from "../../../src/catalog/osc/validate/index.js";
import { cleanupTempDirs, git, repoState, tempDir } from "../../helpers/catalog-repo.js";
import { startGitServer, type GitServer } from "../../helpers/git-server.js";
import { startGitHubFake, type GitHubFake } from "../../helpers/github-fake.js";
import { REPO_ROOT } from "../../helpers/paths.js";

const TOKEN = "ghp_e2eSecretToken_9f8e7d6c5b4a";
const B64 = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
const UP = { owner: "ESA-EarthCODE", repo: "open-science-catalog-metadata-testing" };
const LOGIN = "scientist";
const DS = "examples/dataset-config.yaml";
const WF = "examples/workflow-config.yaml";
const COLLECTION = "xcube-demo-olci-north-sea";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `eocube …` from src/ (through tsx) in the repository root. */
function eocube(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const script = `const { main } = await import(${JSON.stringify(join(REPO_ROOT, "src/cli/index.ts"))}); process.exitCode = await main(["node", "eocube", ...process.argv.slice(1)]);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GITHUB_TOKEN: "", GH_TOKEN: "", HOME: emptyHome, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function newCatalog(): Promise<string> {
  const dir = join(await tempDir("eocube-e2e-"), "catalog");
  await initCatalog(dir);
  return dir;
}

async function tokenNowhere(dir: string, ...texts: string[]) {
  for (const t of texts) {
    expect(t).not.toContain(TOKEN);
    expect(t).not.toContain(B64);
  }
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const buf = await readFile(join(e.parentPath, e.name));
    expect(buf.includes(TOKEN), e.name).toBe(false);
    expect(buf.includes(B64), e.name).toBe(false);
  }
}

let emptyHome: string;
let server: GitServer;
let fake: GitHubFake;
let upstreamInit: string;

beforeAll(async () => {
  emptyHome = await tempDir("eocube-home-");
  server = await startGitServer(TOKEN);
  upstreamInit = await newCatalog();
});
afterAll(async () => {
  await server.close();
  await cleanupTempDirs();
});

describe("eocube publish (local catalog)", () => {
  it("publishes the real Zarr cube into a catalog made by catalog init; the result is valid; again is a no-op", async () => {
    const dir = await newCatalog();
    const first = await eocube(["publish", DS, WF, "--catalog", dir]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const branch = /^branch: (\S+)$/m.exec(first.stdout)?.[1];
    const commit = /^commit: ([0-9a-f]{40})$/m.exec(first.stdout)?.[1];
    expect(branch).toMatch(new RegExp(`^publish/${COLLECTION}-\\d{14}$`));
    // the checkout is left as it was (main, clean); the branch holds the publication
    expect(git(dir, "rev-parse", "HEAD").trim()).toBe(git(dir, "rev-parse", `${commit}^`).trim());
    expect(git(dir, "symbolic-ref", "--short", "HEAD").trim()).toBe("main");
    expect(git(dir, "status", "--porcelain", "--untracked-files=all")).toBe("");
    expect(first.stdout).toContain(`checked out: main (unchanged); to see the publication: git -C ${dir} switch ${branch}`);
    expect(git(dir, "rev-parse", branch!).trim()).toBe(commit);
    expect(git(dir, "log", "-1", "--format=%s", branch!).trim()).toBe(
      `Publish dataset: ${COLLECTION} + workflow/experiment: xcube-demo-olci-rectification`,
    );
    expect(git(dir, "rev-list", "--count", branch!).trim()).toBe("2");
    const changed = git(dir, "diff", "--name-only", "HEAD", branch!).trim().split("\n");
    expect(changed).toContain(`products/${COLLECTION}/collection.json`);
    expect(first.stdout).toContain(`products/${COLLECTION}/collection.json`);

    // again: a no-op naming the branch that holds it
    const before = repoState(dir);
    const again = await eocube(["publish", DS, WF, "--catalog", dir, "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      noop: true,
      message: `nothing to publish: branch ${branch} already contains this publication`,
      branch,
      commit,
    });
    expect(repoState(dir)).toBe(before);

    // switched to, the branch is a valid catalog; publishing from there is a no-op too
    git(dir, "switch", "-q", branch!);
    const report = await validateCatalog(dir);
    expect(report.files.filter((f) => !f.valid).map((f) => [f.file, f.errors])).toEqual([]);
    const third = await eocube(["publish", DS, WF, "--catalog", dir, "--json"]);
    expect(JSON.parse(third.stdout)).toMatchObject({
      noop: true,
      message: `nothing to publish: branch ${branch} already contains this publication`,
    });

    // a changed publication is a new branch on top of the earlier one (as before, without checking anything out)
    git(dir, "switch", "-q", "main");
    const cfg = join(await tempDir("eocube-e2e-cfg-"), "dataset-config.yaml");
    await writeFile(cfg, (await readFile(join(REPO_ROOT, DS), "utf8")).replace(/^title: .*$/m, "title: A new title"));
    const changed2 = await eocube(["publish", cfg, WF, "--catalog", dir, "--json"]);
    expect(changed2.code, changed2.stderr).toBe(0);
    const out2 = JSON.parse(changed2.stdout);
    expect(git(dir, "rev-parse", `${out2.branch}^`).trim()).toBe(commit);
    expect(git(dir, "symbolic-ref", "--short", "HEAD").trim()).toBe("main");
  });

  it("--dry-run prints the files with unified diffs and changes nothing", async () => {
    const dir = await newCatalog();
    const before = repoState(dir);
    const res = await eocube(["publish", DS, WF, "--catalog", dir, "--dry-run"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^dry run: \d+ files would be committed; nothing was changed$/m);
    expect(res.stdout).toContain(`+++ b/products/${COLLECTION}/collection.json`);
    expect(res.stdout).toContain("--- a/products/catalog.json");
    expect(repoState(dir)).toBe(before);
  });

  it("-m dataset publishes the product only (deep-code's modes), --json gives branch, commit and files", async () => {
    const dir = await newCatalog();
    const res = await eocube(["publish", DS, WF, "--catalog", dir, "-m", "dataset", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      noop: false,
      dryRun: false,
      branch: expect.stringMatching(new RegExp(`^publish/${COLLECTION}-`)),
      previous: { branch: "main" },
      catalog: dir,
    });
    expect(git(dir, "rev-parse", out.branch).trim()).toBe(out.commit);
    const paths = out.files.map((f: { path: string }) => f.path);
    expect(paths).toContain(`products/${COLLECTION}/collection.json`);
    expect(paths.some((p: string) => p.startsWith("workflows/xcube") || p.startsWith("experiments/xcube"))).toBe(false);
    expect(git(dir, "log", "-1", "--format=%s", out.branch).trim()).toBe(`Publish dataset: ${COLLECTION}`);
  });

  it("reports the validator's warnings about the files it wrote (text and --json), with an id suggestion made from the id", async () => {
    const cfg = join(await tempDir("eocube-e2e-cfg-"), "dataset-config.yaml");
    await writeFile(
      cfg,
      (await readFile(join(REPO_ROOT, DS), "utf8")).replace(/^collection_id: .*$/m, "collection_id: Predicted-LST-Test"),
    );
    const dir = await newCatalog();
    const res = await eocube(["publish", cfg, WF, "--catalog", dir, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.validationWarnings).toContainEqual({
      file: "products/Predicted-LST-Test/collection.json",
      rule: "id-format / eocube",
      message: "id 'Predicted-LST-Test' is not lower-case letters, digits and dashes",
      hint: expect.stringContaining("e.g. 'predicted-lst-test'"),
    });
    // exactly what `eocube validate` warns about the files written
    const written = new Set(out.files.map((f: { path: string }) => f.path));
    git(dir, "switch", "-q", out.branch);
    const report = await validateCatalog(dir);
    const expected = report.files.filter((f) => written.has(f.file)).flatMap((f) => f.warnings.map((w) => [f.file, w.message]));
    expect(out.validationWarnings.map((w: { file: string; message: string }) => [w.file, w.message])).toEqual(expected);

    const text = await eocube(["publish", cfg, WF, "--catalog", await newCatalog(), "--dry-run"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^warning: products\/Predicted-LST-Test\/collection\.json: \[id-format \/ eocube\] id 'Predicted-LST-Test' is not lower-case .*e\.g\. 'predicted-lst-test'/m,
    );
  });

  it("unknown -e or -m values are usage errors (exit 2)", async () => {
    const a = await eocube(["publish", DS, WF, "-e", "prod"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: unknown environment "prod"/);
    const b = await eocube(["publish", DS, WF, "-m", "everything"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^error: unknown mode "everything"/);
  });

  it("takes -m and -e case-insensitively, as deep-code does", async () => {
    const dir = await newCatalog();
    const r = await eocube(["publish", DS, WF, "--catalog", dir, "-m", "Dataset", "--dry-run", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      JSON.parse(r.stdout)
        .files.map((f: { path: string }) => f.path)
        .some((p: string) => p.startsWith("workflows/")),
    ).toBe(false);
    const e = await eocube(["publish", DS, WF, "-e", "PROD"]);
    expect(e.stderr).toMatch(/^error: unknown environment "prod"/);
  });

  it("a folder that is not a git repository: one message, exit 2, no stack trace", async () => {
    const dir = await tempDir("eocube-nogit-");
    const res = await eocube(["publish", DS, WF, "--catalog", dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: not a git repository: /);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a dirty working tree: one message naming the file, exit 2, nothing changed", async () => {
    const dir = await newCatalog();
    await writeFile(join(dir, "products", "catalog.json"), "{}\n");
    const before = repoState(dir);
    const res = await eocube(["publish", DS, WF, "--catalog", dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: the catalog working tree is not clean: products\/catalog\.json/);
    expect(repoState(dir)).toBe(before);
  });
});

describe("eocube publish -e testing (GitHub)", () => {
  beforeEach(async () => {
    for (const d of [LOGIN, UP.owner])
      await import("node:fs/promises").then((fs) => fs.rm(join(server.root, d), { recursive: true, force: true }));
    server.createBare(UP.owner, UP.repo, upstreamInit);
    fake = await startGitHubFake({ token: TOKEN, login: LOGIN, gitServer: server });
    fake.addRepo(UP.owner, UP.repo);
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });
  const env = () => ({ GITHUB_TOKEN: TOKEN, EOCUBE_GITHUB_API_URL: fake.url, EOCUBE_GIT_URL: server.url });
  const clone = async () => {
    const dir = join(await tempDir("eocube-e2e-clone-"), "catalog");
    git(join(dir, ".."), "clone", "-q", server.barePath(UP.owner, UP.repo), dir);
    return dir;
  };

  it("pushes the branch to the fork on the local git server and opens the PR; again is a no-op", async () => {
    const dir = await clone();
    const res = await eocube(["publish", DS, WF, "--catalog", dir, "-e", "testing", "--verbose"], env());
    expect(res.code, res.stderr).toBe(0);
    const branch = /^branch: (\S+)$/m.exec(res.stdout)![1]!;
    const commit = /^commit: (\S+)$/m.exec(res.stdout)![1]!;
    expect(res.stdout).toMatch(new RegExp(`pull request #1 \\(created\\): https://github.com/${UP.owner}/${UP.repo}/pull/1`));
    expect(server.git(LOGIN, UP.repo, "rev-parse", `refs/heads/${branch}`).trim()).toBe(commit);
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]!.body).toContain(`products/${COLLECTION}/collection.json`);
    expect(await readFile(join(dir, ".git", "config"), "utf8")).not.toMatch(/extraheader|Authorization/i);
    await tokenNowhere(dir, res.stdout, res.stderr);

    const again = await eocube(["publish", DS, WF, "--catalog", dir, "-e", "testing"], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already contains this publication/);
    expect(fake.pulls).toHaveLength(1);
  });

  it("deep-code's way: no --catalog (a temp clone of the upstream), token from ~/.gitaccess", async () => {
    const home = await tempDir("eocube-home-");
    await writeFile(join(home, ".gitaccess"), `github-username: ${LOGIN}\ngithub-token: ${TOKEN}\n`);
    const res = await eocube(["publish", DS, WF, "-e", "testing"], {
      EOCUBE_GITHUB_API_URL: fake.url,
      EOCUBE_GIT_URL: server.url,
      HOME: home,
    });
    expect(res.code, res.stderr).toBe(0);
    const branch = /^branch: (\S+)$/m.exec(res.stdout)![1]!;
    expect(server.git(LOGIN, UP.repo, "rev-parse", `refs/heads/${branch}`).trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(fake.pulls).toHaveLength(1);
    expect(res.stdout + res.stderr).not.toContain(TOKEN);
  });

  const failures: Array<[string, () => void, RegExp, string?]> = [
    ["401", () => {}, /^error: GitHub refused the token \(401 Bad credentials\)/m, "ghp_wrong_token_123"],
    [
      "403",
      () => fake.fail("pulls/create", { status: 403, message: "Resource not accessible by personal access token" }),
      /^error: GitHub denied access \(403\)/m,
    ],
    ["404", () => fake.fail("repos/get", { status: 404, message: "Not Found" }), /^error: not found on GitHub \(404\)/m],
    ["422", () => fake.fail("pulls/create", { status: 422, message: "Validation Failed" }), /^error: GitHub rejected the request \(422\)/m],
    [
      "rate limit",
      () =>
        fake.fail("users/get-authenticated", {
          status: 403,
          message: "API rate limit exceeded",
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795000000" },
        }),
      /^error: GitHub API rate limit exceeded \(403\)/m,
    ],
    [
      "push rejected",
      () => {
        server.createBare(LOGIN, UP.repo, server.barePath(UP.owner, UP.repo));
        fake.addRepo(LOGIN, UP.repo, { parent: { owner: UP.owner, name: UP.repo } });
        server.rejectPushes(LOGIN, UP.repo, "pushes are frozen");
      },
      /^error: git push .*failed: .*pushes are frozen/m,
    ],
  ];
  for (const [name, arrange, re, token] of failures) {
    it(`${name}: one message, exit 2, catalog and fork unchanged, token nowhere`, async () => {
      const dir = await clone();
      arrange();
      const before = repoState(dir);
      const forkRefs = () => (fake.hasRepo(LOGIN, UP.repo) ? server.git(LOGIN, UP.repo, "for-each-ref", "refs/heads/") : "");
      const forkBefore = forkRefs();
      const res = await eocube(["publish", DS, WF, "--catalog", dir, "-e", "testing"], {
        ...env(),
        ...(token ? { GITHUB_TOKEN: token } : {}),
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(re);
      expect(res.stderr.match(/^error: /gm)).toHaveLength(1);
      expect(res.stderr).toMatch(/^ {2}hint: /m);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      expect(res.stdout).toBe("");
      expect(repoState(dir)).toBe(before);
      if (forkBefore) expect(forkRefs()).toBe(forkBefore);
      else if (fake.hasRepo(LOGIN, UP.repo)) expect(server.git(LOGIN, UP.repo, "for-each-ref", "refs/heads/publish/")).toBe("");
      expect(fake.pulls).toEqual([]);
      await tokenNowhere(dir, res.stdout, res.stderr);
    });
  }

  it("an unreachable GitHub API: a network message (not a GitHub 500), exit 2, catalog unchanged, token nowhere", async () => {
    const dir = await clone();
    const before = repoState(dir);
    const port = await new Promise<number>((resolve) => {
      const srv = createNetServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const res = await eocube(["publish", DS, WF, "--catalog", dir, "-e", "testing"], {
      ...env(),
      EOCUBE_GITHUB_API_URL: `http://127.0.0.1:${port}`,
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: cannot reach the GitHub API while .*ECONNREFUSED/m);
    expect(res.stderr).toMatch(/^ {2}hint: check the network connection and proxy/m);
    expect(res.stderr).not.toMatch(/GitHub answered|having trouble|\n\s+at /);
    expect(repoState(dir)).toBe(before);
    await tokenNowhere(dir, res.stdout, res.stderr);
  });
});
