// Blosc 1 frame encoding in TypeScript: byte shuffle + LZ4 block compression per block (split into one
// stream per byte of the type, as c-blosc does by default), or a plain copy when the data does not compress.
// The frames decode with c-blosc ≥ 1.11 (numcodecs, zarr-python) and with ./blosc.ts.
// Format: https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst (16-byte header, block starts, splits);
// LZ4 blocks: https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md

import { Buffer } from "node:buffer";
import { DOSHUFFLE, HEADER, LITTLE_ENDIAN, LZ4_FORMAT, MAX_SPLITS, MEMCPYED, MIN_BUFFERSIZE, splitCount } from "./blosc-format.js";
import { type SimdShuffle, simdShuffle } from "./unshuffle-simd.js";

/** Header version bytes written by c-blosc 1.x: format 2, LZ4 format 1. */
const VERSION_FORMAT = 2;
const LZ4_VERSION_FORMAT = 1;
/** Compressor code 1 (LZ4) in flag bits 5..7. */
const LZ4_FLAGS = LZ4_FORMAT << 5;
/** LZ4 block rules: a match needs 4 bytes, the last 5 bytes are literals, no match starts in the last 12. */
const MINMATCH = 4;
const LASTLITERALS = 5;
const MFLIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 13;
/** An empty hash slot: farther back than any offset LZ4 can encode. */
const NO_POSITION = -(1 << 30);
/** Search acceleration as in LZ4 (skip ahead faster through data without matches). */
const SKIP_TRIGGER = 6;

/**
 * LZ4's acceleration factor for a blosc compression level: `10 − clevel`, as c-blosc 1.x passes to LZ4_compress_fast
 * (blosc.c, get_accel: 5 at numcodecs' default clevel 5). Higher skips faster through byte planes without repeats (the
 * low-order bytes of floating-point values) at a slightly lower ratio.
 */
function lz4Acceleration(clevel: number): number {
  return Math.max(1, 10 - Math.floor(clevel));
}

/**
 * Block size as c-blosc 1.x chooses it for LZ4 at `clevel` (L1-sized blocks scaled by level, times the
 * type size when split, within 64 KiB…1 MiB), a multiple of the type size, at most `nbytes`.
 */
function blockSize(nbytes: number, typesize: number, clevel: number): number {
  if (nbytes < typesize) return 1;
  let bs = nbytes;
  if (nbytes >= 32 * 1024) {
    bs = 32 * 1024;
    if (clevel <= 3) bs /= 2;
    else if (clevel <= 5) bs *= 1;
    else if (clevel <= 6) bs *= 2;
    else if (clevel < 9) bs *= 4;
    else bs *= 8;
  }
  if (typesize <= MAX_SPLITS && bs / typesize >= MIN_BUFFERSIZE) {
    bs = Math.min(bs, 1 << 18) * typesize;
    bs = Math.max(1 << 16, Math.min(bs, 1 << 20));
  }
  bs = Math.min(bs, nbytes);
  if (bs > typesize) bs = Math.floor(bs / typesize) * typesize;
  return bs;
}

/** Reusable scratch space (one per thread: module state). */
let hashTable = new Int32Array(1 << HASH_LOG);
let shuffled = new Uint8Array(0);
let frameScratch = new Uint8Array(0);

/**
 * Encodes bytes as a blosc 1 frame with LZ4 inside (what numcodecs' `Blosc(cname="lz4", shuffle=SHUFFLE)`
 * writes): byte shuffle of `typesize`-byte elements per block, one LZ4 stream per byte plane, incompressible
 * streams stored raw, and a "memcpyed" frame when the whole would not shrink.
 * Spec: https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst
 * @param data the uncompressed bytes (< 2 GiB)
 * @param typesize bytes per element (1…255); shuffling is skipped for 1
 * @param clevel 1…9 (the block size and LZ4's acceleration, 10 − clevel, depend on it); 0 stores a memcpyed frame
 * @returns the frame (header + block starts + streams)
 */
