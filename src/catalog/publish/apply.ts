// Applies a publication plan to a local catalog repository: validate the resulting catalog in a private copy of the
// base commit, then one commit on a new branch made with git plumbing (HEAD, index and working tree untouched).
import { lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import type { PlannedFile, PublicationPlan } from "../osc/plan.js";
import { branchesUnder, commitTree, createBranch, exportTree, writeTreeWith, type CommitFile } from "./commit.js";
import { runGit } from "./git.js";
import { makeTempDir, removeTempDir } from "./lock.js";
import { ensureClean, ensureRepository, headState, type HeadState } from "./repo.js";
import {
  loadDefaultValidator,
  reportErrors,
  reportWarnings,
  validationError,
  type CatalogProblem,
  type CatalogValidator,
} from "./validation.js";

/** The message printed when a plan has nothing to write. */
export const NOTHING_TO_PUBLISH = "nothing to publish: the catalog already contains this publication";

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  /** Time used for the branch name (default now). */
  now?: Date;
  /** Commit (sha or ref) to branch from (default the current HEAD). */
  base?: string;
  /** The whole-catalog validator (default `validateCatalog` of catalog/osc/validate). */
  validate?: CatalogValidator;
  /** Extra lines for the commit message body. */
  messageBody?: string;
  /**
   * The private copy of the base commit the plan was built on (from {@link copyOfCommit}); its `base` is the
   * commit to branch from. applyPlan writes the planned files into it. Default: a copy made (and removed) here.
   */
  work?: BaseCopy;
  /**
   * A plan whose resulting catalog (tree) is already the tip of a local branch `publish/<id>-<timestamp>` is a
   * no-op naming that branch [default true]. publish -e turns it off (its pull request decides).
   */
  reuseBranches?: boolean;
  /** Stops between steps and kills a running git command (CANCELLED); the repository stays as it was. */
  signal?: AbortSignal;
  /** Progress lines [default: none]. */
  log?: (line: string) => void;
}

/**
 * A private copy of one commit's tree (a temp folder of this process, see makeTempDir), used to build the plan on,
 * to validate the resulting catalog, and as the source of the new blobs; also holds the temporary git index.
 */
export interface BaseCopy {
  /** The commit copied (sha). */
  base: string;
  /** The folder holding the commit's files. */
  dir: string;
  /** The temporary index file (GIT_INDEX_FILE) of the plumbing steps. */
  indexFile: string;
  /** Removes the copy. */
  dispose(): Promise<void>;
}

/** What {@link applyPlan} did. */
export interface ApplyResult {
  /** True when the plan was empty (or every file already had its planned content): nothing was done. */
  noop: boolean;
  /** One-line summary. */
  message: string;
  /**
   * The branch created; for a no-op, the existing branch that already holds this publication (absent when the
   * base itself already holds it).
   */
  branch?: string;
  /** The commit sha of `branch`. */
  commit?: string;
  /** The commit the branch starts from. */
  base?: string;
  /** The branch (or detached commit) checked out in the catalog: before and, unchanged, after the publication. */
  previous?: HeadState;
  /** The files written, catalog-relative, with their action. */
  files: Array<{ path: string; action: PlannedFile["action"] }>;
  /** The plan's warnings. */
  warnings: string[];
  /**
   * The validator's warnings (eocube's extra checks, which the OSC CI does not enforce) about the files written
   * (empty for a no-op).
   */
  validationWarnings: CatalogProblem[];
}

/**
 * Checks each planned path is a safe catalog-relative path ('/'-separated, no '..', not absolute, not in .git).
 * @throws EocubeError UNSAFE_ID naming the path.
 */
export function checkPlannedPaths(files: PlannedFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    const p = f.path;
    const norm = posix.normalize(p);
    const bad =
      p.length === 0 ||
      p.includes("\\") ||
      p.includes("\0") ||
      p.startsWith("/") ||
      norm !== p ||
      p.split("/").some((seg) => seg === ".." || seg === "." || seg === "") ||
      p === ".git" ||
      p.startsWith(".git/");
    if (bad) {
      throw new EocubeError("UNSAFE_ID", `planned file path ${JSON.stringify(p)} is not a safe catalog-relative path`, {
        path: p,
        hint: "ids that become paths may not contain '/', '..', '\\' or start with '.git'",
      });
    }
    if (seen.has(p)) throw new EocubeError("INTERNAL", `the publication plan lists ${p} twice`, { path: p });
    seen.add(p);
  }
  for (const p of seen) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (seen.has(dir))
        throw new EocubeError("INTERNAL", `the publication plan writes both the file ${dir} and ${p} inside it`, { path: p });
    }
  }
}

