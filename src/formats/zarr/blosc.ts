// Blosc 1 frame decoding in TypeScript for the common case (LZ4 / LZ4HC inside, no shuffle or byte shuffle),
// with typed-array copies only; other frames (blosclz, zstd, zlib, snappy, bit shuffle) go to numcodecs' wasm.
// Format: https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst (16-byte header, block starts, splits);
// LZ4 blocks: https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md
import { le32 } from "../bounded.js";
import { simdUnshuffle, type SimdUnshuffle } from "./unshuffle-simd.js";
import { DOBITSHUFFLE, DONT_SPLIT, DOSHUFFLE, HEADER, LITTLE_ENDIAN, LZ4_FORMAT, MEMCPYED, splitCount } from "./blosc-format.js";

/** Largest block unshuffled in WebAssembly memory (larger ones by the JavaScript transpose). */
const SIMD_MAX_BLOCK = 8 << 20;

/** Thrown when a frame is inconsistent; the caller falls back to the reference decoder for the error text. */
class BadFrame extends Error {}

/**
 * Whether {@link decodeBlosc} decodes this frame itself: a blosc 1 frame (version byte 1 or 2) that is
 * a plain copy or LZ4-compressed, without bit shuffle.
 */
export function canDecodeBlosc(frame: Uint8Array): boolean {
  if (frame.length < HEADER) return false;
  const version = frame[0]!;
  const flags = frame[2]!;
  if (version < 1 || version > 2 || (flags & 0x08) !== 0 || (flags & DOBITSHUFFLE) !== 0) return false;
  return (flags & MEMCPYED) !== 0 || flags >> 5 === LZ4_FORMAT;
}

/**
 * Decodes a blosc 1 frame (see {@link canDecodeBlosc}) into `out` (a new buffer of the header's `nbytes`
 * when not given). The result is byte-identical to c-blosc's `blosc_decompress`.
 * Spec: https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst
 * @param frame the stored chunk (header + block starts + compressed splits)
 * @param out where to write the `nbytes` decoded bytes (must be at least that long)
 * @param borrow a frame of one block decoded in WebAssembly is left where the unshuffle wrote it: the result is then a
 *   view of the module's memory (16-byte aligned), valid until the next decode on this thread — for a caller that
 *   copies the values out at once (one copy of the chunk less)
 * @returns the decoded bytes (a view of `out` when given, or borrowed); undefined when the frame is not one this
 *   decoder handles or is inconsistent — then use the reference (wasm) decoder, which reports the error.
 */
