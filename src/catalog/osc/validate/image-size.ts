// Width and height of a WebP, PNG, JPEG or GIF image from its header bytes (for the themes' preview checks).
import { closeSync, openSync, readSync } from "node:fs";
import { EocubeError } from "../../../core/errors.js";

/** Pixel size of an image. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Reads the size of the image file at `path` (WebP lossy/lossless/extended, PNG, JPEG, GIF).
 * Reads at most the first 64 KiB.
 * @throws EocubeError NOT_FOUND when the file cannot be read, CORRUPT_DATA when the format is unknown or truncated.
 */
export function imageSize(path: string): ImageSize {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `Image not found: ${path}`, { path, cause: err });
  }
  const buf = Buffer.alloc(65536);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const size = imageSizeOf(buf.subarray(0, n));
  if (!size) throw new EocubeError("CORRUPT_DATA", `Unknown or corrupt image: ${path}`, { path });
  return size;
}

/** The size from the first bytes of an image, or undefined when they are not a known image header. */
export function imageSizeOf(b: Uint8Array): ImageSize | undefined {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length >= 30 && buf.toString("ascii", 0, 4) === "RIFF" && buf.toString("ascii", 8, 12) === "WEBP") {
    const chunk = buf.toString("ascii", 12, 16);
    if (chunk === "VP8X") return { width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
    if (chunk === "VP8L" && buf[20] === 0x2f) {
      const bits = buf.readUInt32LE(21);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
    }
    if (chunk === "VP8 " && buf[23] === 0x9d && buf[24] === 0x01 && buf[25] === 0x2a) {
      return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
    }
    return undefined;
  }
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.toString("ascii", 12, 16) === "IHDR") {
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length >= 10 && buf.toString("ascii", 0, 3) === "GIF") {
    return { width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) return undefined;
      const marker = buf[i + 1];
      const len = buf.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
      }
      i += 2 + len;
    }
  }
  return undefined;
}
