// Cloud Optimized GeoTIFF writer: the gridded variables of a dataset as one tiled, DEFLATE-compressed GeoTIFF with
// internal overviews, GeoKeys, GDAL_NODATA and GDAL_METADATA (band descriptions, units, scale/offset), in the layout
// GDAL's COG driver writes. Which bands: formats/geotiff-bands.ts. Written beside the target, then renamed into place.
// Spec: TIFF 6.0 (tiles §15, Predictor §14, PlanarConfiguration 2), Adobe Photoshop TIFF Technical Note 3 (floating
// point predictor 3), BigTIFF, GeoTIFF 1.1 (OGC 19-008r4), GDAL's COG layout (https://gdal.org/drivers/raster/cog.html:
// ghost area, IFDs before data, smallest overview first, tile leader/trailer).
import { mkdtemp, open, rename, rm, type FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { deflate as deflateCb } from "node:zlib";
import type { Dataset } from "../core/dataset.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import { readGridMapping } from "../core/gridmapping-read.js";
import type { ReadOptions } from "../core/variable.js";
import { planBands, type GeoTiffBand, type SampleDType } from "./geotiff-bands.js";
import { gdalXmlText, geoTags, ifdBytes, writeIfd, type GeoReference, type Tag } from "./tiff/ifd.js";

export type { GeoTiffBand, SampleDType } from "./geotiff-bands.js";

const deflate = promisify(deflateCb);

/** Options of {@link writeGeoTiff}. */
export interface GeoTiffWriteOptions extends ReadOptions {
  /** Tile edge in pixels, a multiple of 16 [512, GDAL's COG default]. */
  tileSize?: number;
  /** DEFLATE level 1…9 [6]. */
  level?: number;
  /** Write a BigTIFF even when the file would be smaller than 4 GiB (GDAL's BIGTIFF=YES) [false: only past 4 GiB]. */
  bigTiff?: boolean;
}

/** What {@link writeGeoTiff} wrote. */
export interface GeoTiffWriteResult {
  /** Size of the full-resolution image in pixels. */
  width: number;
  height: number;
  /** The bands, in file order (band 1 first). */
  bands: GeoTiffBand[];
  /** Sample type of every band. */
  dtype: SampleDType;
  /** GDAL_NODATA as written (`nan`, or an integer), when there is one. */
  nodata?: string;
  /** Sizes `[width, height]` of the internal overviews, largest first. */
  overviews: Array<[number, number]>;
  tileSize: number;
  /** The CRS as written: `EPSG:n`, or `wkt` (a user-defined CRS from the data's WKT or PROJ string). */
  crs: string;
  /** Data variables not written (no x/y dimensions: grid mappings, bounds, time series). */
  skipped: string[];
  /** Size of the file in bytes. */
  bytes: number;
  bigTiff: boolean;
}

const BITS: Record<SampleDType, number> = { uint8: 8, int8: 8, uint16: 16, int16: 16, uint32: 32, int32: 32, float32: 32, float64: 64 };
const FORMAT: Record<SampleDType, number> = { uint8: 1, uint16: 1, uint32: 1, int8: 2, int16: 2, int32: 2, float32: 3, float64: 3 };
const ARRAY: Record<SampleDType, new (n: number) => NumArray> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};
type NumArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

const LITTLE_ENDIAN = endianness() === "LE";

/** The little-endian bytes of a typed array (a view when the machine is little-endian). */
function leBytes(a: NumArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const s = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += s) for (let k = 0; k < s; k++) out[i + k] = bytes[i + s - 1 - k]!;
  return out;
}

/** One tile's stored bytes before compression: predictor 2 (integers) or 3 (floats) applied row by row. */
function encodeTile(t: NumArray, size: number, predictor: 1 | 2 | 3): Uint8Array {
  if (predictor === 2) {
    for (let r = 0; r < size; r++) for (let c = size - 1, i = r * size + c; c > 0; c--, i--) t[i] = t[i]! - t[i - 1]!;
    return leBytes(t);
  }
  const bytes = leBytes(t);
  if (predictor === 1) return bytes;
  // floating point predictor: each row's bytes as byte planes, most significant first, then byte differences
  const bps = t.BYTES_PER_ELEMENT;
  const row = size * bps;
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < size; r++) {
    const o = r * row;
    for (let c = 0; c < size; c++) for (let b = 0; b < bps; b++) out[o + (bps - 1 - b) * size + c] = bytes[o + c * bps + b]!;
    for (let i = o + row - 1; i > o; i--) out[i] = (out[i]! - out[i - 1]!) & 0xff;
  }
  return out;
}