export function decodeBlosc(frame: Uint8Array, out?: Uint8Array, borrow = false): Uint8Array | undefined {
  if (!canDecodeBlosc(frame)) return undefined;
  const flags = frame[2]!;
  const typesize = frame[3]!;
  const nbytes = le32(frame, 4);
  const blocksize = le32(frame, 8);
  const cbytes = le32(frame, 12);
  if (cbytes !== frame.length || (out && out.length < nbytes)) return undefined;
  const dest = out ? out.subarray(0, nbytes) : uninitialized(nbytes);
  if (nbytes === 0) return dest;
  if (flags & MEMCPYED) {
    if (nbytes + HEADER !== cbytes) return undefined;
    dest.set(frame.subarray(HEADER, HEADER + nbytes));
    return dest;
  }
  if (blocksize <= 0 || typesize <= 0) return undefined;
  const nblocks = Math.ceil(nbytes / blocksize);
  if (HEADER + nblocks * 4 > cbytes) return undefined;
  const shuffle = (flags & DOSHUFFLE) !== 0 && typesize > 1;
  const dontSplit = (flags & DONT_SPLIT) !== 0;
  // 4- and 8-byte types: the frame is copied into the WebAssembly module's memory, its LZ4 decoder writes the byte
  // planes there and its SIMD unshuffle puts the elements together
  // (blocks of at most 8 MB: the module's memory, twice the largest block, is kept for the next frames)
  const span = Math.min(blocksize, nbytes);
  const simd = shuffle && (typesize === 4 || typesize === 8) && span <= SIMD_MAX_BLOCK ? simdUnshuffle() : undefined;
  let regions: { planes: Uint8Array; out: Uint8Array; input: Uint8Array } | undefined;
  try {
    regions = simd?.regions(span, frame.length);
    if (regions) toInput(regions.input, frame);
  } catch {
    regions = undefined; // the memory could not grow: the JavaScript unshuffle
  }
  const tmp = regions ? regions.planes : shuffle ? scratch(span) : undefined;
  try {
    if (regions && borrow && nblocks === 1) {
      // the block's elements stay in the module's `out` region: the remainder (n mod 16 elements, bytes past n·typesize)
      // is put there too
      const nsplits = splitCount(nbytes, blocksize, typesize, dontSplit);
      decompressBlockWasm(frame, cbytes, 0, nsplits, nbytes, simd!, tmp!);
      const n = Math.floor(nbytes / typesize);
      const done = simd!.run(typesize as 4 | 8, n);
      const o = regions.out;
      for (let j = 0; j < typesize; j++) for (let i = done; i < n; i++) o[i * typesize + j] = tmp![j * n + i]!;
      if (n * typesize < nbytes) o.set(tmp!.subarray(n * typesize, nbytes), n * typesize);
      return o.subarray(0, nbytes);
    }
    for (let b = 0; b < nblocks; b++) {
      const start = b * blocksize;
      const bsize = Math.min(blocksize, nbytes - start);
      const nsplits = splitCount(bsize, blocksize, typesize, dontSplit);
      if (regions) {
        // plane j of the block's n elements is at j·n, split or not
        decompressBlockWasm(frame, cbytes, b, nsplits, bsize, simd!, tmp!);
        const n = Math.floor(bsize / typesize);
        const done = simd!.run(typesize as 4 | 8, n);
        dest.set(regions.out.subarray(0, done * typesize), start);
        for (let j = 0; j < typesize; j++) for (let i = done; i < n; i++) dest[start + i * typesize + j] = tmp![j * n + i]!;
        if (n * typesize < bsize) dest.set(tmp!.subarray(n * typesize, bsize), start + n * typesize);
        continue;
      }
      const target = shuffle ? tmp!.subarray(0, bsize) : dest.subarray(start, start + bsize);
      // with a byte shuffle, split j is byte stream j (stored, incompressible streams are copied into place too)
      const streams: Uint8Array[] = [];
      decompressBlock(frame, cbytes, b, nsplits, target, shuffle && nsplits > 1 ? streams : undefined);
      if (shuffle) {
        const n = Math.floor(bsize / typesize);
        if (nsplits === 1) for (let j = 0; j < typesize; j++) streams.push(tmp!.subarray(j * n, (j + 1) * n));
        unshuffle(streams, n, typesize, dest, start);
        const done = n * typesize;
        if (done < bsize) dest.set(tmp!.subarray(done, bsize), start + done);
      }
    }
  } catch (err) {
    if (err instanceof BadFrame) return undefined;
    throw err;
  }
  return dest;
}

/**
 * Decompresses block `b` of a Blosc1 frame (its `nsplits` LZ4 or stored splits, offsets from the block table after
 * the 16-byte header) into `target`, whose length is the block's size; each split's bytes are pushed to `streams`
 * when given (the byte streams of a shuffled block). Stored splits are copied, which keeps a stream 4-byte aligned
 * for the unshuffle. Format: https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst
 * @throws BadFrame when sizes or offsets are inconsistent with the frame (`cbytes` long).
 */
function decompressBlock(frame: Uint8Array, cbytes: number, b: number, nsplits: number, target: Uint8Array, streams?: Uint8Array[]): void {
  forEachSplit(frame, cbytes, b, nsplits, target.length, (j, src, csize, neblock) => {
    const part = target.subarray(j * neblock, (j + 1) * neblock);
    if (csize === neblock) part.set(frame.subarray(src, src + csize));
    else if (lz4Block(frame, src, src + csize, part) !== neblock) throw new BadFrame();
    streams?.push(part);
  });
}

/**
 * Walks the `nsplits` splits of block `b` of a frame (`cbytes` long) whose block size is `bsize`: checks each split's
 * size and offset against the frame and calls `split(j, src, csize, neblock)` with its index, the offset of its
 * bytes in the frame, their length and the decoded split size (`bsize / nsplits`).
 * @throws BadFrame when sizes or offsets are inconsistent with the frame.
 */
