// JSON descriptions of served datasets and variables in xcube's shapes (GET /datasets, /datasets/{id}).
import { timeSpan } from "../core/coords.js";
import type { BBox } from "../core/gridmapping.js";
import { toIsoString } from "../core/time.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import type { ColorMappingConfig } from "./config.js";
import type { DatasetEntry, DatasetsContext, ServedDataset, UngriddedDataset } from "./datasets.js";
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
  return { name, vmin, vmax, norm: m?.Norm ?? (a.color_norm === "log" ? "log" : "lin") };
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

/** The first non-blank string among the attributes `keys` (xcube's `_get_str_attr`). */
function strAttr(attrs: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === "string" && v.trim()) return v;
  }
  return undefined;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Bytes as dask prints them (`7.63 MiB`). */
function humanBytes(n: number): string {
  const units = ["B", "kiB", "MiB", "GiB", "TiB"];
  let k = 0;
  while (n >= 1024 && k < units.length - 1) {
    n /= 1024;
    k++;
  }
  return `${k === 0 ? n : n.toFixed(2)} ${units[k]}`;
}

/**
 * xcube's `htmlRepr` of a variable (dask's `_repr_html_` of its array): a table of the array's and one chunk's
 * bytes and shape, the number of chunks and the data type.
 */
export function htmlReprOf(v: Variable): string {
  const item = /(\d+)$/.exec(v.dtype)?.[1];
  const itemBytes = item ? Number(item) / 8 : 8;
  const chunks = v.chunks.length === v.shape.length ? v.chunks : v.shape;
  const count = v.shape.reduce((n, s, i) => n * Math.ceil(s / Math.max(1, chunks[i] ?? s)), 1);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const tuple = (shape: readonly number[]) => `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
  const row = (h: string, a: string, c: string) => `<tr><th>${h}</th><td>${a}</td><td>${c}</td></tr>`;
  return (
    "<table><thead><tr><td></td><th>Array</th><th>Chunk</th></tr></thead><tbody>" +
    row("Bytes", humanBytes(size(v.shape) * itemBytes), humanBytes(size(chunks) * itemBytes)) +
    row("Shape", tuple(v.shape), tuple(chunks)) +
    `<tr><th>Count</th><td colspan="2">${count} chunks</td></tr>` +
    `<tr><th>Type</th><td colspan="2">${escapeHtml(v.dtype)}</td></tr>` +
    "</tbody></table>"
  );
}

/**
 * One variable in xcube's shape (without tile levels when the dataset has no regular grid); `title` is the
 * first of the `title`, `name`, `long_name` attributes (else the name) and `description` of `description`,
 * `abstract`, `comment`, as xcube; `timeChunkSize` from `tsVariable` (the TimeSeriesDataset's) when given.
 */
export function describeVariable(sd: ServedDataset | UngriddedDataset, v: Variable, tsVariable?: Variable): Record<string, unknown> {
  const cb = colorBarOf(sd, v);
  const tl = sd.gm ? tileLevels(sd) : undefined;
  const tv = tsVariable ?? v;
  const tIdx = sd.timeName ? tv.dims.indexOf(sd.timeName) : -1;
  return {
    id: `${sd.entry.id}.${v.name}`,
    name: v.name,
    dims: v.dims,
    shape: v.shape,
    dtype: v.dtype,
    units: typeof v.attrs.units === "string" ? v.attrs.units : "",
    title: strAttr(v.attrs, ["title", "name", "long_name"]) ?? v.name,
    description: strAttr(v.attrs, ["description", "abstract", "comment"]),
    timeChunkSize: tIdx >= 0 ? tv.chunks[tIdx] : undefined,
    tileLevelMin: tl?.min,
    tileLevelMax: tl?.max,
    colorBarName: cb.name,
    colorBarMin: cb.vmin,
    colorBarMax: cb.vmax,
    colorBarNorm: cb.norm,
    opacity: 1,
    htmlRepr: htmlReprOf(v),
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
  if (coord?.ndim !== 1) return { name, size, dtype: "int64", coordinates: Array.from({ length: size }, (_, i) => i) };
  const values = await ctx.coordValues(sd, name, options);
  const coordinates =
    coord.dtype === "datetime64[ns]"
      ? Array.from(values as Float64Array, (ms) => toIsoString(ms))
      : Array.from(values as ArrayLike<number | string>);
  return { name, size, dtype: coord.dtype, coordinates };
}

/**
 * The fields of a dataset's entry in GET /datasets, as xcube's `get_datasets` lists them: `id`, `title`
 * (the config's Title, else — once opened, `sd` given — the dataset's `title`/`name` attribute, else the
 * identifier), `description`, `groupTitle`, `tags`, `bbox` (the config's BoundingBox), `sortValue`, and with
 * a `GroupId` the `groupId`, `groupOrder` (its place in DatasetGroups), `groupTitle` and `groupDescription`
 * of its group.
 */
export function describeEntry(ctx: DatasetsContext, entry: DatasetEntry, sd?: ServedDataset | UngriddedDataset): Record<string, unknown> {
  const attrs = sd?.dataset.attrs ?? {};
  const title = entry.titleGiven ? entry.title : (strAttr(attrs, ["title", "name"]) ?? entry.title);
  const description = entry.description ?? (sd ? strAttr(attrs, ["description", "abstract", "comment"]) : undefined);
  const groups = ctx.config.DatasetGroups ?? [];
  const gi = entry.groupId !== undefined ? groups.findIndex((g) => g.Identifier === entry.groupId) : -1;
  const group = gi >= 0 ? groups[gi] : undefined;
  return {
    id: entry.id,
    title,
    ...(description ? { description } : {}),
    ...(entry.groupTitle ? { groupTitle: entry.groupTitle } : {}),
    ...(entry.tags ? { tags: entry.tags } : {}),
    ...(entry.bbox ? { bbox: entry.bbox } : {}),
    ...(entry.sortValue ? { sortValue: entry.sortValue } : {}),
    ...(entry.groupId ? { groupId: entry.groupId } : {}),
    ...(group ? { groupOrder: gi, groupTitle: group.Title, ...(group.Description ? { groupDescription: group.Description } : {}) } : {}),
  };
}

/** The unit of the grid's x axis as pyproj names it (xcube's `spatialUnits`): `degree`, `metre`, `US survey foot`. */
export function spatialUnitsOf(gm: { isGeographic: boolean; proj4: string }): string {
  if (gm.isGeographic) return "degree";
  const units = /\+units=(\S+)/.exec(gm.proj4)?.[1];
  const names: Record<string, string> = { m: "metre", km: "kilometre", "us-ft": "US survey foot", ft: "foot", "us-mi": "US survey mile" };
  return (units && names[units]) ?? "metre";
}

/**
 * A dataset in xcube's shape (xcube's `get_dataset`): the {@link describeEntry} fields, `bbox` (CRS84; the
 * config's BoundingBox when given), `geometry`, `spatialRef`, `resolutions`, `spatialUnits`, `variables` (in
 * the order of the config's Variables), `rgbSchema` (the style's `rgb` mapping when the three variables are
 * served: `varNames`, `normRanges`, `tileLevelMin`, `tileLevelMax`), `dimensions` with coordinates,
 * `attrs` (sorted), `attributions` (the config's Attribution or DatasetAttribution), and `skippedVariables`
 * `[{name, dtype, reason}]` for published variables not served because of their data type (strings, types the
 * reader cannot decode). `details=false` gives only the summary fields. A dataset without a regular grid has
 * `gridded: false`, no resolutions and no tile levels (bbox and geometry from its lat/lon when it has them).
 */
export async function describeDataset(
  ctx: DatasetsContext,
  sd: ServedDataset | UngriddedDataset,
  details: boolean,
  options?: ReadOptions,
): Promise<Record<string, unknown>> {
  const bbox = sd.entry.bbox ?? sd.lonLatBbox;
  const summary: Record<string, unknown> = {
    ...describeEntry(ctx, sd.entry, sd),
    ...(bbox ? { bbox } : {}),
    ...(sd.gm ? { spatialRef: sd.gm.crs } : sd.lonLatBbox ? { spatialRef: "EPSG:4326", gridded: false } : { gridded: false }),
  };
  if (!details) return summary;
  const dims = Object.keys(sd.dataset.dims).filter((d) => sd.variableNames.some((n) => sd.dataset.data_vars[n]!.dims.includes(d)));
  const tr = timeSpan(sd.times ?? []);
  // the time-chunked dataset of TimeSeriesDataset gives the variables' timeChunkSize, as in xcube
  const tsId = sd.entry.timeSeriesDataset;
  const ts = tsId && tsId !== sd.entry.id ? await ctx.open(tsId, options).catch(() => undefined) : undefined;
  const tl = sd.gm ? tileLevels(sd) : undefined;
  const rgb = sd.rgb;
  const rgbNames = rgb ? [rgb.Red.Variable, rgb.Green.Variable, rgb.Blue.Variable] : [];
  const attrs = jsonAttrs(sd.dataset.attrs);
  return {
    ...summary,
    ...(sd.lonLatBbox ? { geometry: bboxPolygon(sd.lonLatBbox) } : {}),
    ...(tr ? { timeRange: tr } : {}),
    ...(sd.gm ? { resolutions: sd.levels.map((l) => l.resolution[0]), spatialUnits: spatialUnitsOf(sd.gm) } : {}),
    variables: sd.variableNames.map((n) => describeVariable(sd, sd.dataset.data_vars[n]!, ts?.dataset.data_vars[n])),
    ...(sd.skippedVariables.length > 0 ? { skippedVariables: sd.skippedVariables } : {}),
    ...(rgb && tl && rgbNames.every((n) => sd.variableNames.includes(n))
      ? {
          rgbSchema: {
            varNames: rgbNames,
            normRanges: [rgb.Red.ValueRange, rgb.Green.ValueRange, rgb.Blue.ValueRange],
            tileLevelMin: tl.min,
            tileLevelMax: tl.max,
          },
        }
      : {}),
    dimensions: await Promise.all(dims.map((d) => describeDimension(ctx, sd, d, options))),
    attrs: Object.fromEntries(
      Object.keys(attrs)
        .sort()
        .map((k) => [k, attrs[k]]),
    ),
    ...(sd.entry.attributions ? { attributions: sd.entry.attributions } : {}),
  };
}
