// JPEG-in-TIFF frames (TIFF Technical Note 2; ITU T.81 §B) checked against the tile before geotiff.js' JPEG
// decoder allocates them.
import { blockRows, type TiffBlockParameters } from "./block.js";

/** Most JPEG scans (SOS segments) one tile may hold (libjpeg-turbo's suggested limit): more is refused as damaged. */
const MAX_JPEG_SCANS = 500;

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
  let p = 2,
    frames = 0,
    scans = 0;
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
      const height = u16(q),
        width = u16(q + 2);
      const count = b[q + 4] ?? 0;
      q += 5;
      if (++frames > 1) throw new Error(`jpeg: the ${unit} holds more than one frame (a damaged ${unit})`);
      if (width > bounds.width || height > bounds.height || count > bounds.components) {
        throw new Error(
          `jpeg: a frame of ${width} × ${height} pixels × ${count} components does not fit the ${unit}'s ${bounds.width} × ${bounds.height} × ${bounds.components} (a decompression bomb or a damaged ${unit})`,
        );
      }
      for (let i = 0; i < count; i++, q += 3) {
        const h = (b[q + 1] ?? 0) >> 4,
          v = (b[q + 1] ?? 0) & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4)
          throw new Error(`jpeg: sampling factors ${h} × ${v} of component ${i} are not 1–4 (a damaged ${unit})`);
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

/** The largest frame a tile (strip) of these parameters holds. */
export function jpegBounds(p: TiffBlockParameters): JpegBounds {
  const samples = typeof p.bitsPerSample === "number" ? 1 : p.bitsPerSample.length;
  return { width: p.tileWidth, height: blockRows(p), components: p.planarConfiguration === 2 ? 1 : Math.max(1, samples) };
}
