// TIFF image file directories as bytes: tag entries (classic TIFF or BigTIFF), their out-of-line values, and the
// GeoTIFF georeferencing tags of a north-up grid. Shared by the COG writer (formats/geotiff-write.ts) and the
// server's GeoTIFFs computed on request (server/geotiff-layout.ts).
// Spec: TIFF 6.0 §2 (IFD entries, word-aligned values), BigTIFF (https://www.awaresystems.be/imaging/tiff/bigtiff.html),
// GeoTIFF 1.1 (OGC 19-008r4: ModelPixelScale, ModelTiepoint, GeoKeyDirectory, GeoAsciiParams).

/** TIFF field types used: ASCII, SHORT, LONG, DOUBLE, LONG8 (BigTIFF). */
export type TagType = 2 | 3 | 4 | 12 | 16;

/** Bytes of one value of each {@link TagType}. */
export const TYPE_BYTES: Record<TagType, number> = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };

/** One IFD entry: tag number, field type and its values (a string for ASCII, NUL-terminated when written). */
export interface Tag {
  tag: number;
  type: TagType;
  values: number[] | string;
}

/** Number of values of a tag (an ASCII string counts its terminating NUL). */
export const tagCount = (t: Tag): number => (typeof t.values === "string" ? t.values.length + 1 : t.values.length);

const valueBytes = (t: Tag) => tagCount(t) * TYPE_BYTES[t.type];

/**
 * Bytes of an IFD: entry count, entries, next-IFD offset, and the values that do not fit in an entry (each padded to
 * a word boundary). The size depends only on the tags' types and counts, not on their values.
 */
export function ifdBytes(tags: Tag[], big: boolean): number {
  const inline = big ? 8 : 4;
  let n = big ? 8 + tags.length * 20 + 8 : 2 + tags.length * 12 + 4;
  for (const t of tags) if (valueBytes(t) > inline) n += valueBytes(t) + (valueBytes(t) % 2);
  return n;
}

function writeValues(dv: DataView, at: number, t: Tag): void {
  if (typeof t.values === "string") {
    for (let i = 0; i < t.values.length; i++) dv.setUint8(at + i, t.values.charCodeAt(i) & 0xff);
    dv.setUint8(at + t.values.length, 0);
    return;
  }
  const s = TYPE_BYTES[t.type];
  t.values.forEach((v, i) => {
    const o = at + i * s;
    if (t.type === 3) dv.setUint16(o, v, true);
    else if (t.type === 4) dv.setUint32(o, v, true);
    else if (t.type === 12) dv.setFloat64(o, v, true);
    else dv.setBigUint64(o, BigInt(v), true);
  });
}

/**
 * Writes one little-endian IFD at byte `at` of `dv`, its out-of-line values right after the entries; `tags` must be
 * in ascending tag order (TIFF 6.0 §2) and ASCII values Latin-1. `next` is the offset of the next IFD (0: last).
 * @returns the offset after the IFD and its values (`at + ifdBytes(tags, big)`).
 */
export function writeIfd(dv: DataView, at: number, tags: Tag[], next: number, big: boolean): number {
  const inline = big ? 8 : 4;
  const entry = big ? 20 : 12;
  let extra = at + (big ? 8 + tags.length * 20 + 8 : 2 + tags.length * 12 + 4);
  if (big) dv.setBigUint64(at, BigInt(tags.length), true);
  else dv.setUint16(at, tags.length, true);
  let e = at + (big ? 8 : 2);
  for (const t of tags) {
    dv.setUint16(e, t.tag, true);
    dv.setUint16(e + 2, t.type, true);
    if (big) dv.setBigUint64(e + 4, BigInt(tagCount(t)), true);
    else dv.setUint32(e + 4, tagCount(t), true);
    const vAt = e + (big ? 12 : 8);
    if (valueBytes(t) <= inline) writeValues(dv, vAt, t);
    else {
      if (big) dv.setBigUint64(vAt, BigInt(extra), true);
      else dv.setUint32(vAt, extra, true);
      writeValues(dv, extra, t);
      extra += valueBytes(t) + (valueBytes(t) % 2);
    }
    e += entry;
  }
  if (big) dv.setBigUint64(e, BigInt(next), true);
  else dv.setUint32(e, next, true);
  return extra;
}

/**
 * North-up georeferencing of a raster: upper-left pixel edge (x0, y1) and pixel size (dx, dy, both > 0) in the CRS.
 * The CRS is `epsg` (GeographicTypeGeoKey or ProjectedCSTypeGeoKey), else `wkt` (a user-defined model and CRS whose
 * PCSCitationGeoKey is `ESRI PE String = <wkt>`, which GDAL reads), else none (no CRS keys).
 */
export interface GeoReference {
  x0: number;
  y1: number;
  dx: number;
  dy: number;
  geographic: boolean;
  epsg?: number;
  wkt?: string;
}

/**
 * The GeoTIFF tags of a {@link GeoReference}, ascending: ModelPixelScale (33550), ModelTiepoint (33922),
 * GeoKeyDirectory (34735) with GTModelType, GTRasterType = PixelIsArea and the CRS key, and GeoAsciiParams (34737)
 * for a WKT citation.
 */
export function geoTags(g: GeoReference): Tag[] {
  const tags: Tag[] = [
    { tag: 33550, type: 12, values: [g.dx, g.dy, 0] },
    { tag: 33922, type: 12, values: [0, 0, 0, g.x0, g.y1, 0] },
  ];
  const keys: number[][] = [
    [1024, 0, 1, g.geographic ? 2 : 1], // GTModelType: projected 1, geographic 2
    [1025, 0, 1, 1], // GTRasterType: PixelIsArea
  ];
  let ascii: string | undefined;
  if (g.epsg !== undefined) keys.push([g.geographic ? 2048 : 3072, 0, 1, g.epsg]);
  else if (g.wkt) {
    ascii = `ESRI PE String = ${g.wkt.replace(/[|\n\r]/g, " ")}|`;
    // a user-defined model whose WKT is the ESRI PE citation in PCSCitationGeoKey, as GDAL reads it (GTModelType 32767)
    keys[0]![3] = 32767;
    keys.push([3072, 0, 1, 32767], [3073, 34737, ascii.length, 0]);
  }
  tags.push({ tag: 34735, type: 3, values: [1, 1, 0, keys.length, ...keys.flat()] });
  if (ascii) tags.push({ tag: 34737, type: 2, values: ascii });
  return tags;
}

/** XML text content for GDAL_METADATA, characters outside Latin-1 as character references (the TIFF ASCII tag holds bytes). */
export function gdalXmlText(s: string): string {
  return s.replace(/[<>&"]|[^\x20-\xff]/g, (c) =>
    c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : c === '"' ? "&quot;" : `&#x${c.codePointAt(0)!.toString(16)};`,
  );
}
