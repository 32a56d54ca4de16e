// The WebAssembly memory of this thread's expression SIMD loops (simd.ts), and typed-array views on it that
// callers hold inputs and results in, so that a SIMD loop reads and writes them where they are instead of
// copying them in and out. One memory per thread (module state; worker threads each get their own):
//   [0, SCRATCH_BYTES)  scratch blocks of the copying path (inputs elsewhere, odd tails), used synchronously;
//   [SCRATCH_BYTES, …)  the arena of views handed out by wasmArray until released.
// Growing a WebAssembly.Memory detaches every view of its old buffer, so the memory grows only while no view
// is handed out; when the arena is full and views are live, wasmArray gives an ordinary array instead (the
// loops then copy it, as for any array): a view handed out never goes stale.
import { allocate, type TypedArray } from "../core/ndarray.js";
import type { NumDType } from "./dtypes.js";

const PAGE = 65536;
/** Bytes of the scratch region at the start of the memory (1 MiB). */
export const SCRATCH_BYTES = 16 * PAGE;
/** The arena's size when the memory is made: 32 MiB of address space (pages are only backed once written). */
const ARENA_INITIAL = 32 * 1024 * 1024;
/** The arena never grows beyond this (1 GiB); larger wishes get ordinary arrays. */
const ARENA_MAX = 1024 * 1024 * 1024;
/** Allocations start on 16-byte boundaries (one SIMD vector). */
const ALIGN = 16;

type Ctor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedArray; BYTES_PER_ELEMENT: number };

const state = {
  memory: undefined as WebAssembly.Memory | undefined,
  /** Free byte ranges [start, end) of the arena, sorted by start, never adjacent. */
  free: [] as [number, number][],
  /** The views handed out and their byte ranges. */
  live: new Map<TypedArray, [number, number]>(),
};

/** This thread's expression memory (made on first use with the scratch region and the initial arena). */
export function expressionMemory(): WebAssembly.Memory {
  if (!state.memory) {
    state.memory = new WebAssembly.Memory({ initial: (SCRATCH_BYTES + ARENA_INITIAL) / PAGE });
    state.free = [[SCRATCH_BYTES, SCRATCH_BYTES + ARENA_INITIAL]];
  }
  return state.memory;
}

/** First fit of `bytes` in the free list, or -1. */
function take(bytes: number): number {
  for (let i = 0; i < state.free.length; i++) {
    const r = state.free[i]!;
    if (r[1] - r[0] < bytes) continue;
    const at = r[0];
    if (r[1] - r[0] === bytes) state.free.splice(i, 1);
    else r[0] += bytes;
    return at;
  }
  return -1;
}

/** Returns [start, end) to the free list, merged with its neighbours. */
function give(start: number, end: number): void {
  const free = state.free;
  let i = 0;
  while (i < free.length && free[i]![0] < start) i++;
  free.splice(i, 0, [start, end]);
  if (i + 1 < free.length && free[i]![1] === free[i + 1]![0]) {
    free[i]![1] = free[i + 1]![1];
    free.splice(i + 1, 1);
  }
  if (i > 0 && free[i - 1]![1] === free[i]![0]) {
    free[i - 1]![1] = free[i]![1];
    free.splice(i, 1);
  }
}

/**
 * A typed array of `length` values of `dtype` (the array `allocate` gives: Float64Array for float64, Uint8Array
 * for bool, …) lying in this thread's expression memory, so that runProgram's SIMD loop reads it as an input or
 * writes it as its `out` without copying (float64 inputs and results; other dtypes are converted as before).
 * Its contents are unspecified (earlier users' values): write before reading. Hand it back with
 * {@link releaseWasmArray} when done (also on errors: try/finally); it must not be used after that. When the
 * arena is full while other views are live (growing would detach them), or the wish exceeds 1 GiB, the result
 * is an ordinary zero-filled array (see {@link inWasmMemory}); releasing that is a no-op.
 * Views are per thread: do not post them to another thread.
 * @param length element count (≥ 0).
 * @throws TypeError for a dtype without a typed array or a negative length.
 */
export function wasmArray(dtype: NumDType, length: number): TypedArray {
  const ctor = allocate(dtype, 0).constructor as unknown as Ctor;
  if (!Number.isInteger(length) || length < 0) throw new TypeError(`wasmArray: length must be an integer ≥ 0, got ${length}`);
  const bytes = Math.max(ALIGN, Math.ceil((length * ctor.BYTES_PER_ELEMENT) / ALIGN) * ALIGN);
  const memory = expressionMemory();
  let at = take(bytes);
  if (at < 0 && growFor(bytes)) at = take(bytes);
  if (at < 0) return allocate(dtype, length);
  const view = new ctor(memory.buffer, at, length);
  state.live.set(view, [at, at + bytes]);
  return view;
}

/**
 * Grows the arena (at least doubling it) so that one free range holds `bytes`, when no view is live and the
 * arena stays within 1 GiB; false otherwise (or when the address space is exhausted).
 */
function growFor(bytes: number): boolean {
  const memory = expressionMemory();
  if (state.live.size > 0) return false;
  const end = memory.buffer.byteLength;
  const arena = end - SCRATCH_BYTES;
  const grow = Math.ceil(Math.max(arena, bytes) / PAGE);
  if (arena + grow * PAGE > ARENA_MAX) return false;
  try {
    memory.grow(grow); // no view is live: nothing goes stale
  } catch {
    return false;
  }
  give(end, end + grow * PAGE);
  return true;
}

/**
 * Makes room for `bytes` more of views (one free range of that size) before handing out many at once (a
 * batch of chunks held together), since the arena cannot grow while views are live. Only while none is live.
 * @returns true when that room is there (already, or after growing), false when views are live or the arena
 *   would exceed 1 GiB: later wasmArray calls may then give ordinary arrays.
 */
export function reserveWasmArena(bytes: number): boolean {
  expressionMemory();
  const need = Math.ceil(bytes / ALIGN) * ALIGN;
  if (state.free.some(([s, e]) => e - s >= need)) return true;
  if (!growFor(need)) return false;
  return state.free.some(([s, e]) => e - s >= need);
}

/**
 * Hands a view from {@link wasmArray} back to the arena; a no-op for other arrays, for a view already released,
 * and for a subarray (release the array wasmArray gave).
 */
export function releaseWasmArray(view: TypedArray): void {
  const range = state.live.get(view);
  if (!range) return;
  state.live.delete(view);
  give(range[0], range[1]);
}

/** True when `a` lies in this thread's expression memory (a view from {@link wasmArray} or a subarray of one). */
export function inWasmMemory(a: ArrayBufferView): boolean {
  return state.memory !== undefined && a.buffer === state.memory.buffer;
}

/** The arena's use (tests, diagnostics): bytes of the memory, bytes handed out, views live. */
export function wasmMemoryUse(): { bytes: number; used: number; live: number } {
  let used = 0;
  for (const [s, e] of state.live.values()) used += e - s;
  return { bytes: state.memory?.buffer.byteLength ?? 0, used, live: state.live.size };
}