export function encodeBloscLz4(data: Uint8Array, typesize: number, clevel = 5): Uint8Array {
  const out = encodeBloscLz4Transient(data, typesize, clevel);
  if (out.buffer !== frameScratch.buffer && out.buffer !== simdFrameBuffer) return out;
  const frame = takeFrame(out.length);
  frame.set(out);
  return frame;
}

/**
 * {@link encodeBloscLz4} without the copy of the frame out of this thread's scratch memory: the result may be a view of
 * that memory, valid only until the thread's next encoding (for a caller that writes it at once, e.g. the encoding
 * thread, encode-thread-worker.ts). Same bytes.
 */
export function encodeBloscLz4Transient(data: Uint8Array, typesize: number, clevel = 5): Uint8Array {
  const nbytes = data.length;
  const ts = Math.max(1, Math.min(255, Math.floor(typesize)));
  if (nbytes > 0x7fffffff - HEADER) throw new RangeError("blosc: chunk larger than 2 GiB");
  if (clevel <= 0 || nbytes < MFLIMIT + 1) return memcpyed(data, ts);
  // a constant input (a chunk of fill values: land in an ocean product, outside a swath) encodes to the same frame
  // every time: the first one's bytes are kept and copied
  const key = constantKey(data, ts, clevel);
  if (key !== undefined) {
    const known = constantFrames.get(key);
    if (known) {
      if (frameScratch.length < known.length) frameScratch = new Uint8Array(nbytes + HEADER);
      frameScratch.set(known);
      return frameScratch.subarray(0, known.length);
    }
    const frame = encodeFrame(data, ts, clevel);
    if (constantFrames.size >= CONSTANT_FRAMES) constantFrames.delete(constantFrames.keys().next().value!);
    constantFrames.set(key, frame.slice());
    return frame;
  }
  return encodeFrame(data, ts, clevel);
}

/** Frames of constant inputs by {@link constantKey} (this thread's; the oldest is dropped beyond {@link CONSTANT_FRAMES}). */
const constantFrames = new Map<string, Uint8Array>();
const CONSTANT_FRAMES = 16;
/** Evenly spaced elements {@link constantKey} compares with the first before its scan. */
const CONSTANT_PROBES = 32;

/**
 * A key naming a constant input (every `ts`-byte element the same bytes, `ts` ≤ 8) with its encoding parameters,
 * else undefined. Most inputs differ at one of a few probed elements or within their first ones, so the scan usually
 * stops at once; a constant one costs one memcmp of its bytes.
 */
function constantKey(data: Uint8Array, ts: number, clevel: number): string | undefined {
  const n = data.length;
  if (ts > 8 || n % ts !== 0) return undefined;
  // probes first (the last element and 31 evenly spaced ones): data that starts with a long run of fill values (a chunk
  // whose first rows are land) is told apart without a scan up to its first difference (5 probes let 18 of 96 real
  // output chunks through, scanned about halfway)
  const elements = n / ts;
  for (let b = 0; b < ts; b++) if (data[(elements - 1) * ts + b] !== data[b]) return undefined;
  for (let k = 1; k < CONSTANT_PROBES; k++) {
    const e = Math.floor((k * elements) / CONSTANT_PROBES) * ts;
    for (let b = 0; b < ts; b++) if (data[e + b] !== data[b]) return undefined;
  }
  // every element equals the first ⟺ the bytes from the second element on equal those up to the last but one: one
  // native memcmp of the two overlapping views (4–6 µs per constant 200 kB here; a JS loop over 32-bit words took ≈62 µs)
  if (Buffer.compare(data.subarray(ts), data.subarray(0, n - ts)) !== 0) return undefined;
  let key = `${ts}:${clevel}:${n}:`;
  for (let i = 0; i < ts; i++) key += data[i]!.toString(16).padStart(2, "0");
  return key;
}

