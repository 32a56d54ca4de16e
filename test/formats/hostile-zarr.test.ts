// Hostile Zarr chunks made at test time: decompression bombs (a gzip chunk of 2 GiB of zeros, zlib, zstd with
// and without a declared size, blosc and lz4 headers claiming 2 GiB) and a chunk declared 1e12 values. Each
// read fails with a clear error naming the chunk after at most the chunk's own size is decoded, and the
// process memory stays bounded (issue 10).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createDeflate, createGzip, type Deflate, type Gzip } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { EocubeError } from "../../src/core/errors.js";
import { zstdContentSize } from "../../src/formats/bounded.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { FileFileSystem } from "../../src/fs/file.js";

const work = mkdtempSync(join(tmpdir(), "eocube-hostile-chunks-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fs = new FileFileSystem(work, { readOnly: true });
const GiB = 1024 ** 3;

const put = (path: string, data: string | Uint8Array) => {
  mkdirSync(dirname(join(work, path)), { recursive: true });
  writeFileSync(join(work, path), data);
};

/** A v2 store `name` with one float32 array `v` [1024, 1024] in one chunk, compressed by `compressor`. */
function v2Store(name: string, compressor: Record<string, unknown> | null, chunk: Uint8Array, extra: Record<string, unknown> = {}): void {
  put(`${name}/.zgroup`, JSON.stringify({ zarr_format: 2 }));
  put(
    `${name}/v/.zarray`,
    JSON.stringify({
      zarr_format: 2,
      shape: [1024, 1024],
      chunks: [1024, 1024],
      dtype: "<f4",
      compressor,
      fill_value: 0,
      filters: null,
      order: "C",
      ...extra,
    }),
  );
  put(`${name}/v/.zattrs`, JSON.stringify({ _ARRAY_DIMENSIONS: ["y", "x"] }));
  put(`${name}/v/0.0`, chunk);
}

/** `bytes` zeros through a zlib stream, 1 MiB at a time (the test never holds the inflated data). */
function zeroStream(stream: Gzip | Deflate, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on("data", (d: Buffer) => parts.push(d));
    stream.on("end", () => resolve(Buffer.concat(parts)));
    stream.on("error", reject);
    const zeros = Buffer.alloc(1024 ** 2);
    let left = Math.ceil(bytes / zeros.length);
    const write = () => {
      while (left > 0) {
        left--;
        if (!stream.write(zeros)) return void stream.once("drain", write);
      }
      stream.end();
    };
    write();
  });
}

/**
 * A zstd frame (RFC 8878) of `bytes` zeros made of RLE blocks of 128 KiB (4 bytes each), with or without a
 * declared Frame_Content_Size.
 */
function zstdZeros(bytes: number, declareSize: boolean): Uint8Array {
  const block = 128 * 1024;
  const n = Math.ceil(bytes / block);
  const head = declareSize ? 14 : 6;
  const out = Buffer.alloc(head + n * 4);
  out.writeUInt32LE(0xfd2fb528, 0);
  out[4] = declareSize ? 0xc0 : 0x00; // FCS 8 bytes (or none), not single-segment, no checksum, no dictionary
  out[5] = 0x38; // window descriptor: 2^17 bytes
  if (declareSize) out.writeBigUInt64LE(BigInt(bytes), 6);
  for (let i = 0; i < n; i++) {
    const size = Math.min(block, bytes - i * block);
    const h = (i === n - 1 ? 1 : 0) | (1 << 1) | (size << 3); // last?, RLE, size
    out.writeUIntLE(h, head + i * 4, 3);
    out[head + i * 4 + 3] = 0;
  }
  return out;
}

/** A blosc 1 header (16 bytes) of a memcpy'ed frame claiming `nbytes`, followed by 16 bytes. */
function bloscClaiming(nbytes: number): Uint8Array {
  const b = Buffer.alloc(32);
  b[0] = 2;
  b[1] = 1;
  b[2] = 0x02;
  b[3] = 4; // version, versionlz, flags (memcpyed), typesize
  b.writeUInt32LE(nbytes, 4);
  b.writeUInt32LE(nbytes, 8);
  b.writeUInt32LE(b.length, 12);
  return b;
}

/** Reads a 4×4 corner of `store`'s `v`, measuring the process's RSS growth. */
async function readCorner(store: string): Promise<{ err: unknown; grown: number; ms: number }> {
  const ds = await openZarr(fs, store);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const err = await ds.data_vars
    .v!.read([
      [0, 4],
      [0, 4],
    ])
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { err, grown: process.memoryUsage().rss - rss0, ms: performance.now() - t0 };
}

function expectBomb(r: { err: unknown; grown: number }, store: string, codec: string): void {
  expect(r.err).toBeInstanceOf(EocubeError);
  const e = r.err as EocubeError;
  expect(e.code).toBe("CORRUPT_DATA");
  expect(e.message).toContain(`${store}/v/0.0`);
  expect(e.message).toMatch(new RegExp(`${codec} data inflates to more than the chunk's 4\\.\\d MiB`));
  expect(r.grown).toBeLessThan(400 * 1024 ** 2);
}

