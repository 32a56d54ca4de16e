// A small PNG encoder (8-bit RGBA or gray, no interlace) over node:zlib. https://www.w3.org/TR/png/
import { crc32, deflateSync } from "node:zlib";

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** Options of {@link encodePng}. */
export interface PngOptions {
  /** zlib level 0…9 [default 1: fast, tiles are small]. */
  level?: number;
}

/**
 * Encodes an image as PNG.
 * @param pixels row-major samples, `[height, width, channels]`, channels 4 (RGBA) or 1 (gray).
 * @param width image width in pixels.
 * @param height image height in pixels.
 * @param channels 4 (RGBA, default) or 1 (gray).
 * Each row uses the PNG "Up" filter (filter type 2), which compresses smooth tiles well.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 4 = 4, options: PngOptions = {}): Buffer {
  const stride = width * channels;
  if (pixels.length !== stride * height) throw new RangeError(`encodePng: ${pixels.length} bytes for ${width}×${height}×${channels}`);
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const row = y * stride;
    if (y === 0) {
      raw[o] = 0;
      raw.set(pixels.subarray(row, row + stride), o + 1);
    } else {
      raw[o] = 2;
      const prev = row - stride;
      for (let i = 0; i < stride; i++) raw[o + 1 + i] = (pixels[row + i]! - pixels[prev + i]!) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 0; // colour type RGBA or gray
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: options.level ?? 1 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/**
 * Encodes RGBA pixels as an indexed-colour PNG (colour type 3 with PLTE and tRNS) when they hold at most
 * 256 distinct colours, else as RGBA: a quarter of the bytes to deflate for colour-mapped tiles.
 * @param rgba row-major RGBA samples `[height, width, 4]`.
 */
export function encodePngAuto(rgba: Uint8Array, width: number, height: number, options: PngOptions = {}): Buffer {
  const n = width * height;
  const px = new Uint32Array(rgba.buffer, rgba.byteOffset, n);
  const index = new Map<number, number>();
  const idx = new Uint8Array(n);
  let last = -1;
  let lastI = 0;
  for (let k = 0; k < n; k++) {
    let c = px[k]!;
    if (c >>> 24 === 0 && (c & 0xffffff) !== 0) c = 0; // all fully transparent pixels share one entry (little-endian: alpha in the top byte)
    if (c !== last) {
      let i = index.get(c);
      if (i === undefined) {
        if (index.size === 256) return encodePng(rgba, width, height, 4, options);
        i = index.size;
        index.set(c, i);
      }
      last = c;
      lastI = i;
    }
    idx[k] = lastI;
  }
  const entries = [...index.keys()];
  const plte = Buffer.alloc(entries.length * 3);
  const trns = Buffer.alloc(entries.length);
  let lastOpaque = -1;
  entries.forEach((c, i) => {
    plte[i * 3] = c & 0xff;
    plte[i * 3 + 1] = (c >>> 8) & 0xff;
    plte[i * 3 + 2] = (c >>> 16) & 0xff;
    trns[i] = c >>> 24;
    if (trns[i] !== 255) lastOpaque = i;
  });
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(idx.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 3; // indexed colour
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("PLTE", plte),
    ...(lastOpaque >= 0 ? [chunk("tRNS", trns.subarray(0, lastOpaque + 1))] : []),
    chunk("IDAT", deflateSync(raw, { level: options.level ?? 1 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
