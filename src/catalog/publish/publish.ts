// A whole publication: build the plan on a private copy of the base commit, validate, commit with git plumbing under
// the catalog's lock; with an environment, push and open the PR.
import { join } from "node:path";
import { EocubeError, isEocubeError, throwIfAborted } from "../../core/errors.js";
import type { PublicationPlan } from "../osc/plan.js";
import {
  applyPlan,
  branchHolding,
  changedFiles,
  checkPlannedPaths,
  commitSubject,
  copyOfCommit,
  latestPublicationBranch,
  NOTHING_TO_PUBLISH,
  publicationId,
  validateInCopy,
  type ApplyResult,
  type BaseCopy,
} from "./apply.js";
import type { PublishMode } from "./builder.js";
import { deleteBranch } from "./commit.js";
import { planDiffs } from "./diff.js";
import { gitAuthEnv, runGit } from "./git.js";
import {
  createPullRequest,
  findPublicationPullRequest,
  gitRemoteUrl,
  openGitHubSession,
  updatePullRequest,
  type ExistingPullRequest,
  type GitHubSession,
  type GitHubSessionOptions,
  type PublishEnvironment,
} from "./github.js";
import { lockCatalog, makeTempDir, reclaimTempDirs, removeTempDir, type CatalogLock } from "./lock.js";
import { redactSecrets } from "./redact.js";
import { dirtyFiles, ensureClean, ensureRepository, headState, type HeadState } from "./repo.js";
import { resolveGitHubToken, type TokenOptions } from "./token.js";
import { formatProblem, loadDefaultValidator, type CatalogProblem, type CatalogValidator } from "./validation.js";

/**
 * Builds the publication plan against the catalog checked out in `catalogDir` (e.g. buildPublication of catalog/osc).
 * `publicationId` (collection id, else workflow id) is known before building when the builder comes from configs.
 */
export type PlanBuilder = ((catalogDir: string) => Promise<PublicationPlan>) & { publicationId?: string };

/** Options of {@link publish}. */
export interface PublishOptions {
  /**
   * Builds the plan against the catalog folder it is given (e.g. `configPlanBuilder`'s). Give it, or give
   * `datasetConfig` (and `workflowConfig`) and the plan is built from those files.
   */
  build?: PlanBuilder;
  /** The dataset config file (deep-code's dataset-config.yaml), read with the OSC config loader when `build` is not given. */
  datasetConfig?: string;
  /** The workflow config file (deep-code's workflow-config.yaml), with `datasetConfig` [default: none, dataset only]. */
  workflowConfig?: string;
  /** What `datasetConfig`/`workflowConfig` publish: "all", "dataset" or "workflow" [default "all", deep-code's default]. */
  mode?: PublishMode;
  /**
   * The local catalog repository. Required without `environment`. With `environment` it is optional: when
   * absent, the upstream catalog is cloned into a temp folder that is removed afterwards (as deep-code does).
   */
  catalogDir?: string;
  /** Publish to GitHub: push to the user's fork of this environment's catalog and open the pull request. */
  environment?: PublishEnvironment;
  /** Plan, validate and diff only; change nothing (no branch, no commit, no push, no GitHub call). */
  dryRun?: boolean;
  /** Time for the branch name [default now]. */
  now?: Date;
  /** The whole-catalog validator [default validateCatalog of catalog/osc/validate]. */
  validate?: CatalogValidator;
  /** GitHub endpoints and fork polling; `token` overrides the token lookup. */
  github?: GitHubSessionOptions & TokenOptions & { token?: string };
  /**
   * The publication's id (collection id, else workflow id), known before the plan is built: with `environment` it
   * finds an open pull request of an earlier publication (its branch is `publish/<id>-<timestamp>`); locally, an
   * earlier publication branch on top of HEAD to build on [default `build.publicationId`].
   */
  idHint?: string;
  /** Progress lines (already redacted) [default: none]. */
  log?: (line: string) => void;
  /**
   * Stops the publication (CANCELLED) between steps and kills a running git clone/fetch; the catalog stays as it
   * was, the lock and temp folders are removed. A push under way is finished (the pull request step then runs).
   */
  signal?: AbortSignal;
}

/** A pull request opened or updated by a publication. */
export interface PublishedPullRequest {
  number: number;
  url: string;
  /** "created" (new PR), "updated" (new commit pushed to an open PR of the same id) or "unchanged" (no-op). */
  action: "created" | "updated" | "unchanged";
}

