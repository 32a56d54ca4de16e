// Node errors of local file-system writes as EocubeErrors naming the path and the fix (full disk, read-only, …).
import { EocubeError, isEocubeError } from "../core/errors.js";

/**
 * Turns a Node file-system error met while `action` (e.g. "writing the file") on `path` into an EocubeError
 * naming the path, with a hint: ENOSPC/EDQUOT (the disk or quota is full) and EACCES/EPERM/EROFS (not
 * writable) → READ_ONLY; ENOTDIR/EEXIST (a part of the path is a file) → ALREADY_EXISTS; ENOENT (e.g. under
 * /proc, where nothing can be made), ENAMETOOLONG, ELOOP, EISDIR → INVALID_ARGUMENT. Anything else (and
 * EocubeErrors) is returned unchanged. This is the one mapping of local write failures (FileFileSystem.put,
 * the Zarr writer, PRR output, the catalog commands' folders).
 */
export function localWriteError(err: unknown, path: string, action: string): unknown {
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
      return new EocubeError("READ_ONLY", `cannot write ${path} while ${action}: permission denied (${code})`, {
        ...ctx,
        hint: "choose a folder you can write to (e.g. under your home folder), or fix its permissions",
      });
    case "EROFS":
      return new EocubeError("READ_ONLY", `cannot write ${path} while ${action}: the file system is read-only (${code})`, {
        ...ctx,
        hint: "choose a folder on a writable disk",
      });
    case "ENOSPC":
    case "EDQUOT":
      return new EocubeError(
        "READ_ONLY",
        `cannot write ${path} while ${action}: no space left on the device${code === "EDQUOT" ? " (disk quota exceeded)" : ""} (${code})`,
        {
          ...ctx,
          hint: "free some space (or raise the quota), or write to another disk",
        },
      );
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
