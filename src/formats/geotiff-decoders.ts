// Bounded decoders for GeoTIFF tiles and strips: every codec eocube lets geotiff.js use decodes into at most the
// tile's (strip's) expected size, so a crafted tile that expands to gigabytes fails after its own bytes. The
// codecs are in ./tiff/ (LZW, PackBits, the JPEG frame check, LERC); deflate and zstd share the Zarr reader's.
import { addDecoder, BaseDecoder, getDecoder, type GeoTIFFImage, type ImageFileDirectory } from "geotiff";
import { EocubeError, isEocubeError } from "../core/errors.js";
import { checkChunkSize } from "./limits.js";
import { exactBuffer, tileByteLimit, UnsupportedBlockError, type TiffBlockParameters } from "./tiff/block.js";
import { checkJpegStream, jpegBounds } from "./tiff/jpeg.js";
import { decodeLerc } from "./tiff/lerc.js";
import { lzwDecodeBounded } from "./tiff/lzw.js";
import { packBitsDecodeBounded } from "./tiff/packbits.js";
import { inflateBounded, zstdBounded } from "./bounded.js";

/**
 * Names of TIFF compression schemes (tag 259; TIFF 6.0 §3, the Adobe/LibTIFF registry and GDAL's codes),
 * for messages. Only those in {@link READABLE_COMPRESSIONS} are read.
 */
export const TIFF_COMPRESSIONS: Readonly<Record<number, string>> = {
  1: "none",
  2: "CCITT RLE",
  3: "CCITT Group 3 fax",
  4: "CCITT Group 4 fax",
  5: "LZW",
  6: "old-style JPEG",
  7: "JPEG",
  8: "Deflate",
  32946: "Deflate",
  32773: "PackBits",
  32809: "ThunderScan",
  32909: "Pixar log",
  34676: "SGI log",
  34677: "SGI log24",
  34712: "JPEG 2000",
  34887: "LERC",
  34925: "LZMA",
  50000: "ZSTD",
  50001: "WebP",
  50002: "JPEG XL",
};

/** The TIFF compressions eocube decodes (each through a bounded decoder of this module, or none). */
export const READABLE_COMPRESSIONS: ReadonlySet<number> = new Set([1, 5, 7, 8, 32946, 32773, 34887, 50000]);

/** A tile or strip that failed to decode, naming it ("tile 3 (column 1, row 0)", "strip 5"), with the decoder's error. */
export class BlockDecodeError extends Error {
  /**
   * @param block the tile or strip as named in messages; @param reason the decoder's error
   * @param unsupported whether the tile uses a variant eocube refuses (else it is damaged or hostile)
   */
  constructor(
    readonly block: string,
    readonly reason: unknown,
    readonly unsupported: boolean,
  ) {
    super(`cannot decode ${block}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The registry

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
    throw new EocubeError(
      "UNSUPPORTED",
      `${path} is compressed with ${name ? `${name} (TIFF compression ${code})` : `TIFF compression ${code}`}, which eocube does not decode`,
      {
        path,
        field: "Compression",
        hint: "rewrite it with a compression eocube reads: gdal_translate -co COMPRESS=DEFLATE (or ZSTD, LZW, LERC, JPEG, PACKBITS)",
      },
    );
  }
  const bits = (fd.getValue("BitsPerSample") as ArrayLike<number> | undefined) ?? [8];
  const tiled = (image as unknown as ImageInternals).isTiled;
  const bytes = tileByteLimit({
    tileWidth: image.getTileWidth(),
    tileHeight: image.getTileHeight(),
    bitsPerSample: bits,
    planarConfiguration: Number(fd.getValue("PlanarConfiguration")),
    tiled,
    imageHeight: image.getHeight(),
  });
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
      path,
      cause: err,
      hint: "rewrite the file with gdal_translate (e.g. -co COMPRESS=DEFLATE)",
    });
  }
  return new EocubeError("CORRUPT_DATA", `cannot decode ${err.block} of ${path}: ${reasonText(err.reason)}`, {
    path,
    cause: err,
    hint: "the TIFF is truncated or its compressed tiles are damaged (or crafted to expand beyond their size)",
  });
}
