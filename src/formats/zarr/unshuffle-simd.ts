// WebAssembly for the blosc decoder: LZ4 blocks (16-byte copies) and blosc's byte unshuffle of 4- and 8-byte types with SIMD (i8x16.shuffle): 16 elements per step, the
// byte planes interleaved in 2 (4-byte) or 3 (8-byte) rounds of lane shuffles, about 4× faster than the word-wise
// JavaScript transpose (blosc.ts), which stays the fallback where WebAssembly SIMD is missing. The module's bytes are
// written out below (no toolchain) and kept as base64 text, MODULE_BASE64, that a thread compiles (a test checks it is
// what the generators write); its memory holds the LZ4 output (the byte planes) and the unshuffled block.
// For the encoder (blosc-encode.ts), the same module has the forward shuffle (the planes split out of 16 elements in
// as many rounds), used through an instance of its own whose memory holds the block and its planes.
// Spec: https://webassembly.github.io/spec/core/binary/ (fixed-width SIMD: opcodes after the 0xfd prefix).

import { section, sleb, uleb, WASM_HEADER, wasmName } from "../../core/wasm-encode.js";

/** The WebAssembly blosc helpers: their memory's regions, the unshuffle and the LZ4 block decoder. */
export interface SimdUnshuffle {
  /**
   * Views of the module memory (valid until the next call): `planes` and `out` at least `block` bytes, `input` at
   * least `input` bytes, each followed by {@link SLACK} bytes the LZ4 decoder's 16-byte copies may overrun.
   */
  regions(block: number, input: number): { planes: Uint8Array; out: Uint8Array; input: Uint8Array };
  /** Unshuffles the first ⌊n/16⌋·16 elements of the `typesize` planes into `out`; returns how many it did. */
  run(typesize: 4 | 8, n: number): number;
  /**
   * Decodes the LZ4 block at `input[from, to)` into `planes[at, at + size)`; returns the bytes written, or −1 for a
   * malformed block (an offset before `at`, more than `size` bytes, input not used exactly). With `need` (< size), it
   * stops once `planes[at, at + need)` is written (those bytes are final; the rest of the block is neither decoded nor
   * checked) and returns `need` (fewer when the block ends before, −1 when it is malformed before).
   */
  lz4(from: number, to: number, at: number, size: number, need?: number): number;
}

/** Bytes after each region that 16-byte copies may touch. */
export const SLACK = 64;

const LO8 = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HI8 = [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31];
const LO16 = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
const HI16 = [8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31];
const LO32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HI32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const shuffle = (x: number, y: number, lanes: number[], to: number) => [...get(x), ...get(y), 0xfd, 0x0d, ...lanes, ...set(to)];

/**
 * The body of `unshuffle(src, n, dst)` for `t` planes (params 0–2; local 3 = i; locals 4… = plane starts; then v128
 * locals): while i + 16 ≤ n, 16 elements from each plane → 16·t bytes at dst + i·t.
 */
function kernel(t: 4 | 8): number[] {
  const I = 3;
  const S = 4; // plane starts s_j = src + j·n
  const V = S + t; // loaded planes
  const A = V + t; // after the byte round
  const B = A + t; // after the 16-bit round
  const C = B + 4; // (t = 8) the other half after the 16-bit round
  const nV128 = t === 8 ? 8 + 8 + 4 + 4 : 4 + 4;
  const body: number[] = [];
  for (let j = 0; j < t; j++) body.push(...get(0), ...get(1), ...i32(j), 0x6c, 0x6a, ...set(S + j));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop
  body.push(...get(I), ...i32(16), 0x6a, ...get(1), 0x4b, 0x0d, 1); // i + 16 > n → break
  for (let j = 0; j < t; j++) body.push(...get(S + j), ...get(I), 0x6a, 0xfd, 0x00, 0, 0, ...set(V + j));
  for (let p = 0; p < t / 2; p++) {
    body.push(...shuffle(V + 2 * p, V + 2 * p + 1, LO8, A + 2 * p), ...shuffle(V + 2 * p, V + 2 * p + 1, HI8, A + 2 * p + 1));
  }
  const outs: number[][] = [];
  if (t === 4) {
    // a0/a2: elements 0–7, a1/a3: 8–15
    outs.push(shuffle(A, A + 2, LO16, B).slice(0, -2), shuffle(A, A + 2, HI16, B).slice(0, -2));
    outs.push(shuffle(A + 1, A + 3, LO16, B).slice(0, -2), shuffle(A + 1, A + 3, HI16, B).slice(0, -2));
  } else {
    body.push(...shuffle(A, A + 2, LO16, B), ...shuffle(A, A + 2, HI16, B + 1));
    body.push(...shuffle(A + 1, A + 3, LO16, B + 2), ...shuffle(A + 1, A + 3, HI16, B + 3));
    body.push(...shuffle(A + 4, A + 6, LO16, C), ...shuffle(A + 4, A + 6, HI16, C + 1));
    body.push(...shuffle(A + 5, A + 7, LO16, C + 2), ...shuffle(A + 5, A + 7, HI16, C + 3));
    for (let q = 0; q < 4; q++) outs.push(shuffle(B + q, C + q, LO32, 0).slice(0, -2), shuffle(B + q, C + q, HI32, 0).slice(0, -2));
  }
  // out_k → dst + i·t + 16k (the store's offset immediate)
  outs.forEach((value, k) => {
    body.push(...get(2), ...get(I), ...i32(t === 8 ? 3 : 2), 0x74, 0x6a, ...value, 0xfd, 0x0b, 0, ...uleb(16 * k));
  });
  body.push(...get(I), ...i32(16), 0x6a, ...set(I), 0x0c, 0, 0x0b, 0x0b, 0x0b); // i += 16; br loop; end loop, block, func
  const locals = [2, ...uleb(1 + t), 0x7f, ...uleb(nV128), 0x7b];
  const fn = [...locals, ...body];
  return [...uleb(fn.length), ...fn];
}

/** Lanes of the even and odd bytes of two vectors (the forward shuffle's rounds: each halves the stride of a byte). */
const EVEN8 = Array.from({ length: 16 }, (_, k) => 2 * k);
const ODD8 = Array.from({ length: 16 }, (_, k) => 2 * k + 1);

/**
 * The body of `shuffle(src, n, dst)` for `t`-byte elements (params 0–2; local 3 = i; locals 4… = plane starts; then
 * v128 locals), blosc's forward byte shuffle: while i + 16 ≤ n, the 16·t bytes of elements i…i+15 at src + i·t → byte j
 * of each at dst + j·n + i. The t vectors are split into their even and odd bytes log2(t) times (2 rounds for 4-byte
 * types, 3 for 8): after round r, vector k holds the bytes whose position has its low r bits equal to k's high r bits,
 * so after the last one vector j is plane j, in element order (checked by simulating the rounds below).
 */