/**
 * Checks that no existing component of a planned path inside the repository is a symbolic link (a write through
 * it could land outside the catalog).
 * @throws EocubeError UNSAFE_ID naming the link.
 */
async function checkNoSymlinks(repo: string, files: PlannedFile[]): Promise<void> {
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join("/");
      const st = await lstat(join(repo, rel)).catch(() => undefined);
      if (!st) break;
      if (st.isSymbolicLink()) {
        throw new EocubeError("UNSAFE_ID", `${rel} is a symbolic link; eocube does not write through links`, {
          path: rel,
          hint: "replace the link by a real folder or file in the catalog repository",
        });
      }
    }
  }
}

/** Formats a Date as the UTC timestamp used in branch names: YYYYMMDDHHmmss. */
export function branchTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** The commit subject, as deep-code writes it: "Publish dataset: X + workflow/experiment: Y". */
export function commitSubject(plan: PublicationPlan): string {
  if (plan.collectionId && plan.workflowId) return `Publish dataset: ${plan.collectionId} + workflow/experiment: ${plan.workflowId}`;
  if (plan.collectionId) return `Publish dataset: ${plan.collectionId}`;
  if (plan.workflowId) return `Publish workflow/experiment: ${plan.workflowId}`;
  return "Publish to the Open Science Catalog";
}

/** The id a publication's branch is named after: the collection id, else the workflow id. */
export function publicationId(plan: PublicationPlan): string {
  const id = plan.collectionId ?? plan.workflowId;
  if (!id) throw new EocubeError("INTERNAL", "the publication plan has neither a collection id nor a workflow id");
  return id;
}

/** The planned files whose content differs from what is on disk in the folder `dir` (the others need no write). */
export async function changedFiles(dir: string, files: PlannedFile[]): Promise<PlannedFile[]> {
  const out: PlannedFile[] = [];
  for (const f of files) {
    const current = await readFile(join(dir, f.path), "utf8").catch(() => undefined);
    if (current !== f.content) out.push(f);
  }
  return out;
}

/**
 * Copies the tree of `commit` of the repository into a new private temp folder (`catalog` in `<tmp>/eocube-publish-<pid>-XXXXXX`,
 * through a temporary index: the repository's working tree and index are not touched).
 * @throws EocubeError GIT_ERROR when git fails; CANCELLED when `signal` aborted.
 */
export async function copyOfCommit(repo: string, commit: string, signal?: AbortSignal): Promise<BaseCopy> {
  const root = await makeTempDir();
  const copy: BaseCopy = { base: commit, dir: join(root, "catalog"), indexFile: join(root, "index"), dispose: () => removeTempDir(root) };
  try {
    await exportTree(repo, commit, copy.dir, copy.indexFile, { signal });
    await mkdir(copy.dir, { recursive: true });
    return copy;
  } catch (err) {
    await copy.dispose();
    throw err;
  }
}

/**
 * Writes the planned files into the copy (making it the resulting catalog) and validates the WHOLE resulting catalog.
 * @throws EocubeError UNSAFE_ID when a planned path goes through a symbolic link or needs a folder where the catalog
 *   has a file.
 * @returns the validator's errors anywhere in the catalog (empty when the result is valid), and its warnings
 *   about the planned files.
 */
export async function validateInCopy(work: BaseCopy, files: PlannedFile[], validate: CatalogValidator): Promise<PlanValidation> {
  await checkNoSymlinks(work.dir, files);
  for (const f of files) {
    try {
      await mkdir(dirname(join(work.dir, f.path)), { recursive: true });
      await writeFile(join(work.dir, f.path), f.content);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTDIR" && code !== "EEXIST" && code !== "EISDIR") throw err;
      throw new EocubeError(
        "UNSAFE_ID",
        `the planned file ${f.path} clashes with the catalog: a folder of its path is a file there, or it is a folder`,
        {
          path: f.path,
          hint: "an id that becomes a path names an existing catalog file; choose another id",
        },
      );
    }
  }
  const report = await validate(work.dir);
  return {
    errors: reportErrors(report),
    warnings: reportWarnings(
      report,
      files.map((f) => f.path),
    ),
  };
}

/** What {@link validateInCopy} found. */
export interface PlanValidation {
  /** Errors of the whole resulting catalog (the OSC CI would reject it). */
  errors: CatalogProblem[];
  /** Warnings (eocube's extra checks) about the planned files only. */
  warnings: CatalogProblem[];
}

