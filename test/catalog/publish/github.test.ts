// publish() against a real git server (git-http-backend on 127.0.0.1) and a fake GitHub API checked against
// GitHub's OpenAPI description.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isEocubeError } from "../../../src/core/errors.js";
import { publish, type PublishOptions } from "../../../src/catalog/publish/publish.js";
import { gitHubError } from "../../../src/catalog/publish/github.js";
import type { PublicationPlan } from "../../../src/catalog/osc/plan.js";
import { cleanupTempDirs, git, repoState, sampleCatalogRepo, tempDir } from "../../helpers/catalog-repo.js";
import { startGitServer, type GitServer } from "../../helpers/git-server.js";
import { startGitHubFake, type GitHubFake } from "../../helpers/github-fake.js";

const TOKEN = "ghp_eocubeTestToken0123456789abcdef";
const UP = { owner: "ESA-EarthCODE", repo: "open-science-catalog-metadata-testing" };
const LOGIN = "scientist";
const ok = async () => ({ errors: [] });

/** Builds a plan against whatever catalog it is given: a product collection plus a child link in products/catalog.json. */
function builder(id = "my-cube", title = "My cube") {
  return async (dir: string): Promise<PublicationPlan> => {
    const path = "products/catalog.json";
    const previous = await readFile(join(dir, path), "utf8");
    const cat = JSON.parse(previous);
    const href = `./${id}/collection.json`;
    if (!cat.links.some((l: { href: string }) => l.href === href)) cat.links.push({ rel: "child", href, type: "application/json", title });
    const next = `${JSON.stringify(cat, null, 2)}\n`;
    const files: PublicationPlan["files"] = [
      { path: `products/${id}/collection.json`, action: "create", content: `${JSON.stringify({ id, title }, null, 2)}\n` },
    ];
    if (next !== previous) files.push({ path, action: "update", previous, content: next });
    return { collectionId: id, workflowId: "my-workflow", files, warnings: [] };
  };
}

let server: GitServer;
let fake: GitHubFake;
let upstreamSource: string;

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  return out;
}

async function expectTokenAbsent(repo: string, ...texts: string[]) {
  const b64 = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
  for (const t of texts) {
    expect(t).not.toContain(TOKEN);
    expect(t).not.toContain(b64);
  }
  for (const f of await allFiles(repo)) {
    const buf = await readFile(f);
    expect(buf.includes(TOKEN), f).toBe(false);
    expect(buf.includes(b64), f).toBe(false);
  }
}

function forkBranches(): string {
  return fake.hasRepo(LOGIN, UP.repo) ? server.git(LOGIN, UP.repo, "for-each-ref", "--format=%(refname) %(objectname)") : "(no fork)";
}

