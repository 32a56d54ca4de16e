// Colour maps, PNG encoding, tile grids, the byte-bounded LRU and the render kernel.
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { LruCache } from "../../src/server/cache.js";
import { colorMapCategories, parseColor, resolveColorMap } from "../../src/server/render/colormaps.js";
import { colorize, computeIndexMap } from "../../src/server/render/kernel.js";
import { encodePng, encodePngAuto } from "../../src/server/render/png.js";
import {
  CRS84_QUAD,
  WEB_MERCATOR_QUAD,
  lonLatToMercator,
  mercatorToLonLat,
  tileBounds,
  tileGridOf,
} from "../../src/server/render/tilegrid.js";
import { decodePng } from "./helpers.js";

const rgbaAt = (lut: Uint8Array, i: number) => Array.from(lut.subarray(i * 4, i * 4 + 4));

describe("colour maps", () => {
  it("holds matplotlib's LUTs (viridis ends #440154 … #fde725; gray is the identity)", () => {
    const v = resolveColorMap("viridis");
    expect(rgbaAt(v.lut!, 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(rgbaAt(v.lut!, 255)).toEqual([0xfd, 0xe7, 0x25, 255]);
    const g = resolveColorMap("gray");
    for (const i of [0, 1, 100, 254, 255]) expect(rgbaAt(g.lut!, i)).toEqual([i, i, i, 255]);
    const names = colorMapCategories().flatMap((c) => c.names);
    for (const n of ["viridis", "plasma", "inferno", "magma", "cividis", "gray", "jet", "RdBu", "tab10"]) expect(names).toContain(n);
  });

  it("reverses with _r and ramps alpha with _alpha (in either order)", () => {
    const v = resolveColorMap("viridis");
    const r = resolveColorMap("viridis_r");
    expect(rgbaAt(r.lut!, 0)).toEqual(rgbaAt(v.lut!, 255));
    const a = resolveColorMap("RdBu_r_alpha");
    expect(a.lut![3]).toBe(0);
    expect(a.lut![255 * 4 + 3]).toBe(255);
    expect(rgbaAt(a.lut!, 255).slice(0, 3)).toEqual(rgbaAt(resolveColorMap("RdBu").lut!, 0).slice(0, 3));
  });

  it("parses JSON user maps: continuous, stepwise, categorical", () => {
    const c = resolveColorMap(
      JSON.stringify({
        type: "continuous",
        colors: [
          [0, "#000000"],
          [10, "#ffffff"],
        ],
      }),
    );
    expect(c.range).toEqual([0, 10]);
    expect(rgbaAt(c.lut!, 0)[0]).toBeLessThan(2);
    expect(rgbaAt(c.lut!, 255)[0]).toBeGreaterThan(253);
    const s = resolveColorMap(
      JSON.stringify({
        type: "stepwise",
        colors: [
          [0, "#ff0000"],
          [5, [0, 255, 0]],
          [8, "#0000ff80"],
        ],
      }),
    );
    const out = new Uint8Array(5 * 4);
    colorize(Float64Array.of(-1, 0, 4.99, 5, 100), s, { vmin: 0, vmax: 1 }, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 128]);
    const k = resolveColorMap(
      JSON.stringify({
        type: "categorical",
        colors: [
          [1, "#ff0000", "water"],
          [3, "#00ff00", "land"],
        ],
      }),
    );
    const o2 = new Uint8Array(3 * 4);
    colorize(Float64Array.of(1, 2, 3), k, { vmin: 0, vmax: 1 }, o2);
    expect(Array.from(o2)).toEqual([255, 0, 0, 255, 0, 0, 0, 0, 0, 255, 0, 255]);
    expect(parseColor([0.5, 0.25, 1, 0.5])).toEqual([128, 64, 255, 128]);
  });

  it("rejects unknown names and malformed JSON maps with INVALID_PARAMS", () => {
    for (const bad of [
      "nosuchmap",
      "viridis_x",
      "{not json",
      '{"type":"continuous","colors":[[1,"#fff"],[0,"#000"]]}',
      '{"type":"wavy","colors":[[0,"#000"]]}',
      '{"colors":[[0,"reddish"],[1,"#000"]]}',
      '{"colors":"x"}',
    ]) {
      let err: unknown;
      try {
        resolveColorMap(bad);
      } catch (e) {
        err = e;
      }
      expect(isEocubeError(err, "INVALID_PARAMS"), bad).toBe(true);
    }
  });

  it("normalises like matplotlib (under → first, over → last, NaN transparent, log norm)", () => {
    const g = resolveColorMap("gray");
    const out = new Uint8Array(6 * 4);
    colorize(Float64Array.of(-5, 0, 127.5, 255, 1000, NaN), g, { vmin: 0, vmax: 255 }, out);
    expect([out[0], out[4], out[8], out[12], out[16], out[23]]).toEqual([0, 0, 128, 255, 255, 0]);
    const o2 = new Uint8Array(3 * 4);
    colorize(Float64Array.of(1, 10, 100), g, { vmin: 1, vmax: 100, norm: "log" }, o2);
    expect([o2[0], o2[8]]).toEqual([0, 255]);
    expect(Math.abs(o2[4]! - 128)).toBeLessThanOrEqual(1); // log(10) is half-way between log(1) and log(100)
  });
});

describe("PNG", () => {
  it("round-trips RGBA and gray through a decoder", () => {
    const px = Uint8Array.from({ length: 7 * 5 * 4 }, (_, i) => (i * 37) & 255);
    const png = encodePng(px, 7, 5);
    const d = decodePng(png);
    expect([d.width, d.height, d.channels]).toEqual([7, 5, 4]);
    expect(Buffer.from(d.pixels).equals(Buffer.from(px))).toBe(true);
    const few = Uint8Array.from({ length: 6 * 4 * 4 }, (_, i) => (i % 8 < 4 ? [10, 20, 30, 255][i % 4]! : [0, 0, 0, 0][i % 4]!));
    const indexed = encodePngAuto(few, 6, 4);
    expect(indexed[25]).toBe(3); // colour type 3: palette
    expect(Array.from(decodePng(indexed).pixels)).toEqual(Array.from(few));
    const distinct = Uint8Array.from({ length: 20 * 20 * 4 }, (_, i) => [(i >> 2) & 255, i >> 10, 7, 255][i % 4]!);
    const many = encodePngAuto(distinct, 20, 20);
    expect(many[25]).toBe(6); // 400 colours: RGBA
    expect(Array.from(decodePng(many).pixels)).toEqual(Array.from(distinct));
    const gray = Uint8Array.from({ length: 9 }, (_, i) => i * 20);
    expect(Array.from(decodePng(encodePng(gray, 3, 3, 1)).pixels)).toEqual(Array.from(gray));
  });
});

describe("tile grids", () => {
  it("gives WorldWebMercatorQuad and WorldCRS84Quad tile bounds", () => {
    expect(tileBounds(WEB_MERCATOR_QUAD, 0, 0, 0)).toEqual(WEB_MERCATOR_QUAD.extent);
    const b = tileBounds(WEB_MERCATOR_QUAD, 1, 0, 1);
    expect(b[0]).toBe(0);
    expect(b[3]).toBeCloseTo(20037508.342789244);
    expect(tileBounds(CRS84_QUAD, 0, 0, 1)).toEqual([0, -90, 180, 90]);
    expect(tileBounds(CRS84_QUAD, 1, 1, 0)).toEqual([-180, -90, -90, 0]);
    expect(tileGridOf("CRS84")).toBe(CRS84_QUAD);
    expect(tileGridOf(undefined)).toBe(WEB_MERCATOR_QUAD);
    const [lon, lat] = mercatorToLonLat(...lonLatToMercator(12.5, 51.25));
    expect(lon).toBeCloseTo(12.5, 9);
    expect(lat).toBeCloseTo(51.25, 9);
  });

  it("refuses z/x/y outside the matrix and unknown CRSs", () => {
    for (const [z, y, x] of [
      [0, 0, 1],
      [1, 2, 0],
      [25, 0, 0],
      [-1, 0, 0],
      [3, 0, 8],
    ] as const) {
      expect(() => tileBounds(WEB_MERCATOR_QUAD, z, y, x)).toThrow(/outside/);
    }
    expect(() => tileGridOf("EPSG:32633")).toThrow(/unsupported tile CRS/);
  });
});

describe("LRU cache", () => {
  it("stays within its byte bound and evicts the least recently used", async () => {
    const c = new LruCache<Float64Array>({ maxBytes: 3 * 800 });
    c.set("a", new Float64Array(100));
    c.set("b", new Float64Array(100));
    c.set("c", new Float64Array(100));
    c.get("a");
    c.set("d", new Float64Array(100));
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBeDefined();
    expect(c.bytes).toBeLessThanOrEqual(2400);
    let loads = 0;
    const load = async () => {
      loads++;
      return new Float64Array(10);
    };
    await Promise.all([c.getOrLoad("x", load), c.getOrLoad("x", load)]);
    expect(loads).toBe(1);
  });
});

describe("render kernel", () => {
  it("samples the source pixel containing each tile pixel centre (no half-cell shift)", () => {
    // identity: a 4×4 source of 1° cells over [0, 4]×[0, 4] seen by a 4-px tile of the same bounds
    const map = computeIndexMap([0, 0, 4, 4], 4, [0, 1, 0, 4, 0, -1], 4, 4, () => undefined, true);
    expect(Array.from(map.rows)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(Array.from(map.cols)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    // an 8-px tile over the same area: two tile pixels per cell
    const m8 = computeIndexMap([0, 0, 4, 4], 8, [0, 1, 0, 4, 0, -1], 4, 4, () => undefined, false);
    expect(Array.from(m8.cols.subarray(0, 8))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(m8.window).toEqual([0, 4, 0, 4]);
    // shifted by half a tile: the left half is outside
    const ms = computeIndexMap([-2, 0, 2, 4], 4, [0, 1, 0, 4, 0, -1], 4, 4, () => undefined, true);
    expect(Array.from(ms.cols.subarray(0, 4))).toEqual([-1, -1, 0, 1]);
  });
});
