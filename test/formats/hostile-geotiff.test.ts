// Hostile GeoTIFFs made at test time (GDAL, then patched): a looping next-IFD chain, an endless chain of
// IFDs, decompression bombs for every codec eocube decodes (deflate, LZW, zstd, PackBits, LERC, JPEG), tiles
// larger than any read may be and compressions eocube does not decode. Each must fail with a clear EocubeError
// naming the file (and the tile), at once and without a memory spike (issue 10); intact files of every codec
// still read GDAL's values.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeflate } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EocubeError } from "../../src/core/errors.js";
import type { TypedArray } from "../../src/core/ndarray.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { MAX_IFDS, openGeoTiff } from "../../src/formats/geotiff.js";
import { checkJpegStream } from "../../src/formats/tiff/jpeg.js";
import { lzwDecodeBounded } from "../../src/formats/tiff/lzw.js";
import { zstdBounded } from "../../src/formats/bounded.js";
import { SHARED_DATA } from "../helpers/paths.js";

let dir: string;
let fs: FileFileSystem;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-hostile-tiff-"));
  fs = new FileFileSystem(dir, { readOnly: true });
  const create = (name: string, ...args: string[]) =>
    execFileSync("gdal_create", ["-of", "GTiff", "-ot", "Byte", "-a_srs", "EPSG:4326", ...args, join(dir, name)], { stdio: "ignore" });
  create("small.tif", "-outsize", "64", "32", "-burn", "7", "-a_ullr", "0", "10", "20", "0");
  create(
    "tile.tif",
    "-outsize",
    "256",
    "256",
    "-burn",
    "3",
    "-a_ullr",
    "0",
    "10",
    "10",
    "0",
    "-co",
    "TILED=YES",
    "-co",
    "COMPRESS=DEFLATE",
  );
  create("ovr.tif", "-outsize", "512", "512", "-burn", "5", "-a_ullr", "0", "10", "10", "0", "-co", "TILED=YES");
  execFileSync("gdaladdo", [join(dir, "ovr.tif"), "2"], { stdio: "ignore" });
  create(
    "sparse.tif",
    "-outsize",
    "512",
    "512",
    "-a_nodata",
    "5",
    "-a_ullr",
    "0",
    "10",
    "10",
    "0",
    "-co",
    "TILED=YES",
    "-co",
    "SPARSE_OK=TRUE",
  );
  // one 256 × 256 float32 tile (256 KiB decoded) per codec, to be given a bomb as its tile
  for (const c of ["LZW", "ZSTD", "PACKBITS", "LERC", "LERC_DEFLATE"]) {
    create(
      `one-${c}.tif`,
      "-ot",
      "Float32",
      "-outsize",
      "256",
      "256",
      "-burn",
      "3",
      "-a_ullr",
      "0",
      "10",
      "10",
      "0",
      "-co",
      "TILED=YES",
      "-co",
      `COMPRESS=${c}`,
    );
  }
  create(
    "one-JPEG.tif",
    "-outsize",
    "256",
    "256",
    "-burn",
    "3",
    "-a_ullr",
    "0",
    "10",
    "10",
    "0",
    "-co",
    "TILED=YES",
    "-co",
    "COMPRESS=JPEG",
  );
  // one strip of 7,363,203 bytes: what one run of the LZW bomb below decodes to
  create("lzw-strip.tif", "-outsize", String(LZW_RUN_BYTES), "1", "-a_ullr", "0", "10", "10", "0", "-co", "COMPRESS=LZW");
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A little-endian classic TIFF's IFD offsets (walked without loop protection: for intact files only). */
function ifds(b: Buffer): number[] {
  expect(b.toString("latin1", 0, 2)).toBe("II");
  const out: number[] = [];
  for (let off = b.readUInt32LE(4); off !== 0; off = b.readUInt32LE(off + 2 + b.readUInt16LE(off) * 12)) out.push(off);
  return out;
}

/** Byte position of the next-IFD pointer of the IFD at `off`. */
const nextPointerAt = (b: Buffer, off: number) => off + 2 + b.readUInt16LE(off) * 12;

