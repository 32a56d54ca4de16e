// LERC tiles (https://github.com/Esri/lerc, LERC2 blobs; GDAL's TIFF LercParameters: [version, additional
// compression]) decoded within the tile's size: the additional layer bounded, the blob headers checked first.
import { createRequire } from "node:module";
import { inflateBounded, overflow, zstdBounded } from "../bounded.js";
import { exactBuffer, UnsupportedBlockError, type TiffBlockParameters } from "./block.js";

/** Bytes per value of LERC2 data types 0…7 (char, uchar, short, ushort, int, uint, float, double). */
const LERC_TYPE_BYTES = [1, 1, 2, 2, 4, 4, 4, 8];

/**
 * The bytes the LERC2 blobs of one tile decode to (all blobs: geotiff.js' decoder decodes every blob, then
 * keeps the first), read from their headers as the lerc package walks them (each blob's `blobSize` leads to the next).
 * @throws UnsupportedBlockError for LERC1 (CntZImage) blobs and LERC2 versions above 5 (what the lerc package
 *   reads); Error for a damaged header.
 */
export function lercDecodedBytes(blob: Uint8Array, unit = "tile"): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const text = (at: number, n: number) => String.fromCharCode(...blob.subarray(at, at + n));
  let off = 0,
    total = 0;
  while (off < blob.length - 10) {
    if (text(off, 9) === "CntZImage")
      throw new UnsupportedBlockError(
        "LERC1 (CntZImage) blobs are not read; GDAL writes LERC2 (rewrite the file with gdal_translate -co COMPRESS=LERC)",
      );
    if (text(off, 6) !== "Lerc2 ") throw new Error(`lerc: no LERC2 blob at byte ${off} (a damaged ${unit})`);
    const version = view.getInt32(off + 6, true);
    if (version > 5) throw new UnsupportedBlockError(`LERC2 version ${version} is not read (eocube reads LERC2 up to version 5)`);
    let p = off + 10 + (version >= 3 ? 4 : 0);
    const keys = p + 8 + (version >= 4 ? 4 : 0) + 16;
    if (keys + 24 > blob.length) throw new Error(`lerc: the header of the blob at byte ${off} is cut short (a damaged ${unit})`);
    const height = view.getUint32(p, true),
      width = view.getUint32(p + 4, true);
    p += 8;
    const dims = version >= 4 ? view.getUint32(p, true) : 1;
    if (version >= 4) p += 4;
    const blobSize = view.getInt32(p + 8, true);
    const type = view.getInt32(p + 12, true);
    const itemBytes = LERC_TYPE_BYTES[type];
    if (itemBytes === undefined) throw new Error(`lerc: unknown data type ${type} (a damaged ${unit})`);
    if (blobSize < keys + 24 - off)
      throw new Error(`lerc: a blob size of ${blobSize} bytes is shorter than its header (a damaged ${unit})`);
    // values, and a validity mask of one byte per pixel
    total += width * height * Math.max(1, dims * itemBytes);
    off += blobSize;
  }
  return total;
}

/** The lerc package (LERC2 decoder), resolved from geotiff.js' own dependencies and loaded on first use. */
let lercModule: { decode(data: ArrayBuffer, options: { returnPixelInterleavedDims?: boolean }): { pixels: ArrayBufferView[] } } | undefined;
function lerc(): NonNullable<typeof lercModule> {
  lercModule ??= createRequire(createRequire(import.meta.url).resolve("geotiff"))("lerc") as NonNullable<typeof lercModule>;
  return lercModule;
}

/**
 * Decodes a LERC tile (TIFF compression 34887) as geotiff.js does, within bounds: the additional deflate or
 * zstd layer inflates into at most twice the tile's bytes (plus a header allowance), then every blob's
 * declared size must fit the tile before the lerc package allocates it.
 * @param limit the tile's decoded bytes; @param unit "tile" or "strip", for messages
 * @returns the first blob's values (pixel-interleaved when the TIFF is)
 * @throws UnsupportedBlockError (LERC1, versions above 5, unknown additional compression); Error when a
 *   layer or a blob would pass its bound, or the blob is damaged.
 */
export async function decodeLerc(bytes: Uint8Array, limit: number, p: TiffBlockParameters, unit: string): Promise<Uint8Array> {
  const additional = Number(p.LercParameters?.[1] ?? 0);
  const inner = 2 * limit + 65_536;
  let blob: Uint8Array;
  if (additional === 0) blob = bytes;
  else if (additional === 1) blob = await inflateBounded(bytes, "zlib", inner, `LERC ${unit}`);
  else if (additional === 2) blob = await zstdBounded(bytes, inner, `LERC ${unit}`);
  else throw new UnsupportedBlockError(`LERC with additional compression ${additional} is not read (0 none, 1 deflate, 2 zstd are)`);
  const declared = lercDecodedBytes(blob, unit);
  if (declared > limit) throw overflow("lerc", limit, unit);
  const result = lerc().decode(exactBuffer(blob), { returnPixelInterleavedDims: p.planarConfiguration === 1 });
  const first = result.pixels[0];
  if (!first) throw new Error(`lerc: the ${unit} holds no band`);
  return new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
}
