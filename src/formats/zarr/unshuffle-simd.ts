// Blosc's byte unshuffle of 4- and 8-byte types with WebAssembly SIMD (i8x16.shuffle): 16 elements per step, the
// byte planes interleaved in 2 (4-byte) or 3 (8-byte) rounds of lane shuffles, about 4× faster than the word-wise
// JavaScript transpose (blosc.ts), which stays the fallback where WebAssembly SIMD is missing. The module's bytes are
// written out below (no toolchain); its memory holds the LZ4 output (the byte planes) and the unshuffled block.
// Spec: https://webassembly.github.io/spec/core/binary/ (fixed-width SIMD: opcodes after the 0xfd prefix).

/** The SIMD unshuffle: its memory's two regions, and the kernel. */
export interface SimdUnshuffle {
  /** Views of the module memory, each at least `bytes` long: `planes` (stream j of n elements at j·n) and `out`. Valid until the next call. */
  regions(bytes: number): { planes: Uint8Array; out: Uint8Array };
  /** Unshuffles the first ⌊n/16⌋·16 elements of the `typesize` planes into `out`; returns how many it did. */
  run(typesize: 4 | 8, n: number): number;
}

const LO8 = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HI8 = [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31];
const LO16 = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
const HI16 = [8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31];
const LO32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HI32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
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

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  const k4 = kernel(4);
  const k8 = kernel(8);
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [2, 0, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [3, ...name("mem"), 2, 0, ...name("u4"), 0, 0, ...name("u8"), 0, 1]),
    ...section(10, [2, ...k4, ...k8]),
  ]);
}

let made: SimdUnshuffle | null | undefined;

/** The SIMD unshuffle of this thread, or undefined where WebAssembly SIMD is not available. */
export function simdUnshuffle(): SimdUnshuffle | undefined {
  if (made !== undefined) return made ?? undefined;
  made = null;
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly === "undefined" || !WebAssembly.validate(bytes)) return undefined;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const mem = inst.exports.mem as WebAssembly.Memory;
    const u4 = inst.exports.u4 as (src: number, n: number, dst: number) => void;
    const u8 = inst.exports.u8 as (src: number, n: number, dst: number) => void;
    let half = 0;
    made = {
      regions(n) {
        if (n > half) {
          const need = 2 * n;
          const pages = Math.ceil(need / 65536) - mem.buffer.byteLength / 65536;
          if (pages > 0) mem.grow(pages);
          half = n;
        }
        return { planes: new Uint8Array(mem.buffer, 0, half), out: new Uint8Array(mem.buffer, half, half) };
      },
      run(typesize, n) {
        const done = n - (n % 16);
        if (done === 0) return 0;
        (typesize === 8 ? u8 : u4)(0, n, half);
        return done;
      },
    };
  } catch {
    made = null;
  }
  return made ?? undefined;
}