/** The pattern of the branches of a publication: `publish/<id>-<YYYYMMDDHHmmss>` with an optional `-<n>`. */
export function publicationBranchPattern(id: string): RegExp {
  return new RegExp(`^publish/${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{14}(-\\d+)?$`);
}

/**
 * The newest local branch `publish/<id>-<timestamp>` whose tip is exactly `base` with `files` written in: it differs
 * from `base` in these paths only, each with the bytes of its source file. Writes nothing (blob ids are computed
 * with `hash-object` without -w).
 */
export async function branchHolding(
  repo: string,
  id: string,
  base: string,
  files: CommitFile[],
): Promise<{ branch: string; commit: string } | undefined> {
  const pattern = publicationBranchPattern(id);
  const candidates = (await branchesUnder(repo, "publish/"))
    .filter((b) => pattern.test(b.branch))
    .sort((a, b) => b.branch.localeCompare(a.branch));
  if (candidates.length === 0) return undefined;
  const wanted = new Map<string, string>();
  const shas = (
    await runGit(["hash-object", "--no-filters", "--stdin-paths"], { cwd: repo, input: `${files.map((f) => f.source).join("\n")}\n` })
  ).stdout
    .trim()
    .split("\n");
  files.forEach((f, i) => {
    wanted.set(f.path, shas[i]!);
  });
  for (const c of candidates) {
    const diff = (await runGit(["diff", "--name-only", "--no-renames", "-z", base, c.commit], { cwd: repo })).stdout
      .split("\0")
      .filter((p) => p);
    if (diff.length !== wanted.size || diff.some((p) => !wanted.has(p))) continue;
    const listed = (await runGit(["ls-tree", "-z", c.commit, "--", ...wanted.keys()], { cwd: repo })).stdout.split("\0").filter((l) => l);
    const have = new Map(listed.map((l) => [l.slice(l.indexOf("\t") + 1), l.split(" ")[2]!.split("\t")[0]!]));
    if ([...wanted].every(([p, sha]) => have.get(p) === sha)) return { branch: c.branch, commit: c.commit };
  }
  return undefined;
}

/**
 * The newest local branch `publish/<id>-<timestamp>[-n]` (by timestamp, then n) that contains `commit` in its history:
 * an earlier publication of the same id made on top of the checked-out commit. publish builds on it, so an unchanged
 * publication is a no-op and a changed one a new branch on top of it (as `publish -e` builds on its open pull request).
 */
export async function latestPublicationBranch(
  repo: string,
  id: string,
  commit: string,
): Promise<{ branch: string; commit: string } | undefined> {
  const pattern = publicationBranchPattern(id);
  const key = (b: string) => {
    const m = /-(\d{14})(?:-(\d+))?$/.exec(b)!;
    return [m[1]!, Number(m[2] ?? 1)] as const;
  };
  const candidates = (await branchesUnder(repo, "publish/"))
    .filter((b) => pattern.test(b.branch))
    .sort((a, b) => {
      const [ta, na] = key(a.branch);
      const [tb, nb] = key(b.branch);
      return ta === tb ? nb - na : tb.localeCompare(ta);
    });
  for (const c of candidates) {
    const res = await runGit(["merge-base", "--is-ancestor", commit, c.commit], { cwd: repo, okCodes: [0, 1] });
    if (res.code === 0) return { branch: c.branch, commit: c.commit };
  }
  return undefined;
}

/**
 * Creates a branch `publish/<id>-<timestamp>` (with `-2`, `-3`, … when taken) at `commit`, atomically; a name whose
 * ref exists or is locked (e.g. by a killed git) is skipped.
 * @throws EocubeError UNSAFE_ID when the id cannot be in a branch name; GIT_ERROR when no name could be made.
 */
async function createPublicationBranch(
  repo: string,
  id: string,
  now: Date,
  commit: string,
  subject: string,
  signal?: AbortSignal,
): Promise<string> {
  const stem = `publish/${id}-${branchTimestamp(now)}`;
  const check = await runGit(["check-ref-format", "--branch", stem], { cwd: repo, okCodes: [0, 1, 128] });
  if (check.code !== 0) {
    throw new EocubeError("UNSAFE_ID", `"${id}" cannot be used in a git branch name`, {
      field: "collection_id",
      hint: "use letters, digits and hyphens only",
    });
  }
  let refusal = "";
  for (let i = 1; i <= 50; i++) {
    const name = i === 1 ? stem : `${stem}-${i}`;
    const why = await createBranch(repo, name, commit, `eocube publish: ${subject}`, { signal });
    if (why === undefined) return name;
    refusal = why;
    // taken, or locked by a git that was killed: try the next name; anything else (e.g. a branch named 'publish'): stop
    if (!/reference already exists|File exists/i.test(why)) break;
  }
  const blocked = /'refs\/heads\/publish' exists/.test(refusal);
  throw new EocubeError("GIT_ERROR", `could not create the branch ${stem}: ${refusal}`, {
    path: repo,
    hint: blocked
      ? "a branch named 'publish' blocks the publish/… branches: rename it (git branch -m publish <other name>)"
      : "check the repository's branches (git for-each-ref refs/heads/publish/) and remove stale .lock files under .git/refs/heads/publish/",
  });
}

