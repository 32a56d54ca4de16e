// Image sizes for the themes' preview checks: the real WebP previews of the OSC sample, and small headers
// built here for PNG, GIF and JPEG.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { imageSize, imageSizeOf } from "../../src/catalog/osc/validate/image-size.js";

const THEMES = fileURLToPath(new URL("../../../shared/fixtures/osc-catalog-sample/themes/", import.meta.url));

describe("imageSize", () => {
  it("reads the real WebP previews (their proj:shape in the sample is [1080, 1920])", () => {
    for (const f of ["atmosphere/EO_Atmosphere.webp", "cryosphere/EO_Cryosphere.webp", "oceans/EO_Oceans.webp"]) {
      expect(imageSize(join(THEMES, f))).toEqual({ width: 1920, height: 1080 });
    }
  });

  it("reads PNG, GIF and JPEG headers", () => {
    const png = Buffer.alloc(24);
    png.writeUInt32BE(0x89504e47, 0);
    png.write("IHDR", 12, "ascii");
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    expect(imageSizeOf(png)).toEqual({ width: 640, height: 480 });
    const gif = Buffer.from("GIF89a\x20\x00\x10\x00\x00\x00", "latin1");
    expect(imageSizeOf(gif)).toEqual({ width: 32, height: 16 });
    // SOI, APP0 (length 16), SOF0 (length 17: precision, height 300, width 400)
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
      Buffer.alloc(14),
      Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x01, 0x90]),
      Buffer.alloc(12),
    ]);
    expect(imageSizeOf(jpeg)).toEqual({ width: 400, height: 300 });
    expect(imageSizeOf(Buffer.from("not an image"))).toBeUndefined();
  });

  it("raises NOT_FOUND for a missing file and CORRUPT_DATA for an unknown format", () => {
    const missing = (() => {
      try {
        imageSize(join(THEMES, "nope.webp"));
      } catch (e) {
        return e;
      }
    })();
    expect(isEocubeError(missing, "NOT_FOUND")).toBe(true);
    const corrupt = (() => {
      try {
        imageSize(join(THEMES, "oceans/catalog.json"));
      } catch (e) {
        return e;
      }
    })();
    expect(isEocubeError(corrupt, "CORRUPT_DATA")).toBe(true);
  });
});
