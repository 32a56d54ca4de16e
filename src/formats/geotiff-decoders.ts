// Bounded decoders for GeoTIFF tiles and strips: every codec eocube lets geotiff.js use decodes into at most the
// tile's (strip's) expected size, so a crafted tile that expands to gigabytes fails after its own bytes.
import { createRequire } from "node:module";
import { addDecoder, BaseDecoder, getDecoder, type GeoTIFFImage, type ImageFileDirectory } from "geotiff";
import { EocubeError, isEocubeError } from "../core/errors.js";
import { checkChunkSize } from "./limits.js";
import { inflateBounded, overflow, zstdBounded } from "./zarr/bounded.js";

/**
 * Names of TIFF compression schemes (tag 259; TIFF 6.0 §3, the Adobe/LibTIFF registry and GDAL's codes),
 * for messages. Only those in {@link READABLE_COMPRESSIONS} are read.
 */
export const TIFF_COMPRESSIONS: Readonly<Record<number, string>> = {
  1: "none", 2: "CCITT RLE", 3: "CCITT Group 3 fax", 4: "CCITT Group 4 fax", 5: "LZW", 6: "old-style JPEG", 7: "JPEG",
  8: "Deflate", 32946: "Deflate", 32773: "PackBits", 32809: "ThunderScan", 32909: "Pixar log", 34676: "SGI log",
  34677: "SGI log24", 34712: "JPEG 2000", 34887: "LERC", 34925: "LZMA", 50000: "ZSTD", 50001: "WebP", 50002: "JPEG XL",
};

/** The TIFF compressions eocube decodes (each through a bounded decoder of this module, or none). */
export const READABLE_COMPRESSIONS: ReadonlySet<number> = new Set([1, 5, 7, 8, 32946, 32773, 34887, 50000]);

/** Most JPEG scans (SOS segments) one tile may hold (libjpeg-turbo's suggested limit): more is refused as damaged. */
const MAX_JPEG_SCANS = 500;

/** What the decoders of this module are given about the tiles (strips) of one image. */
export interface TiffBlockParameters {
  /** Pixels per tile row (strips: the image width). */
  tileWidth: number;
  /** Rows per tile (strips: RowsPerStrip, which may exceed the image height). */
  tileHeight: number;
  planarConfiguration: number;
  bitsPerSample: number | ArrayLike<number>;
  predictor: number;
  /** Whether the image is tiled (else stripped): "tile" or "strip" in messages. */
  tiled: boolean;
  /** ImageLength: no strip holds more rows (tiles are whole, even past the image's edge). */
  imageHeight: number;
  JPEGTables?: Uint8Array;
  LercParameters?: ArrayLike<number>;
}

/**
 * Bytes one decoded tile or strip holds (the TIFF's own layout, TIFF 6.0 §15 and §3): rows × bytes per row,
 * a row being width × the bits of all samples (one sample when planar), rounded up to whole bytes. Tiles are
 * whole even where they pass the image's edge; a strip has at most as many rows as the image.
 */
export function tileByteLimit(p: Pick<TiffBlockParameters, "tileWidth" | "tileHeight" | "bitsPerSample" | "planarConfiguration" | "tiled" | "imageHeight">): number {
  const bits = typeof p.bitsPerSample === "number" ? [p.bitsPerSample] : Array.from(p.bitsPerSample);
  const pixelBits = p.planarConfiguration === 2 ? Math.max(...bits) : bits.reduce((a, b) => a + b, 0);
  return Math.ceil((p.tileWidth * pixelBits) / 8) * blockRows(p);
}

/** Rows of one tile, or of a full strip (RowsPerStrip may exceed the image's height). */
function blockRows(p: Pick<TiffBlockParameters, "tileHeight" | "tiled" | "imageHeight">): number {
  return p.tiled ? p.tileHeight : Math.min(p.tileHeight, p.imageHeight || p.tileHeight);
}

