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
