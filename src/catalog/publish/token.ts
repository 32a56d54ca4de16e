// Finds the GitHub token: GITHUB_TOKEN, then GH_TOKEN, then deep-code's `.gitaccess` file (cwd, then home).
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { EocubeError } from "../../core/errors.js";

/** A GitHub token and where it came from (never print `token`). */
export interface GitHubCredentials {
  token: string;
  /** "GITHUB_TOKEN", "GH_TOKEN" or the path of the `.gitaccess` file. */
  source: string;
  /** `github-username` from `.gitaccess`, when given. */
  username?: string;
}

/** Options of {@link resolveGitHubToken}. */
export interface TokenOptions {
  /** Environment to read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Folder searched first for `.gitaccess` (default process.cwd()). */
  cwd?: string;
  /** Home folder searched second (default os.homedir()). */
  home?: string;
}

/**
 * Resolves the GitHub token in deep-code's order: the GITHUB_TOKEN env var, then GH_TOKEN, then a
 * `.gitaccess` YAML file `{github-username, github-token}` in the cwd, then in the home folder.
 * @throws EocubeError GITHUB_ERROR when none is found or `.gitaccess` is not valid (the token is never in the message).
 */
export async function resolveGitHubToken(options: TokenOptions = {}): Promise<GitHubCredentials> {
  const env = options.env ?? process.env;
  for (const name of ["GITHUB_TOKEN", "GH_TOKEN"]) {
    const v = env[name]?.trim();
    if (v) return { token: v, source: name };
  }
  const dirs = [options.cwd ?? process.cwd(), options.home ?? homedir()];
  for (const dir of dirs) {
    const file = join(dir, ".gitaccess");
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      throw new EocubeError("INVALID_CONFIG", `${file} is not valid YAML`, {
        path: file,
        hint: "write it as two lines: `github-username: NAME` and `github-token: TOKEN`",
      });
    }
    const rec = (doc && typeof doc === "object" ? doc : {}) as Record<string, unknown>;
    const token = typeof rec["github-token"] === "string" ? rec["github-token"].trim() : "";
    if (!token) {
      throw new EocubeError("INVALID_CONFIG", `${file} has no github-token`, {
        path: file,
        field: "github-token",
        hint: "add `github-token: TOKEN` (a token with the public_repo scope)",
      });
    }
    const username = typeof rec["github-username"] === "string" ? rec["github-username"].trim() : undefined;
    return { token, source: file, ...(username ? { username } : {}) };
  }
  throw new EocubeError("GITHUB_ERROR", "no GitHub token found", {
    hint: "set GITHUB_TOKEN (or GH_TOKEN), or write a .gitaccess file with github-username and github-token in this folder or your home folder",
  });
}