/** Byte position of the (inline, single) value of tag `tag` in the IFD at `off`. */
function inlineValueAt(b: Buffer, off: number, tag: number): number {
  const n = b.readUInt16LE(off);
  for (let i = 0; i < n; i++) {
    const e = off + 2 + i * 12;
    if (b.readUInt16LE(e) === tag) {
      expect(b.readUInt32LE(e + 4)).toBe(1); // one value, stored inline
      return e + 8;
    }
  }
  throw new Error(`tag ${tag} not found`);
}

/** The only tile (strip) of a TIFF made by GDAL, and the positions of its offset and byte count. */
function onlyBlock(b: Buffer): { tile: Buffer; offsetAt: number; countAt: number } {
  const [first] = ifds(b);
  const tiled = (() => {
    for (let i = 0; i < b.readUInt16LE(first!); i++) if (b.readUInt16LE(first! + 2 + i * 12) === 324) return true;
    return false;
  })();
  const offsetAt = inlineValueAt(b, first!, tiled ? 324 : 273);
  const countAt = inlineValueAt(b, first!, tiled ? 325 : 279);
  const offset = b.readUInt32LE(offsetAt);
  return { tile: b.subarray(offset, offset + b.readUInt32LE(countAt)), offsetAt, countAt };
}

/** Writes `name`: the one-tile (one-strip) TIFF `host` whose tile is replaced by `tile`, appended at its end. */
async function withTile(host: string, name: string, tile: Uint8Array): Promise<void> {
  const b = await readFile(join(dir, host));
  const { offsetAt, countAt } = onlyBlock(b);
  b.writeUInt32LE(b.length, offsetAt);
  b.writeUInt32LE(tile.length, countAt);
  await writeFile(join(dir, name), Buffer.concat([b, tile]));
}

/**
 * Reads 4 × 4 pixels of `name`, whose only tile is a bomb: CORRUPT_DATA naming the file and the tile with
 * `pattern`, and the process grew by less than 256 MiB (the bombs expand to 64 MiB … several GiB).
 */
async function expectBomb(name: string, pattern: RegExp, block = /tile 0 \(column 0, row 0\)/): Promise<void> {
  const ds = await openGeoTiff(fs, name);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(
    () => undefined,
    (e: unknown) => e,
  );
  const grown = process.memoryUsage().rss - rss0;
  expect(err).toBeInstanceOf(EocubeError);
  const e = err as EocubeError;
  expect(e.code, e.message).toBe("CORRUPT_DATA");
  expect(e.message).toMatch(new RegExp(`cannot decode ${block.source} of \\S*${name.replace(/\./g, "\\.")}: `));
  expect(e.message).toMatch(pattern);
  expect(e.path).toContain(name);
  expect(grown).toBeLessThan(256 * 1024 ** 2);
}

/** `mib` MiB of zeros as one zlib (RFC 1950) stream, deflated as a stream (about 1 KB per MiB). */
function deflateZeros(mib: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const z = createDeflate({ level: 1 });
    const parts: Buffer[] = [];
    z.on("data", (d: Buffer) => parts.push(d));
    z.on("end", () => resolve(Buffer.concat(parts)));
    z.on("error", reject);
    const zeros = Buffer.alloc(1024 ** 2);
    let left = mib;
    const write = () => {
      while (left > 0) {
        left--;
        if (!z.write(zeros)) return void z.once("drain", write);
      }
      z.end();
    };
    write();
  });
}

/** Bytes one run of {@link lzwBomb} decodes to: a literal 0, then strings of 2, 3, … 3,837 zeros. */
const LZW_RUN_BYTES = 1 + (3837 * 3838) / 2 - 1;

/**
 * A TIFF LZW stream (TIFF 6.0 §13: MSB-first codes, 9 to 12 bits wide, widened one code early as LibTIFF does)
 * of `runs` runs, each a clear code, a literal 0 and then codes 258, 259, … 4093, each naming the string just
 * added (the previous one plus a 0): output grows quadratically, 7.4 MB of zeros per 5.4 KB run.
 */
