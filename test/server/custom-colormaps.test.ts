// Custom colour maps as xcube builds them (xcube/util/cmaps.py): CustomColorMaps entries (continuous,
// stepwise, categorical, xcube's colour rules) and SNAP .cpd palettes (xcube's demo cc_tsm.cpd), and the registry.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { colorize } from "../../src/server/render/kernel.js";
import { ColorMapRegistry, customColor, customColorMapOf, parseSnapCpd } from "../../src/server/render/custom-colormaps.js";
import type { ColorMap } from "../../src/server/render/colormaps.js";

const CPD = fileURLToPath(new URL("./fixtures/xcube-demo/cc_tsm.cpd", import.meta.url));

const lutAt = (cm: ColorMap, i: number) => Array.from(cm.lut!.subarray(i * 4, i * 4 + 4));
const colorsOf = (cm: ColorMap, values: number[], vmin = 0, vmax = 1) => {
  const out = new Uint8Array(values.length * 4);
  colorize(Float64Array.from(values), cm, { vmin, vmax }, out);
  return values.map((_, k) => Array.from(out.subarray(k * 4, k * 4 + 4)));
};

describe("CustomColorMaps colours", () => {
  it("reads [r, g, b(, a)] as xcube: bytes when one of r, g, b is above 1, else fractions; alpha a fraction", () => {
    expect(customColor([0, 255, 0])).toEqual({ rgba: [0, 255, 0, 255], text: "#00ff00ff" });
    expect(customColor([0, 1, 0])).toEqual({ rgba: [0, 255, 0, 255], text: "#00ff00ff" });
    expect(customColor([0, 255, 0, 0.5]).rgba).toEqual([0, 255, 0, 128]);
    expect(customColor([1, 0, 0]).rgba).toEqual([255, 0, 0, 255]);
    expect(customColor("#0000FF")).toEqual({ rgba: [0, 0, 255, 255], text: "#0000FF" });
    expect(customColor("tan").rgba).toEqual([210, 180, 140, 255]);
  });
});

describe("CustomColorMaps types", () => {
  it("continuous: colours at their values, interpolated (matplotlib's 256-entry LUT, entry i at i/255)", () => {
    const m = customColorMapOf({
      Identifier: "c",
      Type: "continuous",
      Colors: [
        { Value: 0, Color: "red" },
        { Value: 51, Color: [0, 0, 255] },
        { Value: 255, Color: "white", Label: "top" },
      ],
    });
    expect(m.range).toEqual([0, 255]);
    expect(lutAt(m.colorMap, 0)).toEqual([255, 0, 0, 255]);
    expect(lutAt(m.colorMap, 51)).toEqual([0, 0, 255, 255]);
    expect(lutAt(m.colorMap, 255)).toEqual([255, 255, 255, 255]);
    expect(m.code).toEqual({
      name: "c",
      type: "continuous",
      colors: [
        [0, "red"],
        [51, "#0000ffff"],
        [255, "white", "top"],
      ],
    });
  });

  it("stepwise: colour i from value i to value i+1, the last colour only marks the end (as xcube)", () => {
    const m = customColorMapOf({
      Identifier: "s",
      Type: "stepwise",
      Colors: [
        [0, "red"],
        [10, "blue"],
        [20, "white"],
      ],
    });
    expect(m.range).toEqual([0, 20]);
    expect(lutAt(m.colorMap, 127)).toEqual([255, 0, 0, 255]);
    expect(lutAt(m.colorMap, 128)).toEqual([0, 0, 255, 255]);
    expect(lutAt(m.colorMap, 255)).toEqual([0, 0, 255, 255]);
    expect(colorsOf(m.colorMap, [2, 12, 25], 0, 20)).toEqual([
      [255, 0, 0, 255],
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
  });

  it("categorical: the classes [k, k+1) of the keys, gaps and values outside transparent, whatever the range", () => {
    const m = customColorMapOf({
      Identifier: "cat",
      Type: "categorical",
      Colors: [
        [0, [0, 255, 0, 0.5]],
        [1, "orange"],
        [3, [1, 0, 0], "high"],
      ],
    });
    expect(m.range).toEqual([0, 4]);
    expect(colorsOf(m.colorMap, [0, 0.5, 1, 2, 3, 4, -1, Number.NaN], 100, 200)).toEqual([
      [0, 255, 0, 128],
      [0, 255, 0, 128],
      [255, 165, 0, 255],
      [0, 0, 0, 0],
      [255, 0, 0, 255],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    // its /colorbars image: the listed colours (gap included) in equal parts
    expect(Array.from(m.preview.subarray(0, 4))).toEqual([0, 255, 0, 128]);
    expect(Array.from(m.preview.subarray(255 * 4))).toEqual([255, 0, 0, 255]);
  });

  it("refuses values that do not ascend and colours that do not parse, naming the map", () => {
    for (const Colors of [
      [
        [1, "red"],
        [0, "blue"],
      ],
      [
        [0, "redd"],
        [1, "blue"],
      ],
    ]) {
      try {
        customColorMapOf({ Identifier: "bad", Type: "continuous", Colors });
        expect.unreachable();
      } catch (err) {
        expect(isEocubeError(err, "INVALID_CONFIG")).toBe(true);
        expect((err as Error).message).toMatch(/custom colour map "bad"/);
      }
    }
  });
});

describe("SNAP .cpd palettes (ColorFile)", () => {
  it("reads xcube's demo cc_tsm.cpd: a continuous map over its samples, named after the file", () => {
    const m = parseSnapCpd(readFileSync(CPD, "utf8"), CPD);
    expect(m.name).toBe("cc_tsm");
    expect(m.range[0]).toBeCloseTo(0.0672554675129238, 15);
    expect(m.range[1]).toBe(30);
    expect(lutAt(m.colorMap, 0)).toEqual([0, 0, 128, 255]);
    expect(lutAt(m.colorMap, 255)).toEqual([153, 51, 0, 255]);
    expect(m.code).toBeUndefined();
  });

  it("refuses a file that is not a palette, naming it", () => {
    expect(() => parseSnapCpd("numPoints=2\ncolor0=1,2\nsample0=0\n", "bad.cpd")).toThrow(/illegal SNAP \*\.cpd format: bad\.cpd/);
    expect(() => parseSnapCpd("hello\n", "bad.cpd")).toThrow(/not key=value/);
  });
});

describe("ColorMapRegistry", () => {
  it("resolves custom maps with _r/_alpha, and matplotlib names and JSON maps as before", () => {
    const reg = new ColorMapRegistry([
      customColorMapOf({
        Identifier: "two",
        Type: "continuous",
        Colors: [
          [0, "black"],
          [1, "white"],
        ],
      }),
    ]);
    expect(lutAt(reg.resolve("two"), 0)).toEqual([0, 0, 0, 255]);
    expect(lutAt(reg.resolve("two_r"), 0)).toEqual([255, 255, 255, 255]);
    expect(reg.resolve("two_alpha").lut![3]).toBe(0);
    expect(reg.resolve("viridis").kind).toBe("lut");
    expect(() => reg.resolve("twoo")).toThrow(/unknown colour map/);
    expect(reg.find("two_r")?.name).toBe("two");
  });
});
