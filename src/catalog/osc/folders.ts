// Local folders of the catalog commands (`catalog init`, `generate-config`): bounded creation and clear errors.
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname, parse, resolve } from "node:path";
import { localWriteError } from "../../fs/errors.js";

/** Node file-system errors of local writes as EocubeErrors (see `localWriteError` in fs/errors.ts, their one home). */
export const folderError = localWriteError;

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
      if (
        (err as NodeJS.ErrnoException).code === "EEXIST" &&
        (await stat(d).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      // leave nothing half-made
      if (made) await rm(made, { recursive: true, force: true }).catch(() => {});
      throw folderError(err, shown, action);
    }
  }
  return made;
}