/** A tile or strip variant eocube refuses to decode (thrown by decoders; UNSUPPORTED once the reader names the file). */
export class UnsupportedBlockError extends Error {}

/** A tile or strip that failed to decode, naming it ("tile 3 (column 1, row 0)", "strip 5"), with the decoder's error. */
export class BlockDecodeError extends Error {
  /**
   * @param block the tile or strip as named in messages; @param reason the decoder's error
   * @param unsupported whether the tile uses a variant eocube refuses (else it is damaged or hostile)
   */
  constructor(readonly block: string, readonly reason: unknown, readonly unsupported: boolean) {
    super(`cannot decode ${block}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// LZW (TIFF 6.0 §13)

const LZW_CLEAR = 256;
const LZW_EOI = 257;

/**
 * Decodes TIFF LZW data (TIFF 6.0 §13: MSB-first codes of 9 to 12 bits, the width growing one code early as
 * LibTIFF writes it) into at most `limit` bytes, stopping with an error as soon as a code's string would pass
 * it: a stream of ever longer repeated codes cannot expand beyond the tile. Data ending without an EOI code
 * give what they hold (as LibTIFF does).
 * @param unit what the data are, for messages ("tile", "strip")
 * @throws Error when the output would pass `limit`, or a code is not in the table (damaged data).
 */
export function lzwDecodeBounded(input: Uint8Array, limit: number, unit = "tile"): Uint8Array {
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(limit);
  const nbits = input.length * 8;
  let bit = 0, width = 9, next = 258, old = -1, pos = 0;
  const add = (ch: number): void => {
    prefix[next] = old;
    suffix[next] = ch;
    first[next] = first[old]!;
    length[next] = length[old]! + 1;
    next++;
  };
  for (;;) {
    if (bit + width > nbits) break;
    const b = bit >>> 3;
    const word = (input[b]! << 16) | ((input[b + 1] ?? 0) << 8) | (input[b + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === LZW_EOI) break;
    if (code === LZW_CLEAR) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old < 0) {
      if (code > 255) throw new Error(`lzw: code ${code} where a literal must follow a clear code (a damaged ${unit})`);
    } else if (code < next) {
      if (next < 4096) add(first[code]!);
    } else if (code === next && next < 4096) {
      add(first[old]!);
    } else {
      throw new Error(`lzw: code ${code} is not in the table of ${next} codes (a damaged ${unit})`);
    }
    const n = length[code]!;
    if (pos + n > limit) throw overflow("lzw", limit, unit);
    for (let i = pos + n - 1, k = code; i >= pos; i--) {
      out[i] = suffix[k]!;
      k = prefix[k]!;
    }
    pos += n;
    old = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return pos === limit ? out : out.subarray(0, pos);
}

// ---------------------------------------------------------------------------------------------------------------
// PackBits (TIFF 6.0 §9)

/**
 * Decodes PackBits data (TIFF 6.0 §9: a header byte n, then n + 1 literal bytes for 0…127, one byte repeated
 * 1 − n times for −127…−1, nothing for −128) into at most `limit` bytes.
 * @throws Error when the output would pass `limit`.
 */
export function packBitsDecodeBounded(input: Uint8Array, limit: number, unit = "tile"): Uint8Array {
  const out = new Uint8Array(limit);
  let pos = 0;
  for (let i = 0; i < input.length; ) {
    const h = (input[i++]! << 24) >> 24;
    if (h >= 0) {
      const n = Math.min(h + 1, input.length - i);
      if (pos + n > limit) throw overflow("packbits", limit, unit);
      out.set(input.subarray(i, i + n), pos);
      pos += n;
      i += n;
    } else if (h !== -128) {
      const n = 1 - h;
      if (pos + n > limit) throw overflow("packbits", limit, unit);
      out.fill(input[i++] ?? 0, pos, pos + n);
      pos += n;
    }
  }
  return pos === limit ? out : out.subarray(0, pos);
}

// ---------------------------------------------------------------------------------------------------------------
// JPEG (TIFF Technical Note 2; ITU T.81 §B)

/** The largest JPEG frame a tile (strip) may hold: its pixels and samples. */
export interface JpegBounds {
  width: number;
  height: number;
  components: number;
}

/**
 * Checks the frames (SOF0–SOF2) of a JPEG stream, or a TIFF's JPEGTables, before geotiff.js' decoder parses it,
 * walking the markers exactly as that decoder does (it allocates its coefficient blocks for every frame header
 * it meets, whatever the tile's size): each frame must fit the tile (width, height, at most its samples,
 * sampling factors 1–4), a stream holds at most one frame and {@link MAX_JPEG_SCANS} scans. Where that decoder
 * would stop with an error, the walk stops too.
 * @throws Error naming what does not fit.
 */
export function checkJpegStream(b: Uint8Array, bounds: JpegBounds, unit = "tile"): void {
  const n = b.length;
  if (n < 2 || b[0] !== 0xff || b[1] !== 0xd8) return; // geotiff.js: "SOI not found"
  // geotiff.js reads past the end as zeros
  const u16 = (at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
  let p = 2, frames = 0, scans = 0;
  while (p < n) {
    if (b[p] !== 0xff) {
      // geotiff.js steps back one byte over an 0xFF eaten by the encoder, else fails on an unknown marker
      if (b[p - 1] === 0xff && b[p]! >= 0xc0 && b[p]! <= 0xfe) p -= 1;
      else return;
    }
    const m = u16(p);
    p += 2;
    if (m === 0xffd9) return;
    if (m === 0xff00) continue;
    if ((m >= 0xffe0 && m <= 0xffef) || m === 0xfffe) {
      // APPn, COM: skipped by their length
      p += 2 + Math.max(0, Math.min(u16(p) - 2, n - p - 2));
    } else if (m === 0xffdb) {
      // DQT: tables of 64 8-bit or 16-bit values up to the segment's end
      const end = p + u16(p);
      let q = p + 2;
      while (q < end) {
        const spec = (b[q++] ?? 0) >> 4;
        if (spec === 0) q += 64;
        else if (spec === 1) q += 128;
        else return;
      }
      p = q;
    } else if (m === 0xffc0 || m === 0xffc1 || m === 0xffc2) {
      let q = p + 3;
      const height = u16(q), width = u16(q + 2);
      const count = b[q + 4] ?? 0;
      q += 5;
      if (++frames > 1) throw new Error(`jpeg: the ${unit} holds more than one frame (a damaged ${unit})`);
      if (width > bounds.width || height > bounds.height || count > bounds.components) {
        throw new Error(`jpeg: a frame of ${width} × ${height} pixels × ${count} components does not fit the ${unit}'s ${bounds.width} × ${bounds.height} × ${bounds.components} (a decompression bomb or a damaged ${unit})`);
      }
      for (let i = 0; i < count; i++, q += 3) {
        const h = (b[q + 1] ?? 0) >> 4, v = (b[q + 1] ?? 0) & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new Error(`jpeg: sampling factors ${h} × ${v} of component ${i} are not 1–4 (a damaged ${unit})`);
      }
      p = q;
    } else if (m === 0xffc4) {
      // DHT: tables of 16 code counts and their symbols, as many as fit the segment's length
      const len = u16(p);
      let q = p + 2;
      for (let i = 2; i < len; ) {
        q++;
        let sum = 0;
        for (let j = 0; j < 16; j++) sum += b[q + j] ?? 0;
        q += 16 + sum;
        i += 17 + sum;
      }
      p = q;
    } else if (m === 0xffdd) {
      p += 4;
    } else if (m === 0xffda) {
      if (++scans > MAX_JPEG_SCANS) throw new Error(`jpeg: the ${unit} holds more than ${MAX_JPEG_SCANS} scans (a damaged ${unit})`);
      let q = p + 2;
      q += 1 + 2 * (b[q] ?? 0) + 3;
      // entropy-coded data: 0xFF is followed by a stuffed 0 or a restart marker until the next marker
      while (q < n) {
        if (b[q] === 0xff) {
          const x = b[q + 1];
          if (x === 0 || (x !== undefined && x >= 0xd0 && x <= 0xd7)) {
            q += 2;
            continue;
          }
          break;
        }
        q++;
      }
      p = q;
    } else if (m === 0xffff) {
      if (b[p] !== 0xff) p -= 1;
    } else {
      return; // geotiff.js: unknown marker
    }
  }
}

