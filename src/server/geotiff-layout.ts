// The byte layout of a tiled, uncompressed GeoTIFF whose tiles are computed on request: the header (TIFF or
// BigTIFF IFDs of the base and its overviews, GeoKeys, GDAL metadata) as bytes, and where each tile lies.
// Spec: TIFF 6.0 (tiles, PlanarConfiguration 2), BigTIFF (https://www.awaresystems.be/imaging/tiff/bigtiff.html),
// GeoTIFF 1.0 (OGC 19-008r4: ModelPixelScale, ModelTiepoint, GeoKeyDirectory), GDAL's GDAL_METADATA/GDAL_NODATA tags.
import { geoTags, ifdBytes, writeIfd, type Tag } from "../formats/tiff/ifd.js";

/** What a served GeoTIFF holds. */
export interface GeoTiffSpec {
  /** Size in pixels of the base (first) and of each overview, coarser ones after; each must be smaller than the one before. */
  levels: Array<{ width: number; height: number }>;
  /** Samples per pixel (bands), one tile plane each (PlanarConfiguration 2 when more than one); 1…65535. */
  bands: number;
  /** IEEE float samples of 4 or 8 bytes. */
  sampleType: "float32" | "float64";
  /** Tile edge in pixels [default 256]; a multiple of 16 (TIFF 6.0 §15). */
  tileSize?: number;
  /**
   * North-up georeferencing of the base: upper-left pixel edge (x0, y1) and pixel size (dx, dy, both > 0) in the
   * CRS; `epsg` written as GeographicTypeGeoKey or ProjectedCSTypeGeoKey (no CRS keys without one).
   */
  georef: { x0: number; y1: number; dx: number; dy: number; epsg?: number; geographic: boolean };
  /** GDAL_METADATA XML (tag 42112): band descriptions, units, dataset items. */
  gdalMetadata?: string;
  /** GDAL_NODATA text (tag 42113), e.g. `nan`. */
  nodata?: string;
}

/** One level's tiles in the file. */
export interface LevelLayout {
  width: number;
  height: number;
  tilesAcross: number;
  tilesDown: number;
  /** Byte offset of the level's first tile; tiles follow plane by plane (band), row by row. */
  dataOffset: number;
}

/** The layout of a {@link GeoTiffSpec}: its header bytes, total size and where the tiles are. */
export interface GeoTiffLayout {
  /** Bytes 0 … header.length − 1 of the file (the tile data starts at `dataStart`, zeros in between). */
  header: Uint8Array;
  dataStart: number;
  /** Size of the whole file in bytes. */
  size: number;
  bigTiff: boolean;
  tileSize: number;
  /** Bytes of one tile (tileSize² samples). */
  tileBytes: number;
  bytesPerSample: number;
  bands: number;
  levels: LevelLayout[];
}

/** A tile of the file: level, band (0-based), tile row and column, and the byte offset where it starts. */
export interface TileRef {
  level: number;
  band: number;
  ty: number;
  tx: number;
  start: number;
}

/** The tags of one IFD, ascending, with the tile offsets as `offsets`. */
function ifdTags(spec: GeoTiffSpec, li: number, tileSize: number, offsets: number[], tileBytes: number, big: boolean): Tag[] {
  const { width, height } = spec.levels[li]!;
  const bits = spec.sampleType === "float32" ? 32 : 64;
  const b = spec.bands;
  const tags: Tag[] = [
    { tag: 254, type: 4, values: [li === 0 ? 0 : 1] }, // NewSubfileType: 1 = reduced-resolution image
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: new Array(b).fill(bits) }, // BitsPerSample
    { tag: 259, type: 3, values: [1] }, // Compression: none
    { tag: 262, type: 3, values: [1] }, // Photometric: BlackIsZero
    { tag: 277, type: 3, values: [b] }, // SamplesPerPixel
    { tag: 284, type: 3, values: [b > 1 ? 2 : 1] }, // PlanarConfiguration: separate planes
    { tag: 322, type: 4, values: [tileSize] },
    { tag: 323, type: 4, values: [tileSize] },
    { tag: 324, type: big ? 16 : 4, values: offsets }, // TileOffsets
    { tag: 325, type: 4, values: new Array(offsets.length).fill(tileBytes) }, // TileByteCounts
  ];
  if (b > 1) tags.push({ tag: 338, type: 3, values: new Array(b - 1).fill(0) }); // ExtraSamples: unspecified
  tags.push({ tag: 339, type: 3, values: new Array(b).fill(3) }); // SampleFormat: IEEE float
  if (li === 0) {
    tags.push(...geoTags(spec.georef)); // ModelPixelScale, ModelTiepoint, GeoKeyDirectory
    if (spec.gdalMetadata) tags.push({ tag: 42112, type: 2, values: spec.gdalMetadata });
    if (spec.nodata) tags.push({ tag: 42113, type: 2, values: spec.nodata });
  }
  return tags;
}