function shuffleKernel(t: 4 | 8): number[] {
  const I = 3;
  const D = 4; // plane starts d_j = dst + j·n
  const rounds = t === 8 ? 3 : 2;
  const V = D + t; // v128 locals: t per round's input (round 0 = the loaded vectors)
  const body: number[] = [];
  for (let j = 0; j < t; j++) body.push(...get(2), ...get(1), ...i32(j), 0x6c, 0x6a, ...set(D + j));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop
  body.push(...get(I), ...i32(16), 0x6a, ...get(1), 0x4b, 0x0d, 1); // i + 16 > n → break
  // v_k = the 16 bytes at src + i·t + 16k
  for (let k = 0; k < t; k++)
    body.push(...get(0), ...get(I), ...i32(t === 8 ? 3 : 2), 0x74, 0x6a, 0xfd, 0x00, 0, ...uleb(16 * k), ...set(V + k));
  // simulate the rounds on (element, byte) labels to check the result is the planes in order
  let labels: number[][] = Array.from({ length: t }, (_, k) =>
    Array.from({ length: 16 }, (_, l) => ((16 * k + l) % t) * 16 + Math.floor((16 * k + l) / t)),
  );
  for (let r = 0; r < rounds; r++) {
    const from = V + r * t;
    const to = from + t;
    const last = r === rounds - 1;
    const next: number[][] = [];
    for (let k = 0; k < t; k++) {
      const p = k % (t / 2);
      const lanes = k < t / 2 ? EVEN8 : ODD8;
      const a = labels[2 * p]!;
      const b = labels[2 * p + 1]!;
      next.push(lanes.map((l) => (l < 16 ? a[l]! : b[l - 16]!)));
      if (last) {
        // plane k: dst + k·n + i ← shuffle
        body.push(...get(D + k), ...get(I), 0x6a, ...shuffle(from + 2 * p, from + 2 * p + 1, lanes, 0).slice(0, -2), 0xfd, 0x0b, 0, 0);
      } else body.push(...shuffle(from + 2 * p, from + 2 * p + 1, lanes, to + k));
    }
    labels = next;
  }
  // label = byte·16 + element: vector j must hold byte j of elements 0…15
  labels.forEach((v, j) => {
    if (v.some((x, l) => x !== j * 16 + l)) throw new Error("shuffle kernel: rounds do not give the planes");
  });
  body.push(...get(I), ...i32(16), 0x6a, ...set(I), 0x0c, 0, 0x0b, 0x0b, 0x0b); // i += 16; br loop; end loop, block, func
  const locals = [2, ...uleb(1 + t), 0x7f, ...uleb(rounds * t), 0x7b];
  const fn = [...locals, ...body];
  return [...uleb(fn.length), ...fn];
}

const OPS = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  ret: [0x0f],
  load8: [0x2d, 0, 0],
  load16: [0x2f, 0, 0],
  store8: [0x3a, 0, 0],
  vload: [0xfd, 0x00, 0, 0],
  vstore: [0xfd, 0x0b, 0, 0],
  eqz: [0x45],
  eq: [0x46],
  ne: [0x47],
  ltU: [0x49],
  gtU: [0x4b],
  geU: [0x4f],
  add: [0x6a],
  sub: [0x6b],
  and: [0x71],
  or: [0x72],
  shrU: [0x76],
};

/**
 * `lz4(ip, iend, op, oend, stop) → bytes written or −1`: one LZ4 block (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md)
 * from memory [ip, iend) into [op, oend), with the same checks as blosc.ts's lz4Block (no read before the output's
 * start, no write past oend, the input used exactly). Literals and matches of offset ≥ 16 are copied 16 bytes at a
 * time and may write up to 15 bytes past their end (and read 15 past the input's end): the caller leaves that slack.
 * With `stop` ≤ `oend`, copies end at `stop` and the output up to it is returned (a prefix of the block, the rest neither
 * decoded nor checked); `stop` past `oend` never does.
 */
