// core/bytes: sizes as people write them (configs, --max-output-size) and as eocube prints them.
import { describe, expect, it } from "vitest";
import { formatBytes, parseByteSize } from "../../src/core/bytes.js";

describe("parseByteSize", () => {
  it("reads bytes and K/M/G/T sizes in powers of 1024; refuses other text", () => {
    expect(parseByteSize("256M")).toBe(256 * 1024 ** 2);
    expect(parseByteSize("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize("2TiB")).toBe(2 * 1024 ** 4);
    expect(parseByteSize("12")).toBe(12);
    expect(parseByteSize(4096.7)).toBe(4096);
    expect(parseByteSize("lots")).toBeUndefined();
    expect(parseByteSize(-1)).toBeUndefined();
  });
});

describe("formatBytes", () => {
  it("prints a binary unit with one decimal above bytes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1.5 * 1024 ** 2)).toBe("1.5 MiB");
  });
});
