// Constants of PRR collections: STAC version, extension schema URLs, safe ids, media types by file name.
import { EXTENSIONS, THEMES_SCHEME } from "../osc/constants.js";

/** The STAC version of every document `eocube prr` writes. https://github.com/radiantearth/stac-spec/tree/v1.0.0 */
export const PRR_STAC_VERSION = "1.0.0";

/** The extension schemas `eocube prr` may declare (each bundled in `schemas/`, so validation works offline). */
export const EXT = {
  datacube: "https://stac-extensions.github.io/datacube/v2.2.0/schema.json",
  file: "https://stac-extensions.github.io/file/v2.1.0/schema.json",
  projection: "https://stac-extensions.github.io/projection/v1.2.0/schema.json",
  scientific: "https://stac-extensions.github.io/scientific/v1.0.0/schema.json",
  // the same versions as the OSC catalog's documents
  themes: EXTENSIONS.themes,
  contacts: EXTENSIONS.contacts,
  osc: EXTENSIONS.osc,
} as const;

/** Item and collection ids become folder and file names: letters, digits and single `-`, `_` or `.` between them. */
export const PRR_ID_PATTERN = "^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$";

/** The OSC theme scheme used for themes given as bare ids. https://github.com/stac-extensions/osc#theme */
export const OSC_THEME_SCHEME = THEMES_SCHEME;

/** Media types by file-name ending (longest match first); data formats are refined by {@link mediaTypeOf}. */
const MEDIA_TYPES: Array<[RegExp, string]> = [
  [/\.(tar\.gz|tgz)$/i, "application/gzip"],
  [/\.gz$/i, "application/gzip"],
  [/\.zarr\/?$/i, "application/vnd+zarr"],
  [/\.(nc|nc4|cdf|netcdf)$/i, "application/x-netcdf"],
  [/\.(h5|hdf5|he5)$/i, "application/x-hdf5"],
  [/\.(tif|tiff)$/i, "image/tiff; application=geotiff"],
  [/\.pdf$/i, "application/pdf"],
  [/\.zip$/i, "application/zip"],
  [/\.tar$/i, "application/x-tar"],
  [/\.json$/i, "application/json"],
  [/\.geojson$/i, "application/geo+json"],
  [/\.(ya?ml)$/i, "application/yaml"],
  [/\.csv$/i, "text/csv"],
  [/\.txt$/i, "text/plain"],
  [/\.md$/i, "text/markdown"],
  [/\.html?$/i, "text/html"],
  [/\.png$/i, "image/png"],
  [/\.jpe?g$/i, "image/jpeg"],
  [/\.ipynb$/i, "application/x-ipynb+json"],
];

/** The media type told from a file name, or undefined. */
export function mediaTypeFromName(name: string): string | undefined {
  return MEDIA_TYPES.find(([re]) => re.test(name))?.[1];
}

/** GeoTIFF media type; `cog` adds `profile=cloud-optimized` (tiled with overviews). */
export function geotiffMediaType(cog: boolean): string {
  return cog ? "image/tiff; application=geotiff; profile=cloud-optimized" : "image/tiff; application=geotiff";
}

/** The media type of a data format of the format registry. */
export function mediaTypeOfFormat(format: string): string | undefined {
  switch (format) {
    case "netcdf3":
    case "netcdf4":
      return "application/x-netcdf";
    case "zarr":
      return "application/vnd+zarr";
    case "geotiff":
      return geotiffMediaType(false);
    default:
      return undefined;
  }
}
