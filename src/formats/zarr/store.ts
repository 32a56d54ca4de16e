// Adapters from eocube's FileSystem to a zarrita store, plus a metadata overlay that answers
// metadata keys from memory (consolidated metadata) so opening arrays costs no request.
import type { AbsolutePath, AsyncReadable, GetOptions, RangeQuery } from "@zarrita/storage";
import { joinKey } from "../../fs/keys.js";
import type { FileSystem } from "../../fs/types.js";

/**
 * Joins a store prefix and a (zarrita) key with one '/', no leading slash: `joinKey` of fs/keys.ts, so a key
 * with a `..` segment (e.g. from a hostile `dimension_separator`), an absolute key or a NUL is refused.
 * @throws EocubeError UNSAFE_ID naming the key.
 */
export function joinStoreKey(prefix: string, key: string): string {
  return joinKey(prefix, key);
}

/**
 * A zarrita `AsyncReadable` over a FileSystem folder: the zarrita key `/a/.zarray` is read as
 * `<prefix>/a/.zarray` on `fs` (joined by {@link joinStoreKey}: a key with `..` is refused with UNSAFE_ID). Missing objects give `undefined`; other errors of the file
 * system (ACCESS_DENIED, REMOTE_ERROR, TIMEOUT, …) propagate unchanged.
 * Store contract: https://github.com/manzt/zarrita.js (`@zarrita/storage` `AsyncReadable`).
 */
export class FileSystemStore implements AsyncReadable {
  readonly fs: FileSystem;
  readonly prefix: string;

  /** @param fs the file system; @param prefix the store's folder on it (`""` = the fs root). */
  constructor(fs: FileSystem, prefix: string) {
    this.fs = fs;
    this.prefix = prefix.replace(/^\/+|\/+$/g, "");
  }

  /** The file-system key of a zarrita key. */
  keyOf(key: string): string {
    return joinStoreKey(this.prefix, key);
  }

  /** Whole object, or undefined when it does not exist. */
  async get(key: AbsolutePath, opts?: GetOptions): Promise<Uint8Array | undefined> {
    return this.fs.get(this.keyOf(key), { signal: opts?.signal });
  }

  /** Byte range of an object (used by sharded arrays), or undefined when it does not exist. */
  async getRange(key: AbsolutePath, range: RangeQuery, opts?: GetOptions): Promise<Uint8Array | undefined> {
    const k = this.keyOf(key);
    try {
      if ("suffixLength" in range) return await this.fs.getRange(k, -range.suffixLength, undefined, { signal: opts?.signal });
      return await this.fs.getRange(k, range.offset, range.length, { signal: opts?.signal });
    } catch (err) {
      if ((err as { code?: string }).code === "NOT_FOUND") return undefined;
      throw err;
    }
  }
}

const METADATA_FILE = /(^|\/)(\.zarray|\.zgroup|\.zattrs|zarr\.json)$/;

/**
 * A store whose metadata keys (`.zarray`, `.zgroup`, `.zattrs`, `zarr.json`) are answered from a
 * map of already-read JSON documents; a metadata key absent from the map is reported missing
 * without asking the underlying store. Chunk keys go to the underlying store.
 */
export class MetadataOverlayStore implements AsyncReadable {
  readonly inner: FileSystemStore;
  readonly #meta: Map<string, Uint8Array>;

  /** @param inner the chunk store; @param documents metadata documents by zarrita key (`/a/.zarray`). */
  constructor(inner: FileSystemStore, documents: Map<string, unknown>) {
    this.inner = inner;
    const enc = new TextEncoder();
    this.#meta = new Map([...documents].map(([k, v]) => [k, enc.encode(JSON.stringify(v))]));
  }

  /** Metadata from the overlay, anything else from the inner store. */
  async get(key: AbsolutePath, opts?: GetOptions): Promise<Uint8Array | undefined> {
    if (METADATA_FILE.test(key)) return this.#meta.get(key);
    return this.inner.get(key, opts);
  }

  /** Byte ranges always come from the inner store. */
  getRange(key: AbsolutePath, range: RangeQuery, opts?: GetOptions): Promise<Uint8Array | undefined> {
    return this.inner.getRange(key, range, opts);
  }
}