function lzwBomb(runs: number): Buffer {
  const bytes: number[] = [];
  let acc = 0,
    nacc = 0,
    width = 9;
  const put = (code: number) => {
    acc = (acc << width) | code;
    nacc += width;
    while (nacc >= 8) {
      bytes.push((acc >>> (nacc - 8)) & 255);
      nacc -= 8;
    }
    acc &= (1 << nacc) - 1;
  };
  for (let r = 0; r < runs; r++) {
    put(256);
    width = 9;
    put(0);
    for (let code = 258, next = 258; code <= 4093; code++) {
      put(code);
      next++;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
  }
  put(257);
  if (nacc > 0) bytes.push((acc << (8 - nacc)) & 255);
  return Buffer.from(bytes);
}

/**
 * A zstd frame (RFC 8878 §3.1: magic, frame header with a 128 KiB window, optionally a 4-byte content size)
 * of `blocks` RLE blocks, each 128 KiB of zeros in 4 bytes.
 */
function zstdZeros(blocks: number, declareSize: boolean): Buffer {
  const head = [0x28, 0xb5, 0x2f, 0xfd, declareSize ? 0x80 : 0x00, 0x38];
  const size = Buffer.alloc(declareSize ? 4 : 0);
  if (declareSize) size.writeUInt32LE(blocks * 131072);
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) body.writeUIntLE((131072 << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0), i * 4, 3);
  return Buffer.concat([Buffer.from(head), size, body]);
}

