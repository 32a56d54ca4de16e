// WebAssembly SIMD for the temporal mean/sum (resample-time.ts): a step's values folded into a bin's sums and counts
// two at a time without branches (f64x2 masks instead of a `x === x` test per value, which the branch predictor gets
// wrong on cloud- and land-masked data, ~2 ns a value in JavaScript). The module works on strips of at most
// {@link STRIP} values in its own memory (the caller copies them in and out: the sums stay in the caller's buffer, so
// no memory is held between steps). Every operation per value is the JavaScript loop's, in the same order, so the
// results are the same bits: NaN values add +0 (a sum is never −0, so adding +0 keeps its bits), counts are bytes.
// The module's bytes are written out below (no toolchain). Spec: https://webassembly.github.io/spec/core/binary/
// (fixed-width SIMD: opcodes after the 0xfd prefix, LEB128).

import { section, sleb, uleb, WASM_HEADER, wasmName } from "../core/wasm-encode.js";

/** Values per strip (even): 16 Ki values, 272 KiB of module memory. */
export const STRIP = 16384;
const SRC = 0;
const ACC = STRIP * 8;
const CNT = 2 * STRIP * 8;
const PAGES = Math.ceil((CNT + STRIP) / 65536);

/** The folds, each on `n` (even) values of the strips (see {@link foldSimd}). */
export interface FoldSimd {
  /** The module memory's strips: a step's values, the sums (results), the counts (bytes). */
  src: Float64Array;
  acc: Float64Array;
  cnt: Uint8Array;
  /** acc += valid x; cnt += valid (a step that is neither the bin's first nor its last; a sum's last). */
  fold(n: number): void;
  /** acc (holding the bin's first step) → its sums (0 + x, NaN → 0) and counts (0/1); a sum of one step. */
  first(n: number): void;
  /** acc ← (acc + valid x) / (cnt + valid), NaN where that count is 0: a mean's last step. */
  lastMean(n: number): void;
  /** acc (holding the bin's only step) → 0 + x, NaN → NaN: a mean of one step. */
  onlyMean(n: number): void;
}

const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const memarg = (align: number) => [align, 0];
const load = () => simd(0x00, ...memarg(3));
const store = () => simd(0x0b, ...memarg(3));
const load16Splat = () => simd(0x08, ...memarg(0));
const store16Lane0 = () => simd(0x59, ...memarg(0), 0);
const f64Const = (bytes: number[]) => [0xfd, 0x0c, ...bytes, ...bytes];
const ZERO = f64Const([0, 0, 0, 0, 0, 0, 0, 0]);
const NAN = f64Const([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]); // JavaScript's NaN (0x7ff8000000000000)
const f64x2Eq = () => simd(0x47);
const f64x2Ne = () => simd(0x48);
const and = () => simd(0x4e);
const bitselect = () => simd(0x52);
const f64x2Add = () => simd(0xf0);
const f64x2Div = () => simd(0xf3);
const i8x16Sub = () => simd(0x71);
const i8x16Neg = () => simd(0x61);
const widen = () => [...simd(0x89), ...simd(0xa9), ...simd(0xff)]; // bytes 0, 1 → f64x2 (u8 → u16 → u32 → f64)
/** Lanes 0 and 1 of the mask's i64 lanes as bytes 0 and 1 (0xff where the value is valid). */
const maskBytes = (m: number) => [...get(m), ...get(m), 0xfd, 0x0d, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8];

// params: 0 n; locals: 1 i (i32), 2 x, 3 m (v128)
const N = 0;
const I = 1;
const X = 2;
const M = 3;
/** Byte address of value i in the strip at `base` (8-byte values, or 1-byte counts). */
const at = (base: number, shift: number) => [...i32(base), ...get(I), ...(shift ? [...i32(shift), 0x74] : []), 0x6a];

