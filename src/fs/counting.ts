// withCounting: wraps a FileSystem and counts the calls of each method (tests and benchmarks).
import type { ReadOptions } from "../core/variable.js";
import type { FileSystem } from "./types.js";

/** Call counts per FileSystem method, plus the bytes returned by get/getRange. */
export interface FsCounts {
  get: number;
  getRange: number;
  put: number;
  list: number;
  delete: number;
  exists: number;
  /** Bytes returned by `get` and `getRange`. */
  bytesRead: number;
  /** Keys read by `get`/`getRange`, in call order. */
  keys: string[];
}

/** A FileSystem that counts its calls; `counts` is live, `reset()` zeroes it. */
export interface CountingFileSystem extends FileSystem {
  readonly counts: FsCounts;
  /** Total number of calls (every method). */
  readonly total: number;
  /** The wrapped file system. */
  readonly inner: FileSystem;
  reset(): void;
}

function zero(): FsCounts {
  return { get: 0, getRange: 0, put: 0, list: 0, delete: 0, exists: 0, bytesRead: 0, keys: [] };
}

/**
 * Wraps `fs` so that every call is counted (same interface, same errors).
 * For an HttpsFileSystem, one `get`/`getRange`/`exists` is one HTTP request (retries aside).
 */
export function withCounting(fs: FileSystem): CountingFileSystem {
  let counts = zero();
  return {
    get root() {
      return fs.root;
    },
    get counts() {
      return counts;
    },
    get total() {
      return counts.get + counts.getRange + counts.put + counts.list + counts.delete + counts.exists;
    },
    inner: fs,
    reset() {
      counts = zero();
    },
    async get(key: string, options?: ReadOptions) {
      counts.get++;
      counts.keys.push(key);
      const out = await fs.get(key, options);
      counts.bytesRead += out?.length ?? 0;
      return out;
    },
    async getRange(key: string, offset: number, length?: number, options?: ReadOptions) {
      counts.getRange++;
      counts.keys.push(key);
      const out = await fs.getRange(key, offset, length, options);
      counts.bytesRead += out.length;
      return out;
    },
    put(key: string, data: Uint8Array, options?: ReadOptions) {
      counts.put++;
      return fs.put(key, data, options);
    },
    list(prefix: string, options?: ReadOptions) {
      counts.list++;
      return fs.list(prefix, options);
    },
    delete(key: string, options?: ReadOptions) {
      counts.delete++;
      return fs.delete(key, options);
    },
    exists(key: string, options?: ReadOptions) {
      counts.exists++;
      return fs.exists(key, options);
    },
  };
}
