// Local-disk FileSystem rooted at a folder; keys are resolved inside the root only.
import { mkdir, readdir, readFile, rm, stat, writeFile, rename } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { localWriteError } from "./errors.js";
import { fileHandles, type LeasedHandle } from "./file-handles.js";
import { checkKey } from "./keys.js";
import type { FileSystem } from "./types.js";

/** Options of {@link FileFileSystem}. */
export interface FileFileSystemOptions {
  /** Refuse writes and deletes (default false). */
  readOnly?: boolean;
}

/**
 * A FileSystem over a local folder. Keys are checked by `checkKey` (keys.ts): a `..` segment, an absolute key
 * or a NUL is refused with UNSAFE_ID, so no key leaves the root.
 * Missing files give `undefined` from `get` and NOT_FOUND from `getRange`.
 */
export class FileFileSystem implements FileSystem {
  readonly root: string;
  readonly #base: string;
  readonly #readOnly: boolean;

  /** @param root folder path (relative paths resolve against the cwd). */
  constructor(root: string, options: FileFileSystemOptions = {}) {
    this.#base = resolve(root);
    this.root = `file://${this.#base}`;
    this.#readOnly = options.readOnly ?? false;
  }

  /** Absolute path of a key. @throws EocubeError UNSAFE_ID for a key refused by `checkKey` (`..`, absolute, NUL). */
  resolve(key: string): string {
    const p = resolve(this.#base, checkKey(key, this.root));
    if (p !== this.#base && !p.startsWith(this.#base.endsWith(sep) ? this.#base : this.#base + sep)) {
      throw new EocubeError("UNSAFE_ID", `path ${key} leaves the root folder ${this.#base}`, { path: key });
    }
    return p;
  }

  async get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal);
    const p = this.resolve(key);
    try {
      const buf = await readFile(p, { signal: options?.signal });
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return undefined;
      throw ioError(err, p);
    }
  }

  /**
   * Bytes of a file (see {@link FileSystem.getRange}). Handles stay open in a small process-wide LRU
   * (file-handles.ts), so repeated ranged reads cost one stat and one positioned read each; a file
   * replaced or changed since (by `put`, `delete` or another process) is reopened.
   * @throws EocubeError NOT_FOUND, ACCESS_DENIED, CORRUPT_DATA (a folder), UNSAFE_ID.
   */
  async getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array> {
    throwIfAborted(options?.signal);
    const p = this.resolve(key);
    let lease: LeasedHandle;
    try {
      lease = await fileHandles.lease(p);
    } catch (err) {
      throw ioError(err, p);
    }
    try {
      const size = lease.size;
      const start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
      const end = length === undefined ? size : Math.min(size, start + length);
      const out = new Uint8Array(Math.max(0, end - start));
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await lease.fh.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out.subarray(0, done);
    } catch (err) {
      throw ioError(err, p);
    } finally {
      lease.release();
    }
  }

  /**
   * Writes a file through a temporary sibling and a rename, so a reader never sees half a file; on failure the
   * temporary file is removed.
   * @throws EocubeError READ_ONLY (a read-only FileSystem; a full disk or quota ENOSPC/EDQUOT, a read-only file
   *   system EROFS, EACCES/EPERM — each naming the path and the fix), ALREADY_EXISTS (a parent is a file),
   *   UNSAFE_ID (see `checkKey`), INTERNAL (other I/O errors, naming the path).
   */
  async put(key: string, data: Uint8Array, options?: ReadOptions): Promise<void> {
    throwIfAborted(options?.signal);
    if (this.#readOnly) throw new EocubeError("READ_ONLY", `${this.root} is read-only`, { path: key });
    const p = this.resolve(key);
    const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, p);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw writeError(err, p, "writing the file");
    }
    fileHandles.invalidate(p);
  }

  async list(prefix: string, options?: ReadOptions): Promise<string[]> {
    throwIfAborted(options?.signal);
    const p = this.resolve(prefix);
    try {
      const entries = await readdir(p, { withFileTypes: true });
      return entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw ioError(err, p);
    }
  }

  async delete(key: string, options?: ReadOptions): Promise<void> {
    throwIfAborted(options?.signal);
    if (this.#readOnly) throw new EocubeError("READ_ONLY", `${this.root} is read-only`, { path: key });
    const p = this.resolve(key);
    try {
      await rm(p, { recursive: true, force: true });
    } catch (err) {
      throw writeError(err, p, "deleting");
    }
    fileHandles.invalidate(p, true);
  }

  async exists(key: string, options?: ReadOptions): Promise<boolean> {
    throwIfAborted(options?.signal);
    const p = this.resolve(key);
    try {
      await stat(p);
      return true;
    } catch {
      return false;
    }
  }
}

/** A write failure as an EocubeError naming the path: `localWriteError`, else INTERNAL naming the path. */
function writeError(err: unknown, path: string, action: string): EocubeError {
  const mapped = localWriteError(err, path, action);
  return mapped instanceof EocubeError ? mapped : ioError(err, path);
}

/** Maps a Node I/O error to an EocubeError naming the path. */
function ioError(err: unknown, path: string): EocubeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new EocubeError("NOT_FOUND", `no such file: ${path}`, { path, cause: err, hint: "check the path" });
  if (code === "EACCES" || code === "EPERM") return new EocubeError("ACCESS_DENIED", `permission denied: ${path}`, { path, cause: err });
  if (code === "EISDIR") return new EocubeError("CORRUPT_DATA", `${path} is a folder, a file was expected`, { path, cause: err });
  return new EocubeError("INTERNAL", `I/O error on ${path}: ${(err as Error).message}`, { path, cause: err });
}
