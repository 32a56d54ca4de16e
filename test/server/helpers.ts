// Test helpers for the server: a small PNG decoder, an in-memory cube, and paths of the shared real data.
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";
import { Dataset } from "../../src/core/dataset.js";
import { normalizeSelection, selectionShape, type Selection } from "../../src/core/selection.js";
import { Variable } from "../../src/core/variable.js";

/** ../shared/data of the repository. */
export const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));

/** Decodes an 8-bit RGBA, gray or indexed PNG (all five filter types; palettes expanded to RGBA) into `{width, height, channels, pixels}`. */
export function decodePng(buf: Uint8Array): { width: number; height: number; channels: number; pixels: Uint8Array } {
  const b = Buffer.from(buf);
  if (b.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let off = 8;
  let width = 0,
    height = 0,
    channels = 4,
    colorType = 6;
  let plte: Buffer | undefined;
  let trns: Buffer | undefined;
  const idat: Buffer[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString("latin1", off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9]!;
      channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType] ?? 4;
    } else if (type === "PLTE") plte = data;
    else if (type === "tRNS") trns = data;
    else if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? px[y * stride + i - channels]! : 0;
      const up = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? px[(y - 1) * stride + i - channels]! : 0;
      let v = x;
      if (f === 1) v = x + a;
      else if (f === 2) v = x + up;
      else if (f === 3) v = x + ((a + up) >> 1);
      else if (f === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a),
          pb = Math.abs(p - up),
          pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? up : c);
      }
      px[y * stride + i] = v & 0xff;
    }
  }
  if (colorType === 3) {
    // expand palette indices to RGBA
    const rgba = new Uint8Array(width * height * 4);
    for (let k = 0; k < width * height; k++) {
      const i = px[k]!;
      rgba[k * 4] = plte![i * 3]!;
      rgba[k * 4 + 1] = plte![i * 3 + 1]!;
      rgba[k * 4 + 2] = plte![i * 3 + 2]!;
      rgba[k * 4 + 3] = trns && i < trns.length ? trns[i]! : 255;
    }
    return { width, height, channels: 4, pixels: rgba };
  }
  return { width, height, channels, pixels: px };
}

/** Reads a selection from a C-order Float64Array of `shape`. */
function select(values: Float64Array, shape: number[], selection: Selection): Float64Array {
  const norm = normalizeSelection(shape, selection);
  const outShape = norm.map((d) => d.stop - d.start);
  const out = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array(shape.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let rem = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % outShape[d]!;
      rem = Math.floor(rem / outShape[d]!);
    }
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += (idx[d] + norm[d]!.start) * strides[d]!;
    out[k] = values[src]!;
  }
  return out;
}

/** A variable over an in-memory Float64Array; `reads` counts read calls. */
export function memVariable(
  name: string,
  dims: string[],
  shape: number[],
  values: Float64Array,
  opts: { chunks?: number[]; dtype?: "float64" | "datetime64[ns]"; attrs?: Record<string, unknown>; reads?: { n: number } } = {},
): Variable {
  return new Variable({
    name,
    dims,
    shape,
    dtype: opts.dtype ?? "float64",
    ...(opts.chunks ? { chunks: opts.chunks } : {}),
    attrs: opts.attrs ?? {},
    read: async (sel) => {
      if (opts.reads) opts.reads.n++;
      const data = select(values, shape, sel);
      return { data, shape: selectionShape(normalizeSelection(shape, sel)), dtype: opts.dtype ?? "float64" };
    },
  });
}

/**
 * A synthetic cube: time=4 (2020-01-01…04 12:00Z), lat=40 descending 9.875…0.125, lon=80 0.125…19.875
 * (0.25°), `temp[t, i, j] = t·1000 + i·100 + j` with NaN at [*, 0, 0], chunks 1×16×16.
 */
export function memCube(reads?: { n: number }): Dataset {
  const T = 4,
    H = 40,
    W = 80;
  const times = Float64Array.from({ length: T }, (_, t) => Date.UTC(2020, 0, 1 + t, 12));
  const lat = Float64Array.from({ length: H }, (_, i) => 9.875 - i * 0.25);
  const lon = Float64Array.from({ length: W }, (_, j) => 0.125 + j * 0.25);
  const temp = new Float64Array(T * H * W);
  for (let t = 0; t < T; t++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) temp[(t * H + i) * W + j] = t * 1000 + i * 100 + j;
  for (let t = 0; t < T; t++) temp[t * H * W] = NaN;
  return new Dataset({
    coords: {
      time: memVariable("time", ["time"], [T], times, { dtype: "datetime64[ns]" }),
      lat: memVariable("lat", ["lat"], [H], lat, { attrs: { units: "degrees_north", standard_name: "latitude" } }),
      lon: memVariable("lon", ["lon"], [W], lon, { attrs: { units: "degrees_east", standard_name: "longitude" } }),
    },
    data_vars: {
      temp: memVariable("temp", ["time", "lat", "lon"], [T, H, W], temp, {
        chunks: [1, 16, 16],
        attrs: { units: "K", long_name: "Temperature" },
        ...(reads ? { reads } : {}),
      }),
    },
    attrs: { title: "synthetic cube" },
  });
}
