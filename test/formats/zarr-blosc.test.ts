// eocube's TypeScript blosc decoder (src/formats/zarr/blosc.ts) against numcodecs' wasm build of c-blosc:
// byte-identical on every stored blosc chunk of the real cube and of zarr-python's conformance stores, and on
// frames made here with numcodecs for other type sizes, shuffles and block sizes. Frames it does not handle
// (zstd, blosclz, bit shuffle) must be declined (undefined), never decoded wrongly.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Blosc from "numcodecs/blosc";
import { describe, expect, it } from "vitest";
import { canDecodeBlosc, decodeBlosc, decodeBloscRange, frameSlot } from "../../src/formats/zarr/blosc.js";
import { encodeBloscLz4 } from "../../src/formats/zarr/blosc-encode.js";
import { MODULE_BASE64, moduleBytes } from "../../src/formats/zarr/unshuffle-simd.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const le32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Every file under `dir` that looks like a whole blosc 1 frame (version 2, cbytes = file size). */
async function bloscFrames(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.name.startsWith(".") || e.name === "zarr.json") continue;
    const p = join(e.parentPath, e.name);
    const b = new Uint8Array(await readFile(p));
    if (b.length >= 16 && b[0] === 2 && le32(b, 12) === b.length) out.push(p);
  }
  return out;
}

/** decodeBloscRange over a few ranges of `size`-byte elements (first, middle, across a block end, last) equals `want`'s bytes. */
function expectRanges(frame: Uint8Array, want: Uint8Array, size: number, label: string): void {
  const n = Math.floor(want.length / size);
  for (const [first, count] of [
    [0, 1],
    [n >> 1, 7],
    [Math.max(0, Math.floor(4096 / size) - 3), 9],
    [n - 3, 3],
    [n >> 2, n >> 3],
  ] as const) {
    if (first < 0 || count < 0 || first + count > n) continue;
    const part = decodeBloscRange(frame, first, count, size);
    expect(part, `${label} [${first}, +${count})`).toBeDefined();
    expect(
      Buffer.from(part!).equals(Buffer.from(want.subarray(first * size, (first + count) * size))),
      `${label} [${first}, +${count})`,
    ).toBe(true);
  }
}

const reference = (config: Record<string, unknown>) =>
  Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0, ...config } as never);

describe("blosc WebAssembly module", () => {
  it("is the module its generators write (MODULE_BASE64 regenerated after a change to them)", () => {
    const b64 = Buffer.from(moduleBytes()).toString("base64");
    expect(MODULE_BASE64.join(""), "regenerate MODULE_BASE64 in unshuffle-simd.ts").toBe(b64);
    expect(WebAssembly.validate(moduleBytes())).toBe(true);
  });
});