function options(catalogDir: string | undefined, extra: Partial<PublishOptions> = {}): PublishOptions {
  return {
    build: builder(),
    catalogDir,
    environment: "testing",
    idHint: "my-cube",
    validate: ok,
    github: { env: { GITHUB_TOKEN: TOKEN, EOCUBE_GITHUB_API_URL: fake.url, EOCUBE_GIT_URL: server.url }, forkPollMs: 5 },
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(isEocubeError(err), String(err?.stack ?? err)).toBe(true);
  return err;
}

beforeAll(async () => {
  server = await startGitServer(TOKEN);
  upstreamSource = await sampleCatalogRepo();
});
afterAll(async () => {
  await server.close();
  await cleanupTempDirs();
});
beforeEach(async () => {
  for (const dir of [LOGIN, UP.owner])
    await import("node:fs/promises").then((fs) => fs.rm(join(server.root, dir), { recursive: true, force: true }));
  server.createBare(UP.owner, UP.repo, upstreamSource);
  fake = await startGitHubFake({ token: TOKEN, login: LOGIN, gitServer: server, forkHiddenFor: 2 });
  fake.addRepo(UP.owner, UP.repo);
});
afterEach(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

async function localClone(): Promise<string> {
  const dir = join(await tempDir("eocube-local-"), "catalog");
  git(join(dir, ".."), "clone", "-q", server.barePath(UP.owner, UP.repo), dir);
  return dir;
}

describe("publish -e (GitHub)", () => {
  it("forks, pushes the branch over HTTPS-style auth and opens the PR; again is a no-op; a change updates the PR", async () => {
    const repo = await localClone();
    const logs: string[] = [];
    const res = await publish(options(repo, { now: new Date("2026-11-22T04:00:00Z"), log: (l) => logs.push(l) }));
    expect(res.noop).toBe(false);
    expect(res.branch).toBe("publish/my-cube-20261122040000");
    expect(res.pullRequest).toMatchObject({ number: 1, action: "created", url: `https://github.com/${UP.owner}/${UP.repo}/pull/1` });
    expect(res.fork).toBe(`${LOGIN}/${UP.repo}`);
    // the fork was created and polled for
    const ops = fake.calls.map((c) => `${c.operationId} ${c.status}`);
    expect(ops).toContain("repos/create-fork 202");
    expect(ops.filter((o) => o === "repos/get 404").length).toBeGreaterThanOrEqual(2);
    // the branch is in the fork with our commit; the PR targets upstream main from it
    expect(server.git(LOGIN, UP.repo, "rev-parse", `refs/heads/${res.branch}`).trim()).toBe(res.commit);
    const pr = fake.pulls[0]!;
    expect(pr.head).toMatchObject({ owner: LOGIN, ref: res.branch, sha: res.commit });
    expect(pr.base).toBe("main");
    expect(pr.title).toBe("Publish dataset: my-cube + workflow/experiment: my-workflow");
    expect(pr.body).toContain("products/my-cube/collection.json");
    expect(pr.body).toContain("products/catalog.json");
    // the upstream is untouched
    expect(server.git(UP.owner, UP.repo, "for-each-ref", "--format=%(refname)").trim()).toBe("refs/heads/main");
    // git authenticated on every request; the token is nowhere in the repo (.git/config included) or the logs
    expect(server.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(await readFile(join(repo, ".git/config"), "utf8")).not.toContain("Authorization");
    await expectTokenAbsent(repo, logs.join("\n"), JSON.stringify(res));

    // publish again: the open PR already has exactly this content
    const before = repoState(repo);
    const again = await publish(options(repo, { now: new Date("2026-11-22T04:05:00Z") }));
    expect(again.noop).toBe(true);
    expect(again.message).toMatch(/already contains this publication/);
    expect(again.pullRequest).toMatchObject({ number: 1, action: "unchanged" });
    expect(repoState(repo)).toBe(before);
    expect(fake.pulls).toHaveLength(1);

    // a changed publication updates the open PR: force-push to its branch, new body, a comment
    const upd = await publish(options(repo, { build: builder("my-cube", "My better cube"), now: new Date("2026-11-22T04:10:00Z") }));
    expect(upd.pullRequest).toMatchObject({ number: 1, action: "updated" });
    expect(server.git(LOGIN, UP.repo, "rev-parse", `refs/heads/${res.branch}`).trim()).toBe(upd.commit);
    expect(git(repo, "rev-parse", `${upd.commit}^`).trim()).toBe(res.commit); // a new commit on top of the PR's branch
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]!.comments[0]).toContain(upd.commit);
    expect(server.git(LOGIN, UP.repo, "show", `${upd.commit}:products/my-cube/collection.json`)).toContain("My better cube");
    // the updated body still describes the whole PR against upstream main (the product is new there), not only the last commit
    expect(fake.pulls[0]!.body).toContain("Files (2):");
    expect(fake.pulls[0]!.body).toContain("- new: `products/my-cube/collection.json`");
    expect(fake.pulls[0]!.body).toContain("- updated: `products/catalog.json`");

    // a later dataset-only update keeps naming the workflow the PR already holds
    const b = builder("my-cube", "My best cube");
    const datasetOnly = async (dir: string) => ({ ...(await b(dir)), workflowId: undefined });
    const third = await publish(options(repo, { build: datasetOnly, now: new Date("2026-11-22T04:20:00Z") }));
    expect(third.pullRequest).toMatchObject({ number: 1, action: "updated" });
    expect(fake.pulls[0]!.title).toBe("Publish dataset: my-cube + workflow/experiment: my-workflow");
    expect(fake.pulls[0]!.body).toContain("- Workflow / experiment: `my-workflow`");
  });

  it("a failed PR update puts the PR's branch in the fork back where it was", async () => {
    const repo = await localClone();
    const first = await publish(options(repo, { now: new Date("2026-11-22T05:00:00Z") }));
    const forkBefore = server.git(LOGIN, UP.repo, "for-each-ref");
    const before = repoState(repo);
    fake.fail("pulls/update", { status: 422, message: "Validation Failed" });
    const err = await failure(publish(options(repo, { build: builder("my-cube", "Changed title") })));
    expect(err.code).toBe("GITHUB_ERROR");
    expect(server.git(LOGIN, UP.repo, "for-each-ref")).toBe(forkBefore);
    expect(server.git(LOGIN, UP.repo, "rev-parse", `refs/heads/${first.branch}`).trim()).toBe(first.commit);
    expect(repoState(repo)).toBe(before);
    expect(fake.pulls[0]!.comments).toEqual([]);
  });

  it("bases the branch on the current upstream main when the local catalog is behind", async () => {
    const repo = await localClone();
    const oldHead = git(repo, "rev-parse", "HEAD").trim();
    // someone merges into upstream main after the local clone
    const other = await localClone();
    await writeFile(join(other, "README.md"), "new upstream file\n");
    git(other, "add", "README.md");
    git(other, "commit", "-q", "-m", "upstream change");
    git(other, "push", "-q", "origin", "main");
    const upstreamHead = git(other, "rev-parse", "HEAD").trim();
    const res = await publish(options(repo));
    expect(git(repo, "rev-parse", `${res.commit}^`).trim()).toBe(upstreamHead);
    expect(git(repo, "rev-parse", "main").trim()).toBe(oldHead);
  });

  it("clones the upstream into a temp folder when no local catalog is given (deep-code's behaviour)", async () => {
    const res = await publish(options(undefined));
    expect(res.pullRequest?.action).toBe("created");
    expect(server.git(LOGIN, UP.repo, "rev-parse", `refs/heads/${res.branch}`).trim()).toBe(res.commit);
  });

  it("reuses an existing fork", async () => {
    server.createBare(LOGIN, UP.repo, server.barePath(UP.owner, UP.repo));
    fake.addRepo(LOGIN, UP.repo, { parent: { owner: UP.owner, name: UP.repo } });
    const res = await publish(options(await localClone()));
    expect(res.pullRequest?.action).toBe("created");
    expect(fake.calls.some((c) => c.operationId === "repos/create-fork")).toBe(false);
  });

  it("dry run changes nothing and makes no write call", async () => {
    const repo = await localClone();
    const before = repoState(repo);
    const res = await publish(options(repo, { dryRun: true }));
    expect(res.dryRun).toBe(true);
    expect(res.diffs?.map((d) => d.path)).toEqual(["products/my-cube/collection.json", "products/catalog.json"]);
    expect(repoState(repo)).toBe(before);
    expect(fake.pulls).toEqual([]);
    // no fork is made for a dry run (it would change the user's GitHub account)
    expect(fake.calls.map((c) => c.operationId)).not.toContain("repos/create-fork");
    expect(fake.hasRepo(LOGIN, UP.repo)).toBe(false);
    expect(res.fork).toBe(`${LOGIN}/${UP.repo}`);
  });

  const cases: Array<[string, (repo: string) => void, RegExp, string]> = [
    ["a wrong token (401)", () => {}, /401 Bad credentials/, "bad-token"],
    [
      "403 forbidden on the PR",
      () => fake.fail("pulls/create", { status: 403, message: "Resource not accessible by personal access token" }),
      /403.*Resource not accessible/,
      "",
    ],
    ["404 upstream not found", () => fake.fail("repos/get", { status: 404, message: "Not Found" }), /not found on GitHub \(404\)/, ""],
    [
      "422 on the PR",
      () =>
        fake.fail("pulls/create", {
          status: 422,
          message: "Validation Failed",
          body: {
            message: "Validation Failed",
            documentation_url: "https://docs.github.com/rest",
            errors: [{ resource: "PullRequest", code: "custom", message: "No commits between main and the branch" }],
          },
        }),
      /422.*No commits between/,
      "",
    ],
    [
      "the rate limit (403 + x-ratelimit-remaining 0)",
      () =>
        fake.fail("users/get-authenticated", {
          status: 403,
          message: "API rate limit exceeded",
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795000000" },
        }),
      /rate limit exceeded \(403\)/,
      "",
    ],
    [
      "the secondary rate limit (429)",
      () => fake.fail("pulls/list", { status: 429, message: "You have exceeded a secondary rate limit" }),
      /rate limit exceeded \(429\)/,
      "",
    ],
    [
      "a rejected push",
      () => {
        server.createBare(LOGIN, UP.repo, server.barePath(UP.owner, UP.repo));
        fake.addRepo(LOGIN, UP.repo, { parent: { owner: UP.owner, name: UP.repo } });
        server.rejectPushes(LOGIN, UP.repo, "pushes are frozen");
      },
      /pushes are frozen|rejected/,
      "git",
    ],
  ];
  for (const [name, arrange, re, kind] of cases) {
    it(`fails with one message on ${name}, leaving the catalog and the fork as they were`, async () => {
      const repo = await localClone();
      arrange(repo);
      const before = repoState(repo);
      const forkBefore = kind === "git" ? forkBranches() : undefined;
      const opts = options(repo);
      if (kind === "bad-token") opts.github!.env!.GITHUB_TOKEN = "ghp_wrong";
      const err = await failure(publish(opts));
      expect(err.code).toBe(kind === "git" ? "GIT_ERROR" : "GITHUB_ERROR");
      expect(err.message).toMatch(re);
      expect(err.hint).toBeTruthy();
      expect(repoState(repo)).toBe(before);
      if (forkBefore !== undefined) expect(forkBranches()).toBe(forkBefore);
      // no branch was left in the fork (the pushed branch is deleted when the PR cannot be opened)
      if (fake.hasRepo(LOGIN, UP.repo))
        expect(server.git(LOGIN, UP.repo, "for-each-ref", "--format=%(refname)", "refs/heads/publish/").trim()).toBe("");
      expect(fake.pulls).toEqual([]);
      await expectTokenAbsent(repo, err.message, err.hint ?? "", JSON.stringify(err));
    });
  }

  it("gives up (bounded) when a new fork never appears", async () => {
    await fake.close();
    fake = await startGitHubFake({ token: TOKEN, login: LOGIN, gitServer: server, forkHiddenFor: 1000 });
    fake.addRepo(UP.owner, UP.repo);
    const repo = await localClone();
    const before = repoState(repo);
    const opts = options(repo);
    opts.github = { ...opts.github, forkPolls: 3, forkPollMs: 1 };
    const err = await failure(publish(opts));
    expect(err.code).toBe("GITHUB_ERROR");
    expect(err.message).toMatch(/did not appear/);
    expect(fake.calls.filter((c) => c.operationId === "repos/get" && c.status === 404)).toHaveLength(4);
    expect(repoState(repo)).toBe(before);
  });

  it("an unreachable API (a closed port) is a network error, not a GitHub 5xx, and the token is nowhere", async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, "127.0.0.1", () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const repo = await localClone();
    const before = repoState(repo);
    const opts = options(repo);
    opts.github!.env!.EOCUBE_GITHUB_API_URL = `http://127.0.0.1:${closed}`;
    const err = await failure(publish(opts));
    expect(err.code).toBe("GITHUB_ERROR");
    expect(err.message).toMatch(/^cannot reach the GitHub API while reading the authenticated user .*ECONNREFUSED/);
    expect(err.message).not.toMatch(/500|answered/);
    expect(err.hint).toMatch(/network.*proxy/);
    expect(repoState(repo)).toBe(before);
    await expectTokenAbsent(repo, err.message, err.hint ?? "", JSON.stringify(err), String((err as unknown as Error).stack));
  });

  it("a real 5xx answer (with a response) still says GitHub is having trouble", () => {
    const err = gitHubError(
      { status: 502, message: "Bad Gateway", response: { headers: {}, data: { message: `upstream down ${TOKEN}` } } },
      "opening the pull request",
      [TOKEN],
    );
    expect(err.message).toBe("GitHub answered 502 while opening the pull request: upstream down ***");
    expect(err.message).not.toContain(TOKEN);
    expect(err.hint).toMatch(/GitHub may be having trouble/);
  });

  it("a missing token is one GITHUB_ERROR naming where it looks", async () => {
    const repo = await localClone();
    const empty = await tempDir("eocube-home-");
    const err = await failure(publish({ ...options(repo), github: { env: { EOCUBE_GITHUB_API_URL: fake.url }, cwd: empty, home: empty } }));
    expect(err.code).toBe("GITHUB_ERROR");
    expect(err.hint).toMatch(/GITHUB_TOKEN.*\.gitaccess/);
  });
});

describe("the GitHub fake itself", () => {
  it("records OpenAPI violations of requests (a wrongly typed body, an undeclared query parameter)", async () => {
    const res = await fetch(`${fake.url}/repos/${UP.owner}/${UP.repo}/pulls?bogus=1`, {
      method: "POST",
      headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ title: 5, head: "x:y", base: "main" }),
    });
    expect(res.status).toBe(422);
    expect(fake.violations.join("\n")).toMatch(/undeclared query parameter bogus/);
    expect(fake.violations.join("\n")).toMatch(/pulls\/create request: data\/title must be string/);
    fake.violations.length = 0;
  });
});