describe("decompression bombs in Zarr chunks", () => {
  it("a gzip chunk inflating to 2 GiB (v2, declared 4 MiB): CORRUPT_DATA naming the chunk, memory bounded", async () => {
    const bomb = await zeroStream(createGzip({ level: 1 }), 2 * GiB);
    expect(bomb.length).toBeLessThan(16 * 1024 ** 2);
    v2Store("gzip.zarr", { id: "gzip", level: 1 }, bomb);
    const r = await readCorner("gzip.zarr");
    expectBomb(r, "gzip.zarr", "gzip");
  }, 60_000);

  it("a zlib chunk (v2) and a v3 gzip chunk inflating to 256 MiB: the same", async () => {
    v2Store("zlib.zarr", { id: "zlib", level: 1 }, await zeroStream(createDeflate({ level: 1 }), 256 * 1024 ** 2));
    expectBomb(await readCorner("zlib.zarr"), "zlib.zarr", "zlib");
    put("v3gzip.zarr/zarr.json", JSON.stringify({ zarr_format: 3, node_type: "group", attributes: {} }));
    put(
      "v3gzip.zarr/v/zarr.json",
      JSON.stringify({
        zarr_format: 3,
        node_type: "array",
        shape: [1024, 1024],
        data_type: "float32",
        fill_value: 0,
        chunk_grid: { name: "regular", configuration: { chunk_shape: [1024, 1024] } },
        chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
        codecs: [
          { name: "bytes", configuration: { endian: "little" } },
          { name: "gzip", configuration: { level: 1 } },
        ],
        dimension_names: ["y", "x"],
        attributes: {},
      }),
    );
    put("v3gzip.zarr/v/c/0/0", await zeroStream(createGzip({ level: 1 }), 256 * 1024 ** 2));
    const r = await readCorner("v3gzip.zarr");
    expect((r.err as EocubeError).message).toContain("v3gzip.zarr/v/c/0/0");
    expect((r.err as EocubeError).message).toMatch(/gzip data inflates to more than/);
  }, 60_000);

  it("zstd frames of 2 GiB of zeros, with and without a declared size: refused before (or while) decoding", async () => {
    const sized = zstdZeros(2 * GiB, true);
    expect(zstdContentSize(sized)).toBe(2 * GiB);
    v2Store("zstd-sized.zarr", { id: "zstd", level: 1 }, sized);
    expectBomb(await readCorner("zstd-sized.zarr"), "zstd-sized.zarr", "zstd");
    const streamed = zstdZeros(2 * GiB, false);
    expect(zstdContentSize(streamed)).toBeUndefined();
    v2Store("zstd-stream.zarr", { id: "zstd", level: 1 }, streamed);
    expectBomb(await readCorner("zstd-stream.zarr"), "zstd-stream.zarr", "zstd");
  }, 60_000);

  it("an honest zstd frame without a declared size still decodes (the streaming path)", async () => {
    // 4 MiB of zeros = exactly the chunk: values all 0
    v2Store("zstd-ok.zarr", { id: "zstd", level: 1 }, zstdZeros(4 * 1024 ** 2, false));
    const ds = await openZarr(fs, "zstd-ok.zarr");
    const arr = await ds.data_vars.v!.read([
      [0, 2],
      [1020, 1024],
    ]);
    expect(Array.from(arr.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("blosc and lz4 headers claiming 2 GiB (arrays with a filter, read by zarrita): refused before decoding", async () => {
    const delta = { filters: [{ id: "delta", dtype: "<f4" }] };
    v2Store("blosc.zarr", { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, bloscClaiming(2 * GiB), delta);
    expectBomb(await readCorner("blosc.zarr"), "blosc.zarr", "blosc");
    const lz4 = Buffer.alloc(16);
    lz4.writeUInt32LE(2 * GiB, 0);
    v2Store("lz4.zarr", { id: "lz4", acceleration: 1 }, lz4, delta);
    expectBomb(await readCorner("lz4.zarr"), "lz4.zarr", "lz4");
  });
});

describe("chunks and reads too large to hold", () => {
  const huge = (name: string, withChunk: boolean) => {
    put(`${name}/.zgroup`, JSON.stringify({ zarr_format: 2 }));
    put(
      `${name}/v/.zarray`,
      JSON.stringify({
        zarr_format: 2,
        shape: [1e6, 1e6],
        chunks: [1e6, 1e6],
        dtype: "<f4",
        compressor: { id: "zlib", level: 1 },
        fill_value: "NaN",
        filters: null,
        order: "C",
      }),
    );
    put(`${name}/v/.zattrs`, JSON.stringify({ _ARRAY_DIMENSIONS: ["y", "x"] }));
    if (withChunk) put(`${name}/v/0.0`, new Uint8Array([0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
  };

  it("a stored chunk of 1e12 values (3.6 TiB): TOO_LARGE naming the chunk and its size, nothing fetched", async () => {
    huge("huge-chunk.zarr", true);
    const ds = await openZarr(fs, "huge-chunk.zarr");
    const err = await ds.data_vars
      .v!.read([
        [0, 2],
        [0, 2],
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(EocubeError);
    expect((err as EocubeError).code).toBe("TOO_LARGE");
    expect((err as EocubeError).message).toMatch(
      /chunk huge-chunk\.zarr\/v\/0\.0 \(1000000×1000000 values\) decodes to 3\.6 TiB, more than the limit of 1\.0 GiB/,
    );
  });

  it("the same array without its chunk reads as fill values", async () => {
    huge("huge-empty.zarr", false);
    const ds = await openZarr(fs, "huge-empty.zarr");
    const arr = await ds.data_vars.v!.read([
      [5, 7],
      [999_998, 1_000_000],
    ]);
    expect(Array.from(arr.data as Float32Array).every(Number.isNaN)).toBe(true);
  });

  it("reading all 1e12 values at once: TOO_LARGE naming the array and the per-read limit", async () => {
    const ds = await openZarr(fs, "huge-empty.zarr");
    const err = await ds.data_vars.v!.read([]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as EocubeError).code).toBe("TOO_LARGE");
    expect((err as EocubeError).message).toMatch(
      /reading 1,000,000,000,000 values \(3\.6 TiB\) of array huge-empty\.zarr\/v at once exceeds the limit of 2\.0 GiB per read/,
    );
  });
});
