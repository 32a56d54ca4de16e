// Hostile GeoTIFFs made at test time (GDAL, then patched): a looping next-IFD chain, an endless chain of
// IFDs, a deflate tile that inflates to 512 MiB and a strip larger than any read may be. Each must fail
// with a clear EocubeError naming the file, at once and without a memory spike (issue 10).
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeflate } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EocubeError } from "../../src/core/errors.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { MAX_IFDS, openGeoTiff } from "../../src/formats/geotiff.js";

let dir: string;
let fs: FileFileSystem;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-hostile-tiff-"));
  fs = new FileFileSystem(dir, { readOnly: true });
  const create = (name: string, ...args: string[]) =>
    execFileSync("gdal_create", ["-of", "GTiff", "-ot", "Byte", "-a_srs", "EPSG:4326", ...args, join(dir, name)], { stdio: "ignore" });
  create("small.tif", "-outsize", "64", "32", "-burn", "7", "-a_ullr", "0", "10", "20", "0");
  create("tile.tif", "-outsize", "256", "256", "-burn", "3", "-a_ullr", "0", "10", "10", "0", "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE");
  create("ovr.tif", "-outsize", "512", "512", "-burn", "5", "-a_ullr", "0", "10", "10", "0", "-co", "TILED=YES");
  execFileSync("gdaladdo", [join(dir, "ovr.tif"), "2"], { stdio: "ignore" });
  create("sparse.tif", "-outsize", "512", "512", "-a_nodata", "5", "-a_ullr", "0", "10", "10", "0", "-co", "TILED=YES", "-co", "SPARSE_OK=TRUE");
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

async function expectError(name: string, code: string, pattern: RegExp): Promise<EocubeError> {
  const err = await openGeoTiff(fs, name).then(async (ds) => ds.data_vars.band_data!.read([]).then(() => undefined), (e: unknown) => e);
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
    const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(() => undefined, (e: unknown) => e);
    const grown = process.memoryUsage().rss - rss0;
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("CORRUPT_DATA");
    expect((err as EocubeError).message).toMatch(/tile 0 \(column 0, row 0\) of .*bomb\.tif: zlib data inflates to more than the tile's 64\.0 KiB/);
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
    const err = await ds.data_vars.band_data!.read([0, [0, 4], [0, 4]]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("TOO_LARGE");
    expect((err as EocubeError).message).toMatch(/huge-tile\.tif: a tile, strip or tag value of 2\.0 GiB/);
  });
});