/** The frame of {@link encodeBloscLz4Transient} (`ts` already clamped, `clevel` > 0, `data` longer than MFLIMIT). */
function encodeFrame(data: Uint8Array, ts: number, clevel: number): Uint8Array {
  const nbytes = data.length;
  const blocksize = blockSize(nbytes, ts, clevel);
  const nblocks = Math.ceil(nbytes / blocksize);
  const limit = nbytes + HEADER; // above this, store the data as a plain copy
  if (HEADER + nblocks * 4 >= limit) return memcpyed(data, ts);
  const shuffle = ts > 1;
  const accel = lz4Acceleration(clevel);
  // 4- and 8-byte types (float32/64) shuffle with WebAssembly SIMD: the block is copied into the module's memory, its
  // planes stay there and the module's LZ4 compressor writes the frame there too
  const simd = LITTLE_ENDIAN && (ts === 4 || ts === 8) && useSimd ? simdShuffle() : undefined;
  const regions = simd?.regions(blocksize, limit);
  const wasmLz4 = regions !== undefined && useSimdLz4;
  if (!wasmLz4 && frameScratch.length < limit) frameScratch = new Uint8Array(limit);
  const out = wasmLz4 ? regions.frame : frameScratch;
  if (wasmLz4) simdFrameBuffer = out.buffer;
  let op = HEADER + nblocks * 4;
  if (shuffle && !simd && shuffled.length < blocksize) shuffled = new Uint8Array(blocksize);
  for (let b = 0; b < nblocks; b++) {
    const start = b * blocksize;
    const bsize = Math.min(blocksize, nbytes - start);
    const nsplits = splitCount(bsize, blocksize, ts);
    const neblock = Math.floor(bsize / nsplits);
    let block = data.subarray(start, start + bsize);
    if (simd) block = shuffleBlockSimd(block, ts as 4 | 8, simd, regions!);
    else if (shuffle) {
      shuffleBlock(block, ts, shuffled);
      block = shuffled.subarray(0, bsize);
    }
    writeLe32(out, HEADER + b * 4, op);
    for (let j = 0; j < nsplits; j++) {
      if (op + 4 > limit) return memcpyed(data, ts);
      const part = block.subarray(j * neblock, (j + 1) * neblock);
      // the stream must be shorter than the split, else it is stored raw (csize === neblock)
      const room = Math.min(limit - op - 4, neblock - 1);
      let csize = 0;
      if (room > 0) {
        csize = wasmLz4
          ? simd!.lz4(block.byteOffset - regions.planesAt + j * neblock, neblock, op + 4, op + 4 + room, accel)
          : lz4Compress(part, out, op + 4, op + 4 + room, accel);
      }
      if (csize > 0) {
        writeLe32(out, op, csize);
        op += 4 + csize;
      } else {
        if (op + 4 + neblock > limit) return memcpyed(data, ts);
        writeLe32(out, op, neblock);
        if (wasmLz4) regions.memory.copyWithin(regions.frameAt + op + 4, part.byteOffset, part.byteOffset + neblock);
        else out.set(part, op + 4);
        op += 4 + neblock;
      }
    }
  }
  out[0] = VERSION_FORMAT;
  out[1] = LZ4_VERSION_FORMAT;
  out[2] = LZ4_FLAGS | (shuffle ? DOSHUFFLE : 0);
  out[3] = ts;
  writeLe32(out, 4, nbytes);
  writeLe32(out, 8, blocksize);
  writeLe32(out, 12, op);
  return out.subarray(0, op);
}

/** Frame buffers given back by {@link recycleFrame} (this thread's), reused by the next frames. */
const freeFrames: ArrayBuffer[] = [];
const FREE_FRAMES = 2;
/** Buffers of the frames this thread's encoder handed out: only these are taken back. */
const ownFrames = new WeakSet<ArrayBuffer>();

/**
 * A Uint8Array of `n` bytes for a frame: a view on a buffer given back by {@link recycleFrame} when one is large enough
 * (a fresh buffer's pages cost a fault each on first touch: ~0.7 ms for a 260 KB frame on this VM), else a new one.
 */
