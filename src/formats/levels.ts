// Reader of xcube's multi-level format: `<name>.levels/` holding `.zlevels`, `0.zarr` (or `0.link`), `1.zarr`, …
// Spec by example: xcube `xcube/core/store/fs/impl/mldataset.py` and `xcube/core/mldataset/fs.py`.
import type { Dataset } from "../core/dataset.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { Attrs, ReadOptions } from "../core/variable.js";
import { FileFileSystem } from "../fs/file.js";
import type { FileSystem } from "../fs/types.js";
import type { FormatOpenOptions, FormatReader } from "./registry.js";
import { parseZarrJson } from "./zarr/json.js";
import { openZarr } from "./zarr/reader.js";
import { joinStoreKey } from "./zarr/store.js";

/** The `.zlevels` document of a multi-level dataset (fields as xcube writes them). */
export interface ZLevels {
  /** Format version, "1.0". */
  version?: string;
  /** Number of levels, level 0 = full resolution. */
  num_levels?: number;
  /** Tile size `[width, height]` in pixels. */
  tile_size?: number[];
  /** Whether the levels were written (true) or are computed on demand. */
  use_saved_levels?: boolean;
  /** Aggregation method per variable used to make the levels (`first`, `mean`, …). */
  agg_methods?: Record<string, string>;
  [key: string]: unknown;
}

/** One level entry found in the folder: a Zarr store, or a `.link` file naming the base dataset. */
interface LevelEntry {
  index: number;
  kind: "zarr" | "link";
}

async function findLevels(fs: FileSystem, base: string, options: ReadOptions): Promise<LevelEntry[]> {
  const entries = await fs.list(base, options);
  const levels = new Map<number, LevelEntry>();
  for (const e of entries) {
    const m = /^(\d+)\.(zarr\/?|link)$/.exec(e);
    if (!m) continue;
    const index = Number(m[1]);
    const kind = m[2] === "link" ? "link" : "zarr";
    if (!levels.has(index) || kind === "zarr") levels.set(index, { index, kind });
  }
  return [...levels.values()].sort((a, b) => a.index - b.index);
}

/**
 * Resolves the path in a `N.link` file: first relative to the file system root (xcube writes the
 * base dataset's path as given to its store), then relative to the folder holding the `.levels`;
 * an absolute local path is opened on the local disk when `fs` is a file file system.
 */
async function openLink(fs: FileSystem, base: string, linkKey: string, options: FormatOpenOptions): Promise<Dataset> {
  const bytes = await fs.get(linkKey, options);
  const target = bytes ? new TextDecoder().decode(bytes).trim() : "";
  if (!target) throw new EocubeError("CORRUPT_DATA", `${linkKey} is empty; it should hold the path of the base dataset`, { path: linkKey });
  if (target.startsWith("/") && fs instanceof FileFileSystem) {
    return openZarr(new FileFileSystem("/", { readOnly: true }), target.slice(1), options);
  }
  const rel = target.replace(/^\.\//, "");
  const parent = base.includes("/") ? base.slice(0, base.lastIndexOf("/")) : "";
  const candidates = [rel, joinStoreKey(parent, rel), joinStoreKey(base, rel)];
  for (const c of candidates) {
    try {
      return await openZarr(fs, c, options);
    } catch (err) {
      if ((err as { code?: string }).code !== "NOT_FOUND") throw err;
    }
  }
  throw new EocubeError("NOT_FOUND", `the base dataset ${JSON.stringify(target)} named in ${linkKey} does not exist`, {
    path: linkKey,
    hint: "the link must hold a path relative to the store root or to the folder of the .levels",
  });
}

/**
 * Opens a multi-level dataset as its level 0 (full resolution) with `overviews` = levels 1…N−1, finest
 * first. Each level is a raw Zarr dataset (see `openZarr`); level 0 may be a `0.link` to the base dataset.
 * The `.zlevels` fields are kept in `dataset.encoding` (`num_levels`, `tile_size`, `agg_methods`, …).
 * @throws EocubeError NOT_FOUND (no levels folder / missing link target), CORRUPT_DATA (bad `.zlevels`,
 *   a level listed in `.zlevels` missing, no level 0).
 */
export async function openLevels(fs: FileSystem, path: string, options: FormatOpenOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  const base = path.replace(/^\/+|\/+$/g, "");
  const zkey = joinStoreKey(base, ".zlevels");
  const zbytes = await fs.get(zkey, options);
  const zlevels: ZLevels = zbytes ? parseZarrJson(zbytes, zkey) : {};
  const found = await findLevels(fs, base, options);
  if (found.length === 0) {
    throw new EocubeError(zbytes ? "CORRUPT_DATA" : "NOT_FOUND", `no levels (0.zarr, 0.link, …) in ${joinStoreKey(fs.root, base)}`, {
      path: base,
      hint: "a multi-level dataset is a folder with .zlevels and one Zarr store per level",
    });
  }
  const n = typeof zlevels.num_levels === "number" ? zlevels.num_levels : found.length;
  const levels: Dataset[] = [];
  for (let i = 0; i < n; i++) {
    const entry = found.find((e) => e.index === i);
    if (!entry) {
      throw new EocubeError("CORRUPT_DATA", `level ${i} of ${base} is missing (${zkey} says num_levels = ${n})`, {
        path: joinStoreKey(base, `${i}.zarr`),
      });
    }
    levels.push(
      entry.kind === "link"
        ? await openLink(fs, base, joinStoreKey(base, `${i}.link`), options)
        : await openZarr(fs, joinStoreKey(base, `${i}.zarr`), options),
    );
  }
  const [level0, ...rest] = levels as [Dataset, ...Dataset[]];
  const encoding: Attrs = { ...level0.encoding, ...zlevels, format: "levels", source: joinStoreKey(fs.root, base), num_levels: n };
  return level0.with({ overviews: rest, encoding });
}

/** The multi-level reader of the format registry (see {@link openLevels}). */
export const levelsReader: FormatReader = {
  id: "levels",
  open: openLevels,
};
