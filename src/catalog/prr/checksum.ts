// file:size and file:checksum of local files: the SHA-256 multihash, streamed (big files are never loaded whole).
import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { EocubeError, throwIfAborted } from "../../core/errors.js";

/** File-extension fields of one local file. https://github.com/stac-extensions/file#asset--link-object-fields */
export interface FileInfo {
  /** Size in bytes. */
  "file:size": number;
  /** Multihash (hex, lower case) of SHA2-256: `1220` + 64 hex digits. */
  "file:checksum": string;
}

/**
 * The SHA2-256 multihash of a file, hex: `12` (sha2-256) `20` (32 bytes) + the digest, read as a stream.
 * @param size the file's size in bytes when known (sizes the read buffer; any value stays correct).
 * @throws EocubeError NOT_FOUND (missing file), CANCELLED.
 */
export async function sha256Multihash(path: string, signal?: AbortSignal, size?: number): Promise<string> {
  throwIfAborted(signal);
  const hash = createHash("sha256");
  // a read stream allocates a whole highWaterMark buffer per read, so small files get a buffer of their size
  // (+1 so that the end is found in the same read) instead of 1 MiB
  const highWaterMark = size === undefined ? 1 << 20 : Math.max(4096, Math.min(1 << 20, size + 1));
  try {
    for await (const chunk of createReadStream(path, { highWaterMark, signal })) hash.update(chunk as Buffer);
  } catch (err) {
    throwIfAborted(signal);
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new EocubeError("NOT_FOUND", `${path} does not exist`, { path, cause: err });
    throw err;
  }
  return `1220${hash.digest("hex")}`;
}

/**
 * `file:size` and `file:checksum` of a regular local file; undefined for folders (a Zarr store).
 * @throws EocubeError NOT_FOUND, CANCELLED.
 */
export async function fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo | undefined> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `${path} does not exist`, { path, cause: err, hint: "check the asset's path in the config" });
  }
  if (!st.isFile()) return undefined;
  return { "file:size": st.size, "file:checksum": await sha256Multihash(path, signal, st.size) };
}

/** Files up to this size (bytes) are read whole by {@link readFileInfo}, so the readers can reuse the bytes. */
export const WHOLE_READ_MAX = 8 << 20;

/** The SHA2-256 multihash (see {@link sha256Multihash}) of bytes in memory. */
export function sha256MultihashOf(bytes: Uint8Array): string {
  return `1220${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * {@link fileInfo} of a local path plus, for a regular file of at most {@link WHOLE_READ_MAX} bytes, its
 * bytes (read once for both the checksum and the data readers); `{}` for folders.
 * @throws EocubeError NOT_FOUND, CANCELLED.
 */
export async function readFileInfo(path: string, signal?: AbortSignal): Promise<{ info?: FileInfo; bytes?: Uint8Array }> {
  throwIfAborted(signal);
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `${path} does not exist`, { path, cause: err, hint: "check the asset's path in the config" });
  }
  if (!st.isFile()) return {};
  if (st.size > WHOLE_READ_MAX) return { info: { "file:size": st.size, "file:checksum": await sha256Multihash(path, signal, st.size) } };
  let buf: Buffer;
  try {
    buf = await readFile(path, { signal });
  } catch (err) {
    throwIfAborted(signal);
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new EocubeError("NOT_FOUND", `${path} does not exist`, { path, cause: err });
    throw err;
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return { info: { "file:size": bytes.length, "file:checksum": sha256MultihashOf(bytes) }, bytes };
}