function takeFrame(n: number): Uint8Array {
  let best = -1;
  for (let i = 0; i < freeFrames.length; i++) {
    const b = freeFrames[i]!;
    if (b.byteLength >= n && (best < 0 || b.byteLength < freeFrames[best]!.byteLength)) best = i;
  }
  if (best < 0) {
    const frame = new Uint8Array(n);
    ownFrames.add(frame.buffer);
    return frame;
  }
  return new Uint8Array(freeFrames.splice(best, 1)[0]!, 0, n);
}

/**
 * Gives back a frame returned by {@link encodeBloscLz4} once nothing uses it any more (e.g. written to its file): the
 * next frames of this thread may reuse its memory (other bytes are ignored). The caller must hold no other reference.
 */
export function recycleFrame(frame: Uint8Array): void {
  const b = frame.buffer as ArrayBuffer;
  if (!ownFrames.has(b) || freeFrames.includes(b)) return;
  freeFrames.push(b);
  // keep the largest: a small one would seldom fit
  if (freeFrames.length > FREE_FRAMES) {
    let small = 0;
    for (let i = 1; i < freeFrames.length; i++) if (freeFrames[i]!.byteLength < freeFrames[small]!.byteLength) small = i;
    freeFrames.splice(small, 1);
  }
}

/** A frame that stores the bytes as they are (flag MEMCPYED; c-blosc copies them back). */
function memcpyed(data: Uint8Array, typesize: number): Uint8Array {
  const out = new Uint8Array(HEADER + data.length);
  out[0] = VERSION_FORMAT;
  out[1] = LZ4_VERSION_FORMAT;
  out[2] = LZ4_FLAGS | MEMCPYED;
  out[3] = typesize;
  writeLe32(out, 4, data.length);
  writeLe32(out, 8, Math.max(1, data.length));
  writeLe32(out, 12, HEADER + data.length);
  out.set(data, HEADER);
  return out;
}

function writeLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Whether 4- and 8-byte types may shuffle with WebAssembly SIMD (where available); see {@link setSimdShuffle}. */
let useSimd = true;
/** Whether their LZ4 streams are compressed by the WebAssembly compressor (with the SIMD shuffle); see {@link setSimdShuffle}. */
let useSimdLz4 = true;
/** The buffer of the WebAssembly module's frame region last written (a result viewing it is this thread's scratch). */
let simdFrameBuffer: ArrayBufferLike | undefined;

/**
 * Turns the WebAssembly SIMD shuffle of 4- and 8-byte types on or off for this thread, and with it (or as `lz4` says)
 * the WebAssembly LZ4 compressor of their streams (tests and benchmarks compare the paths; the frames are the same bytes
 * either way). On by default; where WebAssembly SIMD is missing the JavaScript shuffle and compressor run regardless.
 */
export function setSimdShuffle(on: boolean, lz4 = on): void {
  useSimd = on;
  useSimdLz4 = lz4;
}

/**
 * {@link shuffleBlock} of a 4- or 8-byte type with the SIMD shuffle: `src` is copied into the module's `block` region,
 * 16 elements a step go to the `planes` region, the last `n % 16` elements and the trailing `bsize % typesize` bytes in
 * JavaScript. Returns the shuffled block, a view of `planes` (valid until the module memory's next use).
 */
function shuffleBlockSimd(
  src: Uint8Array,
  typesize: 4 | 8,
  simd: SimdShuffle,
  regions: { block: Uint8Array; planes: Uint8Array },
): Uint8Array {
  const bsize = src.length;
  const n = Math.floor(bsize / typesize);
  const { block, planes } = regions;
  block.set(src);
  const done = simd.run(typesize, n);
  for (let j = 0; j < typesize; j++) {
    const s = j * n;
    for (let i = done; i < n; i++) planes[s + i] = block[i * typesize + j]!;
  }
  for (let k = n * typesize; k < bsize; k++) planes[k] = block[k]!;
  return planes.subarray(0, bsize);
}

