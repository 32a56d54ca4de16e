// Asset files and folders copied into a PRR collection: planned with every symbolic link checked (never
// followed out of the named folder), then copied file by file with write errors naming the path.
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { localWriteError } from "../../fs/errors.js";

/** One entry of a copy plan. */
export interface CopyEntry {
  /** Path below the copied asset (platform separators; `""` = the asset itself). */
  rel: string;
  /** Absolute file to read (a link inside the folder: its target), or undefined for a folder to make. */
  source?: string;
}

/** Where a copied asset comes from in the config, for messages. */
export interface CopyContext {
  /** The config field of the asset (`items[0].assets[1]`). */
  field?: string;
  /** The config file. */
  file?: string;
}

/** True when `p` is `dir` or lies below it (both absolute, normalised). */
export function isInside(p: string, dir: string): boolean {
  const rel = relative(dir, p);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !/^([A-Za-z]:|\/)/.test(rel));
}

/**
 * Plans the copy of a local asset: a regular file (or a link to one) is one entry; a folder (a Zarr store)
 * is walked without following links: every entry must be a folder, a regular file, or a symbolic link to a
 * regular file inside the folder (copied as that file's bytes). Refused, before anything is written:
 * a link whose target lies outside the folder (UNSAFE_ID), a dangling link (NOT_FOUND), a link to a folder,
 * the asset itself being a link to a folder, and sockets, FIFOs or devices (UNSUPPORTED) — each naming the link.
 * @throws EocubeError as above, naming `context.file` / `${context.field}.path` when given; NOT_FOUND for a missing asset.
 */
export async function planCopy(path: string, context: CopyContext = {}, signal?: AbortSignal): Promise<CopyEntry[]> {
  const label = context.field ? `${context.field}: ` : "";
  const where = { path: context.file ?? path, ...(context.field ? { field: `${context.field}.path` } : {}) };
  const st = await lstat(path).catch(() => undefined);
  if (!st)
    throw new EocubeError("NOT_FOUND", `${label}${path} does not exist`, {
      ...where,
      hint: "paths are relative to base_dir (the config file's folder unless set)",
    });
  if (st.isSymbolicLink()) {
    const target = await stat(path).catch(() => undefined);
    const shown = await realpath(path).catch(() => undefined);
    if (!target) {
      throw new EocubeError("NOT_FOUND", `${label}${path} is a symbolic link to a missing file (dangling link)`, {
        ...where,
        hint: "fix or remove the link, or name the file it should point to",
      });
    }
    if (target.isDirectory()) {
      throw new EocubeError(
        "UNSUPPORTED",
        `${label}${path} is a symbolic link to a folder (${shown}); eocube does not copy folders through links`,
        {
          ...where,
          hint: "name the folder itself as the asset path, or set asset_files: link",
        },
      );
    }
    if (!target.isFile()) throw notRegular(label, path, where);
    return [{ rel: "", source: path }];
  }
  if (st.isFile()) return [{ rel: "", source: path }];
  if (!st.isDirectory()) throw notRegular(label, path, where);
  const root = await realpath(path);
  const out: CopyEntry[] = [{ rel: "" }];
  const walk = async (dir: string): Promise<void> => {
    throwIfAborted(signal);
    const entries = await readdir(join(path, dir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = dir === "" ? e.name : join(dir, e.name);
      const full = join(path, rel);
      if (e.isDirectory()) {
        out.push({ rel });
        await walk(rel);
      } else if (e.isFile()) {
        out.push({ rel, source: full });
      } else if (e.isSymbolicLink()) {
        out.push({ rel, source: await linkInside(full, root, path, label, where) });
      } else {
        throw notRegular(label, full, where);
      }
    }
  };
  await walk("");
  return out;
}

/** The real target of a link found in a copied folder, when it is a regular file inside the folder. */
async function linkInside(
  link: string,
  root: string,
  folder: string,
  label: string,
  where: { path: string; field?: string },
): Promise<string> {
  let target: string;
  try {
    target = await realpath(link);
  } catch {
    throw new EocubeError(
      "NOT_FOUND",
      `${label}${link} in the copied folder ${folder} is a symbolic link to a missing file (dangling link)`,
      {
        ...where,
        hint: "fix or remove the link before the folder is copied",
      },
    );
  }
  if (!isInside(target, root)) {
    throw new EocubeError(
      "UNSAFE_ID",
      `${label}${link} in the copied folder ${folder} is a symbolic link to ${target}, outside that folder; eocube does not ship files from outside the folders it is given`,
      {
        ...where,
        hint: "replace the link by the file itself, or name that file as an asset of its own",
      },
    );
  }
  const st = await stat(target);
  if (st.isDirectory()) {
    throw new EocubeError(
      "UNSUPPORTED",
      `${label}${link} in the copied folder ${folder} is a symbolic link to a folder; eocube does not copy folders through links`,
      {
        ...where,
        hint: "replace the link by the folder itself",
      },
    );
  }
  if (!st.isFile()) throw notRegular(label, link, where);
  return target;
}

function notRegular(label: string, path: string, where: { path: string; field?: string }): EocubeError {
  return new EocubeError("UNSUPPORTED", `${label}${path} is not a regular file or folder (a socket, FIFO or device)`, {
    ...where,
    hint: "copied assets hold regular files and folders only",
  });
}

/**
 * Copies a planned asset (see {@link planCopy}) to `dest` (which must not exist): folders are made, files
 * copied with `copyFile` (a reflink where the file system has them, never over an existing file).
 * @param shown the destination as errors name it [default: `dest`] (e.g. the final output path of a file
 *   written into a temporary folder first).
 * @throws EocubeError READ_ONLY (a full disk ENOSPC/EDQUOT, EROFS, EACCES — naming the destination and the
 *   fix, see `localWriteError`), CANCELLED; other I/O errors unchanged.
 */
export async function copyPlanned(plan: CopyEntry[], dest: string, options: { signal?: AbortSignal; shown?: string } = {}): Promise<void> {
  for (const e of plan) {
    throwIfAborted(options.signal);
    const to = e.rel === "" ? dest : join(dest, e.rel);
    try {
      if (e.source === undefined) await mkdir(to);
      else await copyFile(e.source, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    } catch (err) {
      const shown = options.shown === undefined ? to : e.rel === "" ? options.shown : join(options.shown, e.rel);
      throw localWriteError(err, shown, "copying an asset into the collection");
    }
  }
}
