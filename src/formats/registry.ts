// The format registry: format id → lazy loader of its reader; the format is told from the path or its bytes.
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import type { FileSystem } from "../fs/types.js";

/** Format ids eocube reads. */
export type FormatId = "zarr" | "netcdf3" | "netcdf4" | "geotiff" | "levels";

/** Options every reader accepts. */
export interface FormatOpenOptions extends ReadOptions {
  /** Zarr only: use consolidated `.zmetadata` when present (default true). */
  consolidated?: boolean;
  /** NetCDF4/HDF5 only: the group to open (`"sub"`, `"a/b"`; default the root group), as xarray's `group`. */
  group?: string;
}

/**
 * A reader opens `path` on `fs` as a **raw** Dataset: every variable in `data_vars`, stored dtypes,
 * attributes untouched (`_FillValue`, `scale_factor`, time `units` still in attrs). CF decoding is
 * done afterwards by `decodeCF` (core/cf.ts). Only metadata is read at open; values are read lazily.
 */
export interface FormatReader {
  readonly id: FormatId;
  open(fs: FileSystem, path: string, options?: FormatOpenOptions): Promise<Dataset>;
}

/**
 * The `encoding` key under which a reader lists a variable whose stored data type it cannot decode (e.g. Zarr
 * `<f16`, `|V7`): the value is the reason, naming the stored type. Such a variable is kept in the Dataset
 * (dtype `object`, its reads fail with UNSUPPORTED) so that describe and the server can say why it is not
 * served instead of leaving it out silently.
 */
export const UNREADABLE_KEY = "unreadable";

/** The reason a reader gave for not decoding variable `v` (see {@link UNREADABLE_KEY}), if any. */
export function unreadableReason(v: { encoding: Record<string, unknown> }): string | undefined {
  const r = v.encoding[UNREADABLE_KEY];
  return typeof r === "string" ? r : undefined;
}

const loaders: Record<FormatId, () => Promise<FormatReader>> = {
  zarr: async () => (await import("./zarr/reader.js")).zarrReader,
  netcdf3: async () => (await import("./netcdf3.js")).netcdf3Reader,
  netcdf4: async () => (await import("./netcdf4.js")).netcdf4Reader,
  geotiff: async () => (await import("./geotiff.js")).geotiffReader,
  levels: async () => (await import("./levels.js")).levelsReader,
};

/** The reader for a format id (loaded on first use). */
export function getFormatReader(id: FormatId): Promise<FormatReader> {
  return loaders[id]();
}

/** Format ids in registration order. */
export function listFormatIds(): FormatId[] {
  return Object.keys(loaders) as FormatId[];
}

const EXTENSIONS: [RegExp, FormatId][] = [
  [/\.levels\/?$/i, "levels"],
  [/\.zarr\/?$/i, "zarr"],
  [/\.(tiff?|cog)$/i, "geotiff"],
  [/\.(nc4|h5|hdf5|he5)$/i, "netcdf4"],
  [/\.(nc|cdf|netcdf)$/i, "netcdf3"], // refined by the magic bytes in sniffFormat
];

/** The format told from the path's extension alone, or undefined. `.nc` is reported as netcdf3. */
export function formatFromPath(path: string): FormatId | undefined {
  return EXTENSIONS.find(([re]) => re.test(path))?.[1];
}

/**
 * The format of `path`: from its extension, refined by magic bytes for single files
 * (`CDF\x01`/`CDF\x02`/`CDF\x05` → netcdf3, `\x89HDF` → netcdf4, `II*\0`/`MM\0*`/BigTIFF → geotiff),
 * and a folder holding `.zgroup`, `.zarray`, `.zmetadata` or `zarr.json` is Zarr.
 * @throws EocubeError UNKNOWN_FORMAT naming the path and the supported extensions.
 */
export async function sniffFormat(fs: FileSystem, path: string, options?: ReadOptions): Promise<FormatId> {
  const byExt = formatFromPath(path);
  if (byExt === "zarr" || byExt === "levels") return byExt;
  const base = path.replace(/\/+$/, "");
  const prefix = base === "" ? "" : `${base}/`;
  for (const marker of [".zmetadata", ".zgroup", ".zarray", "zarr.json"]) {
    if (await fs.exists(prefix + marker, options).catch(() => false)) return "zarr";
  }
  if (await fs.exists(`${prefix}.zlevels`, options).catch(() => false)) return "levels";
  let head: Uint8Array | undefined;
  try {
    head = await fs.getRange(base, 0, 8, options);
  } catch (err) {
    if (byExt) return byExt;
    throw err;
  }
  const magic = String.fromCharCode(...head.subarray(0, 4));
  if (magic.startsWith("CDF") && [1, 2, 5].includes(head[3]!)) return "netcdf3";
  if (head[0] === 0x89 && magic.slice(1) === "HDF") return "netcdf4";
  if (magic === "II*\0" || magic === "MM\0*" || magic === "II+\0" || magic === "MM\0+") return "geotiff";
  if (byExt) return byExt;
  throw new EocubeError("UNKNOWN_FORMAT", `cannot tell the data format of ${path}`, {
    path,
    hint: "use a path ending in .zarr, .levels, .nc, .nc4, .h5, .tif or .tiff (NetCDF3, NetCDF4/HDF5, GeoTIFF/COG, Zarr)",
  });
}