/** What {@link publish} did (or, with dryRun, would do). */
export interface PublishResult extends ApplyResult {
  dryRun: boolean;
  environment?: PublishEnvironment;
  /** Unified diffs of the planned files (dry run only). */
  diffs?: Array<{ path: string; action: "create" | "update"; diff: string }>;
  /** Validation errors of the resulting catalog (dry run only; a real run throws VALIDATION_FAILED instead). */
  problems?: CatalogProblem[];
  /** "<owner>/<repo>" of the upstream catalog and of the user's fork (with an environment). */
  upstream?: string;
  fork?: string;
  pullRequest?: PublishedPullRequest;
  /** The user's catalog repository (absolute), absent for a temp clone; its checked-out branch is `previous`, unchanged. */
  catalog?: string;
}

function prBody(plan: PublicationPlan, files: ApplyResult["files"], validationWarnings: CatalogProblem[] = []): string {
  const lines = [
    "This pull request was opened by `eocube publish`.",
    "",
    ...(plan.collectionId ? [`- Product (collection): \`${plan.collectionId}\``] : []),
    ...(plan.workflowId ? [`- Workflow / experiment: \`${plan.workflowId}\``] : []),
    "",
    `Files (${files.length}):`,
    "",
    ...files.map((f) => `- ${f.action === "create" ? "new" : "updated"}: \`${f.path}\``),
  ];
  if (plan.warnings.length) lines.push("", "Warnings:", "", ...plan.warnings.map((w) => `- ${w}`));
  if (validationWarnings.length) {
    lines.push(
      "",
      "Validation warnings (eocube's extra checks; the OSC CI does not enforce them):",
      "",
      ...validationWarnings.map((w) => `- ${formatProblem(w)}`),
    );
  }
  lines.push("", "The whole resulting catalog passed eocube's OSC validation before this commit.");
  return `${lines.join("\n")}\n`;
}

async function dryRunResult(
  work: BaseCopy,
  repo: string,
  plan: PublicationPlan,
  validate: CatalogValidator | undefined,
  extra: Partial<PublishResult>,
): Promise<PublishResult> {
  checkPlannedPaths(plan.files);
  const files = await changedFiles(work.dir, plan.files);
  if (files.length === 0)
    return {
      noop: true,
      dryRun: true,
      message: NOTHING_TO_PUBLISH,
      files: [],
      warnings: plan.warnings,
      validationWarnings: [],
      diffs: [],
      problems: [],
      ...extra,
    };
  const { errors: problems, warnings: validationWarnings } = await validateInCopy(work, files, validate ?? (await loadDefaultValidator()));
  if (extra.environment === undefined && problems.length === 0) {
    const same = await branchHolding(
      repo,
      publicationId(plan),
      work.base,
      files.map((f) => ({ path: f.path, source: join(work.dir, f.path) })),
    );
    if (same) {
      return {
        noop: true,
        dryRun: true,
        message: `nothing to publish: branch ${same.branch} already contains this publication`,
        branch: same.branch,
        commit: same.commit,
        files: [],
        warnings: plan.warnings,
        validationWarnings: [],
        diffs: [],
        problems: [],
        ...extra,
      };
    }
  }
  const diffs = await planDiffs(files);
  return {
    noop: false,
    dryRun: true,
    message: `dry run: ${files.length} file${files.length === 1 ? "" : "s"} would be committed${problems.length ? `, but the resulting catalog has ${problems.length} validation error${problems.length === 1 ? "" : "s"}` : ""}; nothing was changed`,
    files: files.map((f) => ({ path: f.path, action: f.action })),
    warnings: plan.warnings,
    validationWarnings,
    diffs,
    problems,
    ...extra,
  };
}

/** `text` with every occurrence of the private copy's folder replaced by the user's catalog folder. */
function shownPath(text: string, work: BaseCopy, repo: string): string {
  return text.split(work.dir).join(repo);
}

/**
 * Builds the plan on the private copy of the base commit; errors and warnings name the user's catalog folder, not
 * the copy's.
 */