function forEachSplit(
  frame: Uint8Array,
  cbytes: number,
  b: number,
  nsplits: number,
  bsize: number,
  split: (j: number, src: number, csize: number, neblock: number) => void,
): void {
  const neblock = Math.floor(bsize / nsplits);
  if (nsplits > 1 && neblock * nsplits !== bsize) throw new BadFrame();
  let src = le32(frame, HEADER + b * 4);
  for (let j = 0; j < nsplits; j++) {
    if (src + 4 > cbytes) throw new BadFrame();
    const csize = le32(frame, src);
    src += 4;
    if (csize > cbytes - src) throw new BadFrame();
    split(j, src, csize, neblock);
    src += csize;
  }
}

/**
 * {@link decompressBlock} with the LZ4 splits decoded by the WebAssembly decoder: the frame is in its `input` region,
 * the splits go to `planes[j · bsize/nsplits …]` (a split's 16-byte copies may run into the next split's place, which
 * is written after it, or into the region's slack).
 * @throws BadFrame when sizes or offsets are inconsistent with the frame.
 */
function decompressBlockWasm(
  frame: Uint8Array,
  cbytes: number,
  b: number,
  nsplits: number,
  bsize: number,
  w: SimdUnshuffle,
  planes: Uint8Array,
): void {
  forEachSplit(frame, cbytes, b, nsplits, bsize, (j, src, csize, neblock) => {
    if (csize === neblock) planes.set(frame.subarray(src, src + csize), j * neblock);
    else if (w.lz4(src, src + csize, j * neblock, neblock) !== neblock) throw new BadFrame();
  });
}

/**
 * Decodes only elements `[first, first + count)` of a frame {@link decodeBlosc} handles (an element is `itemSize`
 * bytes, by default the frame's `typesize`): only the blocks holding them are decompressed, in each only the splits
 * holding their bytes, and each of those only up to the last byte wanted (LZ4 output is final once written), so a
 * point of a chunk costs a part of its block's LZ4 decode and no unshuffle of the whole chunk. The bytes equal
 * `decodeBlosc(frame)` at `[first · itemSize, (first + count) · itemSize)`. Damage in the parts not decoded goes
 * unseen (as with c-blosc's `blosc_getitem`, which decodes only the blocks it needs).
 * @returns a new buffer of `count · itemSize` bytes; undefined when decodeBlosc would decline the frame, the frame is
 *   inconsistent where it was read, or the range lies outside it (then decode the whole frame).
 */
export function decodeBloscRange(frame: Uint8Array, first: number, count: number, itemSize?: number): Uint8Array | undefined {
  if (!canDecodeBlosc(frame)) return undefined;
  const flags = frame[2]!;
  const typesize = frame[3]!;
  const nbytes = le32(frame, 4);
  const blocksize = le32(frame, 8);
  const cbytes = le32(frame, 12);
  const size = itemSize ?? typesize;
  if (cbytes !== frame.length || typesize <= 0 || size <= 0 || first < 0 || count < 0) return undefined;
  const from = first * size;
  const to = (first + count) * size;
  if (to > nbytes) return undefined;
  const dest = new Uint8Array(to - from);
  if (count === 0) return dest;
  if (flags & MEMCPYED) {
    if (nbytes + HEADER !== cbytes) return undefined;
    dest.set(frame.subarray(HEADER + from, HEADER + to));
    return dest;
  }
  if (blocksize <= 0) return undefined;
  const nblocks = Math.ceil(nbytes / blocksize);
  if (HEADER + nblocks * 4 > cbytes) return undefined;
  const shuffle = (flags & DOSHUFFLE) !== 0 && typesize > 1;
  const dontSplit = (flags & DONT_SPLIT) !== 0;
  // the WebAssembly LZ4 decoder writes into its memory, where the frame is copied; else the TypeScript one into scratch
  const simd = Math.min(blocksize, nbytes) <= SIMD_MAX_BLOCK ? simdUnshuffle() : undefined;
  let regions: { planes: Uint8Array; input: Uint8Array } | undefined;
  try {
    regions = simd?.regions(Math.min(blocksize, nbytes), frame.length);
    if (regions) toInput(regions.input, frame);
  } catch {
    regions = undefined; // the memory could not grow
  }
  const tmp = regions ? regions.planes : scratch(blocksize);
  try {
    for (let b = Math.floor(from / blocksize); b < nblocks && b * blocksize < to; b++) {
      const start = b * blocksize;
      const bsize = Math.min(blocksize, nbytes - start);
      const nsplits = splitCount(bsize, blocksize, typesize, dontSplit);
      const lo = Math.max(from, start) - start; // the wanted bytes of this block: [lo, hi)
      const hi = Math.min(to, start + bsize) - start;
      // where they lie in the LZ4 output (with a byte shuffle, byte k of element e at k·n + e; bytes past n·typesize as
      // they are), and so how much of each split is needed
      const n = Math.floor(bsize / typesize);
      const neblock = Math.floor(bsize / nsplits);
      const need = new Array<number>(nsplits).fill(0);
      const mark = (qlo: number, qhi: number) => {
        for (let j = Math.floor(qlo / neblock); j < nsplits && j * neblock < qhi; j++) {
          need[j] = Math.max(need[j]!, Math.min(qhi, (j + 1) * neblock) - j * neblock);
        }
      };
      if (!shuffle) mark(lo, hi);
      else {
        const elo = Math.floor(lo / typesize);
        const ehi = Math.min(n, Math.ceil(hi / typesize));
        if (elo < ehi) for (let k = 0; k < typesize; k++) mark(k * n + elo, k * n + ehi);
        if (hi > n * typesize) mark(Math.max(lo, n * typesize), hi);
      }
      forEachSplit(frame, cbytes, b, nsplits, bsize, (j, src, csize, each) => {
        const want = need[j]!;
        if (want === 0) return;
        const at = j * each;
        if (csize === each) {
          tmp.set(frame.subarray(src, src + Math.min(csize, want)), at);
          return;
        }
        const got = regions
          ? simd!.lz4(src, src + csize, at, each, want)
          : lz4Block(frame, src, src + csize, tmp.subarray(at, at + each), want);
        if (got < want || (want === each && got !== each)) throw new BadFrame();
      });
      const at = start + lo - from;
      if (!shuffle) {
        dest.set(tmp.subarray(lo, hi), at);
        continue;
      }
      for (let p = lo; p < hi; p++) {
        const e = Math.floor(p / typesize);
        dest[at + p - lo] = e < n ? tmp[(p - e * typesize) * n + e]! : tmp[p]!;
      }
    }
  } catch (err) {
    if (err instanceof BadFrame) return undefined;
    throw err;
  }
  return dest;
}

