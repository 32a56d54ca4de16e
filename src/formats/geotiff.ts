// GeoTIFF / COG reader (geotiff.js over our FileSystem's range reads), in rioxarray's layout:
// `band_data[band, y, x]`, pixel-centre `x`/`y`, `band` 1…N, and a `spatial_ref` grid-mapping variable.
import { GeoTIFF, type GeoTIFFImage } from "geotiff";
import { LRUCache } from "lru-cache";
import { formatBytes } from "../core/bytes.js";
import { Dataset } from "../core/dataset.js";
import { epsgDefinition } from "../core/crs.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../core/errors.js";
import type { GeoTransform } from "../core/gridmapping.js";
import { allocate, itemSize, type DType, type NdArray } from "../core/ndarray.js";
import { normalizeSelection, type NormalizedDim, type Selection } from "../core/selection.js";
import { Variable, type Attrs, type ReadOptions } from "../core/variable.js";
import type { FileSystem } from "../fs/types.js";
import { BlockDecodeError, blockDecodeError, prepareBlockDecoding } from "./geotiff-decoders.js";
import { checkReadSize, MAX_CHUNK_BYTES } from "./limits.js";
import type { FormatOpenOptions, FormatReader } from "./registry.js";

/** Bytes read once at open and served from memory: a COG keeps all its IFDs and tile offsets there. */
const HEADER_BYTES = 16 * 1024;
/**
 * Reads of at most this many bytes are tag values geotiff.js fetches one element at a time (a tile's offset
 * and byte count in a large TIFF's TileOffsets/TileByteCounts): they are served from cached blocks.
 */
const SMALL_READ = 16;
/** Block size and count of the small-read cache (64 KiB × 64 = 4 MiB per open file at most). */
const BLOCK_BYTES = 64 * 1024;
const MAX_BLOCKS = 64;

type Source = Parameters<typeof GeoTIFF.fromSource>[0];

/**
 * A geotiff.js source over `fs.getRange`: every slice geotiff.js asks for (headers, IFDs, tiles) is one
 * range read, except slices inside the first {@link HEADER_BYTES}, which are read once. Works on any
 * FileSystem (file, https range requests, s3 ranged GET).
 */
export class FileSystemTiffSource {
  readonly #fs: FileSystem;
  readonly #key: string;
  readonly #label: string;
  #head?: Promise<Uint8Array>;
  /** Blocks of the small-read cache by block index (LRU, at most {@link MAX_BLOCKS}). */
  readonly #blocks = new LRUCache<number, Promise<Uint8Array>>({ max: MAX_BLOCKS });
  /**
   * How many slices came back shorter than asked (they reach past the end of the file), and the last one.
   * Tile and strip reads ask for exactly the bytes the TIFF says they have, so a short one means a
   * truncated file (header reads may ask past the end of a sound file: geotiff.js guesses IFD sizes).
   */
  shortReads = 0;
  lastShortRead?: { offset: number; length: number; end?: number };

  /** @param fs the file system; @param key the TIFF's key on it; @param label the file as named in errors [default key]. */
  constructor(fs: FileSystem, key: string, label = key) {
    this.#fs = fs;
    this.#key = key;
    this.#label = label;
  }

  /** Unknown until read (geotiff.js accepts null). */
  get fileSize(): number | null {
    return null;
  }

