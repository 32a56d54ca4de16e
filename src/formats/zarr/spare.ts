// One spare result buffer made ready in idle time: a large fresh result (a 16 MB slice) costs thousands of first-touch
// page faults on its first write, which on a loaded VM take longer than reading and decoding the chunks. After a
// second large result of one size (a repeated read), the next buffer of that size is allocated and touched in slices
// of 1 MB between other work (setImmediate), so that the next read of that size takes resident memory. At most one
// spare is kept. Not when glibc's malloc is set to keep freed memory for reuse (the `eocube` command's
// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_, docs/performance.md): a new result then takes the pages of freed
// ones, and a spare would only double the allocations (and V8's GCs for external memory); measured in the read bench's
// child, fresh 16 MB reads 0.70–1.04× xarray's time without the spare against 0.71–1.35× with it.

import { readFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

/** Results from this size on get a spare (smaller ones fault little); at most this size. */
const MIN_SPARE = 4 << 20;
const MAX_SPARE = 64 << 20;
/** Bytes touched per idle step. */
const STEP = 1 << 20;

let spare: ArrayBuffer | undefined;
let making = 0; // size of the spare being made
let last = 0; // size of the last large result

/** A new uninitialized buffer of `bytes` (Node's unpooled unsafe allocation, its own ArrayBuffer at offset 0). */
function fresh(bytes: number): ArrayBuffer {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  if (!B) return new ArrayBuffer(bytes);
  const b = B.allocUnsafeSlow(bytes);
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : new ArrayBuffer(bytes);
}

let malloc: { mmap?: number; trim?: number } | undefined;
/**
 * glibc's mmap and trim thresholds as set in the environment the process started with (/proc/self/environ: what glibc
 * read); empty elsewhere or when unset.
 */
export function mallocSettings(): { mmap?: number; trim?: number } {
  if (malloc) return malloc;
  try {
    malloc = mallocSettingsOf(readFileSync("/proc/self/environ", "latin1").split("\0"));
  } catch {
    malloc = {}; // not Linux
  }
  return malloc;
}

/** The thresholds set by `NAME=value` environment entries: MALLOC_*_ names, overridden by `GLIBC_TUNABLES`, as in glibc. */
export function mallocSettingsOf(environ: readonly string[]): { mmap?: number; trim?: number } {
  const out: { mmap?: number; trim?: number } = {};
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const get = (name: string) => environ.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
  const mmap = num(get("MALLOC_MMAP_THRESHOLD_"));
  const trim = num(get("MALLOC_TRIM_THRESHOLD_"));
  if (mmap !== undefined) out.mmap = mmap;
  if (trim !== undefined) out.trim = trim;
  for (const t of (get("GLIBC_TUNABLES") ?? "").split(":")) {
    const [k, v] = t.split("=");
    const n = num(v);
    if (n === undefined) continue;
    if (k === "glibc.malloc.mmap_threshold") out.mmap = n;
    if (k === "glibc.malloc.trim_threshold") out.trim = n;
  }
  return out;
}

/** Whether a freed buffer of `bytes` stays in malloc's heap for the next one (see the file comment). */
function reused(bytes: number): boolean {
  const { mmap, trim } = mallocSettings();
  return mmap !== undefined && trim !== undefined && bytes < mmap && bytes <= trim;
}

/**
 * An ArrayBuffer of exactly `bytes` whose contents are undefined (the caller writes all of it): the spare when it has
 * that size, else a new one; a large size schedules the next spare (unless malloc reuses freed memory).
 */
export function resultBuffer(bytes: number): ArrayBuffer {
  if (bytes < MIN_SPARE || bytes > MAX_SPARE || reused(bytes)) return fresh(bytes);
  let buf: ArrayBuffer;
  if (spare && spare.byteLength === bytes) {
    buf = spare;
    spare = undefined;
  } else buf = fresh(bytes);
  // only the main thread (a reader, a server): worker threads (gen tasks) keep their memory to what they use
  if (bytes === last && isMainThread) makeSpare(bytes);
  last = bytes;
  return buf;
}

function makeSpare(bytes: number): void {
  if (making === bytes || (spare && spare.byteLength === bytes)) return;
  making = bytes;
  const buf = fresh(bytes);
  const view = new Uint8Array(buf);
  let at = 0;
  const step = () => {
    if (making !== bytes) return; // another size asked for since
    const to = Math.min(bytes, at + STEP);
    for (let p = at; p < to; p += 4096) view[p] = 0; // one write per page
    at = to;
    if (at < bytes) {
      setImmediate(step);
      return;
    }
    making = 0;
    spare = buf;
  };
  setImmediate(step);
}
