// The pieces of the WebAssembly binary format eocube's generated modules share (the expression loop, src/expr/simd.ts,
// and the blosc decoder, src/formats/zarr/unshuffle-simd.ts): LEB128 integers, sections, names and the module header.
// Spec: https://webassembly.github.io/spec/core/binary/ (values §5.2, modules §5.5).

/** The module header: magic "\0asm" and version 1. */
export const WASM_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * Appends the unsigned LEB128 encoding of `x` (an integer in [0, 2**32)) to `out` and returns `out` (a new array
 * when not given). Spec §5.2.2.
 */
export function uleb(x: number, out: number[] = []): number[] {
  do {
    let byte = x & 0x7f;
    x >>>= 7;
    if (x !== 0) byte |= 0x80;
    out.push(byte);
  } while (x !== 0);
  return out;
}

/**
 * Appends the signed LEB128 encoding of `x` (an int32 as a number, or an int64 as a bigint) to `out` and returns
 * `out` (a new array when not given). Spec §5.2.2.
 */
export function sleb(x: number | bigint, out: number[] = []): number[] {
  let v = BigInt(x);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Appends `bytes` to `out` without spreading (code of large modules has more bytes than a call takes arguments). */
export function append(out: number[], bytes: readonly number[]): number[] {
  for (const b of bytes) out.push(b);
  return out;
}

/** Appends a vector or body: the byte length of `bytes` (unsigned LEB128), then `bytes`. */
export function sized(out: number[], bytes: readonly number[]): number[] {
  uleb(bytes.length, out);
  return append(out, bytes);
}

/** A section: its id, then its content with its byte length. Spec §5.5.2. */
export function section(id: number, content: readonly number[]): number[] {
  return sized([id], content);
}

/** A name (import or export): its UTF-8 byte length, then its bytes (ASCII names here). Spec §5.2.4. */
export function wasmName(s: string): number[] {
  return append(
    uleb(s.length),
    Array.from(s, (c) => c.charCodeAt(0)),
  );
}