/**
 * Where to read a stored frame of `size` bytes that decodes to at most `decoded` bytes, so that {@link decodeBlosc} and
 * {@link decodeBloscRange} take it where it is instead of copying it into the WebAssembly module's memory: the module's
 * input region, sized so that decoding such a frame does not grow (and so detach) the memory. Valid until the next
 * decode on this thread; undefined without WebAssembly SIMD or above SIMD_MAX_BLOCK.
 */
export function frameSlot(size: number, decoded: number): Uint8Array | undefined {
  if (decoded > SIMD_MAX_BLOCK) return undefined;
  try {
    return simdUnshuffle()?.regions(decoded, size).input.subarray(0, size);
  } catch {
    return undefined; // the memory could not grow
  }
}

/** Puts the frame into the module's input region, unless it was read there ({@link frameSlot}). */
function toInput(input: Uint8Array, frame: Uint8Array): void {
  if (frame.buffer === input.buffer && frame.byteOffset === input.byteOffset) return;
  input.set(frame); // throws for a frame detached by a growth of the memory: the caller decodes in JavaScript
}

/**
 * A new buffer of `n` bytes that every successful decode overwrites completely, so it need not be zeroed:
 * Node's unpooled unsafe allocation (its own ArrayBuffer, offset 0) viewed as a plain Uint8Array; elsewhere
 * a zeroed one.
 */
