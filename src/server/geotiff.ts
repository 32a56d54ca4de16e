// A served variable as a tiled GeoTIFF computed on request: its layout (time steps as bands, the pyramid levels
// as overviews), the bytes of any range (header, or tiles read through the chunk cache), and its STAC projection.
import { endianness } from "node:os";
import { EocubeError } from "../core/errors.js";
import { toIsoString } from "../core/time.js";
import { gdalXmlText } from "../formats/tiff/ifd.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import { geoTiffLayout, tileAt, type GeoTiffLayout, type TileRef } from "./geotiff-layout.js";
import { readWindow, type SliceRef } from "./levels.js";
import { sliceOf } from "./slices.js";

/** A variable's GeoTIFF: layout, the slice of each band, and how stored rows/columns map to the north-up file. */
export interface ServedGeoTiff {
  sd: ServedDataset;
  layout: GeoTiffLayout;
  /** The 2-D slice of each band (band i = time step i, or the one step asked for). */
  refs: SliceRef[];
  /** Stored rows run south → north (flipped in the file); stored columns run east → west (flipped). */
  flipY: boolean;
  flipX: boolean;
}

/** The media type of the served GeoTIFFs (STAC best practices). */
export const GEOTIFF_TYPE = "image/tiff; application=geotiff";

/** Most tiles (all bands and levels) one served GeoTIFF lists: its header then holds ≤ 48 MiB of tile offsets and sizes. */
export const MAX_TIFF_TILES = 4 * 1024 ** 2;

/** Data types whose values float32 cannot hold exactly: served as float64. */
const WIDE = new Set(["float64", "int32", "uint32", "int64", "uint64"]);

/** The EPSG code of a grid mapping's CRS ("EPSG:4326" → 4326), when it has one. */
export function epsgOf(sd: ServedDataset): number | undefined {
  const m = /^EPSG:(\d+)$/i.exec(sd.gm.crs);
  return m ? Number(m[1]) : undefined;
}

/**
 * STAC projection extension fields (v1.2.0) of the served GeoTIFFs of a dataset: `proj:epsg` (and `proj:code`),
 * else `proj:wkt2` from the data's WKT; `proj:shape` `[rows, cols]`, `proj:transform` (north-up affine `[dx, 0, x0,
 * 0, −dy, y1]`) and `proj:bbox` in that CRS. Undefined when the CRS has neither an EPSG code nor a WKT (GDAL's
 * STACIT driver then could not place the asset).
 */
export function projFieldsOf(sd: ServedDataset): Record<string, unknown> | undefined {
  const epsg = epsgOf(sd);
  const { gm } = sd;
  const [x0, , , y1] = gm.bbox;
  const crs =
    epsg !== undefined
      ? { "proj:epsg": epsg, "proj:code": `EPSG:${epsg}` }
      : gm.crsWkt
        ? { "proj:epsg": null, "proj:wkt2": gm.crsWkt }
        : undefined;
  if (!crs) return undefined;
  return {
    ...crs,
    "proj:shape": [gm.height, gm.width],
    "proj:transform": [gm.resolution[0], 0, x0, 0, -gm.resolution[1], y1],
    "proj:bbox": gm.bbox,
  };
}

/**
 * The GeoTIFF of variable `v`: float32 (float64 for float64 and 32/64-bit integer data), NaN as no-data, 256-px tiles,
 * the dataset's pyramid levels as overviews. Bands: every time step (band descriptions are the ISO times), or the
 * step nearest to `query.time`; other non-spatial dimensions by name as for tiles (default the first label).
 * @throws EocubeError INVALID_PARAMS / OUT_OF_RANGE for bad `time` or dimension values (see `sliceOf`); TOO_LARGE
 *   for more than 65,535 bands or {@link MAX_TIFF_TILES} tiles (then `?time=` asks for one band).
 */