/** The largest frame a block of these parameters holds. */
function jpegBounds(p: TiffBlockParameters): JpegBounds {
  const samples = typeof p.bitsPerSample === "number" ? 1 : p.bitsPerSample.length;
  return { width: p.tileWidth, height: blockRows(p), components: p.planarConfiguration === 2 ? 1 : Math.max(1, samples) };
}

// ---------------------------------------------------------------------------------------------------------------
// LERC (https://github.com/Esri/lerc, LERC2 blob header; GDAL's TIFF LercParameters: [version, additional compression])

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
  let off = 0, total = 0;
  while (off < blob.length - 10) {
    if (text(off, 9) === "CntZImage") throw new UnsupportedBlockError("LERC1 (CntZImage) blobs are not read; GDAL writes LERC2 (rewrite the file with gdal_translate -co COMPRESS=LERC)");
    if (text(off, 6) !== "Lerc2 ") throw new Error(`lerc: no LERC2 blob at byte ${off} (a damaged ${unit})`);
    const version = view.getInt32(off + 6, true);
    if (version > 5) throw new UnsupportedBlockError(`LERC2 version ${version} is not read (eocube reads LERC2 up to version 5)`);
    let p = off + 10 + (version >= 3 ? 4 : 0);
    const keys = p + 8 + (version >= 4 ? 4 : 0) + 16;
    if (keys + 24 > blob.length) throw new Error(`lerc: the header of the blob at byte ${off} is cut short (a damaged ${unit})`);
    const height = view.getUint32(p, true), width = view.getUint32(p + 4, true);
    p += 8;
    const dims = version >= 4 ? view.getUint32(p, true) : 1;
    if (version >= 4) p += 4;
    const blobSize = view.getInt32(p + 8, true);
    const type = view.getInt32(p + 12, true);
    const itemBytes = LERC_TYPE_BYTES[type];
    if (itemBytes === undefined) throw new Error(`lerc: unknown data type ${type} (a damaged ${unit})`);
    if (blobSize < keys + 24 - off) throw new Error(`lerc: a blob size of ${blobSize} bytes is shorter than its header (a damaged ${unit})`);
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
 */
async function decodeLerc(bytes: Uint8Array, limit: number, p: TiffBlockParameters, unit: string): Promise<Uint8Array> {
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

// ---------------------------------------------------------------------------------------------------------------
// The registry

/** The bytes of a view as an ArrayBuffer of exactly their length (copied only when the view is a part). */
function exactBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The decoder parameters geotiff.js gives by default, plus what the bounds need (tiled, image height) and `extra` tags. */
function parametersWith(...extra: ("JPEGTables" | "LercParameters")[]): (fd: ImageFileDirectory) => Promise<never> {
  return async (fd: ImageFileDirectory): Promise<never> => {
    const tiled = !fd.hasTag("StripOffsets");
    const imageHeight = Number(await fd.loadValue("ImageLength"));
    const params: TiffBlockParameters = {
      tileWidth: Number(tiled ? await fd.loadValue("TileWidth") : await fd.loadValue("ImageWidth")),
      tileHeight: Number(tiled ? await fd.loadValue("TileLength") : (await fd.loadValue("RowsPerStrip")) || imageHeight),
      planarConfiguration: Number(await fd.loadValue("PlanarConfiguration")),
      bitsPerSample: (await fd.loadValue("BitsPerSample")) as ArrayLike<number>,
      predictor: Number(await fd.loadValue("Predictor")) || 1,
      tiled,
      imageHeight,
    };
    for (const tag of extra) (params as unknown as Record<string, unknown>)[tag] = await fd.loadValue(tag);
    return params as never; // geotiff.js' BaseDecoderParameters, with more fields
  };
}

type Decode = (bytes: Uint8Array, limit: number, p: TiffBlockParameters, unit: string) => Uint8Array | Promise<Uint8Array>;

/** A geotiff.js decoder class running `decode` with the block's byte limit (the predictor is applied after, by BaseDecoder). */
function boundedDecoder(decode: Decode): typeof BaseDecoder {
  return class BoundedDecoder extends BaseDecoder {
    override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
      const p = this.parameters as unknown as TiffBlockParameters;
      return exactBuffer(await decode(new Uint8Array(buffer), tileByteLimit(p), p, p.tiled ? "tile" : "strip"));
    }
  };
}

/** geotiff.js' own JPEG decoder class, taken from its registry before ours replaces it (a small module). */
const probe = { tileWidth: 1, tileHeight: 1, planarConfiguration: 1, bitsPerSample: [8], predictor: 1 };
const geotiffJpeg = getDecoder(7, probe as never).then((d) => d.constructor as new (p: unknown) => BaseDecoder);
geotiffJpeg.catch(() => undefined);

/** geotiff.js' JPEG decoder, run only on streams (and JPEGTables) whose frames {@link checkJpegStream} let through. */
class BoundedJpegDecoder extends BaseDecoder {
  #inner?: Promise<BaseDecoder>;

  /** @throws Error when the JPEGTables hold a frame that does not fit the tile. */
  constructor(parameters: ConstructorParameters<typeof BaseDecoder>[0]) {
    super(parameters);
    const p = parameters as unknown as TiffBlockParameters;
    if (p.JPEGTables) checkJpegStream(Uint8Array.from(p.JPEGTables), jpegBounds(p), p.tiled ? "tile" : "strip");
  }

  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    const p = this.parameters as unknown as TiffBlockParameters;
    checkJpegStream(new Uint8Array(buffer), jpegBounds(p), p.tiled ? "tile" : "strip");
    this.#inner ??= geotiffJpeg.then((C) => new C(this.parameters));
    return (await this.#inner).decodeBlock(buffer as ArrayBuffer);
  }
}

addDecoder(5, async () => boundedDecoder((d, limit, _p, unit) => lzwDecodeBounded(d, limit, unit)), parametersWith());
addDecoder([8, 32946], async () => boundedDecoder((d, limit, _p, unit) => inflateBounded(d, "zlib", limit, unit)), parametersWith());
addDecoder(32773, async () => boundedDecoder((d, limit, _p, unit) => packBitsDecodeBounded(d, limit, unit)), parametersWith());
addDecoder(50000, async () => boundedDecoder((d, limit, _p, unit) => zstdBounded(d, limit, unit)), parametersWith());
addDecoder(34887, async () => boundedDecoder(decodeLerc), parametersWith("LercParameters"));
addDecoder(7, async () => BoundedJpegDecoder as unknown as typeof BaseDecoder, parametersWith("JPEGTables"));

// ---------------------------------------------------------------------------------------------------------------
// What the reader checks and names

/** What this module needs of a geotiff.js image beyond its public methods. */
interface ImageInternals {
  isTiled: boolean;
  planarConfiguration: number;
  getTileOrStrip(x: number, y: number, sample: number, decoder: unknown, signal?: AbortSignal): Promise<unknown>;
}

const named = new WeakSet<object>();

/** The tile or strip at block column `x`, row `y` (and `sample` when planar) as named in messages. */
function blockName(image: GeoTIFFImage, x: number, y: number, sample: number): string {
  const im = image as unknown as ImageInternals;
  const perRow = Math.ceil(image.getWidth() / image.getTileWidth());
  const perCol = Math.ceil(image.getHeight() / image.getTileHeight());
  const planar = im.planarConfiguration === 2;
  const index = (planar ? sample * perRow * perCol : 0) + y * perRow + x;
  const band = planar ? ` of band ${sample + 1}` : "";
  return im.isTiled ? `tile ${index} (column ${x}, row ${y}${band})` : `strip ${index}${band}`;
}

/**
 * Makes the errors of decoding one tile or strip of `image` name it: geotiff.js reads every tile through the
 * image's `getTileOrStrip(x, y, sample, …)`, which is wrapped (once per image) so that a decoder's error
 * becomes a {@link BlockDecodeError} naming the block. EocubeErrors (range reads) and aborts pass unchanged.
 */
export function nameBlockErrors(image: GeoTIFFImage): void {
  if (named.has(image)) return;
  named.add(image);
  const im = image as unknown as ImageInternals;
  const original = im.getTileOrStrip.bind(image);
  im.getTileOrStrip = async (x, y, sample, decoder, signal) => {
    try {
      return await original(x, y, sample, decoder, signal);
    } catch (err) {
      if (isEocubeError(err) || (err as Error | undefined)?.name === "AbortError") throw err;
      throw new BlockDecodeError(blockName(image, x, y, sample), err, err instanceof UnsupportedBlockError);
    }
  };
}

/**
 * Checks, before any tile of `image` is fetched, that eocube decodes its compression and that one decoded
 * tile (strip) stays within the per-chunk limit, and makes decoding errors name their tile
 * ({@link nameBlockErrors}).
 * @param path the file as named in errors
 * @throws EocubeError UNSUPPORTED naming the compression (e.g. LZMA, WebP, JPEG XL) and how to rewrite the
 *   file; TOO_LARGE when one tile or strip decodes to more than the per-chunk limit.
 */
export function prepareBlockDecoding(image: GeoTIFFImage, path: string): void {
  const fd = image.getFileDirectory();
  const code = Number(fd.getValue("Compression") ?? 1) || 1;
  if (!READABLE_COMPRESSIONS.has(code)) {
    const name = TIFF_COMPRESSIONS[code];
    throw new EocubeError("UNSUPPORTED", `${path} is compressed with ${name ? `${name} (TIFF compression ${code})` : `TIFF compression ${code}`}, which eocube does not decode`, {
      path, field: "Compression",
      hint: "rewrite it with a compression eocube reads: gdal_translate -co COMPRESS=DEFLATE (or ZSTD, LZW, LERC, JPEG, PACKBITS)",
    });
  }
  const bits = (fd.getValue("BitsPerSample") as ArrayLike<number> | undefined) ?? [8];
  const tiled = (image as unknown as ImageInternals).isTiled;
  const bytes = tileByteLimit({ tileWidth: image.getTileWidth(), tileHeight: image.getTileHeight(), bitsPerSample: bits, planarConfiguration: Number(fd.getValue("PlanarConfiguration")), tiled, imageHeight: image.getHeight() });
  const unit = tiled ? "tile" : "strip";
  checkChunkSize(bytes, `a ${unit} of ${path}`, { path });
  nameBlockErrors(image);
}

/**
 * The EocubeError of a tile that failed to decode, naming the file and the tile (or strip).
 * @returns UNSUPPORTED for a variant eocube refuses (LERC1, …), else CORRUPT_DATA (a damaged or hostile tile:
 *   one that decodes to more than its size, or not at all).
 */
export function blockDecodeError(err: BlockDecodeError, path: string, reasonText: (e: unknown) => string): EocubeError {
  if (err.unsupported) {
    return new EocubeError("UNSUPPORTED", `cannot decode ${err.block} of ${path}: ${reasonText(err.reason)}`, {
      path, cause: err, hint: "rewrite the file with gdal_translate (e.g. -co COMPRESS=DEFLATE)",
    });
  }
  return new EocubeError("CORRUPT_DATA", `cannot decode ${err.block} of ${path}: ${reasonText(err.reason)}`, {
    path, cause: err, hint: "the TIFF is truncated or its compressed tiles are damaged (or crafted to expand beyond their size)",
  });
}
