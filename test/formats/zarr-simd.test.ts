// The WebAssembly SIMD byte unshuffle (formats/zarr/unshuffle-simd.ts) against blosc's definition: byte j of
// element e is byte e of plane j; 4- and 8-byte types, element counts with and without a remainder.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeBlosc } from "../../src/formats/zarr/blosc.js";
import { simdUnshuffle } from "../../src/formats/zarr/unshuffle-simd.js";

const CUBE = fileURLToPath(new URL("../../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));

describe("SIMD unshuffle", () => {
  it("gives blosc's element bytes for 4- and 8-byte types", () => {
    const s = simdUnshuffle();
    expect(s).toBeDefined(); // Node 20 has WebAssembly SIMD
    for (const t of [4, 8] as const) {
      for (const n of [16, 17, 100, 62_500]) {
        const { planes, out } = s!.regions(n * t, 0);
        for (let i = 0; i < n * t; i++) planes[i] = (i * 131 + 7) & 255;
        const done = s!.run(t, n);
        expect(done).toBe(n - (n % 16));
        const want = new Uint8Array(done * t);
        for (let e = 0; e < done; e++) for (let j = 0; j < t; j++) want[e * t + j] = planes[j * n + e]!;
        expect(Buffer.from(out.subarray(0, done * t)).equals(Buffer.from(want))).toBe(true);
      }
    }
  });

  it("the WebAssembly LZ4 decoder never reads or writes outside its regions on damaged frames", () => {
    // a real chunk with bytes of its LZ4 streams changed: a clean decline (undefined) or some 500 kB, never a throw
    const frame = new Uint8Array(readFileSync(join(CUBE, "conc_chl", "3.1.3")));
    let declined = 0;
    for (let k = 0; k < 200; k++) {
      const bad = frame.slice();
      for (let j = 0; j < 4; j++) bad[48 + ((k * 7919 + j * 104_729) % (bad.length - 48))] ^= 1 + ((k + j) % 255);
      const r = decodeBlosc(bad);
      if (r === undefined) declined++;
      else expect(r.length).toBe(500_000);
    }
    expect(declined).toBeGreaterThan(0);
  });

  it("the WebAssembly LZ4 decoder asked for a prefix gives the bytes of the whole decode, and less for a block that ends short", () => {
    const s = simdUnshuffle()!;
    const frame = new Uint8Array(readFileSync(join(CUBE, "conc_chl", "3.1.3")));
    const le32 = (o: number) => (frame[o]! | (frame[o + 1]! << 8) | (frame[o + 2]! << 16) | (frame[o + 3]! << 24)) >>> 0;
    const { planes, input } = s.regions(500_000, frame.length);
    input.set(frame);
    let src = le32(16); // block 0's start; 8 splits of 62 500 bytes each
    for (let j = 0; j < 8; j++) {
      const csize = le32(src);
      src += 4;
      if (csize === 62_500) {
        src += csize; // stored as it is (incompressible)
        continue;
      }
      expect(s.lz4(src, src + csize, 0, 62_500)).toBe(62_500);
      const whole = planes.slice(0, 62_500);
      for (const need of [0, 1, 17, 4_999, 31_337, 62_499]) {
        planes.fill(0xa5, 0, 62_500);
        expect(s.lz4(src, src + csize, 0, 62_500, need)).toBe(need);
        expect(Buffer.from(planes.subarray(0, need)).equals(Buffer.from(whole.subarray(0, need)))).toBe(true);
      }
      // the split's input cut in half: malformed (−1) or its output ends before the bytes asked for
      expect(s.lz4(src, src + (csize >> 1), 0, 62_500, 62_499)).toBeLessThan(62_499);
      src += csize;
    }
  });
});