/**
 * blosc's byte shuffle of one block: byte j of every element goes to stream j (each `bsize / typesize`
 * bytes long); the trailing `bsize % typesize` bytes are copied as they are.
 */
function shuffleBlock(src: Uint8Array, typesize: number, dest: Uint8Array): void {
  const bsize = src.length;
  const n = Math.floor(bsize / typesize);
  if (LITTLE_ENDIAN && (typesize === 4 || typesize === 8) && n % 4 === 0 && src.byteOffset % 4 === 0 && dest.byteOffset % 4 === 0) {
    // 4 elements at a time: each stream gets one 32-bit word (byte j of the 4 elements, in order)
    const words = typesize / 4;
    const w = new Uint32Array(src.buffer, src.byteOffset, n * words);
    const d = new Uint32Array(dest.buffer, dest.byteOffset, n * words);
    const q = n / 4;
    for (let h = 0; h < words; h++) {
      const o0 = 4 * h * q,
        o1 = o0 + q,
        o2 = o1 + q,
        o3 = o2 + q;
      for (let i = 0, k = h; i < q; i++, k += 4 * words) {
        const a = w[k]!,
          b = w[k + words]!,
          c = w[k + 2 * words]!,
          e = w[k + 3 * words]!;
        d[o0 + i] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (e << 24);
        d[o1 + i] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((e & 0xff00) << 16);
        d[o2 + i] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((e & 0xff0000) << 8);
        d[o3 + i] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (e & 0xff000000);
      }
    }
  } else if (LITTLE_ENDIAN && typesize === 4 && src.byteOffset % 4 === 0) {
    const w = new Uint32Array(src.buffer, src.byteOffset, n);
    const n2 = 2 * n,
      n3 = 3 * n;
    for (let i = 0; i < n; i++) {
      const v = w[i]!;
      dest[i] = v;
      dest[n + i] = v >>> 8;
      dest[n2 + i] = v >>> 16;
      dest[n3 + i] = v >>> 24;
    }
  } else if (LITTLE_ENDIAN && typesize === 8 && src.byteOffset % 4 === 0) {
    const w = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
    const n2 = 2 * n,
      n3 = 3 * n,
      n4 = 4 * n,
      n5 = 5 * n,
      n6 = 6 * n,
      n7 = 7 * n;
    for (let i = 0, k = 0; i < n; i++, k += 2) {
      const lo = w[k]!;
      const hi = w[k + 1]!;
      dest[i] = lo;
      dest[n + i] = lo >>> 8;
      dest[n2 + i] = lo >>> 16;
      dest[n3 + i] = lo >>> 24;
      dest[n4 + i] = hi;
      dest[n5 + i] = hi >>> 8;
      dest[n6 + i] = hi >>> 16;
      dest[n7 + i] = hi >>> 24;
    }
  } else {
    for (let j = 0; j < typesize; j++) {
      const s = j * n;
      for (let i = 0; i < n; i++) dest[s + i] = src[i * typesize + j]!;
    }
  }
  const done = n * typesize;
  if (done < bsize) dest.set(src.subarray(done, bsize), done);
}

/**
 * Compresses `src` as one LZ4 block (greedy single-probe hash search with LZ4's acceleration, LZ4_compress_fast's
 * `acceleration`: after the first miss the search steps `acceleration` bytes, more the longer it finds nothing) into
 * `dst[from..to)`.
 * @returns the compressed length, or 0 when it does not fit in `to - from` bytes.
 */