function lz4Kernel(): number[] {
  const o = OPS;
  const [IP, IEND, OP, OEND, STOP, TOKEN, LIT, S, OFF, LEN, M, END, OSTART, E2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  // a length extension: bytes of 255 continue it (FAIL is the depth of the fail block inside the if + loop)
  const extend = (to: number, fail: number) => [
    ...o.loop,
    ...get(IP),
    ...get(IEND),
    ...o.geU,
    ...o.brIf(fail),
    ...get(IP),
    ...o.load8,
    ...set(S),
    ...get(IP),
    ...i32(1),
    ...o.add,
    ...set(IP),
    ...get(to),
    ...get(S),
    ...o.add,
    ...set(to),
    ...get(S),
    ...i32(255),
    ...o.eq,
    ...o.brIf(0),
    ...o.end,
  ];
  // with a prefix asked for: a copy ends at `stop` (its sequence's lengths are checked as they are), after which the
  // output up to `stop` is returned
  const clampToStop = [...get(END), ...get(STOP), ...o.gtU, ...o.if, ...get(STOP), ...set(END), ...o.end];
  const returnAtStop = [...get(OP), ...get(STOP), ...o.geU, ...o.if, ...get(OP), ...get(OSTART), ...o.sub, ...o.ret, ...o.end];
  const body = [
    ...get(OP),
    ...set(OSTART),
    ...o.block, // fail
    ...o.block, // done
    ...o.loop, // sequences
    ...returnAtStop,
    ...get(IP),
    ...o.load8,
    ...set(TOKEN),
    ...get(IP),
    ...i32(1),
    ...o.add,
    ...set(IP),
    ...get(TOKEN),
    ...i32(4),
    ...o.shrU,
    ...set(LIT),
    ...get(LIT),
    ...i32(15),
    ...o.eq,
    ...o.if,
    ...extend(LIT, 4),
    ...o.end,
    ...get(IP),
    ...get(LIT),
    ...o.add,
    ...get(IEND),
    ...o.gtU,
    ...o.brIf(2),
    ...get(OP),
    ...get(LIT),
    ...o.add,
    ...get(OEND),
    ...o.gtU,
    ...o.brIf(2),
    ...get(LIT),
    ...o.if,
    ...get(OP),
    ...get(LIT),
    ...o.add,
    ...set(END),
    ...clampToStop,
    ...o.loop,
    ...get(OP),
    ...get(IP),
    ...o.vload,
    ...o.vstore,
    ...get(OP),
    ...i32(16),
    ...o.add,
    ...set(OP),
    ...get(IP),
    ...i32(16),
    ...o.add,
    ...set(IP),
    ...get(OP),
    ...get(END),
    ...o.ltU,
    ...o.brIf(0),
    ...o.end,
    ...get(IP),
    ...get(OP),
    ...get(END),
    ...o.sub,
    ...o.sub,
    ...set(IP),
    ...get(END),
    ...set(OP),
    ...o.end,
    ...returnAtStop,
    ...get(IP),
    ...get(IEND),
    ...o.geU,
    ...o.brIf(1), // the last sequence holds literals only
    ...get(IP),
    ...i32(2),
    ...o.add,
    ...get(IEND),
    ...o.gtU,
    ...o.brIf(2),
    ...get(IP),
    ...o.load16,
    ...set(OFF),
    ...get(IP),
    ...i32(2),
    ...o.add,
    ...set(IP),
    ...get(OFF),
    ...o.eqz,
    ...o.brIf(2),
    ...get(OFF),
    ...get(OP),
    ...get(OSTART),
    ...o.sub,
    ...o.gtU,
    ...o.brIf(2),
    ...get(TOKEN),
    ...i32(15),
    ...o.and,
    ...set(LEN),
    ...get(LEN),
    ...i32(15),
    ...o.eq,
    ...o.if,
    ...extend(LEN, 4),
    ...o.end,
    ...get(LEN),
    ...i32(4),
    ...o.add,
    ...set(LEN),
    ...get(OP),
    ...get(LEN),
    ...o.add,
    ...set(END),
    ...get(END),
    ...get(OEND),
    ...o.gtU,
    ...o.brIf(2),
    ...clampToStop,
    ...get(OP),
    ...get(OFF),
    ...o.sub,
    ...set(M),
    // a match of at most 16 bytes that does not overlap itself: one 16-byte copy (the bytes past it are rewritten later)
    ...get(LEN),
    ...i32(16),
    ...o.gtU,
    ...get(OFF),
    ...get(LEN),
    ...o.ltU,
    ...o.or,
    ...o.eqz,
    ...o.if,
    ...get(OP),
    ...get(M),
    ...o.vload,
    ...o.vstore,
    ...get(END),
    ...set(OP),
    ...o.br(1),
    ...o.end,
    ...get(OFF),
    ...i32(16),
    ...o.geU,
    ...o.if,
    ...o.loop,
    ...get(OP),
    ...get(M),
    ...o.vload,
    ...o.vstore,
    ...get(OP),
    ...i32(16),
    ...o.add,
    ...set(OP),
    ...get(M),
    ...i32(16),
    ...o.add,
    ...set(M),
    ...get(OP),
    ...get(END),
    ...o.ltU,
    ...o.brIf(0),
    ...o.end,
    ...get(END),
    ...set(OP),
    ...o.else,
    // an overlapping match repeats a period of OFF bytes: byte by byte up to D = the first multiple of OFF ≥ 16, then
    // 16-byte copies from D bytes back (already written and equal to what is due)
    ...get(OFF),
    ...set(S),
    ...o.loop,
    ...get(S),
    ...i32(16),
    ...o.ltU,
    ...o.if,
    ...get(S),
    ...get(OFF),
    ...o.add,
    ...set(S),
    ...o.br(1),
    ...o.end,
    ...o.end,
    ...get(OP),
    ...get(S),
    ...o.add,
    ...set(E2),
    ...get(E2),
    ...get(END),
    ...o.gtU,
    ...o.if,
    ...get(END),
    ...set(E2),
    ...o.end,
    ...o.loop,
    ...get(OP),
    ...get(M),
    ...o.load8,
    ...o.store8,
    ...get(OP),
    ...i32(1),
    ...o.add,
    ...set(OP),
    ...get(M),
    ...i32(1),
    ...o.add,
    ...set(M),
    ...get(OP),
    ...get(E2),
    ...o.ltU,
    ...o.brIf(0),
    ...o.end,
    ...get(OP),
    ...get(END),
    ...o.ltU,
    ...o.if,
    ...get(OP),
    ...get(S),
    ...o.sub,
    ...set(M),
    ...o.loop,
    ...get(OP),
    ...get(M),
    ...o.vload,
    ...o.vstore,
    ...get(OP),
    ...i32(16),
    ...o.add,
    ...set(OP),
    ...get(M),
    ...i32(16),
    ...o.add,
    ...set(M),
    ...get(OP),
    ...get(END),
    ...o.ltU,
    ...o.brIf(0),
    ...o.end,
    ...get(END),
    ...set(OP),
    ...o.end,
    ...o.end,
    ...o.br(0),
    ...o.end, // sequences
    ...o.end, // done
    ...get(IP),
    ...get(IEND),
    ...o.ne,
    ...o.brIf(0),
    ...get(OP),
    ...get(OSTART),
    ...o.sub,
    ...o.ret,
    ...o.end, // fail
    ...i32(-1),
    ...o.end,
  ];
  const fn = [1, 9, 0x7f, ...body];
  return [...uleb(fn.length), ...fn];
}

/** Bytes of the LZ4 compressor's hash table at the start of the encoder instance's memory (2^13 positions). */
export const LZ4_TABLE_BYTES = 4 << 13;

/**
 * `lz4c(src, len, dst, oend, attempts) → bytes written, or 0 when they do not fit before oend`: one LZ4 block
 * (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md) of memory [src, src + len) written at dst, the same bytes
 * as blosc-encode.ts's lz4Compress (its reference, kept as the fallback): greedy single-probe search with a hash of 4
 * bytes (×2654435761, top 13 bits) into a table of absolute positions at address 0 (emptied first: 0xc0000000, farther
 * back than any offset), steps of `attempts++ >> 6` after a miss (`attempts` = max(1, acceleration) << 6), backward
 * extension over the literals, forward extension 8 bytes at a time (i64 xor, ctz), a position inside each match
 * indexed. Literals are copied 16 bytes at a time: up to 15 bytes past the output written and past the input read
 * may be touched (the caller leaves that slack); addresses below 2^30.
 */
function lz4CompressKernel(): number[] {
  const o = OPS;
  const [SRC, LEN, DST, OEND, ATT0] = [0, 1, 2, 3, 4];
  const [OP, ANCHOR, IP, MFLIMIT, MATCHLIMIT, REF, STEP, ATT, SEQ, H, CAND, P, Q, LIT, ML, TOKENPOS, TOKEN, R, K] = [
    5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
  ];
  const X = 24; // i64
  const V = 25; // v128
  const load32 = [0x28, 0, 0];
  const store32 = [0x36, 0, 0];
  const load64 = [0x29, 0, 0];
  const store16 = [0x3b, 0, 0];
  const tee = (i: number) => [0x22, ...uleb(i)];
  const leU = [0x4d];
  const mul = [0x6c];
  const shl = [0x74];
  const shrS = [0x75];
  const divU = [0x6e];
  // the table slot's address of the 4 bytes at the address on the stack
  const slot = [...load32, ...i32(-1640531535), ...mul, ...i32(19), ...o.shrU, ...i32(2), ...shl];
  // a length past 15: bytes of 255, then the rest (R holds the length − 15)
  const lengthBytes = [
    ...o.block,
    ...o.loop,
    ...get(R),
    ...i32(255),
    ...o.ltU,
    ...o.brIf(1),
    ...get(OP),
    ...i32(255),
    ...o.store8,
    ...get(OP),
    ...i32(1),
    ...o.add,
    ...set(OP),
    ...get(R),
    ...i32(255),
    ...o.sub,
    ...set(R),
    ...o.br(0),
    ...o.end,
    ...o.end,
    ...get(OP),
    ...get(R),
    ...o.store8,
    ...get(OP),
    ...i32(1),
    ...o.add,
    ...set(OP),
  ];
  // LIT bytes from ANCHOR to OP, 16 at a time; then OP += LIT
  const copyLiterals = [
    ...i32(0),
    ...set(K),
    ...o.block,
    ...o.loop,
    ...get(K),
    ...get(LIT),
    ...o.geU,
    ...o.brIf(1),
    ...get(OP),
    ...get(K),
    ...o.add,
    ...get(ANCHOR),
    ...get(K),
    ...o.add,
    ...o.vload,
    ...o.vstore,
    ...get(K),
    ...i32(16),
    ...o.add,
    ...set(K),
    ...o.br(0),
    ...o.end,
    ...o.end,
    ...get(OP),
    ...get(LIT),
    ...o.add,
    ...set(OP),
  ];
  const body = [
    ...get(DST),
    ...set(OP),
    ...get(SRC),
    ...set(ANCHOR),
    ...get(LEN),
    ...i32(13),
    ...o.geU,
    ...o.if,
    // an empty table
    ...i32(-(1 << 30)),
    0xfd,
    0x11, // i32x4.splat
    ...set(V),
    ...i32(0),
    ...set(K),
    ...o.loop,
    ...get(K),
    ...get(V),
    ...o.vstore,
    ...get(K),
    ...i32(16),
    ...o.add,
    ...tee(K),
    ...i32(LZ4_TABLE_BYTES),
    ...o.ltU,
    ...o.brIf(0),
    ...o.end,
    ...get(SRC),
    ...get(LEN),
    ...o.add,
    ...i32(12),
    ...o.sub,
    ...set(MFLIMIT),
    ...get(MFLIMIT),
    ...i32(7),
    ...o.add,
    ...set(MATCHLIMIT),
    ...get(SRC),
    ...i32(1),
    ...o.add,
    ...set(IP),
    ...o.block, // end: no match starts any more
    ...o.loop, // sequences
    // find a match
    ...i32(1),
    ...set(STEP),
    ...get(ATT0),
    ...set(ATT),
    ...o.block, // found
    ...o.loop, // search
    ...get(IP),
    ...get(MFLIMIT),
    ...o.gtU,
    ...o.brIf(3),
    ...get(IP),
    ...load32,
    ...set(SEQ),
    ...get(IP),
    ...slot,
    ...tee(H),
    ...load32,
    ...set(CAND),
    ...get(H),
    ...get(IP),
    ...store32,
    // 1 ≤ ip − cand ≤ 65535 and the same 4 bytes
    ...get(IP),
    ...get(CAND),
    ...o.sub,
    ...i32(1),
    ...o.sub,
    ...i32(65535),
    ...o.ltU,
    ...o.if,
    ...get(CAND),
    ...load32,
    ...get(SEQ),
    ...o.eq,
    ...o.brIf(2),
    ...o.end,
    ...get(IP),
    ...get(STEP),
    ...o.add,
    ...set(IP),
    ...get(ATT),
    ...i32(6),
    ...shrS,
    ...set(STEP),
    ...get(ATT),
    ...i32(1),
    ...o.add,
    ...set(ATT),
    ...o.br(0),
    ...o.end, // search
    ...o.end, // found
    ...get(CAND),
    ...set(REF),
    // extend backwards over literals
    ...o.block,
    ...o.loop,
    ...get(IP),
    ...get(ANCHOR),
    ...leU,
    ...o.brIf(1),
    ...get(REF),
    ...get(SRC),
    ...leU,
    ...o.brIf(1),
    ...get(IP),
    ...i32(1),
    ...o.sub,
    ...o.load8,
    ...get(REF),
    ...i32(1),
    ...o.sub,
    ...o.load8,
    ...o.ne,
    ...o.brIf(1),
    ...get(IP),
    ...i32(1),
    ...o.sub,
    ...set(IP),
    ...get(REF),
    ...i32(1),
    ...o.sub,
    ...set(REF),
    ...o.br(0),
    ...o.end,
    ...o.end,
    // extend forwards from ip + 4 to at most matchlimit: 16 bytes a step (the first differing byte from the trailing
    // zeros of the bitmask of unequal bytes), then 8 (from the trailing zeros of the xor), then 1
    ...get(IP),
    ...i32(4),
    ...o.add,
    ...set(P),
    ...get(REF),
    ...i32(4),
    ...o.add,
    ...set(Q),
    ...o.block, // extended
    ...o.block, // 16-byte steps end
    ...o.loop,
    ...get(P),
    ...i32(16),
    ...o.add,
    ...get(MATCHLIMIT),
    ...o.gtU,
    ...o.brIf(1),
    ...get(P),
    ...o.vload,
    ...get(Q),
    ...o.vload,
    0xfd,
    0x23, // i8x16.eq
    0xfd,
    0x64, // i8x16.bitmask
    ...i32(0xffff),
    0x73, // i32.xor: a bit for each differing byte
    ...tee(K),
    ...o.eqz,
    ...o.if,
    ...get(P),
    ...i32(16),
    ...o.add,
    ...set(P),
    ...get(Q),
    ...i32(16),
    ...o.add,
    ...set(Q),
    ...o.br(1),
    ...o.end,
    ...get(P),
    ...get(K),
    0x68, // i32.ctz
    ...o.add,
    ...set(P),
    ...o.br(2),
    ...o.end,
    ...o.end, // 16-byte steps end
    ...o.block, // tail
    ...o.loop,
    ...get(P),
    ...i32(8),
    ...o.add,
    ...get(MATCHLIMIT),
    ...o.gtU,
    ...o.brIf(1),
    ...get(P),
    ...load64,
    ...get(Q),
    ...load64,
    0x85, // i64.xor
    0x21,
    ...uleb(X),
    ...get(X),
    0x50, // i64.eqz
    ...o.if,
    ...get(P),
    ...i32(8),
    ...o.add,
    ...set(P),
    ...get(Q),
    ...i32(8),
    ...o.add,
    ...set(Q),
    ...o.br(1),
    ...o.end,
    ...get(P),
    ...get(X),
    0x7a, // i64.ctz
    0xa7, // i32.wrap_i64
    ...i32(3),
    ...o.shrU,
    ...o.add,
    ...set(P),
    ...o.br(2),
    ...o.end,
    ...o.end, // tail
    ...o.block,
    ...o.loop,
    ...get(P),
    ...get(MATCHLIMIT),
    ...o.geU,
    ...o.brIf(1),
    ...get(P),
    ...o.load8,
    ...get(Q),
    ...o.load8,
    ...o.ne,
    ...o.brIf(1),
    ...get(P),
    ...i32(1),
    ...o.add,
    ...set(P),
    ...get(Q),
    ...i32(1),
    ...o.add,
    ...set(Q),
    ...o.br(0),
    ...o.end,
    ...o.end,
    ...o.end, // extended
    // emit: token, literal length, literals, offset, match length (0 when it may not fit)
    ...get(IP),
    ...get(ANCHOR),
    ...o.sub,
    ...set(LIT),
    ...get(P),
    ...get(IP),
    ...o.sub,
    ...i32(4),
    ...o.sub,
    ...set(ML),
    ...get(OP),
    ...get(LIT),
    ...o.add,
    ...get(LIT),
    ...i32(255),
    ...divU,
    ...o.add,
    ...get(ML),
    ...i32(255),
    ...divU,
    ...o.add,
    ...i32(10),
    ...o.add,
    ...get(OEND),
    ...o.gtU,
    ...o.if,
    ...i32(0),
    ...o.ret,
    ...o.end,
    ...get(OP),
    ...set(TOKENPOS),
    ...get(OP),
    ...i32(1),
    ...o.add,
    ...set(OP),
    ...get(LIT),
    ...i32(15),
    ...o.geU,
    ...o.if,
    ...i32(240),
    ...set(TOKEN),
    ...get(LIT),
    ...i32(15),
    ...o.sub,
    ...set(R),
    ...lengthBytes,
    ...o.else,
    ...get(LIT),
    ...i32(4),
    ...shl,
    ...set(TOKEN),
    ...o.end,
    ...copyLiterals,
    ...get(OP),
    ...get(IP),
    ...get(REF),
    ...o.sub,
    ...store16,
    ...get(OP),
    ...i32(2),
    ...o.add,
    ...set(OP),
    ...get(ML),
    ...i32(15),
    ...o.geU,
    ...o.if,
    ...get(TOKEN),
    ...i32(15),
    ...o.or,
    ...set(TOKEN),
    ...get(ML),
    ...i32(15),
    ...o.sub,
    ...set(R),
    ...lengthBytes,
    ...o.else,
    ...get(TOKEN),
    ...get(ML),
    ...o.or,
    ...set(TOKEN),
    ...o.end,
    ...get(TOKENPOS),
    ...get(TOKEN),
    ...o.store8,
    ...get(P),
    ...tee(IP),
    ...set(ANCHOR),
    ...get(IP),
    ...get(MFLIMIT),
    ...o.gtU,
    ...o.brIf(1),
    // index a position inside the match, so the next search finds nearby repeats
    ...get(IP),
    ...i32(2),
    ...o.sub,
    ...slot,
    ...get(IP),
    ...i32(2),
    ...o.sub,
    ...store32,
    ...o.br(0),
    ...o.end, // sequences
    ...o.end, // end
    ...o.end, // len ≥ 13
    // last literals
    ...get(SRC),
    ...get(LEN),
    ...o.add,
    ...get(ANCHOR),
    ...o.sub,
    ...set(LIT),
    ...get(OP),
    ...get(LIT),
    ...o.add,
    ...get(LIT),
    ...i32(255),
    ...divU,
    ...o.add,
    ...i32(2),
    ...o.add,
    ...get(OEND),
    ...o.gtU,
    ...o.if,
    ...i32(0),
    ...o.ret,
    ...o.end,
    ...get(LIT),
    ...i32(15),
    ...o.geU,
    ...o.if,
    ...get(OP),
    ...i32(240),
    ...o.store8,
    ...get(OP),
    ...i32(1),
    ...o.add,
    ...set(OP),
    ...get(LIT),
    ...i32(15),
    ...o.sub,
    ...set(R),
    ...lengthBytes,
    ...o.else,
    ...get(OP),
    ...get(LIT),
    ...i32(4),
    ...shl,
    ...o.store8,
    ...get(OP),
    ...i32(1),
    ...o.add,
    ...set(OP),
    ...o.end,
    ...copyLiterals,
    ...get(OP),
    ...get(DST),
    ...o.sub,
    ...o.end,
  ];
  const fn = [3, K - OP + 1, 0x7f, 1, 0x7e, 1, 0x7b, ...body];
  return [...uleb(fn.length), ...fn];
}

/**
 * The module's bytes, written out by the generators above (WebAssembly binary format). At run time the module is
 * {@link MODULE_BASE64}, these bytes as they were when last generated (a test checks they still are): running the
 * generators costs 10–30 ms on a thread's first use on this VM (cold code, thousands of small arrays), paid by every
 * thread that decodes or encodes blosc; decoding the text costs well under 1 ms.
 */
export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const k4 = kernel(4);
  const k8 = kernel(8);
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [2, 0x60, 3, 0x7f, 0x7f, 0x7f, 0, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]),
    ...section(3, [6, 0, 0, 1, 0, 0, 1]),
    ...section(5, [1, 0, 1]),
    ...section(7, [
      7,
      ...wasmName("mem"),
      2,
      0,
      ...wasmName("u4"),
      0,
      0,
      ...wasmName("u8"),
      0,
      1,
      ...wasmName("lz4"),
      0,
      2,
      ...wasmName("s4"),
      0,
      3,
      ...wasmName("s8"),
      0,
      4,
      ...wasmName("lz4c"),
      0,
      5,
    ]),
    ...section(10, [6, ...k4, ...k8, ...lz4Kernel(), ...shuffleKernel(4), ...shuffleKernel(8), ...lz4CompressKernel()]),
  ]);
}

