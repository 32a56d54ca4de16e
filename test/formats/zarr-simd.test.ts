// The WebAssembly SIMD byte unshuffle (formats/zarr/unshuffle-simd.ts) against blosc's definition: byte j of
// element e is byte e of plane j; 4- and 8-byte types, element counts with and without a remainder.
import { describe, expect, it } from "vitest";
import { simdUnshuffle } from "../../src/formats/zarr/unshuffle-simd.js";

describe("SIMD unshuffle", () => {
  it("gives blosc's element bytes for 4- and 8-byte types", () => {
    const s = simdUnshuffle();
    expect(s).toBeDefined(); // Node 20 has WebAssembly SIMD
    for (const t of [4, 8] as const) {
      for (const n of [16, 17, 100, 62_500]) {
        const { planes, out } = s!.regions(n * t);
        for (let i = 0; i < n * t; i++) planes[i] = (i * 131 + 7) & 255;
        const done = s!.run(t, n);
        expect(done).toBe(n - (n % 16));
        const want = new Uint8Array(done * t);
        for (let e = 0; e < done; e++) for (let j = 0; j < t; j++) want[e * t + j] = planes[j * n + e]!;
        expect(Buffer.from(out.subarray(0, done * t)).equals(Buffer.from(want))).toBe(true);
      }
    }
  });
});
