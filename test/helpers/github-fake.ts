// Test helper: a loopback fake of GitHub's REST API — only the endpoints eocube publish uses — whose requests AND
// responses are validated with ajv against GitHub's own OpenAPI description (npm @octokit/openapi, api.github.com.json).
// Responses start from the OpenAPI document's own examples, patched with the fake's state.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { newAjv } from "../../src/core/config/ajv.js";
import type { GitServer } from "./git-server.js";

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents and request bodies, walked by key
type Json = any;

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  params: string[];
  op: Json;
}

let cachedDoc: Json | undefined;
function openApi(): Json {
  if (!cachedDoc) {
    const file = createRequire(import.meta.url).resolve("@octokit/openapi/generated/api.github.com.json");
    cachedDoc = JSON.parse(readFileSync(file, "utf8"));
  }
  return cachedDoc;
}

/** An error to answer instead of the real response, for the next matching call(s). */
export interface InjectedFailure {
  status: number;
  message?: string;
  headers?: Record<string, string>;
  /** How many calls fail [default 1]. */
  times?: number;
  body?: Json;
}

/** One API call the fake answered. */
export interface FakeCall {
  method: string;
  path: string;
  operationId: string;
  status: number;
  authorization?: string;
  body?: Json;
}

/** A pull request in the fake. */
export interface FakePull {
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string;
  state: "open" | "closed";
  head: { owner: string; repo: string; ref: string; sha: string };
  base: string;
  comments: string[];
}

interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  parent?: { owner: string; name: string };
  /** GET calls that still answer 404 (a fork "being created"). */
  hiddenFor: number;
}

/** Options of {@link startGitHubFake}. */
export interface GitHubFakeOptions {
  /** The valid token. */
  token: string;
  /** The token owner's login. */
  login: string;
  /** The git server holding the repositories' bare copies (forks are cloned there). */
  gitServer: GitServer;
  /** GET calls for which a new fork still answers 404 [default 1]. */
  forkHiddenFor?: number;
}

/** A running fake of the GitHub REST API. */
export interface GitHubFake {
  /** API base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  calls: FakeCall[];
  /** OpenAPI violations found in requests or responses (a test asserts this stays empty). */
  violations: string[];
  pulls: FakePull[];
  /** Registers a repository that exists on "GitHub" (its bare copy must exist on the git server). */
  addRepo(owner: string, name: string, options?: { defaultBranch?: string; parent?: { owner: string; name: string } }): void;
  hasRepo(owner: string, name: string): boolean;
  /** Makes the next call(s) of an operation (by operationId, e.g. "pulls/create") fail. */
  fail(operationId: string, failure: InjectedFailure): void;
  close(): Promise<void>;
}

/** Rewrites local `#/…` refs of an OpenAPI fragment to the `gh` schema registered in ajv. */
function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(node))
      out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `gh${v}` : rewriteRefs(v);
    return out;
  }
  return node;
}

