// The gen pipeline: open → subset → resample in space (or rectify) → merge → time range →
// resample in time → rechunk → metadata, all lazy; the same on the main thread and in workers.
import { decodeCF } from "../core/cf.js";
import type { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import { closeNames } from "../core/names.js";
import type { GridMapping } from "../core/gridmapping.js";
import { readGridMapping } from "../core/gridmapping-read.js";
import { regularGrid } from "../ops/grid.js";
import { merge } from "../ops/merge.js";
import { rechunk } from "../ops/rechunk.js";
import { rectify } from "../ops/rectify.js";
import { resampleInSpace } from "../ops/resample-space.js";
import { resampleInTime } from "../ops/resample-time.js";
import { subset } from "../ops/subset.js";
import { timeDim } from "../core/coords.js";
import { unpackValidRange, updateCubeMetadata } from "../ops/metadata.js";
import { openDataset } from "../stores/open.js";
import type { GenInput, GenRequest } from "./request.js";

/** A built cube: the lazy dataset and its grid. */
export interface BuiltCube {
  cube: Dataset;
  /** The target grid (the input's grid when the request gives none). */
  grid: GridMapping;
  /** The opened inputs (to close). */
  inputs: Dataset[];
}

/** A readable name of an input for messages (`file:///data/sst.nc`). */
export function inputLabel(input: GenInput): string {
  const root = typeof input.store_params.root === "string" ? input.store_params.root : "";
  return `${input.store_id}:${root ? `${root.replace(/\/+$/, "")}/` : ""}${input.data_id}`;
}

/** The target grid of a request, or undefined when it keeps the input grid. @throws EocubeError INVALID_CONFIG. */
export function targetGridOf(req: GenRequest): GridMapping | undefined {
  const c = req.cube;
  if (!c.bbox) return undefined;
  try {
    return regularGrid({ crs: c.crs ?? "EPSG:4326", bbox: c.bbox, spatial_res: c.spatial_res, size: c.size });
  } catch (err) {
    if (isEocubeError(err)) {
      const field = requestField(req, err.field ?? "crs");
      throw new EocubeError("INVALID_CONFIG", `${req.source}: ${field}: ${err.message}`, {
        path: req.source,
        field,
        hint: err.hint,
        cause: err,
      });
    }
    throw err;
  }
}

const LEGACY_FIELDS: Record<string, string> = {
  bbox: "output_region",
  size: "output_size",
  spatial_res: "output_spatial_res",
  crs: "output_crs",
  variable_names: "output_variables",
  spatial_method: "output_resampling",
};

/**
 * The name of a cube_config field as the request wrote it: `cube_config/<name>` for gen2
 * requests, xcube's legacy key (`output_region`, `output_size`, …) for legacy configs.
 */
export function requestField(req: GenRequest, name: string): string {
  return req.format === "legacy" ? (LEGACY_FIELDS[name] ?? name) : `cube_config/${name}`;
}

/** Re-raises an error of a cube_config step (time_range, time_period) naming the request file and field. */
function stepError(req: GenRequest, name: string, err: unknown): unknown {
  if (!isEocubeError(err)) return err;
  const field = requestField(req, name);
  return new EocubeError(err.code, `${req.source}: ${field}: ${err.message}`, {
    path: req.source,
    field,
    hint: err.hint,
    cause: err,
    details: err.details,
  });
}

/** Wraps an input's error with the request file and the input's field. */
function inputError(req: GenRequest, i: number, err: unknown): unknown {
  if (!isEocubeError(err)) return err;
  const field = req.inputs.length > 1 || req.format === "gen2" ? `input_configs/${i}` : "input_paths";
  if (err.code === "OUT_OF_RANGE" && err.field === "bbox") {
    return new EocubeError("OUT_OF_RANGE", `${req.source}: ${err.message} (${inputLabel(req.inputs[i]!)})`, {
      path: req.source,
      field: requestField(req, "bbox"),
      hint: err.hint,
      cause: err,
    });
  }
  return new EocubeError(err.code, `${inputLabel(req.inputs[i]!)}: ${err.message}`, {
    path: err.path ?? req.source,
    field: err.field ? `${field}/${err.field}` : field,
    hint: err.hint,
    cause: err,
    details: err.details,
  });
}

/**
 * Checks that every name of `cube_config.variable_names` is a data variable of at least one input.
 * @throws EocubeError NOT_FOUND naming the first unknown variable, the close names of the inputs' variables
 *   (did you mean) and all of them.
 */
function checkVariableNames(req: GenRequest, names: string[], inputs: Dataset[]): void {
  const available = [...new Set(inputs.flatMap((ds) => Object.keys(ds.data_vars)))];
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length === 0) return;
  const field = requestField(req, "variable_names");
  const close = closeNames(unknown[0]!, available, 3);
  const what =
    unknown.length === 1 ? `variable ${JSON.stringify(unknown[0])}` : `variables ${unknown.map((n) => JSON.stringify(n)).join(", ")}`;
  throw new EocubeError("NOT_FOUND", `${req.source}: ${field}: ${what} not found in the input${req.inputs.length > 1 ? "s" : ""}`, {
    path: req.source,
    field,
    hint: `${close.length ? `did you mean ${close.join(" or ")}? ` : ""}available variables: ${available.join(", ")}`,
  });
}

/**
 * Builds the lazy cube of a request. Only metadata and coordinates are read.
 * @throws EocubeError from opening the inputs (UNKNOWN_STORE, NOT_FOUND, …), OUT_OF_RANGE (bbox or
 *   time range outside the data), INVALID_CONFIG (bad grid, incompatible inputs).
 */