export function lz4Compress(src: Uint8Array, dst: Uint8Array, from: number, to: number, acceleration = 1): number {
  const len = src.length;
  let op = from;
  let anchor = 0;
  if (len >= MFLIMIT + 1) {
    const table = hashTable;
    // a fresh table per block (as LZ4_compress_default): stale positions of earlier blocks would still give valid
    // matches, but the bytes would then depend on what the thread compressed before (gen's output must not)
    table.fill(NO_POSITION);
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    const mflimit = len - MFLIMIT;
    const matchlimit = len - LASTLITERALS;
    let ip = 1;
    const shift = 32 - HASH_LOG;
    const firstAttempt = Math.max(1, Math.floor(acceleration)) << SKIP_TRIGGER;
    for (;;) {
      // find a match
      let ref = -1;
      let step = 1;
      let attempts = firstAttempt;
      let seq = 0;
      for (;;) {
        if (ip > mflimit) break;
        seq = dv.getInt32(ip, true);
        const h = Math.imul(seq, 2654435761) >>> shift;
        const cand = table[h]!;
        table[h] = ip;
        if (cand < ip && ip - cand <= MAX_OFFSET && dv.getInt32(cand, true) === seq) {
          ref = cand;
          break;
        }
        ip += step;
        step = attempts++ >> SKIP_TRIGGER;
      }
      if (ref < 0) break;
      // extend backwards over literals
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      // extend forwards: 16 bytes a step while 16 remain (long runs of a byte plane), then 4, then 1 (the same end)
      let mlen = MINMATCH;
      while (
        ip + mlen + 16 <= matchlimit &&
        dv.getInt32(ip + mlen, true) === dv.getInt32(ref + mlen, true) &&
        dv.getInt32(ip + mlen + 4, true) === dv.getInt32(ref + mlen + 4, true) &&
        dv.getInt32(ip + mlen + 8, true) === dv.getInt32(ref + mlen + 8, true) &&
        dv.getInt32(ip + mlen + 12, true) === dv.getInt32(ref + mlen + 12, true)
      )
        mlen += 16;
      while (ip + mlen + 4 <= matchlimit && dv.getInt32(ip + mlen, true) === dv.getInt32(ref + mlen, true)) mlen += 4;
      while (ip + mlen < matchlimit && src[ip + mlen] === src[ref + mlen]) mlen++;
      // emit: token, literal length, literals, offset, match length
      const lit = ip - anchor;
      if (op + 1 + lit + ((lit / 255) | 0) + 1 + 2 + (((mlen - MINMATCH) / 255) | 0) + 1 + LASTLITERALS > to) return 0;
      const tokenPos = op++;
      let token: number;
      if (lit >= 15) {
        token = 15 << 4;
        let r = lit - 15;
        for (; r >= 255; r -= 255) dst[op++] = 255;
        dst[op++] = r;
      } else token = lit << 4;
      if (lit < 32) for (let k = 0; k < lit; k++) dst[op + k] = src[anchor + k]!;
      else dst.set(src.subarray(anchor, ip), op);
      op += lit;
      const off = ip - ref;
      dst[op++] = off & 0xff;
      dst[op++] = off >>> 8;
      const ml = mlen - MINMATCH;
      if (ml >= 15) {
        token |= 15;
        let r = ml - 15;
        for (; r >= 255; r -= 255) dst[op++] = 255;
        dst[op++] = r;
      } else token |= ml;
      dst[tokenPos] = token;
      ip += mlen;
      anchor = ip;
      if (ip > mflimit) break;
      // index a position inside the match, so the next search finds nearby repeats
      const p = ip - 2;
      table[Math.imul(dv.getInt32(p, true), 2654435761) >>> shift] = p;
    }
  }
  // last literals
  const lit = len - anchor;
  if (op + 1 + lit + ((lit / 255) | 0) + 1 > to) return 0;
  if (lit >= 15) {
    dst[op++] = 15 << 4;
    let r = lit - 15;
    for (; r >= 255; r -= 255) dst[op++] = 255;
    dst[op++] = r;
  } else dst[op++] = lit << 4;
  dst.set(src.subarray(anchor, len), op);
  op += lit;
  return op - from;
}

/** Replaces the scratch buffers (tests: reset module state). */
export function resetBloscScratch(): void {
  hashTable = new Int32Array(1 << HASH_LOG);
  shuffled = new Uint8Array(0);
  frameScratch = new Uint8Array(0);
  freeFrames.length = 0;
}
