// Explicit JSON conversion of values read from files, and the streamed SHA-256 multihash.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isoDuration } from "../../../src/core/time.js";
import { sha256Multihash, toJsonValue, bboxGeometry, unionBbox, mediaTypeFromName } from "../../../src/catalog/prr/index.js";

describe("toJsonValue", () => {
  it("converts bigint, NaN/Infinity, typed arrays and Dates explicitly, reporting what it converted", () => {
    const seen: string[] = [];
    const v = toJsonValue(
      {
        a: 5n,
        big: 2n ** 70n,
        nan: NaN,
        inf: -Infinity,
        arr: new Float32Array([1, NaN]),
        i64: new BigInt64Array([3n]),
        d: new Date(0),
        u: undefined,
      },
      { nonFinite: "string", onConvert: (p, w) => seen.push(`${p}:${w}`) },
    );
    expect(v).toEqual({
      a: 5,
      big: "1180591620717411303424",
      nan: "NaN",
      inf: "-Infinity",
      arr: [1, "NaN"],
      i64: [3],
      d: "1970-01-01T00:00:00.000Z",
    });
    expect(seen).toEqual(["/big:bigint", "/nan:NaN", "/inf:-Infinity", "/arr/1:NaN"]);
    expect(toJsonValue([NaN, 1], { nonFinite: "null" })).toEqual([null, 1]);
  });
});

describe("helpers", () => {
  it("hashes a file as the file extension's multihash (sha2-256 of 'test')", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eocube-prr-hash-"));
    try {
      writeFileSync(join(dir, "t.txt"), "test");
      expect(await sha256Multihash(join(dir, "t.txt"))).toBe("12209f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("ISO durations, geometries across the antimeridian, bbox unions and media types", () => {
    expect(isoDuration(86_400_000)).toBe("P1D");
    expect(isoDuration(3 * 3_600_000)).toBe("PT3H");
    expect(isoDuration(1500)).toBe("PT1.5S");
    expect(bboxGeometry([170, -10, -170, 10]).type).toBe("MultiPolygon");
    expect(
      unionBbox([
        [0, 0, 1, 1],
        [-5, 2, 0, 3],
      ]),
    ).toEqual([-5, 0, 1, 3]);
    expect(
      unionBbox([
        [170, 0, -170, 1],
        [0, 2, 1, 3],
      ]),
    ).toEqual([-180, 0, 180, 3]);
    expect(mediaTypeFromName("x.tar.gz")).toBe("application/gzip");
    expect(mediaTypeFromName("x.tgz")).toBe("application/gzip");
    expect(mediaTypeFromName("manual.PDF")).toBe("application/pdf");
  });
});
