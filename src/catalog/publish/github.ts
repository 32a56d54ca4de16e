// GitHub side of a publication through @octokit/rest: user, upstream, fork, pull requests, error mapping.
import type { Octokit } from "@octokit/rest";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { publicationBranchPattern } from "./apply.js";
import { redactSecrets } from "./redact.js";

/** The OSC catalog repositories eocube publishes to, by `-e` environment (deep-code's names). */
export const UPSTREAMS = {
  production: { owner: "ESA-EarthCODE", repo: "open-science-catalog-metadata" },
  staging: { owner: "ESA-EarthCODE", repo: "open-science-catalog-metadata-staging" },
  testing: { owner: "ESA-EarthCODE", repo: "open-science-catalog-metadata-testing" },
} as const;

/** A publication target environment: `-e production|staging|testing`. */
export type PublishEnvironment = keyof typeof UPSTREAMS;

/** Where the GitHub REST API and the git remotes are. */
export interface GitHubEndpoints {
  /** REST API base URL [default env EOCUBE_GITHUB_API_URL, else https://api.github.com]. */
  apiUrl: string;
  /** Base of git remote URLs, `<gitUrl>/<owner>/<repo>.git` [default env EOCUBE_GIT_URL, else https://github.com]. */
  gitUrl: string;
}

/** Options of {@link openGitHubSession}. */
export interface GitHubSessionOptions extends Partial<GitHubEndpoints> {
  /** How many times to look for a new fork before giving up [default 30]. */
  forkPolls?: number;
  /** Milliseconds between two looks for a new fork [default 2000]. */
  forkPollMs?: number;
  /** Environment read for the endpoints (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Do not fork when the user has no fork (a dry run changes nothing on GitHub): the session then names the fork
   * that would be made, `<login>/<upstream repo>`, with `missing: true` [default false].
   */
  noFork?: boolean;
}

/** A GitHub repository by owner and name. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** An open GitHub session for one publication: the user, the upstream catalog and the user's fork. */
export interface GitHubSession {
  octokit: Octokit;
  /** The token (kept to authenticate git; never printed). */
  token: string;
  endpoints: GitHubEndpoints;
  /** The token owner's login. */
  login: string;
  upstream: RepoRef & { defaultBranch: string };
  fork: RepoRef & { created: boolean; missing?: boolean };
}

/** An open pull request made by a previous publication of the same id. */
export interface ExistingPullRequest {
  number: number;
  url: string;
  /** The branch in the fork. */
  headRef: string;
  headSha: string;
  /** The PR's current title. */
  title: string;
}

/** Resolves the API and git URL bases from the options, then EOCUBE_GITHUB_API_URL / EOCUBE_GIT_URL, then github.com. */
export function githubEndpoints(options: GitHubSessionOptions = {}): GitHubEndpoints {
  const env = options.env ?? process.env;
  const trim = (u: string) => u.replace(/\/+$/, "");
  return {
    apiUrl: trim(options.apiUrl ?? env.EOCUBE_GITHUB_API_URL ?? "https://api.github.com"),
    gitUrl: trim(options.gitUrl ?? env.EOCUBE_GIT_URL ?? "https://github.com"),
  };
}

/** The HTTPS git URL of a repository: `<gitUrl>/<owner>/<repo>.git` (no credentials in it). */
export function gitRemoteUrl(session: Pick<GitHubSession, "endpoints">, ref: RepoRef): string {
  return `${session.endpoints.gitUrl}/${ref.owner}/${ref.repo}.git`;
}

interface HttpLikeError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * Turns an Octokit error into one GITHUB_ERROR with a clear message and hint, never with the token:
 * 401 bad credentials, 403 forbidden, 403 with x-ratelimit-remaining 0 or 429 (rate limit), 404, 422, 5xx,
 * and network failures (an error without an HTTP response: Octokit gives those status 500, so the
 * response, not the status, tells them apart from a real 5xx). The Octokit error is not kept as `cause` (its request holds the auth header).
 */