/** A loop over i = 0, 2, … < n: x = a value pair of the src strip (or of the acc strip), m = (x === x), then `step`. */
function body(fromAcc: boolean, step: number[]): number[] {
  return [
    ...[2, 1, 0x7f, 2, 0x7b], // locals: 1 i32 (i), 2 v128 (x, m)
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...get(I),
    ...get(N),
    ...[0x4f, 0x0d, 1], // i >= n (unsigned): out of the block
    ...at(fromAcc ? ACC : SRC, 3),
    ...load(),
    ...set(X),
    ...get(X),
    ...get(X),
    ...f64x2Eq(),
    ...set(M),
    ...step,
    ...get(I),
    ...i32(2),
    0x6a,
    ...set(I),
    ...[0x0c, 0, 0x0b, 0x0b, 0x0b], // br loop; end loop, block, function
  ];
}

/** cnt[i, i+1] = cnt − mask bytes (+1 where valid), on the stack: the address, then the new bytes. */
const countUp = () => [...at(CNT, 0), ...at(CNT, 0), ...load16Splat(), ...maskBytes(M), ...i8x16Sub()];

const KERNELS: Record<keyof Omit<FoldSimd, "src" | "acc" | "cnt">, number[]> = {
  fold: body(false, [
    ...at(ACC, 3),
    ...at(ACC, 3),
    ...load(),
    ...get(X),
    ...get(M),
    ...and(),
    ...f64x2Add(),
    ...store(),
    ...countUp(),
    ...store16Lane0(),
  ]),
  first: body(true, [
    ...at(ACC, 3),
    ...ZERO,
    ...get(X),
    ...get(M),
    ...and(),
    ...f64x2Add(),
    ...store(),
    ...at(CNT, 0),
    ...maskBytes(M),
    ...i8x16Neg(),
    ...store16Lane0(),
  ]),
  lastMean: body(false, [
    ...at(ACC, 3),
    // (acc + valid x) / count, where count ≠ 0; else NaN
    ...at(ACC, 3),
    ...load(),
    ...get(X),
    ...get(M),
    ...and(),
    ...f64x2Add(),
    ...at(CNT, 0),
    ...load16Splat(),
    ...maskBytes(M),
    ...i8x16Sub(),
    ...widen(),
    ...set(X), // x is not needed any more: the counts as f64
    ...get(X),
    ...f64x2Div(),
    ...NAN,
    ...get(X),
    ...ZERO,
    ...f64x2Ne(),
    ...bitselect(),
    ...store(),
  ]),
  onlyMean: body(true, [...at(ACC, 3), ...ZERO, ...get(X), ...f64x2Add(), ...NAN, ...get(M), ...bitselect(), ...store()]),
};

/** The module's bytes: memory "mem" of {@link PAGES} pages and the kernels, each `(n: i32) → ()`. */
export function foldModuleBytes(): Uint8Array<ArrayBuffer> {
  const names = Object.keys(KERNELS) as Array<keyof typeof KERNELS>;
  const code: number[] = [names.length];
  for (const name of names) code.push(...uleb(KERNELS[name].length), ...KERNELS[name]);
  const exports: number[] = [names.length + 1, ...wasmName("mem"), 2, 0];
  names.forEach((name, i) => {
    exports.push(...wasmName(name), 0, i);
  });
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, 0x60, 1, 0x7f, 0]),
    ...section(3, [names.length, ...names.map(() => 0)]),
    ...section(5, [1, 0, ...uleb(PAGES)]),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

let instance: FoldSimd | null | undefined;

/**
 * This thread's fold module (its memory holds the strips), or undefined where WebAssembly or its SIMD is missing (the
 * caller folds in JavaScript).
 */
export function foldSimd(): FoldSimd | undefined {
  if (instance === undefined) {
    try {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(foldModuleBytes()));
      const buf = (inst.exports.mem as WebAssembly.Memory).buffer; // never grown: the views stay valid
      const fn = (name: string) => inst.exports[name] as (n: number) => void;
      instance = {
        src: new Float64Array(buf, SRC, STRIP),
        acc: new Float64Array(buf, ACC, STRIP),
        cnt: new Uint8Array(buf, CNT, STRIP),
        fold: fn("fold"),
        first: fn("first"),
        lastMean: fn("lastMean"),
        onlyMean: fn("onlyMean"),
      };
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}
