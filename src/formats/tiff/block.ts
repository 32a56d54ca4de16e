// One TIFF tile or strip as the bounded decoders see it: its parameters, its expected decoded size, and the
// error of a variant eocube refuses.

/** What the bounded decoders are given about the tiles (strips) of one image. */
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
export function tileByteLimit(
  p: Pick<TiffBlockParameters, "tileWidth" | "tileHeight" | "bitsPerSample" | "planarConfiguration" | "tiled" | "imageHeight">,
): number {
  const bits = typeof p.bitsPerSample === "number" ? [p.bitsPerSample] : Array.from(p.bitsPerSample);
  const pixelBits = p.planarConfiguration === 2 ? Math.max(...bits) : bits.reduce((a, b) => a + b, 0);
  return Math.ceil((p.tileWidth * pixelBits) / 8) * blockRows(p);
}

/** Rows of one tile, or of a full strip (RowsPerStrip may exceed the image's height). */
export function blockRows(p: Pick<TiffBlockParameters, "tileHeight" | "tiled" | "imageHeight">): number {
  return p.tiled ? p.tileHeight : Math.min(p.tileHeight, p.imageHeight || p.tileHeight);
}

/** A tile or strip variant eocube refuses to decode (thrown by decoders; UNSUPPORTED once the reader names the file). */
export class UnsupportedBlockError extends Error {}

/** The bytes of a view as an ArrayBuffer of exactly their length (copied only when the view is a part). */
export function exactBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