/**
 * The next overview of a `w` × `h` image: `ceil(w/2)` × `ceil(h/2)`, each pixel the mean of the valid pixels of its
 * 2×2 block (nodata/NaN skipped; integers rounded), or the block's first valid pixel for categorical bands (flags).
 */
function halve(a: NumArray, w: number, h: number, nodata: number, categorical: boolean): NumArray {
  const W = Math.ceil(w / 2);
  const H = Math.ceil(h / 2);
  const out = new (a.constructor as new (n: number) => NumArray)(W * H);
  const isFloat = a instanceof Float32Array || a instanceof Float64Array;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      let sum = 0;
      let n = 0;
      let first = nodata;
      for (let dr = 0; dr < 2; dr++) {
        const y = 2 * r + dr;
        if (y >= h) continue;
        for (let dc = 0; dc < 2; dc++) {
          const x = 2 * c + dc;
          if (x >= w) continue;
          const v = a[y * w + x]!;
          if (v !== v || v === nodata) continue;
          if (n === 0) first = v;
          sum += v;
          n++;
        }
      }
      out[r * W + c] = n === 0 ? nodata : categorical ? first : isFloat ? sum / n : Math.round(sum / n);
    }
  }
  return out;
}

/**
 * A WKT1 CRS carrying a PROJ string in its `EXTENSION["PROJ4", …]` node, which GDAL (PROJ) takes as the definition:
 * for CRSs known only by a PROJ string (a sphere of a model grid, `+proj=geos`). The other nodes are placeholders.
 */
function proj4Wkt(proj4: string, geographic: boolean): string {
  const geog =
    'GEOGCS["unknown",DATUM["unknown",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]';
  const ext = `EXTENSION["PROJ4","${proj4.replace(/"/g, "")}"]`;
  return geographic ? `${geog},${ext}]` : `PROJCS["unknown",${geog}],PROJECTION["Mercator_1SP"],UNIT["metre",1],${ext}]`;
}

/** GDAL's structural metadata (the "ghost area" after the TIFF header) for the COG layout written here. */
const GHOST_CONTENT =
  "LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\nBLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ";
const GHOST = `GDAL_STRUCTURAL_METADATA_SIZE=${String(GHOST_CONTENT.length).padStart(6, "0")} bytes\n${GHOST_CONTENT}`;

/**
 * Writes the gridded data variables of `ds` as a Cloud Optimized GeoTIFF at the local `path` (replaced if it exists).
 * Bands (see `planBands`): one per variable when each has one time step (xcube's GeoTIFF export), or one per time
 * step (or other non-spatial label) of a single variable; descriptions, units, scale/offset and labels in
 * GDAL_METADATA. Samples keep the data's type (packed integers with their `scale_factor`/`add_offset` as band
 * scale/offset and `_FillValue` as nodata), else float32/float64 with NaN as nodata. North-up rows; tiles of
 * `tileSize` (512) pixels, DEFLATE with predictor 2 (integers) or 3 (floats), one plane per band; overviews halving
 * the size (2×2 means of valid pixels, the first valid pixel for flag variables) until one tile holds the image;
 * GeoKeys with the EPSG code (else the data's WKT, or their PROJ string in a WKT, as an ESRI PE citation); classic
 * TIFF, or BigTIFF past 4 GiB (or with `bigTiff`). Each band is read whole and held in memory with one overview at a
 * time (about 1.25× its size); compressed tiles go to temporary files beside `path`, and the file is assembled there
 * and renamed, so a failure leaves nothing.
 * @throws EocubeError UNSUPPORTED for data without a regular 2-D grid or with datetime/string variables on it;
 *   INVALID_ARGUMENT (field `bands`) for several variables with several time steps, or no variable on the grid;
 *   TOO_LARGE past 65,535 bands; the read errors of the variables; CANCELLED.
 */