export function gitHubError(err: unknown, action: string, secrets: Array<string | undefined> = []): EocubeError {
  if (isEocubeError(err)) return err;
  const e = (err ?? {}) as HttpLikeError;
  const status = typeof e.status === "number" ? e.status : 0;
  const headers = e.response?.headers ?? {};
  const data = (e.response?.data ?? {}) as { message?: string; errors?: Array<{ message?: string; code?: string; field?: string }> };
  const apiMessage = redactSecrets(
    [data.message ?? "", ...(data.errors ?? []).map((x) => x.message ?? [x.field, x.code].filter(Boolean).join(" "))]
      .filter(Boolean)
      .join("; "),
    secrets,
  );
  const detail = apiMessage ? `: ${apiMessage}` : "";
  if (!e.response) {
    // Octokit reports a failed fetch (refused, DNS, TLS, proxy) as status 500 without a response
    const msg = redactSecrets(String(e.message ?? err), secrets);
    return new EocubeError("GITHUB_ERROR", `cannot reach the GitHub API while ${action}: ${msg}`, {
      field: "github",
      details: { network: true },
      hint: "check the network connection and proxy settings (HTTPS_PROXY), and EOCUBE_GITHUB_API_URL if set",
    });
  }
  const remaining = headers["x-ratelimit-remaining"];
  if (status === 429 || (status === 403 && String(remaining) === "0")) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") : undefined;
    return new EocubeError("GITHUB_ERROR", `GitHub API rate limit exceeded (${status}) while ${action}`, {
      field: "github",
      details: { status, reset: when },
      hint: when ? `wait until ${when} and publish again` : "wait a few minutes and publish again",
    });
  }
  const table: Record<number, [string, string]> = {
    401: [
      "GitHub refused the token (401 Bad credentials)",
      "check GITHUB_TOKEN / GH_TOKEN / .gitaccess: the token is wrong, expired or revoked",
    ],
    403: [
      "GitHub denied access (403)",
      "the token needs the public_repo scope (classic) or Contents and Pull requests write access (fine-grained)",
    ],
    404: ["not found on GitHub (404)", "check the -e environment (production, staging, testing) and that the token can see the repository"],
    422: [
      "GitHub rejected the request (422)",
      "the request was not accepted as sent; see the message (e.g. a pull request from this branch already exists, or the branch is missing in the fork)",
    ],
  };
  const known = table[status];
  if (known) {
    return new EocubeError("GITHUB_ERROR", `${known[0]} while ${action}${detail}`, {
      field: "github",
      details: { status },
      hint: known[1],
    });
  }
  if (status >= 500) {
    return new EocubeError("GITHUB_ERROR", `GitHub answered ${status} while ${action}${detail}`, {
      field: "github",
      details: { status },
      hint: "GitHub may be having trouble; try again later",
    });
  }
  const msg = redactSecrets(String(e.message ?? err), secrets);
  return new EocubeError("GITHUB_ERROR", `GitHub answered ${status} while ${action}: ${msg}`, {
    field: "github",
    details: { status },
    hint: "unexpected answer from the GitHub API; check EOCUBE_GITHUB_API_URL if set and try again",
  });
}

