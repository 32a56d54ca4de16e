// Test helper: a real git repository holding a copy of the OSC catalog sample (shared/fixtures/osc-catalog-sample).
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The OSC catalog sample (real files from ESA-EarthCODE/open-science-catalog-metadata). */
export const SAMPLE_CATALOG = fileURLToPath(new URL("../../../shared/fixtures/osc-catalog-sample/", import.meta.url));

const made: string[] = [];

/** A new temp folder (under the OS temp dir), removed by {@link cleanupTempDirs}. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder made by {@link tempDir} and {@link sampleCatalogRepo} in this test file. */
export async function cleanupTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Runs git synchronously in `cwd` with a fixed identity (test-only, never global config). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
}

/** Creates a temp git repository (branch main, one commit) with a copy of the catalog sample; returns its path. */
export async function sampleCatalogRepo(): Promise<string> {
  const dir = await tempDir("eocube-cat-");
  const repo = join(dir, "catalog");
  await cp(SAMPLE_CATALOG, repo, { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "sample catalog");
  return repo;
}

/** A snapshot of a repository's state: HEAD, branches, status and the tree of every ref. */
export function repoState(repo: string): string {
  return [
    git(repo, "symbolic-ref", "-q", "HEAD").trim(),
    git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored"),
  ].join("\n");
}

/** Creates a temp git repository holding a new, empty OSC catalog made by `catalog init` (branch main, one commit). */
export async function initCatalogRepo(): Promise<string> {
  const { initCatalog } = await import("../../src/catalog/osc/init.js");
  const dir = join(await tempDir("eocube-cat-"), "catalog");
  await initCatalog(dir);
  return dir;
}

/**
 * Writes `<dir>/<id>.yaml`: examples/dataset-config.yaml publishing the shared Zarr cube (absolute path, so the
 * config works from any folder) as the product `id`, titled `Product <id>`. Returns its path.
 */
export async function writeDatasetConfig(dir: string, id: string): Promise<string> {
  const { readFile, writeFile } = await import("node:fs/promises");
  const { REPO_ROOT, ZARR_CUBE } = await import("./paths.js");
  const text = (await readFile(join(REPO_ROOT, "examples/dataset-config.yaml"), "utf8"))
    .replace(/^collection_id: .*$/m, `collection_id: ${id}`)
    .replace(/^title: .*$/m, `title: Product ${id}`)
    .replace(/^data_source:\n(?:\s+- .*\n)+/m, `data_source:\n  - ${ZARR_CUBE}\n`);
  const path = join(dir, `${id}.yaml`);
  await writeFile(path, text);
  return path;
}

/**
 * What a test expects of a catalog repository after a publication was interrupted or raced: the output of
 * `git fsck --no-dangling` (empty when sound), `git status --porcelain` (empty when clean), HEAD (ref and sha) and
 * every branch with its commit, its first parent and the files it changes against that parent.
 */
export function repoHealth(repo: string): {
  fsck: string;
  status: string;
  head: { ref: string; sha: string };
  branches: Array<{ branch: string; commit: string; parent?: string; files: string[] }>;
} {
  let fsck = "";
  try {
    fsck = execFileSync("git", ["fsck", "--no-dangling", "--no-progress"], {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    fsck = `git fsck exit ${e.status}: ${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
  const status = git(repo, "status", "--porcelain", "--untracked-files=all");
  const head = { ref: git(repo, "symbolic-ref", "-q", "HEAD").trim(), sha: git(repo, "rev-parse", "HEAD").trim() };
  const branches = git(repo, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/heads/")
    .trim()
    .split("\n")
    .filter((l) => l)
    .map((l) => {
      const [branch, commit] = l.split(" ") as [string, string];
      return { branch, commit, ...commitFiles(repo, commit) };
    });
  return { fsck, status, head, branches };
}

// a commit never changes: its parent and changed files are read once per repository and commit
const commitCache = new Map<string, { parent?: string; files: string[] }>();

function commitFiles(repo: string, commit: string): { parent?: string; files: string[] } {
  const key = `${repo}\0${commit}`;
  let hit = commitCache.get(key);
  if (!hit) {
    const parent = git(repo, "rev-list", "--parents", "-n", "1", commit).trim().split(" ")[1];
    const files = parent
      ? git(repo, "diff", "--name-only", "--no-renames", parent, commit)
          .trim()
          .split("\n")
          .filter((f) => f)
          .sort()
      : [];
    hit = { ...(parent ? { parent } : {}), files };
    commitCache.set(key, hit);
  }
  return hit;
}