export async function writeGeoTiff(ds: Dataset, path: string, options: GeoTiffWriteOptions = {}): Promise<GeoTiffWriteResult> {
  const { signal } = options;
  const T = options.tileSize ?? 512;
  if (!(Number.isInteger(T) && T >= 16 && T % 16 === 0)) throw new RangeError(`tileSize must be a multiple of 16, not ${T}`);
  const gm = await readGridMapping(ds, { signal });
  if (!gm)
    throw new EocubeError("UNSUPPORTED", "the data have no regular 2-D grid, which a GeoTIFF needs", {
      hint: "rectify the data first (eocube gen with a target grid)",
    });
  const plan = await planBands(ds, gm, { signal });
  const { dtype, bands } = plan;
  const nodata = plan.nodata ?? 0;
  const W = gm.width;
  const H = gm.height;
  const sizes: Array<[number, number]> = [[W, H]];
  while (sizes.at(-1)![0] > T || sizes.at(-1)![1] > T) {
    const [w, h] = sizes.at(-1)!;
    sizes.push([Math.ceil(w / 2), Math.ceil(h / 2)]);
  }
  const isFloatType = dtype === "float32" || dtype === "float64";
  const predictor: 1 | 2 | 3 = isFloatType ? 3 : bands.every((b) => b.categorical) ? 1 : 2;
  const flipY = !gm.isYDescending;
  const flipX = gm.transform[1] < 0;

  const tmpDir = await mkdtemp(join(dirname(path), `.${basename(path)}.tmp-`));
  const files: FileHandle[] = [];
  try {
    // compressed tiles, level by level, each [size leader][data][last 4 bytes repeated]: offsets are in-level
    const offsets: number[][] = sizes.map(() => []);
    const counts: number[][] = sizes.map(() => []);
    const levelBytes = sizes.map(() => 0);
    for (let li = 0; li < sizes.length; li++) files.push(await open(join(tmpDir, `level-${li}`), "w"));
    for (const band of bands) {
      throwIfAborted(signal);
      let level = await band.read(ARRAY[dtype], flipY, flipX, { signal });
      for (let li = 0; li < sizes.length; li++) {
        const [w, h] = sizes[li]!;
        if (li > 0) level = halve(level, sizes[li - 1]![0], sizes[li - 1]![1], plan.nodata ?? Number.NaN, band.categorical);
        const across = Math.ceil(w / T);
        const down = Math.ceil(h / T);
        const jobs: Array<() => Promise<Uint8Array>> = [];
        for (let ty = 0; ty < down; ty++) {
          for (let tx = 0; tx < across; tx++) {
            const src = level;
            jobs.push(async () => {
              const tile = new ARRAY[dtype](T * T);
              if (nodata !== 0) tile.fill(nodata);
              const r1 = Math.min(h, (ty + 1) * T);
              const c0 = tx * T;
              const c1 = Math.min(w, c0 + T);
              for (let r = ty * T; r < r1; r++) tile.set(src.subarray(r * w + c0, r * w + c1), (r - ty * T) * T);
              return deflate(encodeTile(tile, T, predictor), { level: options.level ?? 6 });
            });
          }
        }
        // compress 4 tiles at a time on libuv's thread pool, write them in order
        for (let k = 0; k < jobs.length; k += 4) {
          throwIfAborted(signal);
          const done = await Promise.all(jobs.slice(k, k + 4).map((j) => j()));
          for (const data of done) {
            const leader = new Uint8Array(4);
            new DataView(leader.buffer).setUint32(0, data.length, true);
            const trailer = data.subarray(Math.max(0, data.length - 4));
            await files[li]!.writev([leader, data, trailer]);
            offsets[li]!.push(levelBytes[li]! + 4);
            counts[li]!.push(data.length);
            levelBytes[li]! += 4 + data.length + trailer.length;
          }
        }
      }
    }
    for (const f of files.splice(0)) await f.close();

    // header: TIFF header, ghost area, the IFDs (full resolution, then overviews), then the data, smallest level first
    const b = bands.length;
    const epsg = /^EPSG:(\d+)$/i.exec(gm.crs);
    const georef: GeoReference = {
      x0: gm.bbox[0],
      y1: gm.bbox[3],
      dx: gm.resolution[0],
      dy: gm.resolution[1],
      geographic: gm.isGeographic,
      ...(epsg ? { epsg: Number(epsg[1]) } : { wkt: gm.crsWkt ?? proj4Wkt(gm.proj4, gm.isGeographic) }),
    };
    const metadata = `<GDALMetadata>${plan.items.map(([k, v, s, role]) => `<Item name="${gdalXmlText(k)}"${s === undefined ? "" : ` sample="${s}"`}${role ? ` role="${role}"` : ""}>${gdalXmlText(v)}</Item>`).join("")}</GDALMetadata>`;
    const tagsOf = (li: number, offs: number[], big: boolean): Tag[] => {
      const [w, h] = sizes[li]!;
      const tags: Tag[] = [
        ...(li > 0 ? [{ tag: 254, type: 4 as const, values: [1] }] : []), // NewSubfileType: reduced-resolution image
        { tag: 256, type: 4, values: [w] },
        { tag: 257, type: 4, values: [h] },
        { tag: 258, type: 3, values: new Array(b).fill(BITS[dtype]) }, // BitsPerSample
        { tag: 259, type: 3, values: [8] }, // Compression: Adobe Deflate
        { tag: 262, type: 3, values: [1] }, // Photometric: BlackIsZero
        { tag: 277, type: 3, values: [b] }, // SamplesPerPixel
        { tag: 284, type: 3, values: [b > 1 ? 2 : 1] }, // PlanarConfiguration: one plane per band
        ...(predictor > 1 ? [{ tag: 317, type: 3 as const, values: [predictor] }] : []),
        { tag: 322, type: 3, values: [T] },
        { tag: 323, type: 3, values: [T] },
        { tag: 324, type: big ? 16 : 4, values: offs }, // TileOffsets
        { tag: 325, type: big ? 16 : 4, values: counts[li]! }, // TileByteCounts
      ];
      if (b > 1) tags.push({ tag: 338, type: 3, values: new Array(b - 1).fill(0) }); // ExtraSamples: unspecified
      tags.push({ tag: 339, type: 3, values: new Array(b).fill(FORMAT[dtype]) }); // SampleFormat
      if (li === 0) {
        tags.push(...geoTags(georef));
        tags.push({ tag: 42112, type: 2, values: metadata });
      }
      if (plan.nodataText !== undefined) tags.push({ tag: 42113, type: 2, values: plan.nodataText });
      return tags;
    };
    const dataBytes = levelBytes.reduce((a, n) => a + n, 0);
    for (const big of options.bigTiff ? [true] : [false, true]) {
      const first = (big ? 16 : 8) + GHOST.length + (((big ? 16 : 8) + GHOST.length) % 2);
      const ifdSizes = sizes.map((_, li) => ifdBytes(tagsOf(li, offsets[li]!, big), big));
      const headerLength = first + ifdSizes.reduce((a, n) => a + n, 0);
      if (!big && headerLength + dataBytes > 0xffffffff) continue;
      const levelStart: number[] = [];
      let at = headerLength;
      for (let li = sizes.length - 1; li >= 0; li--) {
        levelStart[li] = at;
        at += levelBytes[li]!;
      }
      const header = new Uint8Array(headerLength);
      const dv = new DataView(header.buffer);
      dv.setUint16(0, 0x4949, true); // "II": little-endian
      dv.setUint16(2, big ? 43 : 42, true);
      if (big) {
        dv.setUint16(4, 8, true);
        dv.setBigUint64(8, BigInt(first), true);
      } else dv.setUint32(4, first, true);
      for (let i = 0; i < GHOST.length; i++) header[(big ? 16 : 8) + i] = GHOST.charCodeAt(i);
      let ifd = first;
      for (let li = 0; li < sizes.length; li++) {
        const tags = tagsOf(
          li,
          offsets[li]!.map((o) => o + levelStart[li]!),
          big,
        );
        writeIfd(dv, ifd, tags, li + 1 < sizes.length ? ifd + ifdSizes[li]! : 0, big);
        ifd += ifdSizes[li]!;
      }
      const tmpFile = join(tmpDir, "out.tif");
      const out = await open(tmpFile, "w");
      files.push(out);
      await out.write(header);
      for (let li = sizes.length - 1; li >= 0; li--) {
        const src = await open(join(tmpDir, `level-${li}`), "r");
        try {
          const buf = new Uint8Array(Math.min(levelBytes[li]!, 8 * 1024 ** 2) || 1);
          for (let pos = 0; pos < levelBytes[li]!; ) {
            throwIfAborted(signal);
            const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, levelBytes[li]! - pos), pos);
            await out.write(buf.subarray(0, bytesRead));
            pos += bytesRead;
          }
        } finally {
          await src.close();
        }
      }
      await files.pop()!.close();
      await rename(tmpFile, path);
      return {
        width: W,
        height: H,
        bands: bands.map((x) => x.info),
        dtype,
        ...(plan.nodataText !== undefined ? { nodata: plan.nodataText } : {}),
        overviews: sizes.slice(1),
        tileSize: T,
        crs: georef.epsg !== undefined ? `EPSG:${georef.epsg}` : "wkt",
        skipped: plan.skipped,
        bytes: headerLength + dataBytes,
        bigTiff: big,
      };
    }
    throw new EocubeError("INTERNAL", "unreachable: a BigTIFF holds any size");
  } finally {
    for (const f of files) await f.close().catch(() => undefined);
    await rm(tmpDir, { recursive: true, force: true });
  }
}
