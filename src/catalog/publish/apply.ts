// Applies a publication plan to a local catalog repository: validate a temp copy, then one commit on a new branch.
import { cp, lstat, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { EocubeError } from "../../core/errors.js";
import type { PlannedFile, PublicationPlan } from "../osc/plan.js";
import { identityArgs, runGit } from "./git.js";
import { branchExists, ensureClean, ensureRepository, headState, type HeadState } from "./repo.js";
import { loadDefaultValidator, reportErrors, reportWarnings, validationError, type CatalogProblem, type CatalogValidator } from "./validation.js";

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
}

/** What {@link applyPlan} did. */
export interface ApplyResult {
  /** True when the plan was empty (or every file already had its planned content): nothing was done. */
  noop: boolean;
  /** One-line summary. */
  message: string;
  /** The branch created (absent for a no-op). */
  branch?: string;
  /** The commit sha (absent for a no-op). */
  commit?: string;
  /** The commit the branch starts from. */
  base?: string;
  /** The branch (or detached commit) that was checked out before. */
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
      p.length === 0 || p.includes("\\") || p.includes("\0") || p.startsWith("/") || norm !== p ||
      p.split("/").some((seg) => seg === ".." || seg === "." || seg === "") || p === ".git" || p.startsWith(".git/");
    if (bad) {
      throw new EocubeError("UNSAFE_ID", `planned file path ${JSON.stringify(p)} is not a safe catalog-relative path`, {
        path: p,
        hint: "ids that become paths may not contain '/', '..', '\\' or start with '.git'",
      });
    }
    if (seen.has(p)) throw new EocubeError("INTERNAL", `the publication plan lists ${p} twice`, { path: p });
    seen.add(p);
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

/** The planned files whose content differs from what is on disk in `repo` (the others need no write). */
export async function changedFiles(repo: string, files: PlannedFile[]): Promise<PlannedFile[]> {
  const out: PlannedFile[] = [];
  for (const f of files) {
    const current = await readFile(join(repo, f.path), "utf8").catch(() => undefined);
    if (current !== f.content) out.push(f);
  }
  return out;
}

/**
 * Copies the catalog in `repo` (without .git) to a temp folder, writes the planned files there and validates
 * the WHOLE resulting catalog; the repository itself is not touched.
 * @throws EocubeError UNSAFE_ID when a planned path goes through a symbolic link.
 * @returns the validator's errors anywhere in the catalog (empty when the result is valid), and its warnings
 *   about the planned files.
 */
export async function validatePlanInCopy(repo: string, files: PlannedFile[], validate: CatalogValidator): Promise<PlanValidation> {
  await checkNoSymlinks(repo, files);
  const tmp = await mkdtemp(join(tmpdir(), "eocube-publish-"));
  try {
    const copy = join(tmp, "catalog");
    const gitDir = join(repo, ".git");
    await cp(repo, copy, { recursive: true, filter: (src) => src !== gitDir });
    for (const f of files) {
      await mkdir(dirname(join(copy, f.path)), { recursive: true });
      await writeFile(join(copy, f.path), f.content);
    }
    const report = await validate(copy);
    return { errors: reportErrors(report), warnings: reportWarnings(report, files.map((f) => f.path)) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** What {@link validatePlanInCopy} found. */
export interface PlanValidation {
  /** Errors of the whole resulting catalog (the OSC CI would reject it). */
  errors: CatalogProblem[];
  /** Warnings (eocube's extra checks) about the planned files only. */
  warnings: CatalogProblem[];
}

/** A free branch name `publish/<id>-<timestamp>` (with `-2`, `-3`, … when taken). */
async function freeBranchName(repo: string, id: string, now: Date): Promise<string> {
  const stem = `publish/${id}-${branchTimestamp(now)}`;
  const check = await runGit(["check-ref-format", "--branch", stem], { cwd: repo, okCodes: [0, 1, 128] });
  if (check.code !== 0) {
    throw new EocubeError("UNSAFE_ID", `"${id}" cannot be used in a git branch name`, { field: "collection_id", hint: "use letters, digits and hyphens only" });
  }
  let name = stem;
  for (let i = 2; await branchExists(repo, name); i++) name = `${stem}-${i}`;
  return name;
}

/**
 * Applies a publication plan to the catalog repository in `catalogDir`, all or nothing:
 * 1. checks it is the top folder of a git repository with a clean working tree;
 * 2. writes the planned files into a temp copy of the catalog and validates the WHOLE resulting catalog;
 * 3. creates the branch `publish/<collection_id or workflow_id>-<UTC YYYYMMDDHHmmss>` from HEAD (or
 *    `options.base`), writes the files and makes ONE commit with all of them; the new branch stays checked out.
 * On any failure after step 2 (write error, failing commit hook) the repository is restored exactly: the
 * previous branch checked out, the new branch deleted, the working tree clean.
 * An empty plan (or one whose files are all already there) is a no-op that creates no branch.
 * @throws EocubeError GIT_ERROR (not a repository, dirty tree, git failure), VALIDATION_FAILED (nothing
 *   touched), UNSAFE_ID (a planned path leaves the catalog).
 */
export async function applyPlan(plan: PublicationPlan, catalogDir: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const repo = await ensureRepository(catalogDir);
  await ensureClean(repo);
  checkPlannedPaths(plan.files);
  const previous = await headState(repo);
  const base = options.base ? (await runGit(["rev-parse", "--verify", `${options.base}^{commit}`], { cwd: repo })).stdout.trim() : previous.sha;
  if (base !== previous.sha) {
    throw new EocubeError("INTERNAL", "applyPlan: the plan must be built on the checked-out commit (check out the base first)", { path: repo });
  }
  await checkNoSymlinks(repo, plan.files);
  const files = await changedFiles(repo, plan.files);
  if (files.length === 0) return { noop: true, message: NOTHING_TO_PUBLISH, files: [], warnings: plan.warnings, validationWarnings: [], previous };

  const checked = await validatePlanInCopy(repo, files, options.validate ?? (await loadDefaultValidator()));
  if (checked.errors.length > 0) throw validationError(checked.errors);

  const branch = await freeBranchName(repo, publicationId(plan), options.now ?? new Date());
  const created: string[] = [];
  let branchMade = false;
  try {
    await runGit(["checkout", "-q", "-b", branch, base], { cwd: repo });
    branchMade = true;
    for (const f of files) {
      const abs = join(repo, f.path);
      const existed = await readFile(abs).then(() => true, () => false);
      await mkdir(dirname(abs), { recursive: true });
      if (!existed) created.push(f.path);
      await writeFile(abs, f.content);
    }
    await runGit(["add", "--", ...files.map((f) => f.path)], { cwd: repo });
    const body = [
      "Files:",
      ...files.map((f) => `- ${f.action} ${f.path}`),
      ...(options.messageBody ? ["", options.messageBody] : []),
    ].join("\n");
    await runGit([...(await identityArgs(repo)), "commit", "-q", "-m", commitSubject(plan), "-m", body], {
      cwd: repo,
      hint: "a commit hook or the git configuration refused the commit; the catalog was left as it was",
    });
    const commit = (await runGit(["rev-parse", "HEAD"], { cwd: repo })).stdout.trim();
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
  } catch (err) {
    await rollback(repo, previous, branchMade ? branch : undefined, created).catch(() => undefined);
    throw err;
  }
}

/**
 * Restores the repository to a saved HEAD after a failed or undone publication: resets the working tree,
 * checks out the previous branch, deletes `branch` and removes the files the publication created
 * (and the folders that became empty).
 */
export async function rollback(repo: string, previous: HeadState, branch: string | undefined, created: string[]): Promise<void> {
  await runGit(["reset", "-q", "--hard"], { cwd: repo, okCodes: [0, 128] });
  if (previous.branch) await runGit(["checkout", "-q", "-f", previous.branch], { cwd: repo });
  else await runGit(["checkout", "-q", "-f", "--detach", previous.sha], { cwd: repo });
  if (branch) await runGit(["branch", "-q", "-D", branch], { cwd: repo, okCodes: [0, 1] });
  for (const p of created) {
    const tracked = await runGit(["ls-files", "--error-unmatch", "--", p], { cwd: repo, okCodes: [0, 1] });
    if (tracked.code === 0) continue;
    await rm(join(repo, p), { force: true });
    let dir = dirname(p);
    while (dir !== "." && dir !== "") {
      const ok = await rmdir(join(repo, dir)).then(() => true, () => false);
      if (!ok) break;
      dir = dirname(dir);
    }
  }
}