/**
 * The layout of a GeoTIFF: base IFD then one IFD per overview (GDAL reads them as overviews), all tile data after
 * the header, level by level, plane by plane. BigTIFF when the file would pass 4 GiB. GDAL_METADATA and
 * GDAL_NODATA must be Latin-1 text.
 * @throws RangeError when `bands` is outside 1…65535 or a level is empty.
 */
export function geoTiffLayout(spec: GeoTiffSpec): GeoTiffLayout {
  if (!(spec.bands >= 1 && spec.bands <= 65535)) throw new RangeError(`a TIFF holds 1…65535 samples per pixel, not ${spec.bands}`);
  if (spec.levels.some((l) => !(l.width >= 1 && l.height >= 1))) throw new RangeError("every level needs at least one pixel");
  const tileSize = spec.tileSize ?? 256;
  const bytesPerSample = spec.sampleType === "float32" ? 4 : 8;
  const tileBytes = tileSize * tileSize * bytesPerSample;
  const grid = spec.levels.map((l) => ({ ...l, tilesAcross: Math.ceil(l.width / tileSize), tilesDown: Math.ceil(l.height / tileSize) }));
  const tileCounts = grid.map((l) => l.tilesAcross * l.tilesDown * spec.bands);
  for (const big of [false, true]) {
    const zeros = tileCounts.map((n) => new Array<number>(n).fill(0));
    const sizes = spec.levels.map((_, li) => ifdBytes(ifdTags(spec, li, tileSize, zeros[li]!, tileBytes, big), big));
    const headerLength = (big ? 16 : 8) + sizes.reduce((a, b) => a + b, 0);
    const dataStart = Math.ceil(headerLength / 16) * 16;
    const levels: LevelLayout[] = [];
    let at = dataStart;
    for (const [li, l] of grid.entries()) {
      levels.push({ width: l.width, height: l.height, tilesAcross: l.tilesAcross, tilesDown: l.tilesDown, dataOffset: at });
      at += tileCounts[li]! * tileBytes;
    }
    if (!big && at > 0xffffffff) continue;
    const header = new Uint8Array(headerLength);
    const dv = new DataView(header.buffer);
    dv.setUint16(0, 0x4949, true); // "II": little-endian
    dv.setUint16(2, big ? 43 : 42, true);
    let ifd = big ? 16 : 8;
    if (big) {
      dv.setUint16(4, 8, true);
      dv.setUint16(6, 0, true);
      dv.setBigUint64(8, BigInt(ifd), true);
    } else dv.setUint32(4, ifd, true);
    for (const [li, l] of levels.entries()) {
      const offsets = Array.from({ length: tileCounts[li]! }, (_, k) => l.dataOffset + k * tileBytes);
      const tags = ifdTags(spec, li, tileSize, offsets, tileBytes, big);
      const next = li + 1 < levels.length ? ifd + sizes[li]! : 0;
      writeIfd(dv, ifd, tags, next, big);
      ifd += sizes[li]!;
    }
    return { header, dataStart, size: at, bigTiff: big, tileSize, tileBytes, bytesPerSample, bands: spec.bands, levels };
  }
  throw new RangeError("unreachable");
}

/** The tile holding byte `offset` of the file, or undefined for the header and the padding before the tiles. */
export function tileAt(layout: GeoTiffLayout, offset: number): TileRef | undefined {
  if (offset < layout.dataStart || offset >= layout.size) return undefined;
  for (let li = layout.levels.length - 1; li >= 0; li--) {
    const l = layout.levels[li]!;
    if (offset < l.dataOffset) continue;
    const k = Math.floor((offset - l.dataOffset) / layout.tileBytes);
    const perPlane = l.tilesAcross * l.tilesDown;
    const rem = k % perPlane;
    return {
      level: li,
      band: Math.floor(k / perPlane),
      ty: Math.floor(rem / l.tilesAcross),
      tx: rem % l.tilesAcross,
      start: l.dataOffset + k * layout.tileBytes,
    };
  }
  return undefined;
}