  /** Reads the slices (geotiff.js BaseSource contract). */
  async fetch(slices: { offset: number; length: number }[], signal?: AbortSignal): Promise<ArrayBuffer[]> {
    return Promise.all(slices.map((s) => this.#slice(s.offset, s.length, signal)));
  }

  async #slice(offset: number, length: number, signal?: AbortSignal): Promise<ArrayBuffer> {
    if (length > MAX_CHUNK_BYTES) {
      // a tile, strip or tag value this large is a damaged or hostile file: never allocated
      throw new EocubeError(
        "TOO_LARGE",
        `${this.#label}: a tile, strip or tag value of ${formatBytes(length)} at byte ${offset} exceeds the limit of ${formatBytes(MAX_CHUNK_BYTES)} per read`,
        {
          path: this.#label,
          hint: "the TIFF is damaged, or its strips are too large: rewrite it tiled (gdal_translate -co TILED=YES, or as a COG)",
        },
      );
    }
    this.#head ??= this.#fs.getRange(this.#key, 0, HEADER_BYTES, { signal });
    const head = await this.#head;
    if (offset + length <= head.length || (head.length < HEADER_BYTES && offset <= head.length)) {
      return this.#checked(
        offset,
        length,
        head.subarray(offset, Math.min(head.length, offset + length)),
        head.length < HEADER_BYTES ? head.length : undefined,
      );
    }
    const size = head.length < HEADER_BYTES ? head.length : undefined;
    if (length <= SMALL_READ) {
      const b0 = Math.floor(offset / BLOCK_BYTES);
      const b1 = Math.floor((offset + length - 1) / BLOCK_BYTES);
      let bytes = (await this.#block(b0)).subarray(offset - b0 * BLOCK_BYTES, offset - b0 * BLOCK_BYTES + length);
      if (b1 !== b0 && bytes.length === BLOCK_BYTES * (b0 + 1) - offset) {
        const rest = (await this.#block(b1)).subarray(0, length - bytes.length);
        const joined = new Uint8Array(bytes.length + rest.length);
        joined.set(bytes);
        joined.set(rest, bytes.length);
        bytes = joined;
      }
      return this.#checked(offset, length, bytes, size);
    }
    return this.#checked(offset, length, await this.#fs.getRange(this.#key, offset, length, { signal }), size);
  }

  /** Block `b` of the small-read cache (read without a request's signal: other reads may share it). */
  #block(b: number): Promise<Uint8Array> {
    const kept = this.#blocks.get(b); // marks it most recently used
    if (kept) return kept;
    const p = this.#fs.getRange(this.#key, b * BLOCK_BYTES, BLOCK_BYTES);
    p.catch(() => {
      if (this.#blocks.peek(b) === p) this.#blocks.delete(b); // a failed read is not kept
    });
    this.#blocks.set(b, p);
    return p;
  }

  /** Notes a short slice; `size` is the file size when known (a file shorter than the header read). */
  #checked(offset: number, length: number, bytes: Uint8Array, size?: number): ArrayBuffer {
    if (bytes.length < length) {
      this.shortReads++;
      this.lastShortRead = { offset, length, end: bytes.length > 0 ? offset + bytes.length : size };
    }
    return copyBuffer(bytes);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}

function copyBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Most IFDs (images: full resolution, overviews, masks, pages) a TIFF may chain; more is refused as damaged. */
export const MAX_IFDS = 1024;

/** What {@link ifdChainLength} needs of an opened geotiff.js GeoTIFF (its public header fields). */
interface TiffHeader {
  littleEndian: boolean;
  bigTiff: boolean;
  firstIFDOffset: number;
}

/**
 * The number of IFDs in the main chain of a TIFF, walked from the header's first-IFD offset through each
 * IFD's next-IFD offset (TIFF 6.0 §2, BigTIFF: 8-byte counts and offsets), reading only each IFD's entry
 * count and next pointer (two small range reads, usually inside the header bytes already read). geotiff.js
 * walks the chain without end when a next pointer loops back, so the count is taken here first.
 * @param label the file as named in errors
 * @throws EocubeError CORRUPT_DATA naming the file when a next-IFD pointer points back to an IFD already
 *   seen (a loop), before the header or past the end of the file, or when the chain holds more than
 *   {@link MAX_IFDS} IFDs.
 */
export async function ifdChainLength(
  source: FileSystemTiffSource,
  header: TiffHeader,
  label: string,
  signal?: AbortSignal,
): Promise<number> {
  const { littleEndian: le, bigTiff } = header;
  const countBytes = bigTiff ? 8 : 2;
  const entryBytes = bigTiff ? 20 : 12;
  const offsetBytes = bigTiff ? 8 : 4;
  const headerBytes = bigTiff ? 16 : 8;
  const readUint = async (at: number, n: number, what: string): Promise<number> => {
    const [buf] = await source.fetch([{ offset: at, length: n }], signal);
    if (!buf || buf.byteLength < n) {
      throw new EocubeError(
        "CORRUPT_DATA",
        `${label} is not a readable TIFF: ${what} at byte ${at} lies past the end of the file (truncated?)`,
        {
          path: label,
          hint: "the file is truncated or not a (Geo)TIFF",
        },
      );
    }
    const view = new DataView(buf);
    if (n === 2) return view.getUint16(0, le);
    if (n === 4) return view.getUint32(0, le);
    const v = view.getBigUint64(0, le);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const seen = new Set<number>();
  let offset = Number(header.firstIFDOffset);
  while (offset !== 0) {
    if (seen.has(offset)) {
      throw new EocubeError(
        "CORRUPT_DATA",
        `${label} is not a readable TIFF: the next-IFD pointer of IFD ${seen.size - 1} loops back to the IFD at byte ${offset}`,
        {
          path: label,
          hint: "the file is damaged (its chain of image directories never ends); rewrite it with gdal_translate from an intact copy",
        },
      );
    }
    if (seen.size >= MAX_IFDS) {
      throw new EocubeError("CORRUPT_DATA", `${label} is not a readable TIFF: it chains more than ${MAX_IFDS} image directories (IFDs)`, {
        path: label,
        hint: "a GeoTIFF holds one image and its overviews; split a multi-page TIFF into single files",
      });
    }
    if (offset < headerBytes) {
      throw new EocubeError(
        "CORRUPT_DATA",
        `${label} is not a readable TIFF: IFD ${seen.size} points into the file header (byte ${offset})`,
        {
          path: label,
          hint: "the file is damaged or not a (Geo)TIFF",
        },
      );
    }
    seen.add(offset);
    const entries = await readUint(offset, countBytes, `IFD ${seen.size - 1}`);
    offset = await readUint(offset + countBytes + entries * entryBytes, offsetBytes, `the next-IFD pointer of IFD ${seen.size - 1}`);
  }
  return seen.size;
}

/** The CRS of a GeoTIFF as far as its GeoKeys tell. */
export interface TiffCrs {
  /** EPSG code (ProjectedCSTypeGeoKey or GeographicTypeGeoKey), when one is given. */
  epsg?: number;
  /** proj4 definition (the EPSG registry via core/crs.ts `epsgDefinition`, or the PROJ4 EXTENSION of an ESRI PE string). */
  proj4?: string;
  /** WKT 1 (the EPSG registry, or the ESRI PE string). */
  wkt?: string;
  isGeographic: boolean;
}

/**
 * The CRS from GeoKeys (GeoTIFF 1.1, http://docs.opengeospatial.org/is/19-008r4/19-008r4.html §7):
 * EPSG code from ProjectedCSTypeGeoKey / GeographicTypeGeoKey (32767 = user-defined is ignored),
 * else an ESRI PE string in PCSCitationGeoKey / GTCitationGeoKey (GDAL writes one for CRSs without
 * a code, e.g. geostationary) with its `EXTENSION["PROJ4", …]`.
 */
export async function crsFromGeoKeys(keys: Record<string, unknown> | null): Promise<TiffCrs> {
  const k = keys ?? {};
  const model = k.GTModelTypeGeoKey;
  const pcs = Number(k.ProjectedCSTypeGeoKey);
  const gcs = Number(k.GeographicTypeGeoKey);
  const code =
    model === 2
      ? gcs > 0 && gcs < 32767
        ? gcs
        : undefined
      : pcs > 0 && pcs < 32767
        ? pcs
        : model !== 1 && gcs > 0 && gcs < 32767
          ? gcs
          : undefined;
  if (code !== undefined) {
    const def = epsgDefinition(code);
    return { epsg: code, proj4: def?.proj4, wkt: def?.wkt, isGeographic: model === 2 || (def?.proj4.includes("+proj=longlat") ?? false) };
  }
  for (const key of ["PCSCitationGeoKey", "GTCitationGeoKey", "GeogCitationGeoKey"]) {
    const cit = k[key];
    if (typeof cit !== "string") continue;
    const m = /ESRI PE String = (.*)$/s.exec(cit);
    if (!m) continue;
    const wkt = m[1]!.trim();
    const p4 = /EXTENSION\["PROJ4","([^"]+)"\]/.exec(wkt);
    return { wkt, proj4: p4?.[1], isGeographic: wkt.startsWith("GEOGCS") };
  }
  return { isGeographic: model === 2 };
}

function dtypeOfImage(image: GeoTIFFImage): DType {
  const fmt = image.getSampleFormat(0) || 1;
  const bits = image.getBitsPerSample(0);
  if (fmt === 3) return bits === 64 ? "float64" : "float32";
  const signed = fmt === 2;
  if (bits <= 8) return signed ? "int8" : "uint8";
  if (bits <= 16) return signed ? "int16" : "uint16";
  if (bits <= 32) return signed ? "int32" : "uint32";
  return signed ? "int64" : "uint64";
}

/** GDAL-order geotransform of the full-resolution image (ModelTransformation, or tie point + pixel scale). */
function geoTransformOf(image: GeoTIFFImage, keys: Record<string, unknown> | null): GeoTransform {
  const fd = image.getFileDirectory();
  const mt = fd.hasTag("ModelTransformation") ? (fd.getValue("ModelTransformation") as number[] | undefined) : undefined;
  let gt: GeoTransform;
  if (mt && mt.length >= 8) {
    gt = [mt[3]!, mt[0]!, mt[1]!, mt[7]!, mt[4]!, mt[5]!];
  } else {
    const tp = fd.hasTag("ModelTiepoint") ? (fd.getValue("ModelTiepoint") as number[] | undefined) : undefined;
    const sc = fd.hasTag("ModelPixelScale") ? (fd.getValue("ModelPixelScale") as number[] | undefined) : undefined;
    if (!tp || !sc) return [0, 1, 0, 0, 0, 1];
    const dx = sc[0]!,
      dy = -sc[1]!;
    gt = [tp[3]! - tp[0]! * dx, dx, 0, tp[4]! - tp[1]! * dy, 0, dy];
  }
  // PixelIsPoint: GDAL moves the origin half a pixel to the pixel edge (GTIFF_POINT_GEO_IGNORE=NO).
  if (keys?.GTRasterTypeGeoKey === 2) {
    gt = [gt[0] - gt[1] / 2 - gt[2] / 2, gt[1], gt[2], gt[3] - gt[4] / 2 - gt[5] / 2, gt[4], gt[5]];
  }
  return gt;
}

function isMask(image: GeoTIFFImage): boolean {
  const t = Number(image.getFileDirectory().getValue("NewSubfileType") ?? 0);
  return (t & 4) !== 0;
}

function isReduced(image: GeoTIFFImage): boolean {
  const t = Number(image.getFileDirectory().getValue("NewSubfileType") ?? 0);
  return (t & 1) !== 0;
}

/** Pixel-centre coordinates `start + (i + 0.5) * step`, like rioxarray. */
function centres(n: number, start: number, step: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = start + (i + 0.5) * step;
  return out;
}

function memoryVariable(name: string, dims: string[], arr: NdArray, attrs: Attrs = {}): Variable {
  return new Variable({
    name,
    dims,
    shape: arr.shape,
    dtype: arr.dtype,
    attrs,
    read: async (selection: Selection) => sliceArray(arr, normalizeOrThrow(arr.shape, selection, name)),
  });
}

function normalizeOrThrow(shape: number[], selection: Selection, name: string): NormalizedDim[] {
  try {
    return normalizeSelection(shape, selection);
  } catch (err) {
    throw new EocubeError("OUT_OF_RANGE", `${name}: ${(err as Error).message}`, { field: name, cause: err });
  }
}

/** Selection of a small in-memory 0-D or 1-D array. */
function sliceArray(arr: NdArray, norm: NormalizedDim[]): NdArray {
  if (norm.length === 0) return { data: (arr.data as Float64Array).slice(), shape: [], dtype: arr.dtype };
  const d = norm[0]!;
  const data = (arr.data as Float64Array).slice(d.start, d.stop);
  return { data, shape: d.drop ? [] : [d.stop - d.start], dtype: arr.dtype };
}

interface ImageContext {
  image: GeoTIFFImage;
  transform: GeoTransform;
  crs: TiffCrs;
  dtype: DType;
  nodata: number | null;
  areaOrPoint: string;
  extraAttrs: Attrs;
  path: string;
}

/** One Dataset for one TIFF image (the full-resolution image or an overview). */
function imageDataset(ctx: ImageContext): Dataset {
  const { image, transform: gt, crs, dtype, path } = ctx;
  const width = image.getWidth();
  const height = image.getHeight();
  const bands = image.getSamplesPerPixel();
  const gtText = gt.map((v) => String(v)).join(" ");
  const srAttrs: Attrs = {};
  if (crs.wkt) {
    srAttrs.crs_wkt = crs.wkt;
    srAttrs.spatial_ref = crs.wkt;
  }
  if (crs.proj4) srAttrs.proj4 = crs.proj4;
  if (crs.epsg !== undefined) srAttrs.epsg = crs.epsg;
  if (crs.isGeographic) srAttrs.grid_mapping_name = "latitude_longitude";
  srAttrs.GeoTransform = gtText;
  const xAttrs: Attrs = crs.isGeographic
    ? { axis: "X", long_name: "longitude", standard_name: "longitude", units: "degrees_east" }
    : { axis: "X", long_name: "x coordinate of projection", standard_name: "projection_x_coordinate", units: "metre" };
  const yAttrs: Attrs = crs.isGeographic
    ? { axis: "Y", long_name: "latitude", standard_name: "latitude", units: "degrees_north" }
    : { axis: "Y", long_name: "y coordinate of projection", standard_name: "projection_y_coordinate", units: "metre" };
  const bandIds = new BigInt64Array(bands);
  for (let i = 0; i < bands; i++) bandIds[i] = BigInt(i + 1);
  const coords = {
    band: memoryVariable("band", ["band"], { data: bandIds, shape: [bands], dtype: "int64" }),
    x: memoryVariable("x", ["x"], { data: centres(width, gt[0], gt[1]), shape: [width], dtype: "float64" }, xAttrs),
    y: memoryVariable("y", ["y"], { data: centres(height, gt[3], gt[5]), shape: [height], dtype: "float64" }, yAttrs),
    spatial_ref: memoryVariable("spatial_ref", [], { data: new BigInt64Array([0n]), shape: [], dtype: "int64" }, srAttrs),
  };
  const attrs: Attrs = { AREA_OR_POINT: ctx.areaOrPoint, ...ctx.extraAttrs, scale_factor: 1.0, add_offset: 0.0 };
  if (ctx.nodata !== null) attrs._FillValue = ctx.nodata;
  attrs.grid_mapping = "spatial_ref";
  const tileW = image.getTileWidth();
  const tileH = image.getTileHeight();
  const chunks = [1, Math.min(tileH, height), Math.min(tileW, width)];
  const band_data = new Variable({
    name: "band_data",
    dims: ["band", "y", "x"],
    shape: [bands, height, width],
    dtype,
    chunks,
    attrs,
    encoding: { dtype, chunks, _FillValue: ctx.nodata ?? undefined, compression: image.getFileDirectory().getValue("Compression") },
    read: (selection, options) => readWindow(image, dtype, [bands, height, width], selection, path, options),
  });
  return new Dataset({ coords, data_vars: { band_data }, encoding: { format: "geotiff", source: path, width, height } });
}

function isYCbCr(image: GeoTIFFImage): boolean {
  return image.getFileDirectory().getValue("PhotometricInterpretation") === 6 && image.getSamplesPerPixel() >= 3;
}

/** Y, Cb, Cr planes → R, G, B planes (uint8, rounded and clamped as libjpeg does). */
function ycbcrToRgb(planes: ArrayLike<number>[], n: number): Uint8Array[] {
  const [Y, Cb, Cr] = planes as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
  const r = new Uint8Array(n),
    g = new Uint8Array(n),
    bl = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = Y[i]!,
      cb = Cb[i]! - 128,
      cr = Cr[i]! - 128;
    r[i] = clamp(y + 1.402 * cr);
    g[i] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    bl[i] = clamp(y + 1.772 * cb);
  }
  return [r, g, bl];
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/**
 * Whether the window lies inside one tile (strip) that is not stored (byte count 0, GDAL's SPARSE_OK):
 * one cached tag lookup. Pixel-interleaved images only.
 */
async function isSparseBlock(image: GeoTIFFImage, x: NormalizedDim, y: NormalizedDim): Promise<boolean> {
  const im = image as unknown as {
    isTiled: boolean;
    planarConfiguration: number;
    fileDirectory: { loadValueIndexed(tag: string, i: number): Promise<unknown> };
  };
  if (im.planarConfiguration !== 1) return false;
  const tw = image.getTileWidth(),
    th = image.getTileHeight();
  const tx = Math.floor(x.start / tw),
    ty = Math.floor(y.start / th);
  if (tx !== Math.floor((x.stop - 1) / tw) || ty !== Math.floor((y.stop - 1) / th)) return false;
  const index = ty * Math.ceil(image.getWidth() / tw) + tx;
  return Number(await im.fileDirectory.loadValueIndexed(im.isTiled ? "TileByteCounts" : "StripByteCounts", index)) === 0;
}

/** Reads `[band, y, x]` through `readRasters({window, samples})`: only the tiles/strips of the window. */
async function readWindow(
  image: GeoTIFFImage,
  dtype: DType,
  shape: number[],
  selection: Selection,
  path: string,
  options?: ReadOptions,
): Promise<NdArray> {
  throwIfAborted(options?.signal);
  const norm = normalizeOrThrow(shape, selection, "band_data");
  const [b, y, x] = norm as [NormalizedDim, NormalizedDim, NormalizedDim];
  const nb = b.stop - b.start,
    ny = y.stop - y.start,
    nx = x.stop - x.start;
  checkReadSize(nb * ny * nx, itemSize(dtype), `band_data of ${path}`, { path, field: "band_data" });
  const out = allocate(dtype, nb * ny * nx);
  const outShape = norm.filter((d) => !d.drop).map((d) => d.stop - d.start);
  if (nb * ny * nx === 0) return { data: out, shape: outShape, dtype };
  // a compression eocube decodes (each tile decoded into at most its own size: geotiff-decoders.ts), tiles within the chunk limit
  prepareBlockDecoding(image, path);
  // YCbCr (JPEG COGs): GDAL reports RGB, so read Y, Cb, Cr and convert (JFIF, ITU-R BT.601 full range).
  const ycbcr = isYCbCr(image);
  if (!ycbcr && (await isSparseBlock(image, x, y))) {
    // a block GDAL left unwritten (SPARSE_OK): its value, as geotiff.js gives it, without decoding anything
    (out as Float64Array).fill(image.getGDALNoData() || 0);
    return { data: out, shape: outShape, dtype };
  }
  const samples = ycbcr ? [0, 1, 2] : Array.from({ length: nb }, (_, i) => b.start + i);
  let rasters: ArrayLike<number>[];
  const source = (image as unknown as { source?: unknown }).source;
  const tiffSource = source instanceof FileSystemTiffSource ? source : undefined;
  const shortBefore = tiffSource?.shortReads ?? 0;
  // A tile read past the end of the file (some decoders, e.g. LZW, only warn and give zeros).
  const truncated = (cause?: unknown): EocubeError | undefined => {
    const short = tiffSource && tiffSource.shortReads > shortBefore ? tiffSource.lastShortRead : undefined;
    if (!short) return undefined;
    return new EocubeError(
      "CORRUPT_DATA",
      `cannot decode the tiles of ${path}: the file is truncated (a tile needs bytes ${short.offset}…${short.offset + short.length} but the file ends ${short.end !== undefined ? `at byte ${short.end}` : `before byte ${short.offset}`})`,
      {
        path,
        cause,
        hint: "the file was cut short (an interrupted download or copy?); fetch it again",
      },
    );
  };
  try {
    rasters = (await image.readRasters({
      window: [x.start, y.start, x.stop, y.stop],
      samples,
      interleave: false,
      signal: options?.signal,
    })) as unknown as ArrayLike<number>[];
  } catch (err) {
    if (isEocubeError(err)) throw err;
    if ((err as Error)?.name === "AbortError") throw new EocubeError("CANCELLED", "The operation was aborted.", { cause: err });
    if (err instanceof BlockDecodeError) throw (err.unsupported ? undefined : truncated(err)) ?? blockDecodeError(err, path, causeText);
    throw (
      truncated(err) ??
      new EocubeError("CORRUPT_DATA", `cannot decode the tiles of ${path}: ${causeText(err)}`, {
        path,
        cause: err,
        hint: "the TIFF is truncated or its compressed tiles are damaged",
      })
    );
  }
  const cut = truncated();
  if (cut) throw cut;
  const plane = ny * nx;
  if (ycbcr) rasters = ycbcrToRgb(rasters, plane).slice(b.start, b.stop);
  for (let i = 0; i < nb; i++) (out as Float64Array).set(rasters[i] as Float64Array, i * plane);
  return { data: out, shape: outShape, dtype };
}

/** The text of a decoder's error: geotiff.js' decoders throw Errors, strings (pako: "buffer error") or other values. */
function causeText(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === "string" && err) return err;
  const text = err === undefined || err === null ? "" : String(err);
  return text && text !== "[object Object]" ? text : "the decoder failed without saying why";
}

/**
 * Opens a GeoTIFF / COG as a raw Dataset in rioxarray's layout: data variable `band_data`
 * `[band, y, x]` with the stored dtype, `_FillValue` = GDAL nodata, `scale_factor` 1 / `add_offset` 0
 * (so CF decoding gives float32 like `xr.open_dataset(engine="rasterio")`), `grid_mapping: "spatial_ref"`;
 * coords `band` (1…N), `x`/`y` (pixel centres from the geotransform, CRS units), and scalar
 * `spatial_ref` with `crs_wkt`/`spatial_ref` (WKT), `proj4`, `GeoTransform` (GDAL order, space-separated)
 * and `epsg` when known. Overviews (reduced-resolution IFDs, masks skipped) become `dataset.overviews`,
 * finest first, each with the same layout and a coarser transform. Only headers are read at open.
 * @throws EocubeError NOT_FOUND (missing file), CORRUPT_DATA (not a TIFF / damaged).
 */
export async function openGeoTiff(fs: FileSystem, path: string, options: FormatOpenOptions = {}): Promise<Dataset> {
  throwIfAborted(options.signal);
  const key = path.replace(/^\/+/, "");
  const source = `${fs.root.replace(/\/+$/, "")}/${key}`;
  let tiff: GeoTIFF;
  const images: GeoTIFFImage[] = [];
  const tiffSource = new FileSystemTiffSource(fs, key, source);
  try {
    tiff = await GeoTIFF.fromSource(tiffSource as unknown as Source, {}, options.signal);
    // counted here: geotiff.js' getImageCount never ends on a looping chain
    const n = await ifdChainLength(tiffSource, tiff as unknown as TiffHeader, source, options.signal);
    for (let i = 0; i < n; i++) images.push(await tiff.getImage(i));
  } catch (err) {
    if (isEocubeError(err)) throw err;
    const short = tiffSource.lastShortRead;
    const ends = short
      ? ` (the file ends ${short.end !== undefined ? `at byte ${short.end}` : `before byte ${short.offset}`}: truncated?)`
      : "";
    throw new EocubeError("CORRUPT_DATA", `${path} is not a readable TIFF: ${causeText(err)}${ends}`, {
      path,
      cause: err,
      hint: "the file is truncated or not a (Geo)TIFF",
    });
  }
  const main = images.find((im) => !isMask(im) && !isReduced(im)) ?? images[0];
  if (!main) throw new EocubeError("CORRUPT_DATA", `${path} holds no image`, { path });
  const keys = main.getGeoKeys() as Record<string, unknown> | null;
  const crs = await crsFromGeoKeys(keys);
  const gt = geoTransformOf(main, keys);
  const gdalMeta = ((await main.getGDALMetadata().catch(() => null)) ?? {}) as Attrs;
  const areaOrPoint =
    typeof gdalMeta.AREA_OR_POINT === "string" ? gdalMeta.AREA_OR_POINT : keys?.GTRasterTypeGeoKey === 2 ? "Point" : "Area";
  const extraAttrs: Attrs = { ...gdalMeta };
  delete extraAttrs.AREA_OR_POINT;
  const dtype = dtypeOfImage(main);
  const nodata = main.getGDALNoData();
  const base = { crs, dtype, nodata, areaOrPoint, extraAttrs, path: source };
  const ds = imageDataset({ ...base, image: main, transform: gt });
  const W = main.getWidth(),
    H = main.getHeight();
  const overviews = images
    .filter((im) => im !== main && isReduced(im) && !isMask(im) && im.getSamplesPerPixel() === main.getSamplesPerPixel())
    .sort((a, b) => b.getWidth() - a.getWidth())
    .map((im) => {
      const sx = W / im.getWidth(),
        sy = H / im.getHeight();
      const t: GeoTransform = [gt[0], gt[1] * sx, gt[2] * sy, gt[3], gt[4] * sx, gt[5] * sy];
      return imageDataset({ ...base, image: im, transform: t });
    });
  return ds.with({ overviews, encoding: { ...ds.encoding, overview_count: overviews.length } });
}

/** The GeoTIFF/COG reader of the format registry (see {@link openGeoTiff}). */
export const geotiffReader: FormatReader = {
  id: "geotiff",
  open: openGeoTiff,
};