/** {@link moduleBytes} in base64: regenerate with `Buffer.from(moduleBytes()).toString("base64")` after changing a generator. */
export const MODULE_BASE64: readonly string[] = [
  "AGFzbQEAAAABEAJgA39/fwBgBX9/f39/AX8DBwYAAAEAAAEFAwEAAQcoBwNtZW0CAAJ1NAAAAnU4AAEDbHo0AAICczQAAwJzOAAEBGx6NGMABQqO",
  "HwbbAgIFfwh7IAAgAUEAbGohBCAAIAFBAWxqIQUgACABQQJsaiEGIAAgAUEDbGohBwJAA0AgA0EQaiABSw0BIAQgA2r9AAAAIQggBSADav0AAAAh",
  "CSAGIANq/QAAACEKIAcgA2r9AAAAIQsgCCAJ/Q0AEAERAhIDEwQUBRUGFgcXIQwgCCAJ/Q0IGAkZChoLGwwcDR0OHg8fIQ0gCiAL/Q0AEAERAhID",
  "EwQUBRUGFgcXIQ4gCiAL/Q0IGAkZChoLGwwcDR0OHg8fIQ8gAiADQQJ0aiAMIA79DQABEBECAxITBAUUFQYHFhf9CwAAIAIgA0ECdGogDCAO/Q0I",
  "CRgZCgsaGwwNHB0ODx4f/QsAECACIANBAnRqIA0gD/0NAAEQEQIDEhMEBRQVBgcWF/0LACAgAiADQQJ0aiANIA/9DQgJGBkKCxobDA0cHQ4PHh/9",
  "CwAwIANBEGohAwwACwsL1wYCCX8YeyAAIAFBAGxqIQQgACABQQFsaiEFIAAgAUECbGohBiAAIAFBA2xqIQcgACABQQRsaiEIIAAgAUEFbGohCSAA",
  "IAFBBmxqIQogACABQQdsaiELAkADQCADQRBqIAFLDQEgBCADav0AAAAhDCAFIANq/QAAACENIAYgA2r9AAAAIQ4gByADav0AAAAhDyAIIANq/QAA",
  "ACEQIAkgA2r9AAAAIREgCiADav0AAAAhEiALIANq/QAAACETIAwgDf0NABABEQISAxMEFAUVBhYHFyEUIAwgDf0NCBgJGQoaCxsMHA0dDh4PHyEV",
  "IA4gD/0NABABEQISAxMEFAUVBhYHFyEWIA4gD/0NCBgJGQoaCxsMHA0dDh4PHyEXIBAgEf0NABABEQISAxMEFAUVBhYHFyEYIBAgEf0NCBgJGQoa",
  "CxsMHA0dDh4PHyEZIBIgE/0NABABEQISAxMEFAUVBhYHFyEaIBIgE/0NCBgJGQoaCxsMHA0dDh4PHyEbIBQgFv0NAAEQEQIDEhMEBRQVBgcWFyEc",
  "IBQgFv0NCAkYGQoLGhsMDRwdDg8eHyEdIBUgF/0NAAEQEQIDEhMEBRQVBgcWFyEeIBUgF/0NCAkYGQoLGhsMDRwdDg8eHyEfIBggGv0NAAEQEQID",
  "EhMEBRQVBgcWFyEgIBggGv0NCAkYGQoLGhsMDRwdDg8eHyEhIBkgG/0NAAEQEQIDEhMEBRQVBgcWFyEiIBkgG/0NCAkYGQoLGhsMDRwdDg8eHyEj",
  "IAIgA0EDdGogHCAg/Q0AAQIDEBESEwQFBgcUFRYX/QsAACACIANBA3RqIBwgIP0NCAkKCxgZGhsMDQ4PHB0eH/0LABAgAiADQQN0aiAdICH9DQAB",
  "AgMQERITBAUGBxQVFhf9CwAgIAIgA0EDdGogHSAh/Q0ICQoLGBkaGwwNDg8cHR4f/QsAMCACIANBA3RqIB4gIv0NAAECAxAREhMEBQYHFBUWF/0L",
  "AEAgAiADQQN0aiAeICL9DQgJCgsYGRobDA0ODxwdHh/9CwBQIAIgA0EDdGogHyAj/Q0AAQIDEBESEwQFBgcUFRYX/QsAYCACIANBA3RqIB8gI/0N",
  "CAkKCxgZGhsMDQ4PHB0eH/0LAHAgA0EQaiEDDAALCwvCBAEJfyACIQwCQAJAA0AgAiAETwRAIAIgDGsPCyAALQAAIQUgAEEBaiEAIAVBBHYhBiAG",
  "QQ9GBEADQCAAIAFPDQQgAC0AACEHIABBAWohACAGIAdqIQYgB0H/AUYNAAsLIAAgBmogAUsNAiACIAZqIANLDQIgBgRAIAIgBmohCyALIARLBEAg",
  "BCELCwNAIAIgAP0AAAD9CwAAIAJBEGohAiAAQRBqIQAgAiALSQ0ACyAAIAIgC2trIQAgCyECCyACIARPBEAgAiAMaw8LIAAgAU8NASAAQQJqIAFL",
  "DQIgAC8AACEIIABBAmohACAIRQ0CIAggAiAMa0sNAiAFQQ9xIQkgCUEPRgRAA0AgACABTw0EIAAtAAAhByAAQQFqIQAgCSAHaiEJIAdB/wFGDQAL",
  "CyAJQQRqIQkgAiAJaiELIAsgA0sNAiALIARLBEAgBCELCyACIAhrIQogCUEQSyAIIAlJckUEQCACIAr9AAAA/QsAACALIQIMAQsgCEEQTwRAA0Ag",
  "AiAK/QAAAP0LAAAgAkEQaiECIApBEGohCiACIAtJDQALIAshAgUgCCEHA0AgB0EQSQRAIAcgCGohBwwBCwsgAiAHaiENIA0gC0sEQCALIQ0LA0Ag",
  "AiAKLQAAOgAAIAJBAWohAiAKQQFqIQogAiANSQ0ACyACIAtJBEAgAiAHayEKA0AgAiAK/QAAAP0LAAAgAkEQaiECIApBEGohCiACIAtJDQALIAsh",
  "AgsLDAALCyAAIAFHDQAgAiAMaw8LQX8L2wICBX8IeyACIAFBAGxqIQQgAiABQQFsaiEFIAIgAUECbGohBiACIAFBA2xqIQcCQANAIANBEGogAUsN",
  "ASAAIANBAnRq/QAAACEIIAAgA0ECdGr9AAAQIQkgACADQQJ0av0AACAhCiAAIANBAnRq/QAAMCELIAggCf0NAAIEBggKDA4QEhQWGBocHiEMIAog",
  "C/0NAAIEBggKDA4QEhQWGBocHiENIAggCf0NAQMFBwkLDQ8RExUXGRsdHyEOIAogC/0NAQMFBwkLDQ8RExUXGRsdHyEPIAQgA2ogDCAN/Q0AAgQG",
  "CAoMDhASFBYYGhwe/QsAACAFIANqIA4gD/0NAAIEBggKDA4QEhQWGBocHv0LAAAgBiADaiAMIA39DQEDBQcJCw0PERMVFxkbHR/9CwAAIAcgA2og",
  "DiAP/Q0BAwUHCQsNDxETFRcZGx0f/QsAACADQRBqIQMMAAsLC9cGAgl/GHsgAiABQQBsaiEEIAIgAUEBbGohBSACIAFBAmxqIQYgAiABQQNsaiEH",
  "IAIgAUEEbGohCCACIAFBBWxqIQkgAiABQQZsaiEKIAIgAUEHbGohCwJAA0AgA0EQaiABSw0BIAAgA0EDdGr9AAAAIQwgACADQQN0av0AABAhDSAA",
  "IANBA3Rq/QAAICEOIAAgA0EDdGr9AAAwIQ8gACADQQN0av0AAEAhECAAIANBA3Rq/QAAUCERIAAgA0EDdGr9AABgIRIgACADQQN0av0AAHAhEyAM",
  "IA39DQACBAYICgwOEBIUFhgaHB4hFCAOIA/9DQACBAYICgwOEBIUFhgaHB4hFSAQIBH9DQACBAYICgwOEBIUFhgaHB4hFiASIBP9DQACBAYICgwO",
  "EBIUFhgaHB4hFyAMIA39DQEDBQcJCw0PERMVFxkbHR8hGCAOIA/9DQEDBQcJCw0PERMVFxkbHR8hGSAQIBH9DQEDBQcJCw0PERMVFxkbHR8hGiAS",
  "IBP9DQEDBQcJCw0PERMVFxkbHR8hGyAUIBX9DQACBAYICgwOEBIUFhgaHB4hHCAWIBf9DQACBAYICgwOEBIUFhgaHB4hHSAYIBn9DQACBAYICgwO",
  "EBIUFhgaHB4hHiAaIBv9DQACBAYICgwOEBIUFhgaHB4hHyAUIBX9DQEDBQcJCw0PERMVFxkbHR8hICAWIBf9DQEDBQcJCw0PERMVFxkbHR8hISAY",
  "IBn9DQEDBQcJCw0PERMVFxkbHR8hIiAaIBv9DQEDBQcJCw0PERMVFxkbHR8hIyAEIANqIBwgHf0NAAIEBggKDA4QEhQWGBocHv0LAAAgBSADaiAe",
  "IB/9DQACBAYICgwOEBIUFhgaHB79CwAAIAYgA2ogICAh/Q0AAgQGCAoMDhASFBYYGhwe/QsAACAHIANqICIgI/0NAAIEBggKDA4QEhQWGBocHv0L",
  "AAAgCCADaiAcIB39DQEDBQcJCw0PERMVFxkbHR/9CwAAIAkgA2ogHiAf/Q0BAwUHCQsNDxETFRcZGx0f/QsAACAKIANqICAgIf0NAQMFBwkLDQ8R",
  "ExUXGRsdH/0LAAAgCyADaiAiICP9DQEDBQcJCw0PERMVFxkbHR/9CwAAIANBEGohAwwACwsL2wcDE38BfgF7IAIhBSAAIQYgAUENTwRAQYCAgIB8",
  "/REhGUEAIRcDQCAXIBn9CwAAIBdBEGoiF0GAgAJJDQALIAAgAWpBDGshCCAIQQdqIQkgAEEBaiEHAkADQEEBIQsgBCEMAkADQCAHIAhLDQMgBygA",
  "ACENIAcoAABBsfPd8XlsQRN2QQJ0Ig4oAAAhDyAOIAc2AAAgByAPa0EBa0H//wNJBEAgDygAACANRg0CCyAHIAtqIQcgDEEGdSELIAxBAWohDAwA",
  "CwsgDyEKAkADQCAHIAZNDQEgCiAATQ0BIAdBAWstAAAgCkEBay0AAEcNASAHQQFrIQcgCkEBayEKDAALCyAHQQRqIRAgCkEEaiERAkACQANAIBBB",
  "EGogCUsNASAQ/QAAACAR/QAAAP0j/WRB//8DcyIXRQRAIBBBEGohECARQRBqIREMAQsgECAXaGohEAwCCwsCQANAIBBBCGogCUsNASAQKQAAIBEp",
  "AACFIRggGFAEQCAQQQhqIRAgEUEIaiERDAELIBAgGHqnQQN2aiEQDAILCwJAA0AgECAJTw0BIBAtAAAgES0AAEcNASAQQQFqIRAgEUEBaiERDAAL",
  "CwsgByAGayESIBAgB2tBBGshEyAFIBJqIBJB/wFuaiATQf8BbmpBCmogA0sEQEEADwsgBSEUIAVBAWohBSASQQ9PBEBB8AEhFSASQQ9rIRYCQANA",
  "IBZB/wFJDQEgBUH/AToAACAFQQFqIQUgFkH/AWshFgwACwsgBSAWOgAAIAVBAWohBQUgEkEEdCEVC0EAIRcCQANAIBcgEk8NASAFIBdqIAYgF2r9",
  "AAAA/QsAACAXQRBqIRcMAAsLIAUgEmohBSAFIAcgCms7AAAgBUECaiEFIBNBD08EQCAVQQ9yIRUgE0EPayEWAkADQCAWQf8BSQ0BIAVB/wE6AAAg",
  "BUEBaiEFIBZB/wFrIRYMAAsLIAUgFjoAACAFQQFqIQUFIBUgE3IhFQsgFCAVOgAAIBAiByEGIAcgCEsNASAHQQJrKAAAQbHz3fF5bEETdkECdCAH",
  "QQJrNgAADAALCwsgACABaiAGayESIAUgEmogEkH/AW5qQQJqIANLBEBBAA8LIBJBD08EQCAFQfABOgAAIAVBAWohBSASQQ9rIRYCQANAIBZB/wFJ",
  "DQEgBUH/AToAACAFQQFqIQUgFkH/AWshFgwACwsgBSAWOgAAIAVBAWohBQUgBSASQQR0OgAAIAVBAWohBQtBACEXAkADQCAXIBJPDQEgBSAXaiAG",
  "IBdq/QAAAP0LAAAgF0EQaiEXDAALCyAFIBJqIQUgBSACaws=",
];

