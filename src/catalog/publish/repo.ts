// Checks and state of a local catalog repository: is it a git repo, is its tree clean, where is HEAD.
import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { EocubeError } from "../../core/errors.js";
import { runGit } from "./git.js";

/** Where HEAD points: a branch name (undefined when detached) and the commit sha. */
export interface HeadState {
  branch?: string;
  sha: string;
}

/**
 * Checks that `dir` is the top folder of a git repository with at least one commit.
 * @returns the absolute, real path of the repository.
 * @throws EocubeError GIT_ERROR "not a git repository" (exit code 2) otherwise.
 */
export async function ensureRepository(dir: string): Promise<string> {
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new EocubeError("GIT_ERROR", `not a git repository: ${abs} does not exist`, {
      path: abs,
      hint: "create one with `eocube catalog init <dir>`, or clone the catalog and pass it with --catalog",
    });
  }
  const real = await realpath(abs);
  const top = await runGit(["rev-parse", "--show-toplevel"], { cwd: real, okCodes: [0, 128] });
  const topDir = top.code === 0 ? await realpath(top.stdout.trim()).catch(() => top.stdout.trim()) : undefined;
  if (topDir !== real) {
    throw new EocubeError("GIT_ERROR", `not a git repository: ${abs}${topDir ? ` (it is inside ${topDir}, not its top folder)` : ""}`, {
      path: abs,
      hint: "publish into the top folder of a catalog repository: `eocube catalog init <dir>` creates one",
    });
  }
  const head = await runGit(["rev-parse", "--verify", "-q", "HEAD"], { cwd: real, okCodes: [0, 1, 128] });
  if (head.code !== 0) {
    throw new EocubeError("GIT_ERROR", `the catalog repository ${abs} has no commit yet`, {
      path: abs,
      hint: "commit the catalog first (git add -A && git commit), or create it with `eocube catalog init`",
    });
  }
  return real;
}

/** The paths (relative to the repository) that are modified, staged, deleted or untracked (ignored files excluded). */
export async function dirtyFiles(repo: string): Promise<string[]> {
  const res = await runGit(["status", "--porcelain=v1", "-z", "--untracked-files=all"], { cwd: repo });
  const out: string[] = [];
  const parts = res.stdout.split("\0").filter((p) => p.length > 0);
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    const status = entry.slice(0, 2);
    out.push(entry.slice(3));
    if (status.startsWith("R") || status.startsWith("C")) i++; // rename/copy: the next part is the source path
  }
  return out;
}

/**
 * Checks that the working tree has no changes and no untracked files.
 * @throws EocubeError GIT_ERROR naming the dirty files (at most 20) otherwise.
 */
export async function ensureClean(repo: string): Promise<void> {
  const dirty = await dirtyFiles(repo);
  if (dirty.length === 0) return;
  const shown = dirty.slice(0, 20).join(", ") + (dirty.length > 20 ? `, … (${dirty.length} in all)` : "");
  throw new EocubeError("GIT_ERROR", `the catalog working tree is not clean: ${shown}`, {
    path: repo,
    details: { dirty },
    hint: "commit or remove these changes first; eocube publishes only from a clean working tree",
  });
}

/** Reads HEAD: the current branch (undefined when detached) and its commit. */
export async function headState(repo: string): Promise<HeadState> {
  const sha = (await runGit(["rev-parse", "HEAD"], { cwd: repo })).stdout.trim();
  const ref = await runGit(["symbolic-ref", "-q", "--short", "HEAD"], { cwd: repo, okCodes: [0, 1] });
  const branch = ref.code === 0 ? ref.stdout.trim() : undefined;
  return branch ? { branch, sha } : { sha };
}

/** True when a local branch of that name exists. */
export async function branchExists(repo: string, branch: string): Promise<boolean> {
  const res = await runGit(["rev-parse", "--verify", "-q", `refs/heads/${branch}`], { cwd: repo, okCodes: [0, 1] });
  return res.code === 0;
}