async function buildOnCopy(build: PlanBuilder, work: BaseCopy, repo: string): Promise<PublicationPlan> {
  let plan: PublicationPlan;
  try {
    plan = await build(work.dir);
  } catch (err) {
    if (!isEocubeError(err) || !`${err.message}${err.path ?? ""}${err.hint ?? ""}`.includes(work.dir)) throw err;
    throw new EocubeError(err.code, shownPath(err.message, work, repo), {
      ...(err.path !== undefined ? { path: shownPath(err.path, work, repo) } : {}),
      ...(err.field !== undefined ? { field: err.field } : {}),
      ...(err.hint !== undefined ? { hint: shownPath(err.hint, work, repo) } : {}),
      ...(err.details !== undefined ? { details: err.details } : {}),
      cause: err,
    });
  }
  return { ...plan, warnings: plan.warnings.map((w) => shownPath(w, work, repo)) };
}

/**
 * Publishes to the OSC — the library form of `eocube publish`: builds the plan (from `build`, or from the
 * `datasetConfig`/`workflowConfig` files, as deep-code's `Publisher(dataset_config, workflow_config)`) on a private copy of the catalog's HEAD commit (or of the newest local branch
 * `publish/<id>-*` holding HEAD: an earlier publication, so an unchanged one is a no-op naming that branch), validates
 * the whole resulting catalog, and makes one commit on a new branch `publish/<id>-<timestamp>` with git plumbing (see {@link applyPlan}):
 * the catalog's checked-out branch, index and working tree are never touched, and `git switch <branch>` shows the
 * publication. A real run holds the catalog's lock (see lockCatalog) from start to end, so a second publisher is
 * refused; temp folders of killed runs are removed first (reclaimTempDirs).
 *
 * With `environment` it also: resolves the token (GITHUB_TOKEN, GH_TOKEN, `.gitaccess`), opens the GitHub
 * session (user, upstream, fork — created if missing, waited for), and chooses the base to build on: the branch of
 * an open pull request of the same publication id from the user's fork (GET pulls), else the CURRENT upstream
 * default branch — fetched into the local catalog (or a temp clone when no catalog is given). The plan is built on
 * that base, so an unchanged publication is a no-op. The branch is pushed to the fork over
 * HTTPS (the token reaches git per command through GIT_CONFIG_* env vars, never a URL or config) and the pull
 * request is opened — or, for an open PR, the new commit is pushed on top of its branch and the PR's title/body
 * are updated with a comment.
 * Any failure leaves the local catalog and the fork as they were (a pushed branch is deleted / reset, the local
 * branch deleted).
 * @example
 * const r = await publish({ catalogDir: "./open-science-catalog-metadata", datasetConfig: "dataset-config.yaml", workflowConfig: "workflow-config.yaml" });
 * // r.branch "publish/my-cube-20260301120000", r.commit, r.files [{ path, action: "create" | "update" }], r.warnings
 * @throws EocubeError INVALID_ARGUMENT (neither `build` nor `datasetConfig`; no catalog folder without environment),
 *   NOT_FOUND / INVALID_CONFIG (the config files), GIT_ERROR (also: the catalog is locked by another publisher),
 *   GITHUB_ERROR, VALIDATION_FAILED, UNSAFE_ID (exit code 2); CANCELLED (options.signal).
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  try {
    return await publishOnce({ ...options, build: options.build ?? (await configBuilder(options)) });
  } catch (err) {
    // whatever step noticed the abort (a read, a git command, the validator), report the abort itself
    const signal = options.signal;
    if (!signal?.aborted) throw err;
    if (isEocubeError(signal.reason)) throw signal.reason;
    throw isEocubeError(err, "CANCELLED") ? err : new EocubeError("CANCELLED", "publish was cancelled", { cause: err });
  }
}

/** The plan builder of `datasetConfig`/`workflowConfig` (see builder.ts's `configPlanBuilder`). */
async function configBuilder(options: PublishOptions): Promise<PlanBuilder> {
  if (options.datasetConfig === undefined) {
    throw new EocubeError("INVALID_ARGUMENT", "publish needs a plan builder or a dataset config", {
      field: "datasetConfig",
      hint: 'pass { datasetConfig: "dataset-config.yaml", workflowConfig: "workflow-config.yaml" }, or { build } (configPlanBuilder)',
    });
  }
  // loaded here: the OSC builder (stores, formats) is needed only when publishing from config files
  const { configPlanBuilder } = await import("./builder.js");
  return configPlanBuilder(options.datasetConfig, options.workflowConfig, {
    mode: options.mode ?? "all",
    ...(options.now ? { now: options.now } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function publishOnce(options: PublishOptions & { build: PlanBuilder }): Promise<PublishResult> {
  const say = options.log ?? (() => {});
  for (const dir of await reclaimTempDirs()) say(`removed ${dir} (left by an interrupted publication)`);
  if (!options.environment) {
    if (!options.catalogDir) {
      throw new EocubeError("INVALID_ARGUMENT", "no catalog folder given", {
        field: "--catalog",
        hint: "pass --catalog DIR, or -e production|staging|testing to publish on GitHub",
      });
    }
    const repo = await ensureRepository(options.catalogDir);
    // a dry run reads objects only: it needs no lock
    const lock = options.dryRun ? undefined : await lockCatalog(repo);
    try {
      if (!options.dryRun) await ensureClean(repo);
      const previous = await headState(repo);
      // an earlier publication of the same id on top of HEAD is built upon (unchanged: a no-op naming it)
      const id = options.idHint ?? options.build.publicationId;
      const earlier = id ? await latestPublicationBranch(repo, id, previous.sha) : undefined;
      const base = earlier?.commit ?? previous.sha;
      const work = await copyOfCommit(repo, base, options.signal);
      try {
        throwIfAborted(options.signal);
        say(
          `building the publication on ${earlier ? `branch ${earlier.branch}, an earlier publication on top of ` : ""}${previous.branch ?? "the detached HEAD"} (${base.slice(0, 12)})`,
        );
        const plan = await buildOnCopy(options.build, work, repo);
        throwIfAborted(options.signal);
        if (options.dryRun) {
          const dirty = await dirtyFiles(repo);
          const res = await dryRunResult(work, repo, plan, options.validate, { catalog: repo, previous });
          if (res.noop && earlier && !res.branch)
            Object.assign(res, {
              message: `nothing to publish: branch ${earlier.branch} already contains this publication`,
              branch: earlier.branch,
              commit: earlier.commit,
            });
          if (dirty.length)
            res.warnings = [
              ...res.warnings,
              `the working tree has uncommitted changes (${dirty.slice(0, 5).join(", ")}${dirty.length > 5 ? ", …" : ""}); the plan is built on the last commit, and a real run refuses until they are committed or removed`,
            ];
          return res;
        }
        const applied = await applyPlan(plan, repo, {
          now: options.now,
          validate: options.validate,
          work,
          signal: options.signal,
          log: say,
        });
        if (applied.noop && earlier && !applied.branch) {
          return {
            ...applied,
            message: `nothing to publish: branch ${earlier.branch} already contains this publication`,
            branch: earlier.branch,
            commit: earlier.commit,
            dryRun: false,
            catalog: repo,
          };
        }
        return { ...applied, dryRun: false, catalog: repo };
      } finally {
        await work.dispose();
      }
    } finally {
      await lock?.release();
    }
  }
  return publishToGitHub(options, options.environment);
}

async function publishToGitHub(options: PublishOptions & { build: PlanBuilder }, environment: PublishEnvironment): Promise<PublishResult> {
  const id = options.idHint ?? options.build.publicationId;
  if (!id)
    throw new EocubeError(
      "INTERNAL",
      "publish -e needs the publication id (idHint) to find an open pull request of an earlier publication",
    );
  const log = options.log ?? (() => {});
  const signal = options.signal;
  let lock: CatalogLock | undefined;
  let tempRoot: string | undefined;
  try {
    let repo: string | undefined;
    if (options.catalogDir) {
      repo = await ensureRepository(options.catalogDir);
      // even a dry run fetches into the catalog (FETCH_HEAD): one publisher at a time
      lock = await lockCatalog(repo);
      await ensureClean(repo);
    }
    const gh = options.github ?? {};
    const token = gh.token ?? (await resolveGitHubToken(gh)).token;
    const secrets = [token];
    const say = (line: string) => log(redactSecrets(line, secrets));
    // a dry run makes no write call on GitHub: no fork is made for it
    const session = await openGitHubSession(environment, token, options.dryRun ? { ...gh, noFork: true } : gh);
    const upstreamName = `${session.upstream.owner}/${session.upstream.repo}`;
    const forkName = `${session.fork.owner}/${session.fork.repo}`;
    say(
      `GitHub user ${session.login}; upstream ${upstreamName} (${session.upstream.defaultBranch}); fork ${forkName}${session.fork.created ? " (created)" : session.fork.missing ? " (missing; a real run forks)" : ""}`,
    );
    const auth = gitAuthEnv(token, session.endpoints.gitUrl);
    const git = (args: string[], cwd: string, hint?: string, abortable = false) =>
      runGit(args, { cwd, env: auth, secrets, hint, signal: abortable ? signal : undefined });
    const upstreamUrl = gitRemoteUrl(session, session.upstream);
    const forkUrl = gitRemoteUrl(session, session.fork);

    if (!repo) {
      tempRoot = await makeTempDir();
      repo = join(tempRoot, "catalog");
      say(`cloning ${upstreamUrl}`);
      await git(
        ["clone", "-q", "--no-tags", "--single-branch", "--branch", session.upstream.defaultBranch, upstreamUrl, repo],
        tempRoot,
        "check that the upstream catalog repository can be cloned",
        true,
      );
    }
    const catalogRepo = repo;
    const original = await headState(repo);
    const extra = { environment, upstream: upstreamName, fork: forkName, ...(tempRoot ? {} : { catalog: repo }) };
    // an open PR of the same publication is updated: build on its branch; else build on the current upstream main
    const existing = await findPublicationPullRequest(session, id);
    let baseSha: string;
    if (existing) {
      await git(
        ["fetch", "-q", "--no-tags", forkUrl, `refs/heads/${existing.headRef}`],
        repo,
        "check that your fork still has the pull request's branch",
        true,
      );
      baseSha = (await runGit(["rev-parse", "FETCH_HEAD^{commit}"], { cwd: repo })).stdout.trim();
      say(`pull request #${existing.number} is open for this publication; building on its branch ${existing.headRef}`);
    } else {
      await git(
        ["fetch", "-q", "--no-tags", upstreamUrl, `refs/heads/${session.upstream.defaultBranch}`],
        repo,
        "check the network and that the upstream catalog exists",
        true,
      );
      baseSha = (await runGit(["rev-parse", "FETCH_HEAD^{commit}"], { cwd: repo })).stdout.trim();
    }
    if (original.sha !== baseSha) {
      say(
        `building on ${existing ? existing.headRef : `${upstreamName}@${session.upstream.defaultBranch}`} (${baseSha.slice(0, 12)}), not on the local HEAD`,
      );
    }
    const work = await copyOfCommit(repo, baseSha, signal);
    try {
      const plan = await buildOnCopy(options.build, work, catalogRepo);
      throwIfAborted(signal);
      if (options.dryRun) return { ...(await dryRunResult(work, repo, plan, options.validate, extra)), previous: original };
      const applied = await applyPlan(plan, repo, {
        now: options.now,
        validate: options.validate,
        work,
        reuseBranches: false,
        signal,
        log: say,
      });
      if (applied.noop || !applied.branch || !applied.commit) {
        return {
          ...applied,
          ...(existing
            ? {
                message: `nothing to publish: pull request #${existing.number} already contains this publication (${existing.url})`,
                pullRequest: { number: existing.number, url: existing.url, action: "unchanged" as const },
              }
            : {}),
          previous: original,
          dryRun: false,
          ...extra,
        };
      }
      try {
        // an updated PR's body lists the files of the whole PR (against upstream main), not only of the new commit
        const prFiles = existing
          ? await pullRequestFiles(
              catalogRepo,
              applied.commit,
              (args, hint) => git(args, catalogRepo, hint),
              upstreamUrl,
              session.upstream.defaultBranch,
            )
          : applied.files;
        return await pushAndOpenPullRequest(session, plan, applied, original, existing, {
          git: (args, hint) => git(args, catalogRepo, hint),
          say,
          forkUrl,
          extra,
          prFiles,
        });
      } catch (err) {
        await deleteBranch(catalogRepo, applied.branch, applied.commit).catch(() => undefined);
        throw err;
      }
    } finally {
      await work.dispose();
    }
  } finally {
    await lock?.release();
    if (tempRoot) await removeTempDir(tempRoot);
  }
}

/**
 * The plan with the collection / workflow id of an earlier PR title ("Publish dataset: X + workflow/experiment: Y",
 * as {@link commitSubject} writes it) filled in where this publication has none.
 */
function withEarlierIds(plan: PublicationPlan, title: string): PublicationPlan {
  const m = /^Publish (?:dataset: (\S+?)(?: \+ workflow\/experiment: (\S+))?|workflow\/experiment: (\S+))$/.exec(title.trim());
  if (!m) return plan;
  const collectionId = plan.collectionId ?? m[1];
  const workflowId = plan.workflowId ?? m[2] ?? m[3];
  return { ...plan, ...(collectionId ? { collectionId } : {}), ...(workflowId ? { workflowId } : {}) };
}

interface PushContext {
  git: (args: string[], hint?: string) => Promise<unknown>;
  say: (line: string) => void;
  forkUrl: string;
  extra: Partial<PublishResult>;
  /** The files the PR body lists: the whole PR's change set against the upstream default branch. */
  prFiles: ApplyResult["files"];
}

/**
 * The files that `commit` changes against the upstream default branch (from their merge base), as the PR's
 * change set: added files are "create", the others "update". Fetches the upstream branch into FETCH_HEAD.
 */
async function pullRequestFiles(
  repo: string,
  commit: string,
  git: (args: string[], hint?: string) => Promise<unknown>,
  upstreamUrl: string,
  defaultBranch: string,
): Promise<ApplyResult["files"]> {
  await git(
    ["fetch", "-q", "--no-tags", upstreamUrl, `refs/heads/${defaultBranch}`],
    "check the network and that the upstream catalog exists",
  );
  const base = (await runGit(["merge-base", "FETCH_HEAD", commit], { cwd: repo })).stdout.trim();
  const out = (await runGit(["diff", "--name-status", "--no-renames", "-z", base, commit], { cwd: repo })).stdout.split("\0");
  const files: ApplyResult["files"] = [];
  for (let i = 0; i + 1 < out.length; i += 2) files.push({ path: out[i + 1]!, action: out[i] === "A" ? "create" : "update" });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

async function pushAndOpenPullRequest(
  session: GitHubSession,
  plan: PublicationPlan,
  applied: ApplyResult,
  original: HeadState,
  existing: ExistingPullRequest | undefined,
  ctx: PushContext,
): Promise<PublishResult> {
  const branch = applied.branch!;
  // an updated PR keeps naming what it already held (e.g. the workflow of an earlier `-m all` run, now `-m dataset`)
  const prPlan = existing ? withEarlierIds(plan, existing.title) : plan;
  const title = commitSubject(prPlan);
  const body = prBody(prPlan, ctx.prFiles, applied.validationWarnings);
  const result = (pullRequest: PublishedPullRequest, message: string): PublishResult => ({
    ...applied,
    message,
    previous: original,
    dryRun: false,
    ...ctx.extra,
    pullRequest,
  });

  if (existing) {
    // the new commit sits on top of the PR's branch: a fast-forward push (the lease guards against a concurrent change)
    ctx.say(`pushing ${branch} to ${existing.headRef} of ${session.fork.owner}/${session.fork.repo} (pull request #${existing.number})`);
    await ctx.git(
      [
        "push",
        "-q",
        "--no-verify",
        `--force-with-lease=refs/heads/${existing.headRef}:${existing.headSha}`,
        ctx.forkUrl,
        `refs/heads/${branch}:refs/heads/${existing.headRef}`,
      ],
      "the fork refused the push; check that the token may push to your fork",
    );
    try {
      const pr = await updatePullRequest(
        session,
        existing.number,
        title,
        body,
        `Updated by \`eocube publish\` with commit ${applied.commit}.\n\n${body}`,
      );
      return result(
        { ...pr, action: "updated" },
        `${applied.message}; pushed to ${existing.headRef} and updated pull request #${pr.number}`,
      );
    } catch (err) {
      await ctx
        .git(["push", "-q", "--no-verify", "--force", ctx.forkUrl, `${existing.headSha}:refs/heads/${existing.headRef}`])
        .catch(() => undefined);
      throw err;
    }
  }

  ctx.say(`pushing ${branch} to ${session.fork.owner}/${session.fork.repo}`);
  await ctx.git(
    ["push", "-q", "--no-verify", ctx.forkUrl, `refs/heads/${branch}:refs/heads/${branch}`],
    "the fork refused the push; check that the token may push to your fork and that the branch does not exist there",
  );
  try {
    const pr = await createPullRequest(session, branch, title, body);
    return result(
      { ...pr, action: "created" },
      `${applied.message}; pushed to ${session.fork.owner}/${session.fork.repo} and opened pull request #${pr.number}`,
    );
  } catch (err) {
    await ctx.git(["push", "-q", "--no-verify", ctx.forkUrl, "--delete", `refs/heads/${branch}`]).catch(() => undefined);
    throw err;
  }
}