let compiled: WebAssembly.Module | null | undefined;

/**
 * A new instance of the module (its own memory); undefined without WebAssembly, throws (a CompileError) where its SIMD
 * is missing (compiled once per thread).
 */
function instantiate(): WebAssembly.Instance | undefined {
  if (compiled === undefined) {
    compiled = null;
    if (typeof WebAssembly !== "undefined") {
      const text = atob(MODULE_BASE64.join(""));
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      compiled = new WebAssembly.Module(bytes); // throws where SIMD is missing (the callers catch it: no module)
    }
  }
  return compiled ? new WebAssembly.Instance(compiled) : undefined;
}

let made: SimdUnshuffle | null | undefined;

/** The SIMD unshuffle of this thread, or undefined where WebAssembly SIMD is not available. */
export function simdUnshuffle(): SimdUnshuffle | undefined {
  if (made !== undefined) return made ?? undefined;
  made = null;
  try {
    const inst = instantiate();
    if (!inst) return undefined;
    const mem = inst.exports.mem as WebAssembly.Memory;
    const u4 = inst.exports.u4 as (src: number, n: number, dst: number) => void;
    const u8 = inst.exports.u8 as (src: number, n: number, dst: number) => void;
    const lz4 = inst.exports.lz4 as (ip: number, iend: number, op: number, oend: number, stop: number) => number;
    let half = 0; // planes at 0, out at half
    let inputAt = 0;
    let inputSize = 0;
    made = {
      regions(block, input) {
        if (block + SLACK > half || input + SLACK > inputSize) {
          half = Math.max(half, Math.ceil((block + SLACK) / 16) * 16); // `out` 16-byte aligned: any typed array views it
          inputSize = Math.max(inputSize, input + SLACK);
          inputAt = 2 * half;
          const pages = Math.ceil((inputAt + inputSize) / 65536) - mem.buffer.byteLength / 65536;
          if (pages > 0) mem.grow(pages);
        }
        return {
          planes: new Uint8Array(mem.buffer, 0, half - SLACK),
          out: new Uint8Array(mem.buffer, half, half - SLACK),
          input: new Uint8Array(mem.buffer, inputAt, inputSize - SLACK),
        };
      },
      run(typesize, n) {
        const done = n - (n % 16);
        if (done === 0) return 0;
        (typesize === 8 ? u8 : u4)(0, n, half);
        return done;
      },
      lz4(from, to, at, size, need) {
        return lz4(inputAt + from, inputAt + to, at, at + size, need !== undefined && need < size ? at + need : at + size + 1);
      },
    };
  } catch {
    made = null;
  }
  return made ?? undefined;
}

