// JSON descriptions of served datasets and variables in xcube's shapes (GET /datasets, /datasets/{id}).
import { timeSpan } from "../core/coords.js";
import type { BBox } from "../core/gridmapping.js";
import { toIsoString } from "../core/time.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import type { ColorMappingConfig } from "./config.js";
import type { DatasetsContext, ServedDataset, UngriddedDataset } from "./datasets.js";
import { WEB_MERCATOR_EXTENT } from "./render/tilegrid.js";

/** The colour bar of a variable: style mapping, else xcube's `color_bar_*` attributes, else viridis over valid range or [0, 1]. */
export function colorBarOf(
  sd: ServedDataset | UngriddedDataset,
  v: Variable,
): { name: string; vmin: number; vmax: number; norm: "lin" | "log" } {
  const m: ColorMappingConfig | undefined = sd.colorMappings[v.name] ?? sd.colorMappings["*"];
  const a = v.attrs;
  const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
  // valid_min/max/range stay packed after CF decoding: unpack them with the variable's scale/offset
  const sf = typeof v.encoding.scale_factor === "number" ? v.encoding.scale_factor : 1;
  const ao = typeof v.encoding.add_offset === "number" ? v.encoding.add_offset : 0;
  const unpack = (x: number | undefined) => (x === undefined ? undefined : x * sf + ao);
  const validRange = Array.isArray(a.valid_range) ? a.valid_range.map(Number) : undefined;
  const lo = unpack(num(a.valid_min) ?? validRange?.[0]);
  const hi = unpack(num(a.valid_max) ?? validRange?.[1]);
  const vmin = m?.ValueRange?.[0] ?? num(a.color_value_min) ?? (lo !== undefined && hi !== undefined ? Math.min(lo, hi) : undefined) ?? 0;
  const vmax = m?.ValueRange?.[1] ?? num(a.color_value_max) ?? (lo !== undefined && hi !== undefined ? Math.max(lo, hi) : undefined) ?? 1;
  const name = m?.ColorBar ?? (typeof a.color_bar_name === "string" ? a.color_bar_name : "viridis");
  return { name, vmin, vmax, norm: m?.Norm ?? "lin" };
}

/**
 * Web Mercator zoom levels for clients: max = the zoom whose tile pixel matches the base resolution; min = 0
 * (coarser zooms are served from the coarsest level).
 */
export function tileLevels(sd: ServedDataset): { min: number; max: number } {
  const [rx, ry] = sd.gm.resolution;
  const resM = sd.gm.isGeographic ? (Math.min(rx, ry) * (Math.PI * 6378137)) / 180 : Math.min(rx, ry);
  const max = Math.max(0, Math.min(24, Math.ceil(Math.log2((2 * WEB_MERCATOR_EXTENT) / (256 * resM)))));
  return { min: 0, max };
}

function jsonAttrs(attrs: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(attrs, (_k, v) =>
      typeof v === "bigint"
        ? Number(v)
        : ArrayBuffer.isView(v)
          ? Array.from(v as unknown as ArrayLike<number>)
          : typeof v === "number" && !Number.isFinite(v)
            ? String(v)
            : v,
    ),
  ) as Record<string, unknown>;
}

/** One variable in xcube's shape (without tile levels when the dataset has no regular grid). */
export function describeVariable(sd: ServedDataset | UngriddedDataset, v: Variable): Record<string, unknown> {
  const cb = colorBarOf(sd, v);
  const tl = sd.gm ? tileLevels(sd) : undefined;
  const tIdx = sd.timeName ? v.dims.indexOf(sd.timeName) : -1;
  return {
    id: `${sd.entry.id}.${v.name}`,
    name: v.name,
    dims: v.dims,
    shape: v.shape,
    dtype: v.dtype,
    units: typeof v.attrs.units === "string" ? v.attrs.units : "",
    title: typeof v.attrs.long_name === "string" ? v.attrs.long_name : typeof v.attrs.title === "string" ? v.attrs.title : v.name,
    description: typeof v.attrs.description === "string" ? v.attrs.description : undefined,
    timeChunkSize: tIdx >= 0 ? v.chunks[tIdx] : undefined,
    tileLevelMin: tl?.min,
    tileLevelMax: tl?.max,
    colorBarName: cb.name,
    colorBarMin: cb.vmin,
    colorBarMax: cb.vmax,
    colorBarNorm: cb.norm,
    opacity: 1,
    attrs: jsonAttrs(v.attrs),
  };
}

