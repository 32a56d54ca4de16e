// openFormatDataset: the one funnel every format goes through (sniff → reader → CF decoding).
import { decodeCF } from "../core/cf.js";
import type { Dataset } from "../core/dataset.js";
import type { Variable } from "../core/variable.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import type { FileSystem } from "../fs/types.js";
import { formatFromPath, getFormatReader, sniffFormat, type FormatId, type FormatOpenOptions } from "./registry.js";
import type { ReadOptions } from "../core/variable.js";

/** Options of {@link openFormatDataset}. */
export interface OpenFormatOptions extends FormatOpenOptions {
  /** Skip sniffing and use this format. */
  format?: FormatId;
  /** Apply CF decoding (`decodeCF`, core/cf.ts): fill values, scale/offset, times (default true). */
  decode?: boolean;
}

/** A printable location of `path` on `fs` (local paths without `file://`). */
export function displayPath(fs: FileSystem, path: string): string {
  const root = fs.root.startsWith("file://") ? fs.root.slice("file://".length) : fs.root;
  const p = path.replace(/^\/+/, "");
  return p === "" ? root : `${root.replace(/\/+$/, "")}/${p}`;
}

/**
 * Opens `path` on `fs` as a Dataset: the format is told by {@link sniffFormat} (or `options.format`),
 * its reader opens the raw dataset (metadata only, values stay lazy), then CF decoding is applied.
 * @throws EocubeError NOT_FOUND (nothing at `path`), UNKNOWN_FORMAT, CORRUPT_DATA (the reader failed on
 *   the bytes: truncated or unparseable files), UNSUPPORTED, plus the file system's errors
 *   (ACCESS_DENIED, REMOTE_ERROR, TIMEOUT). Every error names the path.
 */
export async function openFormatDataset(fs: FileSystem, path: string, options: OpenFormatOptions = {}): Promise<Dataset> {
  const shown = displayPath(fs, path);
  let format = options.format;
  if (format === undefined) {
    try {
      format = (await sniffSingleFile(fs, path, options)) ?? (await sniffFormat(fs, path, options));
    } catch (err) {
      if (isEocubeError(err) && (err.code === "UNKNOWN_FORMAT" || err.code === "NOT_FOUND")) {
        await assertExists(fs, path, shown, options);
        if (err.code === "UNKNOWN_FORMAT") {
          throw new EocubeError("UNKNOWN_FORMAT", `cannot tell the data format of ${shown}`, {
            path: shown,
            hint: err.hint,
            cause: err,
          });
        }
      }
      throw err;
    }
  }
  const group = options.group?.replace(/^\/+|\/+$/g, "");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejects control characters in group names
  const badSegment = (seg: string) => seg === "" || seg === "." || seg === ".." || /[\\\u0000-\u001f]/.test(seg);
  if (group !== undefined && group.length > 0 && group.split("/").some(badSegment)) {
    throw new EocubeError("INVALID_PARAMS", `open_params/group ${JSON.stringify(options.group)} is not a group path`, {
      path: shown,
      field: "open_params/group",
      hint: 'give the group as names separated by "/", e.g. "sub" or "a/b" (no "..")',
    });
  }
  if (group && format === "zarr") {
    // a Zarr group is a sub-store: open it by its path
    return openFormatDataset(fs, `${path.replace(/\/+$/, "")}/${group}`, { ...options, group: undefined, format });
  }
  if (group && format !== "netcdf4") {
    throw new EocubeError(
      "UNSUPPORTED",
      `${shown} is ${format}, which has no groups (open_params/group ${JSON.stringify(options.group)})`,
      {
        path: shown,
        field: "open_params/group",
        hint: "group applies to NetCDF4/HDF5 files and Zarr stores",
      },
    );
  }
  const reader = await getFormatReader(format);
  let ds: Dataset;
  try {
    ds = await reader.open(fs, path, options);
  } catch (err) {
    if (isEocubeError(err)) {
      if (err.code === "NOT_FOUND") await assertExists(fs, path, shown, options);
      throw withFullPath(err, fs, path, shown);
    }
    await assertExists(fs, path, shown, options);
    throw new EocubeError("CORRUPT_DATA", `cannot read ${shown} as ${format}: ${(err as Error)?.message ?? String(err)}`, {
      path: shown,
      cause: err,
      hint: `the file may be truncated or not a valid ${format} file`,
    });
  }
  if (options.decode === false) return guardReads(ds, shown, format);
  const decoded = decode(ds, shown);
  // The decoded dataset owns the raw one: its close() closes the reader's dataset, and the reference keeps
  // the reader's resources (e.g. an HDF5 file handle freed by a FinalizationRegistry) alive while in use.
  return guardReads(decoded === ds ? ds : decoded.with({ close: () => ds.close() }), shown, format);
}

