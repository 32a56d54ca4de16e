// What a product collection needs from the cube: WGS84 bbox of pixel edges, time range, data variables.
// Reads metadata and coordinates only (never data variables' values).
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import type { BBox } from "../../core/gridmapping.js";
import { bboxToWgs84, readGridMapping } from "../../core/gridmapping-read.js";
import { timeRange as readTimeRange } from "../../core/coords.js";
import type { Attrs, Variable } from "../../core/variable.js";

/** One data variable of the cube, as the publication uses it. */
export interface DataVariableInfo {
  name: string;
  dims: string[];
  attrs: Attrs;
}

/** The facts of a cube the OSC metadata are built from. */
export interface DatasetInfo {
  /** Extent of the pixel edges in WGS 84, `[west, south, east, north]` degrees. */
  bbox: BBox;
  /** CRS of the grid ("EPSG:4326", "EPSG:32618", …). */
  crs: string;
  /** First and last time (ISO 8601 'Z'), from the time coordinate's CF bounds when it has them; undefined without time. */
  timeRange?: [string, string];
  /** Data variables in dataset order (grid-mapping and bounds variables excluded). */
  variables: DataVariableInfo[];
  /** Global attributes. */
  attrs: Attrs;
}

/** Options of {@link readDatasetInfo}. */
export interface DatasetInfoOptions {
  signal?: AbortSignal;
  /** Names the dataset in error messages (the config's dataset_id). */
  source?: string;
  /** The config file, named in errors. */
  configPath?: string;
}

/**
 * Reads the bbox (WGS 84, pixel edges; projected grids are reprojected with densified edges), the time range
 * and the data variables of a cube.
 * @throws EocubeError INVALID_CONFIG naming the config file and `dataset_id` when the dataset has no regular
 *   spatial grid or no data variables; UNSUPPORTED for a CRS proj4 cannot use.
 */
export async function readDatasetInfo(ds: Dataset, options: DatasetInfoOptions = {}): Promise<DatasetInfo> {
  throwIfAborted(options.signal);
  const source = options.source ?? "the dataset";
  const gm = await readGridMapping(ds, { signal: options.signal });
  if (!gm) {
    throw new EocubeError(
      "INVALID_CONFIG",
      `${source} has no spatial coordinates eocube can use (a regular lon/lat or projected x/y grid)`,
      {
        path: options.configPath,
        field: "dataset_id",
        hint: "publish a gridded cube with 1-D lon/lat (or x/y plus a CF grid mapping) coordinates; rectify swath or station data first",
      },
    );
  }
  const bbox = bboxToWgs84(gm);

  const timeRange = await readTimeRange(ds, { bounds: true, auxiliary: true, signal: options.signal });

  const skip = new Set<string>();
  for (const v of Object.values(ds.variables)) {
    if (typeof v.attrs.grid_mapping === "string") skip.add(v.attrs.grid_mapping.split(/[\s:]+/)[0]!);
    if (typeof v.attrs.bounds === "string") skip.add(v.attrs.bounds);
  }
  if (gm.gridMappingName) skip.add(gm.gridMappingName);
  const variables = Object.entries(ds.data_vars)
    .filter(([name, v]) => !skip.has(name) && v.ndim >= 1 && v.dims.includes(gm.xDim) && v.dims.includes(gm.yDim))
    .map(([name, v]) => ({ name, dims: v.dims, attrs: v.attrs }));
  if (variables.length === 0) {
    throw new EocubeError("INVALID_CONFIG", `${source} has no data variables on its ${gm.xDim}/${gm.yDim} grid`, {
      path: options.configPath,
      field: "dataset_id",
      hint: "publish a cube with at least one gridded data variable",
    });
  }
  return { bbox, crs: gm.crs, timeRange, variables, attrs: ds.attrs };
}