/** The bbox as a GeoJSON polygon. */
export function bboxPolygon([w, s, e, n]: BBox): { type: "Polygon"; coordinates: number[][][] } {
  return {
    type: "Polygon",
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}

/** A dimension with its coordinate labels (times as ISO 'Z' strings). */
export async function describeDimension(
  ctx: DatasetsContext,
  sd: ServedDataset | UngriddedDataset,
  name: string,
  options?: ReadOptions,
): Promise<Record<string, unknown>> {
  const size = sd.dataset.dims[name]!;
  const coord = sd.dataset.coords[name] ?? sd.dataset.data_vars[name];
  if (!coord || coord.ndim !== 1) return { name, size, dtype: "int64", coordinates: Array.from({ length: size }, (_, i) => i) };
  const values = await ctx.coordValues(sd, name, options);
  const coordinates =
    coord.dtype === "datetime64[ns]"
      ? Array.from(values as Float64Array, (ms) => toIsoString(ms))
      : Array.from(values as ArrayLike<number | string>);
  return { name, size, dtype: coord.dtype, coordinates };
}

/**
 * A dataset in xcube's shape: id, title, bbox (CRS84), geometry, spatialRef, variables, dimensions with
 * coordinates, attrs, and `skippedVariables` `[{name, dtype, reason}]` for published variables not served because
 * of their data type (strings, types the reader cannot decode). `details=false` gives only the summary fields. A dataset without a regular grid
 * has `gridded: false`, no resolutions and no tile levels (bbox and geometry from its lat/lon when it has them).
 */
export async function describeDataset(
  ctx: DatasetsContext,
  sd: ServedDataset | UngriddedDataset,
  details: boolean,
  options?: ReadOptions,
): Promise<Record<string, unknown>> {
  const summary: Record<string, unknown> = {
    id: sd.entry.id,
    title: sd.entry.title,
    ...(sd.entry.description ? { description: sd.entry.description } : {}),
    ...(sd.entry.groupTitle ? { groupTitle: sd.entry.groupTitle } : {}),
    ...(sd.lonLatBbox ? { bbox: sd.lonLatBbox } : {}),
    ...(sd.gm ? { spatialRef: sd.gm.crs } : sd.lonLatBbox ? { spatialRef: "EPSG:4326", gridded: false } : { gridded: false }),
  };
  if (!details) return summary;
  const dims = Object.keys(sd.dataset.dims).filter((d) => sd.variableNames.some((n) => sd.dataset.data_vars[n]!.dims.includes(d)));
  const tr = timeSpan(sd.times ?? []);
  return {
    ...summary,
    ...(sd.lonLatBbox ? { geometry: bboxPolygon(sd.lonLatBbox) } : {}),
    ...(tr ? { timeRange: tr } : {}),
    ...(sd.gm ? { resolutions: sd.levels.map((l) => l.resolution[0]) } : {}),
    variables: sd.variableNames.map((n) => describeVariable(sd, sd.dataset.data_vars[n]!)),
    ...(sd.skippedVariables.length > 0 ? { skippedVariables: sd.skippedVariables } : {}),
    dimensions: await Promise.all(dims.map((d) => describeDimension(ctx, sd, d, options))),
    attrs: jsonAttrs(sd.dataset.attrs),
  };
}