/** The WebAssembly forward byte shuffle and LZ4 compressor of the blosc encoder (blosc-encode.ts): its memory's regions. */
export interface SimdShuffle {
  /**
   * Views of the module memory (valid until the next call): `block` for the input block and `planes` for the shuffled
   * one, each at least `size` bytes, and `frame`, at least `frame` bytes (0 when not given), each 16-byte aligned and
   * followed by {@link SLACK} bytes the LZ4 compressor's 16-byte copies may touch; `memory` is the whole memory and
   * `planesAt`, `frameAt` where those regions start in it.
   */
  regions(
    size: number,
    frame?: number,
  ): { block: Uint8Array; planes: Uint8Array; frame: Uint8Array; memory: Uint8Array; planesAt: number; frameAt: number };
  /**
   * Shuffles the first ⌊n/16⌋·16 `typesize`-byte elements of `block` into `planes` (byte j of element i at j·n + i);
   * returns how many it did (the remaining elements of each plane are the caller's).
   */
  run(typesize: 4 | 8, n: number): number;
  /**
   * LZ4-compresses `planes[from, from + len)` into `frame[at, to)` (to ≤ the frame region's size) as one block, the same
   * bytes as blosc-encode.ts's `lz4Compress` with this `acceleration`; returns the compressed length, or 0 when it does
   * not fit (bytes of `frame` from `at` up to `to` + 15 may then have been written).
   */
  lz4(from: number, len: number, at: number, to: number, acceleration: number): number;
}

