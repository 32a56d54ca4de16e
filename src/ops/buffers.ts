// A small pool of typed arrays for the input blocks that lazy operations read and drop again on every call (a gen
// task's 8 time steps of a tile, a window of the source): read into a kept buffer instead of a fresh allocation,
// whose page faults and garbage cost more than the copy on a loaded machine.
import { allocate, type DType, type TypedArray } from "../core/ndarray.js";
import type { ReadOptions, Variable } from "../core/variable.js";

/** Buffers kept between calls, per thread: at most this many, of at most {@link KEPT_BYTES} together. */
const KEPT = 6;
const KEPT_BYTES = 128 << 20;
const kept: TypedArray[] = [];

/**
 * A buffer of `dtype` with at least `n` elements (its contents are whatever it held before): one given back by
 * {@link giveBuffer} when one fits, else a new one. Undefined for dtypes without a typed array (str, object).
 */
export function takeBuffer(dtype: DType, n: number): TypedArray | undefined {
  let ctor: unknown;
  try {
    ctor = allocate(dtype, 0).constructor;
  } catch {
    return undefined;
  }
  let best = -1;
  for (let i = 0; i < kept.length; i++) {
    const b = kept[i]!;
    if (b.constructor === ctor && b.length >= n && (best < 0 || b.length < kept[best]!.length)) best = i;
  }
  if (best >= 0) return kept.splice(best, 1)[0];
  return allocate(dtype, n);
}

/** Gives a buffer from {@link takeBuffer} back once nothing refers to its values any more. */
export function giveBuffer(buf: TypedArray | undefined): void {
  if (!buf || buf.byteLength > KEPT_BYTES) return;
  kept.push(buf);
  let total = kept.reduce((s, b) => s + b.byteLength, 0);
  while (kept.length > KEPT || total > KEPT_BYTES) {
    // drop the smallest: the large ones are the costly ones to make again
    let small = 0;
    for (let i = 1; i < kept.length; i++) if (kept[i]!.byteLength < kept[small]!.byteLength) small = i;
    total -= kept[small]!.byteLength;
    kept.splice(small, 1);
  }
}

/**
 * Reads `selection` of `v` (n elements) into a pooled buffer when `v` writes into one itself ({@link Variable.readsInto});
 * `done` gives the buffer back (call it once the values are no longer used); `buffer` is that pooled buffer (a caller
 * that hands its ArrayBuffer to another thread instead of calling `done` gives the one it gets back with
 * {@link giveBuffer}). Otherwise a plain read.
 */
export async function readPooled(
  v: Variable,
  selection: Parameters<Variable["read"]>[0],
  n: number,
  options?: ReadOptions,
): Promise<{ block: Awaited<ReturnType<Variable["read"]>>; done: () => void; buffer?: TypedArray }> {
  const buf = v.readsInto ? takeBuffer(v.dtype, n) : undefined;
  if (!buf) return { block: await v.read(selection, options), done: () => undefined };
  try {
    const block = await v.read(selection, { ...options, out: buf });
    return { block, done: () => giveBuffer(buf), buffer: buf };
  } catch (err) {
    giveBuffer(buf);
    throw err;
  }
}