function deref(doc: Json, node: Json): Json {
  let n = node;
  while (n && typeof n.$ref === "string") {
    n = n.$ref
      .slice(2)
      .split("/")
      .reduce((o: Json, k: string) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
  }
  return n;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Starts the fake GitHub API on 127.0.0.1. Implements GET /user, GET /repos/{owner}/{repo},
 * POST /repos/{owner}/{repo}/forks, GET/POST /repos/{owner}/{repo}/pulls, PATCH /repos/{owner}/{repo}/pulls/{n},
 * POST /repos/{owner}/{repo}/issues/{n}/comments. Bad or missing token → 401 "Bad credentials".
 * Every request body and query parameter name, and every response body, is checked against the operation found
 * by method + path in GitHub's OpenAPI description; problems go to `violations`.
 */
export async function startGitHubFake(options: GitHubFakeOptions): Promise<GitHubFake> {
  const doc = openApi();
  const ajv = newAjv({ verbose: false });
  // GitHub's own format for "owner/name" repository references
  ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/);
  ajv.addSchema({ $id: "gh", components: rewriteRefs(doc.components) });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  const validator = (key: string, schema: Json) => {
    let v = compiled.get(key);
    if (!v) {
      v = ajv.compile(rewriteRefs(schema));
      compiled.set(key, v);
    }
    return v;
  };
  const used = [
    ["get", "/user"],
    ["get", "/repos/{owner}/{repo}"],
    ["post", "/repos/{owner}/{repo}/forks"],
    ["get", "/repos/{owner}/{repo}/pulls"],
    ["post", "/repos/{owner}/{repo}/pulls"],
    ["patch", "/repos/{owner}/{repo}/pulls/{pull_number}"],
    ["post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"],
  ] as const;
  const operations: Operation[] = used.map(([method, template]) => {
    const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const regex = new RegExp(`^${template.replace(/\{\w+\}/g, "([^/]+)")}$`);
    return { method: method.toUpperCase(), template, regex, params, op: doc.paths[template][method] };
  });

  const calls: FakeCall[] = [];
  const violations: string[] = [];
  const pulls: FakePull[] = [];
  const repos = new Map<string, FakeRepo>();
  const failures = new Map<string, InjectedFailure[]>();
  let nextId = 1000;
  const key = (o: string, r: string) => `${o}/${r}`.toLowerCase();
  let base = "";

  const ex = doc.components.examples;
  const userJson = (login: string, id: number) => {
    const u = clone(ex["simple-user"].value);
    Object.assign(u, { login, id, url: `${base}/users/${login}`, html_url: `https://github.com/${login}` });
    return u;
  };
  const repoJson = (r: FakeRepo, full: boolean): Json => {
    const j = clone(ex["full-repository"].value);
    const html = `https://github.com/${r.owner}/${r.name}`;
    Object.assign(j, {
      id: r.id,
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      owner: userJson(r.owner, r.id + 1),
      html_url: html,
      url: `${base}/repos/${r.owner}/${r.name}`,
      clone_url: `${html}.git`,
      fork: !!r.parent,
      default_branch: r.defaultBranch,
      has_discussions: false,
    });
    if (!full) return j;
    if (r.parent) {
      const p = repos.get(key(r.parent.owner, r.parent.name))!;
      const pj = repoJson(p, false);
      delete pj.parent;
      delete pj.source;
      delete pj.organization;
      delete pj.template_repository;
      // parent/source are "repository" objects in the schema
      j.parent = pj;
      j.source = pj;
    } else {
      delete j.parent;
      delete j.source;
    }
    delete j.template_repository;
    delete j.organization;
    return j;
  };
  const simpleRepoJson = (r: FakeRepo) => {
    const j = repoJson(r, false);
    delete j.parent;
    delete j.source;
    delete j.organization;
    delete j.template_repository;
    return j;
  };
  const pullJson = (p: FakePull, simple: boolean) => {
    const j = clone(simple ? ex["pull-request-simple-items"].value[0] : ex["pull-request"].value);
    const html = `https://github.com/${p.owner}/${p.repo}/pull/${p.number}`;
    const headRepo = repos.get(key(p.head.owner, p.head.repo))!;
    const baseRepo = repos.get(key(p.owner, p.repo))!;
    Object.assign(j, {
      id: 5000 + p.number,
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      html_url: html,
      url: `${base}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
      user: userJson(p.head.owner, 1),
      requested_teams: [],
      draft: false,
    });
    j.head = {
      label: `${p.head.owner}:${p.head.ref}`,
      ref: p.head.ref,
      sha: p.head.sha,
      user: userJson(p.head.owner, 1),
      repo: simpleRepoJson(headRepo),
    };
    const baseSha = options.gitServer.git(p.owner, p.repo, "rev-parse", `refs/heads/${p.base}`).trim();
    j.base = { label: `${p.owner}:${p.base}`, ref: p.base, sha: baseSha, user: userJson(p.owner, 2), repo: simpleRepoJson(baseRepo) };
    if (!simple) Object.assign(j, { merged: false, mergeable: true, comments: p.comments.length, commits: 1 });
    return j;
  };
  const headSha = (owner: string, repo: string, ref: string): string | undefined => {
    try {
      return options.gitServer.git(owner, repo, "rev-parse", "--verify", "-q", `refs/heads/${ref}`).trim();
    } catch {
      return undefined;
    }
  };
  const error = (status: number, message: string, extra: Json = {}) => ({
    status,
    body: { message, documentation_url: "https://docs.github.com/rest", status: String(status), ...extra },
  });

  type Answer = { status: number; body?: Json; headers?: Record<string, string> };
  const handle = (opId: string, m: Record<string, string>, query: URLSearchParams, body: Json): Answer => {
    switch (opId) {
      case "users/get-authenticated": {
        const u = clone(ex["private-user"].value);
        Object.assign(u, {
          login: options.login,
          id: 1,
          url: `${base}/users/${options.login}`,
          html_url: `https://github.com/${options.login}`,
        });
        return { status: 200, body: u };
      }
      case "repos/get": {
        const r = repos.get(key(m.owner!, m.repo!));
        if (!r || r.hiddenFor > 0) {
          if (r) r.hiddenFor--;
          return error(404, "Not Found");
        }
        return { status: 200, body: repoJson(r, true) };
      }
      case "repos/create-fork": {
        const up = repos.get(key(m.owner!, m.repo!));
        if (!up) return error(404, "Not Found");
        const existing = [...repos.values()].find(
          (r) => r.parent && key(r.parent.owner, r.parent.name) === key(up.owner, up.name) && r.owner === options.login,
        );
        if (existing) return { status: 202, body: repoJson(existing, true) };
        let name = body?.name ?? up.name;
        for (let i = 1; repos.has(key(options.login, name)); i++) name = `${up.name}-${i}`;
        options.gitServer.createBare(options.login, name, options.gitServer.barePath(up.owner, up.name));
        const fork: FakeRepo = {
          id: nextId++,
          owner: options.login,
          name,
          defaultBranch: up.defaultBranch,
          parent: { owner: up.owner, name: up.name },
          hiddenFor: options.forkHiddenFor ?? 1,
        };
        repos.set(key(options.login, name), fork);
        return { status: 202, body: repoJson(fork, true) };
      }
      case "pulls/list": {
        const state = query.get("state") ?? "open";
        const head = query.get("head");
        let list = pulls.filter((p) => key(p.owner, p.repo) === key(m.owner!, m.repo!) && (state === "all" || p.state === state));
        if (head) list = list.filter((p) => `${p.head.owner}:${p.head.ref}`.toLowerCase() === head.toLowerCase());
        list = [...list].sort((a, b) => b.number - a.number);
        const perPage = Number(query.get("per_page") ?? 30);
        const page = Number(query.get("page") ?? 1);
        const slice = list.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < list.length) {
          const next = new URL(`${base}/repos/${m.owner}/${m.repo}/pulls`);
          query.forEach((v, k) => {
            next.searchParams.set(k, v);
          });
          next.searchParams.set("page", String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return { status: 200, body: slice.map((p) => pullJson(p, true)), headers };
      }
      case "pulls/create": {
        const up = repos.get(key(m.owner!, m.repo!));
        if (!up) return error(404, "Not Found");
        const [headOwner, headRef] = String(body.head ?? "").includes(":")
          ? String(body.head).split(":")
          : [options.login, String(body.head)];
        const fork = [...repos.values()].find(
          (r) =>
            r.owner.toLowerCase() === headOwner!.toLowerCase() && r.parent && key(r.parent.owner, r.parent.name) === key(up.owner, up.name),
        );
        const sha = fork ? headSha(fork.owner, fork.name, headRef!) : undefined;
        if (!fork || !sha)
          return error(422, "Validation Failed", { errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] });
        if (
          pulls.some(
            (p) =>
              p.state === "open" &&
              p.head.owner === fork.owner &&
              p.head.ref === headRef &&
              key(p.owner, p.repo) === key(up.owner, up.name),
          )
        ) {
          return error(422, "Validation Failed", {
            errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headOwner}:${headRef}.` }],
          });
        }
        const pr: FakePull = {
          number: pulls.length + 1,
          owner: up.owner,
          repo: up.name,
          title: body.title,
          body: body.body ?? "",
          state: "open",
          head: { owner: fork.owner, repo: fork.name, ref: headRef!, sha },
          base: body.base,
          comments: [],
        };
        pulls.push(pr);
        return { status: 201, body: pullJson(pr, false), headers: { location: pullJson(pr, false).url } };
      }
      case "pulls/update": {
        const pr = pulls.find((p) => key(p.owner, p.repo) === key(m.owner!, m.repo!) && p.number === Number(m.pull_number));
        if (!pr) return error(404, "Not Found");
        if (body.title !== undefined) pr.title = body.title;
        if (body.body !== undefined) pr.body = body.body;
        pr.head.sha = headSha(pr.head.owner, pr.head.repo, pr.head.ref) ?? pr.head.sha;
        return { status: 200, body: pullJson(pr, false) };
      }
      case "issues/create-comment": {
        const pr = pulls.find((p) => key(p.owner, p.repo) === key(m.owner!, m.repo!) && p.number === Number(m.issue_number));
        if (!pr) return error(404, "Not Found");
        pr.comments.push(body.body);
        const c = clone(ex["issue-comment"].value);
        Object.assign(c, {
          body: body.body,
          user: userJson(options.login, 1),
          html_url: `https://github.com/${pr.owner}/${pr.repo}/pull/${pr.number}#issuecomment-${pr.comments.length}`,
        });
        return { status: 201, body: c };
      }
    }
    return error(404, "Not Found");
  };

  const checkRequest = (o: Operation, query: URLSearchParams, body: Json) => {
    const declared = new Set(
      (o.op.parameters ?? [])
        .map((p: Json) => deref(doc, p))
        .filter((p: Json) => p.in === "query")
        .map((p: Json) => p.name),
    );
    for (const name of query.keys()) if (!declared.has(name)) violations.push(`${o.op.operationId}: undeclared query parameter ${name}`);
    const schema = o.op.requestBody?.content?.["application/json"]?.schema;
    if (schema && body === undefined && !o.op.requestBody.required) return;
    if (schema) {
      const v = validator(`${o.op.operationId}#request`, schema);
      if (!v(body)) violations.push(`${o.op.operationId} request: ${ajv.errorsText(v.errors)}`);
    } else if (body !== undefined) {
      violations.push(`${o.op.operationId}: request has a body but the operation declares none`);
    }
  };
  const checkResponse = (o: Operation, status: number, body: Json) => {
    const declared = o.op.responses[String(status)];
    const resp = declared ? deref(doc, declared) : undefined;
    const schema =
      resp?.content?.["application/json"]?.schema ?? (status >= 400 ? { $ref: "#/components/schemas/basic-error" } : undefined);
    if (!declared && status < 400) violations.push(`${o.op.operationId}: status ${status} is not declared`);
    if (!schema) return;
    const v = validator(`${o.op.operationId}#${declared ? status : "error"}`, schema);
    if (!v(body)) violations.push(`${o.op.operationId} response ${status}: ${ajv.errorsText(v.errors)}`);
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    });

  const send = (res: ServerResponse, a: Answer) => {
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      ...a.headers,
    };
    res.writeHead(a.status, headers);
    res.end(a.body === undefined ? "" : JSON.stringify(a.body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", base);
      const text = await readBody(req);
      let body: Json;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
        violations.push(`${req.method} ${url.pathname}: request body is not JSON`);
      }
      const o = operations.find((op) => op.method === req.method && op.regex.test(url.pathname));
      if (!o) {
        violations.push(`unexpected call ${req.method} ${url.pathname}`);
        send(res, error(404, "Not Found"));
        return;
      }
      const match = o.regex.exec(url.pathname)!;
      const m: Record<string, string> = {};
      o.params.forEach((p, i) => {
        m[p] = decodeURIComponent(match[i + 1]!);
      });
      const opId = String(o.op.operationId);
      checkRequest(o, url.searchParams, body);
      const auth = req.headers.authorization ?? "";
      let answer: Answer;
      const injected = failures.get(opId)?.[0];
      if (!/^(token|bearer) /i.test(auth) || auth.replace(/^(token|bearer) /i, "") !== options.token) {
        answer = error(401, "Bad credentials");
      } else if (injected) {
        injected.times = (injected.times ?? 1) - 1;
        if (injected.times <= 0) failures.get(opId)!.shift();
        answer = {
          status: injected.status,
          body: injected.body ?? error(injected.status, injected.message ?? "Error").body,
          headers: injected.headers,
        };
      } else {
        answer = handle(opId, m, url.searchParams, body);
      }
      checkResponse(o, answer.status, answer.body);
      calls.push({
        method: req.method ?? "",
        path: url.pathname + url.search,
        operationId: opId,
        status: answer.status,
        authorization: req.headers.authorization,
        body,
      });
      send(res, answer);
    })().catch((err) => {
      violations.push(`fake crashed: ${(err as Error).stack}`);
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    violations,
    pulls,
    addRepo(owner, name, o = {}) {
      repos.set(key(owner, name), { id: nextId++, owner, name, defaultBranch: o.defaultBranch ?? "main", parent: o.parent, hiddenFor: 0 });
    },
    hasRepo: (owner, name) => repos.has(key(owner, name)),
    fail(operationId, failure) {
      const list = failures.get(operationId) ?? [];
      list.push({ ...failure });
      failures.set(operationId, list);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