function uninitialized(n: number): Uint8Array {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  if (!B) return new Uint8Array(n);
  const b = B.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

let scratchBuf = new Uint8Array(0);
/** A reusable buffer of at least `n` bytes for one block's shuffled streams (decoding is synchronous). */
function scratch(n: number): Uint8Array {
  if (scratchBuf.length < n) scratchBuf = new Uint8Array(n);
  return scratchBuf;
}

/**
 * Decompresses one LZ4 block (no frame header) from `src[from..to)` into `dst`; returns the bytes written. With
 * `need` below `dst.length`, it returns after the sequence that writes `dst[need - 1]` (a prefix, the rest unchecked).
 * @throws BadFrame on a malformed block (offset before the start, output overflow, truncated input).
 */
function lz4Block(src: Uint8Array, from: number, to: number, dst: Uint8Array, need = dst.length + 1): number {
  let ip = from;
  let op = 0;
  const oend = dst.length;
  while (ip < to) {
    if (op >= need) return op;
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let s: number;
      do {
        s = src[ip++]!;
        lit += s;
      } while (s === 255 && ip < to);
    }
    if (lit > 0) {
      if (ip + lit > to || op + lit > oend) throw new BadFrame();
      if (lit < 16) for (let k = 0; k < lit; k++) dst[op + k] = src[ip + k]!;
      else dst.set(src.subarray(ip, ip + lit), op);
      ip += lit;
      op += lit;
    }
    if (ip >= to) break; // the last sequence holds literals only
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new BadFrame();
    let len = token & 15;
    if (len === 15) {
      let s: number;
      do {
        s = src[ip++]!;
        len += s;
      } while (s === 255 && ip < to);
    }
    len += 4;
    if (op + len > oend) throw new BadFrame();
    let m = op - offset;
    const end = op + len;
    if (len < 16) {
      while (op < end) dst[op++] = dst[m++]!;
    } else if (offset === 1) {
      dst.fill(dst[m]!, op, end); // a run of one byte (common in the byte planes of shuffled data)
      op = end;
    } else if (offset >= len) {
      dst.copyWithin(op, m, m + len); // no overlap: one memmove
      op = end;
    } else {
      // overlapping copies repeat a period of `offset` bytes: copy what is already written, doubling each time
      while (op < end) {
        const n = Math.min(op - m, end - op);
        dst.copyWithin(op, m, m + n);
        op += n;
      }
    }
  }
  if (ip !== to) throw new BadFrame();
  return op;
}

/**
 * Undoes blosc's byte shuffle of one block: `streams[j]` holds byte j of each of the block's `n` elements;
 * element i is written to `dest[at + i * typesize …]`. For 4- and 8-byte types with 4-byte-aligned streams
 * and output, four elements at a time: one 32-bit load per stream, a 4×4 byte transpose with masks and
 * shifts, 32-bit stores (the inverse of blosc-encode.ts's shuffle); the rest byte by byte.
 */
function unshuffle(streams: Uint8Array[], n: number, typesize: number, dest: Uint8Array, at: number): void {
  let i0 = 0;
  if (
    LITTLE_ENDIAN &&
    (typesize === 4 || typesize === 8) &&
    (dest.byteOffset + at) % 4 === 0 &&
    streams.every((s) => s.byteOffset % 4 === 0)
  ) {
    const groups = n >>> 2;
    const w = new Int32Array(dest.buffer, dest.byteOffset + at, groups * typesize);
    const v = streams.map((s) => new Int32Array(s.buffer, s.byteOffset, groups));
    if (typesize === 4) transpose4(v[0]!, v[1]!, v[2]!, v[3]!, w, groups, 0, 1);
    else {
      transpose4(v[0]!, v[1]!, v[2]!, v[3]!, w, groups, 0, 2); // low words of each float64
      transpose4(v[4]!, v[5]!, v[6]!, v[7]!, w, groups, 1, 2); // high words
    }
    i0 = groups * 4;
  }
  if (i0 >= n) return;
  for (let j = 0; j < typesize; j++) {
    const s = streams[j]!;
    for (let i = i0; i < n; i++) dest[at + i * typesize + j] = s[i]!;
  }
}

/**
 * Byte transpose of four byte planes into 32-bit words: for each group g, word byte k of element 4g+e is byte e
 * of `rk[g]` (little endian); the word of element 4g+e goes to `w[first + (4g + e) * step]`.
 */
function transpose4(
  r0: Int32Array,
  r1: Int32Array,
  r2: Int32Array,
  r3: Int32Array,
  w: Int32Array,
  groups: number,
  first: number,
  step: number,
): void {
  const s2 = step * 2,
    s3 = step * 3,
    s4 = step * 4;
  for (let g = 0, k = first; g < groups; g++, k += s4) {
    const a = r0[g]!,
      b = r1[g]!,
      c = r2[g]!,
      d = r3[g]!;
    const t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
    const t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
    const t2 = (c & 0x00ff00ff) | ((d & 0x00ff00ff) << 8);
    const t3 = ((c >>> 8) & 0x00ff00ff) | (d & 0xff00ff00);
    w[k] = (t0 & 0xffff) | (t2 << 16);
    w[k + step] = (t1 & 0xffff) | (t3 << 16);
    w[k + s2] = (t0 >>> 16) | (t2 & 0xffff0000);
    w[k + s3] = (t1 >>> 16) | (t3 & 0xffff0000);
  }
}
