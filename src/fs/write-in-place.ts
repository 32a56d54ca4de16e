// The in-place chunk file write of fs/put-local.ts without its process-wide handle cache: what a thread that loads no
// more than the blosc encoder (formats/zarr/encode-thread-worker.ts) needs to write a chunk file.
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Writes `bytes` as the file at absolute `path` in place: opened without truncation, written whole, cut to its length
 * (why: {@link putLocalSync} in fs/put-local.ts, the one caller on the computing threads). Its folder is made once per
 * `made` set. The caller drops any cached read handle of `path` ({@link putLocalSync} does).
 * @returns false when the write failed (the caller then writes through its store's `put`, which reports the error). Never throws.
 */
export function writeInPlaceSync(path: string, bytes: Uint8Array, made: Set<string>): boolean {
  try {
    const d = dirname(path);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o666);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
      ftruncateSync(fd, bytes.length);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    return false;
  }
}
