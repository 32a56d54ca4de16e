// Unified diffs of planned files against their previous content, made by `git diff --no-index`.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PlannedFile } from "../osc/plan.js";
import { runGit } from "./git.js";
import { makeTempDir, removeTempDir } from "./lock.js";

/**
 * The unified diff (git format, 3 lines of context, no colour) of each planned file: against its
 * `previous` content for "update", against /dev/null for "create". Paths in the headers are the
 * catalog-relative paths (`a/<path>`, `b/<path>`).
 */
export async function planDiffs(files: PlannedFile[]): Promise<Array<{ path: string; action: PlannedFile["action"]; diff: string }>> {
  const tmp = await makeTempDir();
  try {
    const out: Array<{ path: string; action: PlannedFile["action"]; diff: string }> = [];
    for (const f of files) {
      const oldPath = join(tmp, "a", f.path);
      const newPath = join(tmp, "b", f.path);
      await mkdir(dirname(newPath), { recursive: true });
      await writeFile(newPath, f.content);
      let left = "/dev/null";
      if (f.action === "update") {
        await mkdir(dirname(oldPath), { recursive: true });
        await writeFile(oldPath, f.previous ?? "");
        left = `a/${f.path}`;
      }
      const res = await runGit(
        ["-c", "core.quotepath=false", "diff", "--no-index", "--no-color", "--no-ext-diff", "--no-prefix", left, `b/${f.path}`],
        { cwd: tmp, okCodes: [0, 1] },
      );
      // --no-prefix keeps our own a/ and b/ folders as the prefixes git would print.
      // against /dev/null git names both sides b/<path>; print the usual a/<path> b/<path> header
      const diff = f.action === "create" ? res.stdout.replace(/^diff --git b\/(.*) b\//, "diff --git a/$1 b/") : res.stdout;
      out.push({ path: f.path, action: f.action, diff });
    }
    return out;
  } finally {
    await removeTempDir(tmp);
  }
}