export async function buildCube(req: GenRequest, options: { signal?: AbortSignal; now?: Date; history?: string } = {}): Promise<BuiltCube> {
  const target = targetGridOf(req);
  const c = req.cube;
  const opened: Dataset[] = [];
  const parts: Dataset[] = [];
  let grid = target;
  try {
    const decoded: Dataset[] = [];
    for (const [i, input] of req.inputs.entries()) {
      try {
        const raw = await openDataset(input.data_id, {
          storeId: input.store_id,
          storeParams: input.store_params,
          openParams: input.open_params,
          signal: options.signal,
        });
        opened.push(raw);
        decoded.push(unpackValidRange(decodeCF(raw)));
      } catch (err) {
        throw inputError(req, i, err);
      }
    }
    // legacy configs: processed_variables (or the inputs' own expression attributes), per input as xcube
    if (req.format === "legacy") {
      // loaded here only: the expression compiler (WebAssembly SIMD kernels included) is ~20 modules a gen2 request never needs
      const { evaluateDataset } = await import("../expr/legacy.js");
      for (const [i, ds] of decoded.entries()) {
        try {
          decoded[i] = evaluateDataset(ds, req.processed);
        } catch (err) {
          throw isEocubeError(err)
            ? new EocubeError(err.code, `${req.source}: ${err.message}`, { path: req.source, field: err.field, hint: err.hint, cause: err })
            : err;
        }
      }
    }
    if (c.variable_names) checkVariableNames(req, c.variable_names, decoded);
    for (const [i, decodedDs] of decoded.entries()) {
      try {
        let ds = decodedDs;
        if (c.variable_names) {
          const missing = c.variable_names.filter((n) => !(n in ds.data_vars));
          if (missing.length === c.variable_names.length) {
            throw new EocubeError("NOT_FOUND", `none of the variables ${c.variable_names.join(", ")} is in the input`, {
              field: "variable_names",
              hint: `available variables: ${Object.keys(ds.data_vars).join(", ")}`,
            });
          }
          ds = await subset(ds, { variable_names: c.variable_names.filter((n) => n in ds.data_vars) });
        }
        const isSwath = ["lat", "latitude"].some((n) => ds.variables[n]?.ndim === 2);
        const tile: [number, number] = [c.tile_size[1], c.tile_size[0]];
        if (target) {
          if (isSwath)
            ds = await rectify(ds, target, {
              tileSize: tile,
              method: typeof c.spatial_method === "string" && c.spatial_method !== "mean" ? c.spatial_method : undefined,
              signal: options.signal,
            });
          else ds = await resampleInSpace(ds, target, { method: c.spatial_method, tileSize: tile, signal: options.signal });
        } else {
          const gm = await readGridMapping(ds, { signal: options.signal });
          if (!gm) {
            throw new EocubeError("INVALID_CONFIG", "the input has no regular grid; give cube_config crs, bbox and spatial_res", {
              field: "cube_config/bbox",
              hint: "swath inputs (2-D lat/lon) need a target grid to be rectified onto",
            });
          }
          if (grid && (gm.width !== grid.width || gm.height !== grid.height)) {
            throw new EocubeError(
              "INVALID_CONFIG",
              "the inputs have different grids; give cube_config crs, bbox and spatial_res to resample them onto one",
              { field: "cube_config/bbox" },
            );
          }
          grid ??= gm;
        }
        parts.push(ds);
      } catch (err) {
        throw inputError(req, i, err);
      }
    }
    let cube = await merge(parts, { names: req.inputs.map(inputLabel), signal: options.signal });
    if (c.time_range) {
      if (!timeDim(cube))
        throw new EocubeError("INVALID_CONFIG", `${req.source}: cube_config/time_range is given but the inputs have no time`, {
          path: req.source,
          field: "cube_config/time_range",
        });
      try {
        cube = await subset(cube, { time_range: c.time_range, signal: options.signal });
      } catch (err) {
        throw stepError(req, "time_range", err);
      }
    }
    if (c.time_period) {
      try {
        cube = await resampleInTime(cube, { period: c.time_period, method: c.time_method, signal: options.signal });
      } catch (err) {
        throw stepError(req, isEocubeError(err) && err.field === "method" ? "time_method" : "time_period", err);
      }
    }
    const g = grid!;
    const chunks: Record<string, number> = { [g.yDim]: c.tile_size[1], [g.xDim]: c.tile_size[0], time: 1, ...(c.chunks ?? {}) };
    cube = rechunk(cube, chunks);
    // keep only the data variables asked for (resampling may keep auxiliary ones)
    if (c.variable_names) {
      const keep = Object.fromEntries(Object.entries(cube.data_vars).filter(([k]) => c.variable_names!.includes(k)));
      cube = cube.with({ data_vars: keep });
    }
    // gen2 code_config: the user's function on the lazy cube, then the cube's chunking again (xcube's post-rechunker)
    if (req.code) {
      const { runUserCode } = await import("./usercode.js");
      cube = rechunk(await runUserCode(req, cube, { signal: options.signal }), chunks);
    }
    cube = await updateCubeMetadata(cube, {
      metadata: c.metadata,
      variable_metadata: c.variable_metadata,
      history: options.history ?? `eocube gen ${req.source}`,
      now: options.now,
      grid: g,
      signal: options.signal,
    });
    return { cube, grid: g, inputs: opened };
  } catch (err) {
    await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
    throw err;
  }
}
