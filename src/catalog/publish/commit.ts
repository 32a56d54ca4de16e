// Commits built with git plumbing only (temporary index, hash-object, write-tree, commit-tree, update-ref):
// the working tree, the user's index and HEAD are never touched, so a kill at any moment leaves them as they were.
import { EocubeError } from "../../core/errors.js";
import { identityArgs, runGit } from "./git.js";

/** Options shared by the plumbing steps. */
export interface PlumbingOptions {
  /** Aborts the running git command (CANCELLED). */
  signal?: AbortSignal;
}

/** One file of a commit: its catalog-relative path and the absolute path of a file holding its exact bytes. */
export interface CommitFile {
  path: string;
  source: string;
}

/** What {@link commitFiles} needs: the parent, the files, the message and a private index file. */
export interface CommitSpec extends PlumbingOptions {
  /** Parent commit sha; the new tree is this commit's tree with `files` added or replaced. */
  base: string;
  files: CommitFile[];
  /** Commit message paragraphs (the first is the subject). */
  message: string[];
  /** Path of a temporary index file (GIT_INDEX_FILE) in a folder of the caller's; it need not exist. */
  indexFile: string;
}

/**
 * Writes the tree of `commit` into the folder `prefix` (created; must be empty or absent) through a temporary
 * index (`read-tree` + `checkout-index -a --prefix`), without touching the repository's working tree or index.
 * @throws EocubeError GIT_ERROR when git fails.
 */
export async function exportTree(
  repo: string,
  commit: string,
  prefix: string,
  indexFile: string,
  options: PlumbingOptions = {},
): Promise<void> {
  const env = { GIT_INDEX_FILE: indexFile };
  await runGit(["read-tree", commit], { cwd: repo, env, signal: options.signal });
  await runGit(["checkout-index", "-a", "-f", `--prefix=${prefix.replace(/\/*$/, "/")}`], { cwd: repo, env, signal: options.signal });
}

/**
 * Builds the tree of `spec.base` with `spec.files` written in, without a working tree: `read-tree` of the base into
 * the temporary index, `hash-object -w --no-filters --stdin-paths` (the blobs are exactly the files' bytes),
 * `update-index --index-info` (an existing executable file keeps its mode), `write-tree`.
 * @returns the tree sha.
 * @throws EocubeError GIT_ERROR when git fails.
 */
export async function writeTreeWith(repo: string, spec: Omit<CommitSpec, "message">): Promise<string> {
  const env = { GIT_INDEX_FILE: spec.indexFile };
  const git = (args: string[], input?: string) => runGit(args, { cwd: repo, env, signal: spec.signal, input });
  await git(["read-tree", spec.base]);
  const shas = (await git(["hash-object", "-w", "--no-filters", "--stdin-paths"], `${spec.files.map((f) => f.source).join("\n")}\n`)).stdout
    .trim()
    .split("\n");
  if (shas.length !== spec.files.length)
    throw new EocubeError("INTERNAL", `git hash-object gave ${shas.length} ids for ${spec.files.length} files`, { path: repo });
  const modes = new Map<string, string>();
  const listed = (await git(["ls-files", "-s", "-z", "--", ...spec.files.map((f) => f.path)])).stdout.split("\0");
  for (const entry of listed) {
    const m = /^(\d+) [0-9a-f]+ \d\t(.*)$/s.exec(entry);
    if (m) modes.set(m[2]!, m[1]!);
  }
  const info = `${spec.files.map((f, i) => `${modes.get(f.path) === "100755" ? "100755" : "100644"} ${shas[i]}\t${f.path}`).join("\n")}\n`;
  await git(["update-index", "--index-info"], info);
  return (await git(["write-tree"])).stdout.trim();
}

/**
 * Makes a commit object of `tree` with parent `base` (`commit-tree`; no hooks run, nothing checked out). The identity is
 * the user's git configuration, else eocube's (see identityArgs); `commit.gpgSign` is honoured as `git commit` does.
 * @returns the commit sha.
 * @throws EocubeError GIT_ERROR when git fails (e.g. signing fails).
 */
export async function commitTree(
  repo: string,
  tree: string,
  base: string,
  message: string[],
  options: PlumbingOptions = {},
): Promise<string> {
  const sign = await runGit(["config", "--bool", "commit.gpgSign"], { cwd: repo, okCodes: [0, 1] });
  const args = [...(await identityArgs(repo)), "commit-tree", tree, "-p", base, ...message.flatMap((m) => ["-m", m])];
  if (sign.stdout.trim() === "true") args.push("-S");
  return (
    await runGit(args, {
      cwd: repo,
      signal: options.signal,
      hint: "the git configuration refused the commit (identity or signing); the catalog was left as it was",
    })
  ).stdout.trim();
}

/**
 * Builds the commit of {@link CommitSpec}: {@link writeTreeWith} then {@link commitTree}.
 * @returns the tree and commit shas (objects only: no ref points at the commit yet).
 */
export async function commitFiles(repo: string, spec: CommitSpec): Promise<{ tree: string; commit: string }> {
  const tree = await writeTreeWith(repo, spec);
  const commit = await commitTree(repo, tree, spec.base, spec.message, spec);
  return { tree, commit };
}

/**
 * Creates the branch `refs/heads/<branch>` at `commit`, atomically and only if it does not exist yet
 * (`update-ref <ref> <commit> ""`): the branch either appears complete or not at all.
 * @returns undefined when the branch was made, else git's reason for refusing (it exists, or a lock or a
 *   file/folder conflict on its ref).
 */
export async function createBranch(
  repo: string,
  branch: string,
  commit: string,
  reason: string,
  options: PlumbingOptions = {},
): Promise<string | undefined> {
  const res = await runGit(["update-ref", "-m", reason, `refs/heads/${branch}`, commit, ""], {
    cwd: repo,
    okCodes: [0, 1, 128],
    signal: options.signal,
  });
  if (res.code === 0) return undefined;
  return res.stderr.trim().split("\n")[0] || `git update-ref exited with code ${res.code}`;
}

/**
 * Deletes `refs/heads/<branch>` if it still points at `expected` (`update-ref -d <ref> <expected>`); a branch moved
 * since is left alone.
 */
export async function deleteBranch(repo: string, branch: string, expected: string): Promise<void> {
  await runGit(["update-ref", "-d", `refs/heads/${branch}`, expected], { cwd: repo, okCodes: [0, 1, 128] });
}

/** The local branches under `refs/heads/<prefix>` with their commit and tree shas. */
export async function branchesUnder(repo: string, prefix: string): Promise<Array<{ branch: string; commit: string; tree: string }>> {
  const out = await runGit(["for-each-ref", "--format=%(refname:lstrip=2)%00%(objectname)%00%(tree)", `refs/heads/${prefix}`], {
    cwd: repo,
  });
  return out.stdout
    .split("\n")
    .filter((l) => l)
    .map((l) => {
      const [branch, commit, tree] = l.split("\0");
      return { branch: branch!, commit: commit!, tree: tree! };
    });
}