/** Fletcher-32 of a LERC2 blob (v3+: over the bytes after the checksum, as the lerc package checks it). */
function lercChecksum(b: Uint8Array): number {
  let sum1 = 0xffff,
    sum2 = 0xffff,
    i = 0;
  for (let words = Math.floor(b.length / 2); words; ) {
    let n = Math.min(words, 359);
    words -= n;
    do {
      sum1 += b[i++]! << 8;
      sum2 += sum1 += b[i++]!;
    } while (--n);
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (b.length & 1) sum2 += sum1 += b[i]! << 8;
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

/** A copy of GDAL's LERC2 v4 blob of a constant tile declaring `side` × `side` pixels, all valid, checksum redone. */
function lercConstant(blob: Buffer, side: number): Buffer {
  const b = Buffer.from(blob);
  expect(b.toString("latin1", 0, 6)).toBe("Lerc2 ");
  expect(b.readInt32LE(6)).toBe(4);
  b.writeUInt32LE(side, 14); // rows
  b.writeUInt32LE(side, 18); // columns
  b.writeUInt32LE(side * side, 26); // valid pixels
  const blobSize = b.readInt32LE(34);
  b.writeUInt32LE(lercChecksum(b.subarray(14, blobSize)), 10);
  return b;
}

async function expectError(name: string, code: string, pattern: RegExp): Promise<EocubeError> {
  const err = await openGeoTiff(fs, name).then(
    async (ds) => ds.data_vars.band_data!.read([]).then(() => undefined),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EocubeError);
  const e = err as EocubeError;
  expect(e.code).toBe(code);
  expect(e.message).toMatch(pattern);
  expect(e.message).toContain(name);
  return e;
}

describe("hostile GeoTIFFs", () => {
  it("a next-IFD pointer pointing back to its own IFD: CORRUPT_DATA naming the file and the loop, at once", async () => {
    const b = await readFile(join(dir, "small.tif"));
    const [first] = ifds(b);
    b.writeUInt32LE(first!, nextPointerAt(b, first!));
    await writeFile(join(dir, "self-loop.tif"), b);
    const t0 = performance.now();
    const e = await expectError("self-loop.tif", "CORRUPT_DATA", /loops back to the IFD at byte/);
    expect(e.path).toContain("self-loop.tif");
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("a chain looping through two IFDs (image → overview → image): CORRUPT_DATA", async () => {
    const b = await readFile(join(dir, "ovr.tif"));
    const chain = ifds(b);
    expect(chain).toHaveLength(2);
    b.writeUInt32LE(chain[0]!, nextPointerAt(b, chain[1]!));
    await writeFile(join(dir, "two-loop.tif"), b);
    await expectError("two-loop.tif", "CORRUPT_DATA", /IFD 1 loops back to the IFD at byte/);
  });

  it(`a chain of more than ${MAX_IFDS} IFDs: CORRUPT_DATA naming the limit`, async () => {
    const b = await readFile(join(dir, "small.tif"));
    const [first] = ifds(b);
    // empty IFDs appended at the end of the file, each pointing to the next
    const n = MAX_IFDS + 10;
    const tail = Buffer.alloc(n * 6);
    for (let i = 0; i < n; i++) tail.writeUInt32LE(i + 1 < n ? b.length + (i + 1) * 6 : 0, i * 6 + 2);
    b.writeUInt32LE(b.length, nextPointerAt(b, first!));
    await writeFile(join(dir, "many.tif"), Buffer.concat([b, tail]));
    await expectError("many.tif", "CORRUPT_DATA", new RegExp(`more than ${MAX_IFDS} image directories`));
  });

  it("a next-IFD pointer past the end of the file: CORRUPT_DATA saying so", async () => {
    const b = await readFile(join(dir, "small.tif"));
    const [first] = ifds(b);
    b.writeUInt32LE(b.length + 1_000_000, nextPointerAt(b, first!));
    await writeFile(join(dir, "past-end.tif"), b);
    await expectError("past-end.tif", "CORRUPT_DATA", /past the end of the file/);
  });

  it("a deflate tile that inflates to 512 MiB: CORRUPT_DATA after the tile's own 64 KiB, memory bounded", async () => {
    // 512 MiB of zeros, deflated as a stream (about 0.5 MB), replace the only tile of tile.tif
    const bomb = await new Promise<Buffer>((resolve, reject) => {
      const z = createDeflate({ level: 1 });
      const parts: Buffer[] = [];
      z.on("data", (d: Buffer) => parts.push(d));
      z.on("end", () => resolve(Buffer.concat(parts)));
      z.on("error", reject);
      const zeros = Buffer.alloc(1024 ** 2);
      let left = 512;
      const write = () => {
        while (left > 0) {
          left--;
          if (!z.write(zeros)) return void z.once("drain", write);
        }
        z.end();
      };
      write();
    });
    const b = await readFile(join(dir, "tile.tif"));
    const [first] = ifds(b);
    b.writeUInt32LE(b.length, inlineValueAt(b, first!, 324)); // TileOffsets
    b.writeUInt32LE(bomb.length, inlineValueAt(b, first!, 325)); // TileByteCounts
    await writeFile(join(dir, "bomb.tif"), Buffer.concat([b, bomb]));
    const ds = await openGeoTiff(fs, "bomb.tif");
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    const grown = process.memoryUsage().rss - rss0;
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("CORRUPT_DATA");
    expect((err as EocubeError).message).toMatch(
      /tile 0 \(column 0, row 0\) of .*bomb\.tif: zlib data inflates to more than the tile's 64\.0 KiB/,
    );
    expect(grown).toBeLessThan(256 * 1024 ** 2);
  });

  it("an intact deflate tile still reads (the bounded decoder gives GDAL's values)", async () => {
    const ds = await openGeoTiff(fs, "tile.tif");
    const arr = await ds.data_vars.band_data!.read([0, [0, 256], [0, 256]]);
    expect(arr.shape).toEqual([256, 256]);
    expect(Array.from(arr.data as Uint8Array).every((v) => v === 3)).toBe(true);
  });

  it("unwritten (sparse) tiles read as their nodata value, inside one tile (no decoding) and across tiles alike", async () => {
    const ds = await openGeoTiff(fs, "sparse.tif");
    const one = await ds.data_vars.band_data!.read([0, [10, 12], [20, 22]]);
    const across = await ds.data_vars.band_data!.read([0, [250, 260], [250, 260]]);
    expect(Array.from(one.data as Uint8Array)).toEqual([5, 5, 5, 5]);
    expect(Array.from(across.data as Uint8Array).every((v) => v === 5)).toBe(true);
  });

  it("a strip of 2 GiB (a tag value no read may be): TOO_LARGE naming the file, nothing allocated", async () => {
    const b = await readFile(join(dir, "tile.tif"));
    const [first] = ifds(b);
    b.writeUInt32LE(2 ** 31, inlineValueAt(b, first!, 325));
    await writeFile(join(dir, "huge-tile.tif"), b);
    const ds = await openGeoTiff(fs, "huge-tile.tif");
    const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("TOO_LARGE");
    expect((err as EocubeError).message).toMatch(/huge-tile\.tif: a tile, strip or tag value of 2\.0 GiB/);
  });
});

describe("decompression bombs: every codec stops at the tile's own size", () => {
  it("LZW: the quadratic stream is what LibTIFF decodes (a strip of exactly its size reads as zeros in GDAL and eocube)", async () => {
    const one = lzwBomb(1);
    expect(lzwDecodeBounded(one, LZW_RUN_BYTES).every((v) => v === 0)).toBe(true);
    await withTile("lzw-strip.tif", "lzw-run.tif", one);
    const raw = join(dir, "lzw-run.raw");
    execFileSync("gdal_translate", ["-q", "-of", "ENVI", join(dir, "lzw-run.tif"), raw], { stdio: "pipe" });
    const gdal = await readFile(raw);
    expect(gdal.length).toBe(LZW_RUN_BYTES);
    expect(gdal.every((v) => v === 0)).toBe(true);
    const ds = await openGeoTiff(fs, "lzw-run.tif");
    const arr = await ds.data_vars.band_data!.read([0, 0, [LZW_RUN_BYTES - 8, LZW_RUN_BYTES]]);
    expect(Array.from(arr.data as Uint8Array)).toEqual(new Array(8).fill(0));
  });

  it("LZW: a tile expanding to 1 GiB fails after its 256 KiB, naming the file and the tile", async () => {
    const bomb = lzwBomb(Math.ceil(1024 ** 3 / LZW_RUN_BYTES));
    expect(bomb.length).toBeLessThan(1024 ** 2);
    await withTile("one-LZW.tif", "lzw-bomb.tif", bomb);
    await expectBomb("lzw-bomb.tif", /lzw data inflates to more than the tile's 256\.0 KiB \(a decompression bomb or a damaged tile\)/);
  });

  it("zstd: a frame declaring 1 GiB is refused from its header, one streaming 1 GiB without a size stops after 256 KiB", async () => {
    // the hand-made frames are real zstd: libzstd (wasm) decodes small ones to their zeros
    for (const declare of [true, false]) {
      const small = await zstdBounded(zstdZeros(16, declare), 2 * 1024 ** 2);
      expect(small.length).toBe(2 * 1024 ** 2);
      expect(small.every((v) => v === 0)).toBe(true);
    }
    await withTile("one-ZSTD.tif", "zstd-declared.tif", zstdZeros(8192, true));
    await expectBomb("zstd-declared.tif", /zstd data inflates to more than the tile's 256\.0 KiB/);
    await withTile("one-ZSTD.tif", "zstd-streamed.tif", zstdZeros(8192, false));
    await expectBomb("zstd-streamed.tif", /zstd data inflates to more than the tile's 256\.0 KiB/);
  });

  it("PackBits: 1 MiB of repeat runs (64 MiB) fails after the tile's 256 KiB", async () => {
    const bomb = Buffer.alloc(1024 ** 2);
    for (let i = 0; i < bomb.length; i += 2) bomb[i] = 0x81; // -127: the next byte 128 times
    await withTile("one-PACKBITS.tif", "packbits-bomb.tif", bomb);
    await expectBomb("packbits-bomb.tif", /packbits data inflates to more than the tile's 256\.0 KiB/);
  });

  it("LERC: a blob declaring 16384 × 16384 constant pixels (1 GiB) is refused before the lerc package allocates it", async () => {
    const { tile } = onlyBlock(await readFile(join(dir, "one-LERC.tif")));
    // the crafted header is valid LERC2: the lerc package decodes a 1024 × 1024 one (4 MiB) to its constant
    const lerc = createRequire(createRequire(import.meta.url).resolve("geotiff"))("lerc") as {
      decode(b: ArrayBuffer): { width: number; pixels: Float32Array[] };
    };
    const mid = lercConstant(tile, 1024);
    const decoded = lerc.decode(mid.buffer.slice(mid.byteOffset, mid.byteOffset + mid.length) as ArrayBuffer);
    expect(decoded.width).toBe(1024);
    expect(decoded.pixels[0]!.length).toBe(1024 * 1024);
    expect(decoded.pixels[0]![1024 * 1024 - 1]).toBe(3);
    await withTile("one-LERC.tif", "lerc-bomb.tif", lercConstant(tile, 16384));
    await expectBomb("lerc-bomb.tif", /lerc data inflates to more than the tile's 256\.0 KiB/);
  });

  it("LERC with deflate: the deflate layer stops at twice the tile (512 MiB bomb)", async () => {
    await withTile("one-LERC_DEFLATE.tif", "lerc-deflate-bomb.tif", await deflateZeros(512));
    await expectBomb("lerc-deflate-bomb.tif", /zlib data inflates to more than the LERC tile's 576\.0 KiB/);
  });

  it("JPEG: a frame header declaring 65535 × 65535 pixels in a 256 × 256 tile is refused before it is decoded", async () => {
    const { tile } = onlyBlock(await readFile(join(dir, "one-JPEG.tif")));
    const sof = tile.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    const bomb = Buffer.from(tile);
    bomb.writeUInt16BE(65535, sof + 5); // lines
    bomb.writeUInt16BE(65535, sof + 7); // samples per line
    await withTile("one-JPEG.tif", "jpeg-bomb.tif", bomb);
    await expectBomb("jpeg-bomb.tif", /jpeg: a frame of 65535 × 65535 pixels × 1 components does not fit the tile's 256 × 256 × 1/);
    // the intact tile passes the same check; a second frame, or sampling factors outside 1–4, do not
    const bounds = { width: 256, height: 256, components: 1 };
    expect(() => checkJpegStream(tile, bounds)).not.toThrow();
    const sofLength = tile.readUInt16BE(sof + 2);
    const twice = Buffer.concat([tile.subarray(0, sof + 2 + sofLength), tile.subarray(sof)]);
    expect(() => checkJpegStream(twice, bounds)).toThrow(/more than one frame/);
    const factors = Buffer.from(tile);
    factors[sof + 11] = 0x00;
    expect(() => checkJpegStream(factors, bounds)).toThrow(/sampling factors 0 × 0/);
  });

  it("a strip declared 60000 × 30000 (1.7 GiB decoded) is TOO_LARGE before it is fetched", async () => {
    const b = await readFile(join(dir, "small.tif"));
    const [first] = ifds(b);
    const put = (tag: number, v: number) => {
      const at = inlineValueAt(b, first!, tag);
      if (b.readUInt16LE(at - 6) === 3)
        b.writeUInt16LE(v, at); // SHORT
      else b.writeUInt32LE(v, at);
    };
    put(256, 60000);
    put(257, 30000);
    put(278, 30000);
    await writeFile(join(dir, "huge-strip.tif"), b);
    const ds = await openGeoTiff(fs, "huge-strip.tif");
    const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("TOO_LARGE");
    expect((err as EocubeError).message).toMatch(
      /a strip of \S*huge-strip\.tif decodes to 1\.7 GiB, more than the limit of 1\.0 GiB per stored chunk/,
    );
  });

  it("compressions eocube does not decode (LZMA, WebP): UNSUPPORTED naming the file and the compression; the file still opens", async () => {
    for (const [c, code] of [
      ["LZMA", 34925],
      ["WEBP", 50001],
    ] as const) {
      const name = `c-${c}.tif`;
      // WebP takes 3 or 4 bands
      execFileSync(
        "gdal_translate",
        ["-q", "-co", `COMPRESS=${c}`, "-co", "TILED=YES", "-b", "1", "-b", "1", "-b", "1", join(dir, "tile.tif"), join(dir, name)],
        { stdio: "ignore" },
      );
      const ds = await openGeoTiff(fs, name);
      expect(ds.data_vars.band_data!.shape).toEqual([3, 256, 256]);
      const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EocubeError);
      expect((err as EocubeError).code).toBe("UNSUPPORTED");
      expect((err as EocubeError).message).toMatch(
        new RegExp(
          `${name.replace(".", "\\.")} is compressed with ${c === "LZMA" ? "LZMA" : "WebP"} \\(TIFF compression ${code}\\), which eocube does not decode`,
        ),
      );
      expect((err as EocubeError).hint).toMatch(/gdal_translate -co COMPRESS=DEFLATE/);
    }
  });

  it("intact files of every codec read GDAL's values (tiles and strips, predictors, planar bands, edge tiles)", async () => {
    const world = `${SHARED_DATA}geotiff/world.byte.tif`;
    const rgb = `${SHARED_DATA}geotiff/RGB.byte.tif`;
    const values = join(dir, "values.tif");
    const i16 = join(dir, "values-i16.tif");
    execFileSync(
      "gdal_translate",
      ["-q", "-ot", "Float32", "-scale", "0", "255", "0", "1", "-srcwin", "1200", "200", "700", "500", world, values],
      { stdio: "ignore" },
    );
    execFileSync("gdal_translate", ["-q", "-ot", "Int16", "-scale", "0", "1", "-3000", "3000", values, i16], { stdio: "ignore" });
    // GDAL's values, band after band (ENVI's BSQ layout = band_data[band, y, x])
    const gdalValues = async (src: string) => {
      const raw = join(dir, `${src.slice(src.lastIndexOf("/") + 1)}.raw`);
      execFileSync("gdal_translate", ["-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", src, raw], { stdio: "ignore" });
      return readFile(raw);
    };
    const expected = new Map([world, rgb, values, i16].map((src) => [src, gdalValues(src)]));
    const cases: [string, string, string[]][] = [
      ["world.byte.tif", world, []], // the shared LZW file as it is
      ["v-lzw.tif", values, ["-co", "COMPRESS=LZW", "-co", "TILED=YES", "-co", "PREDICTOR=3"]],
      ["v-lzw-strips.tif", values, ["-co", "COMPRESS=LZW"]],
      ["v-zstd.tif", values, ["-co", "COMPRESS=ZSTD", "-co", "TILED=YES"]],
      ["v-zstd-i16.tif", i16, ["-co", "COMPRESS=ZSTD", "-co", "PREDICTOR=2"]],
      ["v-deflate.tif", values, ["-co", "COMPRESS=DEFLATE", "-co", "TILED=YES"]],
      ["v-packbits.tif", values, ["-co", "COMPRESS=PACKBITS", "-co", "TILED=YES"]],
      ["v-lerc.tif", values, ["-co", "COMPRESS=LERC", "-co", "TILED=YES"]],
      ["v-lerc-deflate.tif", values, ["-co", "COMPRESS=LERC_DEFLATE"]],
      ["v-lerc-zstd.tif", values, ["-co", "COMPRESS=LERC_ZSTD", "-co", "TILED=YES"]],
      ["rgb-lzw-bands.tif", rgb, ["-co", "COMPRESS=LZW", "-co", "INTERLEAVE=BAND", "-co", "PREDICTOR=2"]],
      ["rgb-zstd-bands.tif", rgb, ["-co", "COMPRESS=ZSTD", "-co", "INTERLEAVE=BAND", "-co", "TILED=YES"]],
    ];
    for (const [name, src, args] of cases) {
      const path = args.length > 0 ? join(dir, name) : src;
      if (args.length > 0) execFileSync("gdal_translate", ["-q", ...args, src, path], { stdio: "ignore" });
      const at = path.lastIndexOf("/");
      const ds = await openGeoTiff(new FileFileSystem(path.slice(0, at), { readOnly: true }), path.slice(at + 1));
      const arr = await ds.data_vars.band_data!.read([]);
      const data = arr.data as TypedArray;
      const got = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const want = await expected.get(src)!;
      expect(got.length, name).toBe(want.length);
      expect(got.equals(want), `${name}: values differ from GDAL's`).toBe(true);
    }
  });
});