describe("blosc decoder", () => {
  it("decodes every blosc chunk of the real cube and the conformance stores exactly as c-blosc does", async () => {
    const files = [...(await bloscFrames(join(DATA, "zarr"))), ...(await bloscFrames(join(DATA, "zarr-conformance")))];
    expect(files.length).toBeGreaterThan(300);
    const codec = reference({});
    let handled = 0;
    for (const f of files) {
      const frame = new Uint8Array(await readFile(f));
      const want = await codec.decode(frame);
      const got = decodeBlosc(frame);
      if (got === undefined) continue;
      handled++;
      expect(Buffer.from(got).equals(Buffer.from(want)), f).toBe(true);
      const borrowed = decodeBlosc(frame, undefined, true)!; // possibly a view of the WebAssembly memory
      expect(Buffer.from(borrowed.buffer, borrowed.byteOffset, borrowed.length).equals(Buffer.from(want)), f).toBe(true);
      // the frame read into the decoder's own slot (as local chunk reads do): decoded where it is
      const slot = frameSlot(frame.length, want.length);
      if (slot) {
        slot.set(frame);
        const inPlace = decodeBlosc(slot, undefined, true)!;
        expect(Buffer.from(inPlace).equals(Buffer.from(want)), `${f} in its slot`).toBe(true);
        slot.set(frame);
        const part = decodeBloscRange(slot, 7, 3);
        if (want.length >= 10 * frame[3]!)
          expect(Buffer.from(part!).equals(Buffer.from(want.subarray(7 * frame[3]!, 10 * frame[3]!))), `${f} range in its slot`).toBe(true);
      }
    }
    // the cube is blosc-lz4 throughout (its 320 conc_chl… chunks and the coordinates)
    expect(handled).toBeGreaterThan(300);
  });

  it("matches numcodecs on frames of other type sizes, shuffles and block sizes, into a given buffer too", async () => {
    const values = new Float64Array(40_000);
    for (let i = 0; i < values.length; i++) values[i] = i % 97 === 0 ? NaN : Math.sin(i / 50) * 1000 + (i % 7);
    const bytes = new Uint8Array(values.buffer);
    const cases = [
      { shuffle: 1, blocksize: 0 },
      { shuffle: 0, blocksize: 0 },
      { shuffle: 1, blocksize: 1000 }, // leftover blocks, no split below MIN_BUFFERSIZE elements
      { shuffle: 1, blocksize: 4096 },
      { shuffle: 1, blocksize: 0, clevel: 0 }, // plain copy
      { shuffle: 1, blocksize: 0, cname: "lz4hc", clevel: 9 },
    ];
    for (const c of cases) {
      for (const part of [
        bytes,
        bytes.subarray(0, 8 * 1001),
        bytes.subarray(0, 4 * 3333),
        bytes.subarray(0, 2 * 77),
        bytes.subarray(0, 12_345),
      ]) {
        const codec = reference(c);
        const frame = await codec.encode(part);
        const want = await codec.decode(frame);
        const got = decodeBlosc(frame);
        expect(got, JSON.stringify(c)).toBeDefined();
        expect(Buffer.from(got!).equals(Buffer.from(want)), JSON.stringify({ ...c, n: part.length })).toBe(true);
        const into = new Uint8Array(part.length + 8);
        const view = decodeBlosc(frame, into.subarray(8));
        expect(Buffer.from(view!).equals(Buffer.from(want))).toBe(true);
        for (const size of [1, 8]) expectRanges(frame, want, size, JSON.stringify({ ...c, n: part.length, size }));
      }
    }
  });

  it("unshuffles 4- and 8-byte types word-wise, with element counts not a multiple of 4 and raw streams", async () => {
    // frames from eocube's encoder (numcodecs.js always encodes with typesize 1); c-blosc (numcodecs' wasm)
    // decodes them too and must agree
    const codec = reference({});
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const typesize of [4, 8]) {
      for (const count of [1001, 3333, 62_501, 65_536 + 3]) {
        const values = typesize === 4 ? new Float32Array(count) : new Float64Array(count);
        // smooth first half (compressed streams), random second half (incompressible, stored raw)
        for (let i = 0; i < count; i++) values[i] = i < count / 2 ? Math.sin(i / 40) * 100 : noise() * 1e6;
        const bytes = new Uint8Array(values.buffer);
        const frame = encodeBloscLz4(bytes, typesize);
        const want = await codec.decode(frame);
        expect(Buffer.from(want).equals(Buffer.from(bytes))).toBe(true);
        const got = decodeBlosc(frame);
        expect(got, `typesize ${typesize} count ${count}`).toBeDefined();
        expect(Buffer.from(got!).equals(Buffer.from(bytes)), `typesize ${typesize} count ${count}`).toBe(true);
        const into = new Uint8Array(bytes.length + 2);
        const view = decodeBlosc(frame, into.subarray(2)); // output not 4-byte aligned: byte-wise path
        expect(Buffer.from(view!).equals(Buffer.from(bytes))).toBe(true);
        expectRanges(frame, bytes, typesize, `typesize ${typesize} count ${count}`);
        const borrowed = decodeBlosc(frame, undefined, true)!;
        expect(Buffer.from(borrowed).equals(Buffer.from(bytes)), `borrowed, typesize ${typesize} count ${count}`).toBe(true);
      }
    }
  });

  it("declines frames it does not decode (zstd, blosclz, bit shuffle) and inconsistent frames", async () => {
    const bytes = new Uint8Array(new Float64Array(5000).map((_, i) => i * 0.5).buffer);
    for (const c of [{ cname: "zstd" }, { cname: "blosclz" }, { cname: "zlib" }, { shuffle: 2 }]) {
      const frame = await reference(c).encode(bytes);
      expect(canDecodeBlosc(frame), JSON.stringify(c)).toBe(false);
      expect(decodeBlosc(frame)).toBeUndefined();
    }
    const good = await reference({}).encode(bytes);
    expect(decodeBlosc(good.subarray(0, good.length - 5))).toBeUndefined(); // truncated: cbytes ≠ length
    const damaged = good.slice();
    damaged[20] ^= 0xff; // a block start pointing elsewhere
    const got = decodeBlosc(damaged);
    if (got) expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(false);
  });
});