/**
 * Applies a publication plan to the catalog repository in `catalogDir`, all or nothing, without touching its
 * working tree, index or HEAD:
 * 1. checks it is the top folder of a git repository with a clean working tree;
 * 2. writes the planned files into a private copy of the base commit (HEAD, or `options.base` / `options.work`)
 *    and validates the WHOLE resulting catalog;
 * 3. builds one commit with all of them on top of the base with git plumbing (a temporary index, `hash-object`,
 *    `update-index --index-info`, `write-tree`, `commit-tree`) and creates the branch
 *    `publish/<collection_id or workflow_id>-<UTC YYYYMMDDHHmmss>` at it with one atomic `update-ref` (expected:
 *    absent). The checked-out branch stays as it was: `git switch <branch>` shows the publication.
 * A kill at any moment leaves the repository as it was, or with the complete new branch; never a half-made
 * branch, a changed HEAD or a dirty tree. An empty plan, one whose files all have their content in the base, or one
 * whose result is already a local `publish/<id>-*` branch (see `reuseBranches`) is a no-op that creates no branch.
 * @throws EocubeError GIT_ERROR (not a repository, dirty tree, git failure), VALIDATION_FAILED (nothing
 *   touched), UNSAFE_ID (a planned path leaves the catalog), CANCELLED (options.signal).
 */
export async function applyPlan(plan: PublicationPlan, catalogDir: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const repo = await ensureRepository(catalogDir);
  await ensureClean(repo);
  checkPlannedPaths(plan.files);
  const log = options.log ?? (() => {});
  const signal = options.signal;
  const previous = await headState(repo);
  const base =
    options.work?.base ??
    (options.base ? (await runGit(["rev-parse", "--verify", `${options.base}^{commit}`], { cwd: repo })).stdout.trim() : previous.sha);
  const own = options.work ? undefined : await copyOfCommit(repo, base, signal);
  const work = options.work ?? own!;
  try {
    await checkNoSymlinks(work.dir, plan.files);
    const files = await changedFiles(work.dir, plan.files);
    const noop = { noop: true, message: NOTHING_TO_PUBLISH, files: [], warnings: plan.warnings, validationWarnings: [], base, previous };
    if (files.length === 0) return noop;

    log(`validating the resulting catalog (${files.length} planned file${files.length === 1 ? "" : "s"} on ${base.slice(0, 12)})`);
    const checked = await validateInCopy(work, files, options.validate ?? (await loadDefaultValidator()));
    if (checked.errors.length > 0) throw validationError(checked.errors);
    throwIfAborted(signal);

    const id = publicationId(plan);
    const sources = files.map((f) => ({ path: f.path, source: join(work.dir, f.path) }));
    if (options.reuseBranches !== false) {
      const same = await branchHolding(repo, id, base, sources);
      if (same)
        return {
          ...noop,
          message: `nothing to publish: branch ${same.branch} already contains this publication`,
          branch: same.branch,
          commit: same.commit,
        };
    }
    log("writing the commit (git plumbing: the working tree, index and HEAD are not touched)");
    const tree = await writeTreeWith(repo, { base, files: sources, indexFile: work.indexFile, signal });
    const subject = commitSubject(plan);
    const body = ["Files:", ...files.map((f) => `- ${f.action} ${f.path}`), ...(options.messageBody ? ["", options.messageBody] : [])].join(
      "\n",
    );
    const commit = await commitTree(repo, tree, base, [subject, body], { signal });
    throwIfAborted(signal);
    const branch = await createPublicationBranch(repo, id, options.now ?? new Date(), commit, subject, signal);
    log(`created branch ${branch} at ${commit.slice(0, 12)}`);
    return {
      noop: false,
      message: `committed ${files.length} file${files.length === 1 ? "" : "s"} on branch ${branch}`,
      branch,
      commit,
      base,
      previous,
      files: files.map((f) => ({ path: f.path, action: f.action })),
      warnings: plan.warnings,
      validationWarnings: checked.warnings,
    };
  } finally {
    await own?.dispose();
  }
}
