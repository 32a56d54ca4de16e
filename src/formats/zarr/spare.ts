// One spare result buffer made ready in idle time: a large fresh result (a 16 MB slice) costs thousands of first-touch
// page faults on its first write, which on a loaded VM take longer than reading and decoding the chunks. After a
// second large result of one size (a repeated read), the next buffer of that size is allocated and touched in slices
// of 1 MB between other work (setImmediate), so that the next read of that size takes resident memory. At most one
// spare is kept.

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

/**
 * An ArrayBuffer of exactly `bytes` whose contents are undefined (the caller writes all of it): the spare when it has
 * that size, else a new one; a large size schedules the next spare.
 */
export function resultBuffer(bytes: number): ArrayBuffer {
  if (bytes < MIN_SPARE || bytes > MAX_SPARE) return fresh(bytes);
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