let shuffleMade: SimdShuffle | null | undefined;

/**
 * The SIMD shuffle and LZ4 compressor of this thread (an instance of its own, so the encoder's views and the decoder's
 * never invalidate each other), or undefined where WebAssembly SIMD is not available. Memory: the compressor's hash
 * table, then the block, the planes and the frame regions.
 */
export function simdShuffle(): SimdShuffle | undefined {
  if (shuffleMade !== undefined) return shuffleMade ?? undefined;
  shuffleMade = null;
  try {
    const inst = instantiate();
    if (!inst) return undefined;
    const mem = inst.exports.mem as WebAssembly.Memory;
    const s4 = inst.exports.s4 as (src: number, n: number, dst: number) => void;
    const s8 = inst.exports.s8 as (src: number, n: number, dst: number) => void;
    const lz4c = inst.exports.lz4c as (src: number, len: number, dst: number, oend: number, attempts: number) => number;
    const blockAt = LZ4_TABLE_BYTES;
    let half = 0; // block at blockAt, planes at blockAt + half
    let frameAt = blockAt;
    let frameSize = 0;
    let views: ReturnType<SimdShuffle["regions"]> | undefined;
    shuffleMade = {
      regions(size, frame = 0) {
        if (size + SLACK > half || frame + SLACK > frameSize) {
          half = Math.max(half, Math.ceil((size + SLACK) / 16) * 16);
          frameSize = Math.max(frameSize, Math.ceil((frame + SLACK) / 16) * 16);
          frameAt = blockAt + 2 * half;
          const pages = Math.ceil((frameAt + frameSize) / 65536) - mem.buffer.byteLength / 65536;
          if (pages > 0) mem.grow(pages);
          views = undefined;
        }
        if (views === undefined || views.memory.buffer !== mem.buffer) {
          const b = mem.buffer;
          views = {
            block: new Uint8Array(b, blockAt, half - SLACK),
            planes: new Uint8Array(b, blockAt + half, half - SLACK),
            frame: new Uint8Array(b, frameAt, frameSize - SLACK),
            memory: new Uint8Array(b),
            planesAt: blockAt + half,
            frameAt,
          };
        }
        return views;
      },
      run(typesize, n) {
        const done = n - (n % 16);
        if (done === 0) return 0;
        (typesize === 8 ? s8 : s4)(blockAt, n, blockAt + half);
        return done;
      },
      lz4(from, len, at, to, acceleration) {
        return lz4c(blockAt + half + from, len, frameAt + at, frameAt + to, Math.max(1, Math.floor(acceleration)) << 6);
      },
    };
  } catch {
    shuffleMade = null;
  }
  return shuffleMade ?? undefined;
}