/** Runs one API call, mapping its failure with {@link gitHubError}. */
async function call<T>(action: string, token: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw gitHubError(err, action, [token]);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Opens a session: GET /user (the login), GET the upstream repository (its default branch), and makes sure the
 * user's fork exists: GET /repos/{login}/{repo}; when it is missing (or is not a fork of the upstream),
 * POST /repos/{owner}/{repo}/forks and poll GET on the new fork until it exists (bounded by forkPolls) — unless
 * `noFork` (dry runs).
 * @throws EocubeError GITHUB_ERROR (401/403/404/422/rate limit/unreachable, or the fork never appeared).
 */
export async function openGitHubSession(
  environment: PublishEnvironment,
  token: string,
  options: GitHubSessionOptions = {},
): Promise<GitHubSession> {
  const upstreamRef = UPSTREAMS[environment];
  if (!upstreamRef) {
    throw new EocubeError("INVALID_ARGUMENT", `unknown environment ${JSON.stringify(environment)}`, {
      field: "-e",
      hint: "use production, staging or testing",
    });
  }
  const endpoints = githubEndpoints(options);
  // loaded on demand: local publications never pay for Octokit
  const { Octokit } = await import("@octokit/rest");
  const octokit = new Octokit({
    auth: token,
    baseUrl: endpoints.apiUrl,
    userAgent: "eocube-publish",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const user = await call("reading the authenticated user (GET /user)", token, () => octokit.rest.users.getAuthenticated());
  const login = user.data.login;
  const up = await call(`reading ${upstreamRef.owner}/${upstreamRef.repo}`, token, () => octokit.rest.repos.get({ ...upstreamRef }));
  const upstream = { owner: up.data.owner.login, repo: up.data.name, defaultBranch: up.data.default_branch };
  const upstreamFull = up.data.full_name.toLowerCase();

  const isOurFork = (d: { fork: boolean; parent?: { full_name: string } | null; source?: { full_name: string } | null }) =>
    d.fork && [d.parent?.full_name, d.source?.full_name].some((n) => n?.toLowerCase() === upstreamFull);
  let existing: { owner: string; repo: string } | undefined;
  try {
    const r = await octokit.rest.repos.get({ owner: login, repo: upstream.repo });
    if (isOurFork(r.data)) existing = { owner: r.data.owner.login, repo: r.data.name };
  } catch (err) {
    if ((err as HttpLikeError).status !== 404) throw gitHubError(err, `looking for your fork ${login}/${upstream.repo}`, [token]);
  }
  if (existing) return { octokit, token, endpoints, login, upstream, fork: { ...existing, created: false } };
  if (options.noFork)
    return { octokit, token, endpoints, login, upstream, fork: { owner: login, repo: upstream.repo, created: false, missing: true } };

  const made = await call(`forking ${upstream.owner}/${upstream.repo} (POST /repos/{owner}/{repo}/forks)`, token, () =>
    octokit.rest.repos.createFork({ owner: upstream.owner, repo: upstream.repo }),
  );
  const fork = { owner: made.data.owner.login, repo: made.data.name };
  const polls = options.forkPolls ?? 30;
  const pollMs = options.forkPollMs ?? 2000;
  for (let i = 0; i < polls; i++) {
    try {
      await octokit.rest.repos.get(fork);
      return { octokit, token, endpoints, login, upstream, fork: { ...fork, created: true } };
    } catch (err) {
      if ((err as HttpLikeError).status !== 404) throw gitHubError(err, `waiting for your new fork ${fork.owner}/${fork.repo}`, [token]);
    }
    await sleep(pollMs);
  }
  throw new EocubeError(
    "GITHUB_ERROR",
    `the fork ${fork.owner}/${fork.repo} did not appear within ${Math.round((polls * pollMs) / 1000)} s`,
    {
      field: "github",
      hint: "GitHub is still creating the fork; publish again in a minute",
    },
  );
}

/**
 * Finds an open pull request on the upstream whose head is a branch `publish/<id>-<timestamp>` of the
 * user's fork (GET /repos/{owner}/{repo}/pulls?state=open, all pages).
 */
export async function findPublicationPullRequest(session: GitHubSession, id: string): Promise<ExistingPullRequest | undefined> {
  const pattern = publicationBranchPattern(id);
  const pulls = await call(`listing the open pull requests of ${session.upstream.owner}/${session.upstream.repo}`, session.token, () =>
    session.octokit.paginate(session.octokit.rest.pulls.list, {
      owner: session.upstream.owner,
      repo: session.upstream.repo,
      state: "open",
      per_page: 100,
    }),
  );
  const mine = pulls.filter((p) => p.head.repo?.owner.login.toLowerCase() === session.fork.owner.toLowerCase() && pattern.test(p.head.ref));
  mine.sort((a, b) => b.number - a.number);
  const p = mine[0];
  return p ? { number: p.number, url: p.html_url, headRef: p.head.ref, headSha: p.head.sha, title: p.title } : undefined;
}

/**
 * Opens a pull request from `<fork owner>:<branch>` into the upstream's default branch (POST /repos/{owner}/{repo}/pulls).
 * @throws EocubeError GITHUB_ERROR
 */
export async function createPullRequest(
  session: GitHubSession,
  branch: string,
  title: string,
  body: string,
): Promise<{ number: number; url: string }> {
  const r = await call(`opening the pull request on ${session.upstream.owner}/${session.upstream.repo}`, session.token, () =>
    session.octokit.rest.pulls.create({
      owner: session.upstream.owner,
      repo: session.upstream.repo,
      title,
      body,
      head: `${session.fork.owner}:${branch}`,
      base: session.upstream.defaultBranch,
      maintainer_can_modify: true,
    }),
  );
  return { number: r.data.number, url: r.data.html_url };
}

/**
 * Updates an existing pull request after a new push: sets its title and body (PATCH /repos/{owner}/{repo}/pulls/{n})
 * and adds a comment saying what changed (POST /repos/{owner}/{repo}/issues/{n}/comments).
 * @throws EocubeError GITHUB_ERROR
 */
export async function updatePullRequest(
  session: GitHubSession,
  number: number,
  title: string,
  body: string,
  comment: string,
): Promise<{ number: number; url: string }> {
  const where = `${session.upstream.owner}/${session.upstream.repo}#${number}`;
  const r = await call(`updating the pull request ${where}`, session.token, () =>
    session.octokit.rest.pulls.update({ owner: session.upstream.owner, repo: session.upstream.repo, pull_number: number, title, body }),
  );
  await call(`commenting on the pull request ${where}`, session.token, () =>
    session.octokit.rest.issues.createComment({
      owner: session.upstream.owner,
      repo: session.upstream.repo,
      issue_number: number,
      body: comment,
    }),
  );
  return { number: r.data.number, url: r.data.html_url };
}