export async function geoTiffOf(
  ctx: DatasetsContext,
  sd: ServedDataset,
  v: Variable,
  query: Record<string, unknown>,
  options?: ReadOptions,
): Promise<ServedGeoTiff> {
  const base = await sliceOf(ctx, sd, v, query, options);
  const nonSpatial = v.dims.filter((d) => d !== sd.gm.xDim && d !== sd.gm.yDim);
  const ti = sd.timeName && sd.times ? nonSpatial.indexOf(sd.timeName) : -1;
  const all = ti >= 0 && (typeof query.time !== "string" || query.time === "");
  const steps = all ? Array.from({ length: sd.times!.length }, (_, k) => k) : ti >= 0 ? [base.fixed[ti]!] : [];
  const refs = steps.length > 0 ? steps.map((k) => ({ ...base, fixed: base.fixed.map((f, i) => (i === ti ? k : f)) })) : [base];
  const tiles = refs.length * sd.levels.reduce((n, l) => n + Math.ceil(l.width / 256) * Math.ceil(l.height / 256), 0);
  if (refs.length > 65535 || tiles > MAX_TIFF_TILES) {
    throw new EocubeError(
      "TOO_LARGE",
      `the GeoTIFF of ${v.name} would hold ${refs.length.toLocaleString("en-US")} bands and ${tiles.toLocaleString("en-US")} tiles, more than one file lists (65,535 bands, ${MAX_TIFF_TILES.toLocaleString("en-US")} tiles)`,
      { field: "time", hint: "ask for one time step with ?time=" },
    );
  }
  const units = typeof v.attrs.units === "string" ? v.attrs.units : undefined;
  const longName = typeof v.attrs.long_name === "string" ? v.attrs.long_name : undefined;
  const items = [
    `<Item name="variable">${gdalXmlText(v.name)}</Item>`,
    ...(longName ? [`<Item name="long_name">${gdalXmlText(longName)}</Item>`] : []),
    ...steps.flatMap((k, i) => [
      `<Item name="DESCRIPTION" sample="${i}" role="description">${toIsoString(sd.times![k]!)}</Item>`,
      `<Item name="time" sample="${i}">${toIsoString(sd.times![k]!)}</Item>`,
    ]),
    ...(units ? refs.map((_, i) => `<Item name="UNITTYPE" sample="${i}" role="unittype">${gdalXmlText(units)}</Item>`) : []),
  ];
  const { gm } = sd;
  const epsg = epsgOf(sd);
  const layout = geoTiffLayout({
    levels: sd.levels.map((l) => ({ width: l.width, height: l.height })),
    bands: refs.length,
    sampleType: WIDE.has(v.dtype) ? "float64" : "float32",
    georef: {
      x0: gm.bbox[0],
      y1: gm.bbox[3],
      dx: gm.resolution[0],
      dy: gm.resolution[1],
      geographic: gm.isGeographic,
      ...(epsg !== undefined ? { epsg } : {}),
    },
    gdalMetadata: `<GDALMetadata>${items.join("")}</GDALMetadata>`,
    nodata: "nan",
  });
  return { sd, layout, refs, flipY: !gm.isYDescending, flipX: gm.transform[1] < 0 };
}

const LITTLE_ENDIAN = endianness() === "LE";

/** The bytes of one tile of the file: its window of the level read through the chunk cache, NaN beyond the level's edge. */
export async function tileData(ctx: DatasetsContext, g: ServedGeoTiff, t: TileRef, options?: ReadOptions): Promise<Uint8Array> {
  const { layout, sd } = g;
  const l = layout.levels[t.level]!;
  const T = layout.tileSize;
  const r0 = t.ty * T;
  const r1 = Math.min(l.height, r0 + T);
  const c0 = t.tx * T;
  const c1 = Math.min(l.width, c0 + T);
  const [dr0, dr1] = g.flipY ? [l.height - r1, l.height - r0] : [r0, r1];
  const [dc0, dc1] = g.flipX ? [l.width - c1, l.width - c0] : [c0, c1];
  const values = await readWindow(ctx.chunkCache, sd.levels, t.level, g.refs[t.band]!, dr0, dr1, dc0, dc1, options);
  const out = layout.bytesPerSample === 4 ? new Float32Array(T * T) : new Float64Array(T * T);
  out.fill(Number.NaN);
  const h = r1 - r0;
  const w = c1 - c0;
  for (let r = 0; r < h; r++) {
    const src = (g.flipY ? h - 1 - r : r) * w;
    for (let c = 0; c < w; c++) out[r * T + c] = values[src + (g.flipX ? w - 1 - c : c)]!;
  }
  if (LITTLE_ENDIAN) return new Uint8Array(out.buffer);
  const bytes = new Uint8Array(out.byteLength);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < out.length; i++) {
    if (layout.bytesPerSample === 4) dv.setFloat32(i * 4, out[i]!, true);
    else dv.setFloat64(i * 8, out[i]!, true);
  }
  return bytes;
}

/**
 * The bytes `start … end` (inclusive) of the file, in pieces: header bytes, padding, then the tiles they cover,
 * each computed once (up to 4 ahead while the previous ones are sent).
 */
export async function* byteRange(
  ctx: DatasetsContext,
  g: ServedGeoTiff,
  start: number,
  end: number,
  options?: ReadOptions,
): AsyncGenerator<Uint8Array> {
  const { layout } = g;
  let pos = start;
  while (pos <= end && pos < layout.dataStart) {
    const stop = Math.min(end + 1, layout.dataStart);
    yield pos < layout.header.length ? layout.header.subarray(pos, Math.min(stop, layout.header.length)) : new Uint8Array(stop - pos);
    pos = pos < layout.header.length ? Math.min(stop, layout.header.length) : stop;
  }
  const tiles: TileRef[] = [];
  for (let p = pos; p <= end; ) {
    const t = tileAt(layout, p)!;
    tiles.push(t);
    p = t.start + layout.tileBytes;
  }
  const pending: Promise<Uint8Array>[] = [];
  for (let k = 0; k < tiles.length; k++) {
    while (pending.length < 4 && k + pending.length < tiles.length) {
      const p = tileData(ctx, g, tiles[k + pending.length]!, options);
      p.catch(() => undefined); // awaited below; a range abandoned early must not leave unhandled rejections
      pending.push(p);
    }
    const data = await pending.shift()!;
    const t = tiles[k]!;
    yield data.subarray(Math.max(0, start - t.start), Math.min(layout.tileBytes, end + 1 - t.start));
  }
}
