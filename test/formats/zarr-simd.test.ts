// The WebAssembly SIMD byte unshuffle (formats/zarr/unshuffle-simd.ts) against blosc's definition: byte j of
// element e is byte e of plane j; 4- and 8-byte types, element counts with and without a remainder.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeBlosc } from "../../src/formats/zarr/blosc.js";
import { lz4Compress } from "../../src/formats/zarr/blosc-encode.js";
import { simdShuffle, simdUnshuffle } from "../../src/formats/zarr/unshuffle-simd.js";

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

  it("the WebAssembly LZ4 compressor writes the bytes of the TypeScript one (lz4Compress), also when they do not fit", () => {
    const s = simdShuffle();
    expect(s).toBeDefined(); // Node 20 has WebAssembly SIMD
    let seed = 5;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    // the byte planes of float32/float64 fields like gen's output: NaN runs (land), a smooth field with noisy low bits
    const field = (n: number) =>
      Float64Array.from({ length: n }, (_, i) => (i % 4000 < 900 ? Number.NaN : 0.3 + Math.sin(i / 300) * 0.1 + rnd() * 1e-6));
    const planesOf = (bytes: Uint8Array, t: number) => {
      const n = Math.floor(bytes.length / t);
      return Array.from({ length: t }, (_, j) => Uint8Array.from({ length: n }, (_, i) => bytes[i * t + j]!));
    };
    const f64 = new Uint8Array(field(40_000).buffer);
    const f32 = new Uint8Array(Float32Array.from(field(60_000)).buffer);
    const inputs: Array<[string, Uint8Array]> = [
      ...Array.from({ length: 14 }, (_, n): [string, Uint8Array] => [`${n} random bytes`, Uint8Array.from({ length: n }, rnd)]),
      ...Array.from({ length: 14 }, (_, n): [string, Uint8Array] => [`${n} equal bytes`, new Uint8Array(n).fill(9)]),
      ["random", Uint8Array.from({ length: 70_000 }, rnd)],
      ["a run", new Uint8Array(100_000).fill(0xff)],
      ["runs and noise", Uint8Array.from({ length: 90_001 }, (_, i) => (i % 3000 < 2000 ? 0x7f : rnd() & 3))],
      ["steps", Uint8Array.from({ length: 65_536 }, (_, i) => (i >> 8) & 255)],
      ...planesOf(f64, 8).map((p, j): [string, Uint8Array] => [`float64 plane ${j}`, p]),
      ...planesOf(f32, 4).map((p, j): [string, Uint8Array] => [`float32 plane ${j}`, p]),
    ];
    for (const acceleration of [1, 5, 9]) {
      for (const [name, src] of inputs) {
        const room = src.length + (src.length >> 6) + 32;
        const want = new Uint8Array(room + 7);
        const size = lz4Compress(src, want, 7, 7 + room, acceleration);
        expect(size, name).toBeGreaterThan(0);
        // that room, just the room its bound needs, and less (0 from both: a bound in the literals or in a sequence)
        for (const to of [room, size + 2, size + 1, size, size - 1, size >> 1, 12, 1, 0]) {
          const expected = to === room ? size : lz4Compress(src, new Uint8Array(to + 7), 7, 7 + to, acceleration);
          if (to < size) expect(expected, name).toBe(0);
          const { planes } = s!.regions(src.length, room + 7);
          planes.set(src);
          const got = s!.lz4(0, src.length, 7, 7 + to, acceleration);
          const { frame } = s!.regions(src.length, room + 7);
          expect(got, `${name}, acceleration ${acceleration}, room ${to}`).toBe(expected);
          if (got) expect(Buffer.from(frame.subarray(7, 7 + got)).equals(Buffer.from(want.subarray(7, 7 + size))), name).toBe(true);
        }
      }
    }
  });
});
