// The FileSystem contract: six methods over byte objects addressed by '/'-separated keys.
import type { ReadOptions } from "../core/variable.js";

/**
 * Byte access to one root (a folder, a bucket prefix, a URL prefix, or memory).
 * Keys are relative, '/'-separated, without a leading slash (`"cube.zarr/.zmetadata"`).
 * Wrappers (`withCache`, `withRetry`) return the same interface.
 */
export interface FileSystem {
  /** Human-readable root (`file:///data`, `https://host/path`, `s3://bucket/prefix`, `memory://id`) — never contains secrets. */
  readonly root: string;
  /** Whole object, or `undefined` when it does not exist. Errors: ACCESS_DENIED, REMOTE_ERROR, TIMEOUT. */
  get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined>;
  /**
   * Bytes `[offset, offset + length)`; with `length` omitted, to the end. A negative offset counts from the end.
   * Errors: NOT_FOUND, ACCESS_DENIED, REMOTE_ERROR, TIMEOUT.
   */
  getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Writes a whole object, creating parents. Errors: READ_ONLY. */
  put(key: string, data: Uint8Array, options?: ReadOptions): Promise<void>;
  /** Entries directly under a prefix (`""` = root); folder names end with '/'. */
  list(prefix: string, options?: ReadOptions): Promise<string[]>;
  /** Deletes an object or, for a prefix ending in '/', everything under it. Errors: READ_ONLY. */
  delete(key: string, options?: ReadOptions): Promise<void>;
  /** True when the object (or a folder prefix ending in '/') exists. */
  exists(key: string, options?: ReadOptions): Promise<boolean>;
  /**
   * Optional: copies the object `from` to `to` on the server, its bytes never passing through this process (S3
   * CopyObject). Where a file system has none, callers get and put. Errors: NOT_FOUND (no object `from`), READ_ONLY,
   * ACCESS_DENIED.
   */
  copy?(from: string, to: string, options?: ReadOptions): Promise<void>;
}
