// Local folders of the catalog commands (`catalog init`, `generate-config`): bounded creation and clear errors.
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname, parse, resolve } from "node:path";
import { EocubeError, isEocubeError } from "../../core/errors.js";

/**
 * Turns a Node file-system error met while `action` (e.g. "creating the folder") on `path` into an
 * EocubeError naming the path, with a hint: ENOTDIR/EEXIST (a part of the path is a file) → ALREADY_EXISTS;
 * EACCES/EPERM/EROFS (not writable) and ENOSPC/EDQUOT (full) → READ_ONLY; ENOENT (e.g. under /proc, where
 * nothing can be made), ENAMETOOLONG, ELOOP, EISDIR → INVALID_ARGUMENT. Anything else (and EocubeErrors) is
 * returned unchanged.
 */
export function folderError(err: unknown, path: string, action: string): unknown {
  if (isEocubeError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const ctx = { path, cause: err };
  switch (code) {
    case "ENOTDIR":
    case "EEXIST":
      return new EocubeError("ALREADY_EXISTS", `cannot use ${path} while ${action}: a part of the path is a file, not a folder (${code})`, {
        ...ctx,
        hint: "choose a path whose parents are folders (or a new folder name)",
      });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new EocubeError("READ_ONLY", `cannot write ${path} while ${action}: permission denied (${code})`, {
        ...ctx,
        hint: "choose a folder you can write to (e.g. under your home folder)",
      });
    case "ENOSPC":
    case "EDQUOT":
      return new EocubeError("READ_ONLY", `cannot write ${path} while ${action}: no space left on the device (${code})`, {
        ...ctx,
        hint: "free some space or choose another disk",
      });
    case "ENOENT":
    case "ENAMETOOLONG":
    case "ELOOP":
    case "EISDIR":
      return new EocubeError("INVALID_ARGUMENT", `cannot create ${path} while ${action} (${code})`, {
        ...ctx,
        hint: "choose a path in an ordinary writable folder (not under /proc or /sys)",
      });
    default:
      return err;
  }
}

/**
 * Makes the folder `dir` and its missing parents, one level at a time and without recursion in the file
 * system (Node's `mkdir({ recursive: true })` never returns on some special file systems such as /proc).
 * The work is bounded by the number of path components.
 * @returns the absolute path of the outermost folder it created (to remove on failure), or undefined when `dir` existed.
 *   When it fails, the folders it made are removed again.
 * @throws EocubeError (see {@link folderError}) naming `shown` (default `dir`).
 */
export async function makeFolders(dir: string, action: string, shown: string = dir): Promise<string | undefined> {
  const abs = resolve(dir);
  const missing: string[] = [];
  const root = parse(abs).root;
  let cur = abs;
  for (;;) {
    const st = await stat(cur).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw folderError(err, shown, action);
    });
    if (st) {
      if (!st.isDirectory()) throw folderError(Object.assign(new Error("not a folder"), { code: "ENOTDIR" }), shown, action);
      break;
    }
    missing.unshift(cur);
    if (cur === root) break;
    cur = dirname(cur);
  }
  let made: string | undefined;
  for (const d of missing) {
    try {
      await mkdir(d);
      made ??= d;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && (await stat(d).then((s) => s.isDirectory(), () => false))) continue;
      // leave nothing half-made
      if (made) await rm(made, { recursive: true, force: true }).catch(() => {});
      throw folderError(err, shown, action);
    }
  }
  return made;
}