/**
 * The dataset with every variable's `read` made to fail only with EocubeErrors: an error of another kind
 * (a TypeError or RangeError of a reader or decoder that met something it cannot handle) becomes
 * UNSUPPORTED naming the file and the variable; a DOM AbortError becomes CANCELLED.
 */
function guardReads(ds: Dataset, shown: string, format: FormatId): Dataset {
  const guard = (v: Variable): Variable =>
    v.with({
      readsInto: true, // it hands its options (and an out buffer) to the same variable's read
      read: async (selection, options) => {
        try {
          return await v.read(selection, options);
        } catch (err) {
          if (isEocubeError(err)) throw err;
          if ((err as Error)?.name === "AbortError") throw new EocubeError("CANCELLED", "The operation was aborted.", { cause: err });
          throw new EocubeError(
            "UNSUPPORTED",
            `cannot read variable ${v.name} (${v.dtype}) of ${shown}: ${(err as Error)?.message ?? String(err)}`,
            {
              path: shown,
              field: v.name,
              cause: err,
              hint: `eocube's ${format} reader does not support this variable's encoding; please report it with the file`,
            },
          );
        }
      },
    });
  const map = (vars: Record<string, Variable>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, guard(v)]));
  return ds.with({
    coords: map(ds.coords),
    data_vars: map(ds.data_vars),
    overviews: ds.overviews.map((o) => guardReads(o, shown, format)),
  });
}

async function assertExists(fs: FileSystem, path: string, shown: string, options: OpenFormatOptions): Promise<void> {
  if (fs.root.startsWith("http")) return; // HTTP cannot tell folders from missing objects
  const found =
    (await fs.exists(path, options).catch(() => true)) || (await fs.exists(`${path.replace(/\/+$/, "")}/`, options).catch(() => true));
  if (!found) {
    throw new EocubeError("NOT_FOUND", `no such file or folder: ${shown}`, { path: shown, hint: "check the path" });
  }
}

/** CF decoding (core/cf.ts), with errors naming the path. */
function decode(ds: Dataset, shown: string): Dataset {
  try {
    return decodeCF(ds);
  } catch (err) {
    if (isEocubeError(err))
      throw err.path
        ? err
        : new EocubeError(err.code, `${err.message} (${shown})`, { path: shown, field: err.field, hint: err.hint, cause: err });
    throw err;
  }
}

/**
 * The error with its path made absolute: readers name keys relative to the file system (`x.nc`,
 * `cube.zarr/.zarray`); users need the full location (`/data/x.nc`, `https://host/cube.zarr/.zarray`).
 */
function withFullPath(err: EocubeError, fs: FileSystem, path: string, shown: string): EocubeError {
  const key = err.path;
  if (key === undefined) {
    return new EocubeError(err.code, `${err.message} (${shown})`, {
      path: shown,
      field: err.field,
      hint: err.hint,
      cause: err,
      details: err.details,
    });
  }
  const base = path.replace(/\/+$/, "");
  if (key !== base && !key.startsWith(`${base}/`)) return err;
  const full = displayPath(fs, key);
  // a message that already names the full location keeps it (no `https://h/https://h/x.zarr`)
  const message = err.message.includes(full) ? err.message : err.message.split(key).join(full);
  return new EocubeError(err.code, message, { path: full, field: err.field, hint: err.hint, cause: err, details: err.details });
}

/**
 * For a path whose extension names a single-file format (.nc, .tif, .h5, …), the format from its first
 * 8 bytes alone (one range request; no probing for Zarr markers, which costs requests over HTTP/S3).
 * NetCDF3 `CDF\x01|\x02|\x05`, HDF5 `\x89HDF`, TIFF `II*\0`/`MM\0*` (BigTIFF `+`); the extension's format
 * when the magic is unknown. Undefined for folder formats or when the extension is unknown.
 */
async function sniffSingleFile(fs: FileSystem, path: string, options?: ReadOptions): Promise<FormatId | undefined> {
  const byExt = formatFromPath(path);
  if (byExt === undefined || byExt === "zarr" || byExt === "levels") return undefined;
  const head = await fs.getRange(path, 0, 8, options);
  const magic = String.fromCharCode(...head.subarray(0, 4));
  if (magic.startsWith("CDF") && [1, 2, 5].includes(head[3]!)) return "netcdf3";
  if (head[0] === 0x89 && magic.slice(1) === "HDF") return "netcdf4";
  if (magic === "II*\0" || magic === "MM\0*" || magic === "II+\0" || magic === "MM\0+") return "geotiff";
  return byExt;
}
